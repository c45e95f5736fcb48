//! magloop's integration tests, as one binary (polars is linked once, not once per file).
//!
//! Modules, each a theme (the three largest are folders of submodules, each with a README):
//! - `common`: shared helpers (temporary folders, loading YAML, running the binary).
//! - `nodes`: each node kind alone in a tiny network, expected values worked out by hand.
//! - `validation`: every model error, with its message, place and exit code; one submodule per
//!   kind of mistake (`syntax`, `fields`, `distributions`, `ranges`, `references`, ...).
//! - `calendar`: horizons on calendar dates, records' periods, yearly KPIs that add up
//!   exactly to the whole-run ones, a market over a leap year worked out by hand.
//! - `default_model`: the checks the default model must pass on a 10-year run.
//! - `hub`: the Dallas-Fort Worth HPMS hub as published: nameplate output on ample feed,
//!   the five-year ramp, batches by magnet mass, and the finding that names its limit.
//! - `cli`: the `magloop` binary run as a user runs it: files, determinism, exit codes.
//! - `outputs`: where `run` writes: default folders that do not collide, refusals that keep
//!   the old results byte-identical, `--force`, failed and killed runs, file modes under a
//!   umask, `validate` of experiments, the printed report.
//! - `batch`: experiments: identical datasets across --jobs and shards, resume, failures.
//! - `producers`: domestic magnet makers alone on external feed, fed by an oxide plant, moved
//!   and resized by scripts; the default model's producers against their announced capacities.
//! - `golden`: digests of every output file for the default model and each shipped script.
//! - `report`: `magloop report`: the embedded data against the tables, bad folders, and the
//!   page in headless Chromium (skipped visibly without it).
//! - `properties`: random small networks conserve every element (proptest).
//! - `scripts`: policy scripts: each shipped script's effect (`shipped`), every API function
//!   (`api`), bad scripts (`bad`), bugs found, `magloop api` (`api_reference`).
//! - `hostile`: the corpus under tests/hostile/ (`corpus`) and made-up garbage (`made_here`,
//!   `limits`, `known_bugs`): exit 2, no panic, no hang.
//! - `theory`: agreement with queueing theory (M/M/1, M/M/c, Jackson tandem, Little's law)
//!   and with a SimPy peer where Python and simpy are installed.
//! - `sensitivity`: the sensitivity estimators against SALib on the same matrices, where
//!   python3 and SALib are installed.
//! - `uncertainty`: experiments with uncertain inputs (Saltelli, Latin hypercube) and Shapley
//!   attribution on a tiny market whose indices and shares are worked out by hand.
//! - `slurm`: `magloop batch` sharded over a real one-node Slurm cluster, where root and Slurm are.

mod batch;
mod calendar;
mod cli;
mod common;
mod default_model;
mod golden;
mod hostile;
mod hub;
mod nodes;
mod outputs;
mod producers;
mod properties;
mod report;
mod scripts;
mod sensitivity;
mod slurm;
mod theory;
mod uncertainty;
mod validation;
