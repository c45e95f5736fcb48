//! Sensitivity analysis and attribution, as pure functions: sample designs in the unit
//! hypercube, the quantile transform to an input's distribution, Sobol' and Morris
//! estimators, and Shapley attribution. Nothing here runs a simulation or reads a file;
//! `batch` builds experiments from these.

pub mod design;
pub mod estimators;
pub mod quantile;
pub mod shapley;
pub mod sobol_seq;
