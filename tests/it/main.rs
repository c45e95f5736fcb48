//! magloop's integration tests, as one binary (polars is linked once, not once per file).
//!
//! Modules, each a theme:
//! - `common`: shared helpers (temporary folders, loading YAML, running the binary).
//! - `nodes`: each node kind alone in a tiny network, expected values worked out by hand.
//! - `validation`: every model error, with its message, place and exit code.
//! - `default_model`: the checks the default model must pass on a 10-year run.
//! - `cli`: the `magloop` binary run as a user runs it: files, determinism, exit codes.
//! - `batch`: experiments: identical datasets across --jobs and shards, resume, failures.
//! - `theory`: agreement with queueing theory (M/M/1, M/M/c, Jackson tandem, Little's law)
//!   and with a SimPy peer where Python and simpy are installed.

mod batch;
mod cli;
mod common;
mod default_model;
mod nodes;
mod theory;
mod validation;
