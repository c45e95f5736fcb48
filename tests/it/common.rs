//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use magloop::model::{self, LoadedModel, Overrides};
use magloop::sim::{self, RunOptions, RunResult};

/// The magloop binary built for these tests.
pub fn magloop() -> Command {
    Command::new(env!("CARGO_BIN_EXE_magloop"))
}

/// Runs the binary with `args` in `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    magloop()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the magloop binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary folder, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads YAML text or panics with the rendered problems.
pub fn load(yaml: &str) -> LoadedModel {
    match model::load_str(yaml, "test.yaml", &Overrides::default()) {
        Ok(m) => m,
        Err(e) => panic!("model should load:\n{e}"),
    }
}

/// The rendered problems of YAML that must not load.
pub fn problems(yaml: &str) -> Vec<magloop::error::Problem> {
    match model::load_str(yaml, "bad.yaml", &Overrides::default()) {
        Ok(_) => panic!("model should have been rejected"),
        Err(magloop::Error::Model { problems, .. }) => problems,
        Err(e) => panic!("expected model problems, got: {e}"),
    }
}

/// Runs a model in-process with `seed`.
pub fn simulate(m: &LoadedModel, seed: u64) -> RunResult {
    sim::simulate(
        &m.model,
        RunOptions {
            seed,
            replication: 0,
            trace: false,
        },
        |_| {},
    )
    .expect("the run completes and balances")
}

/// The last recorded value of (entity, metric).
pub fn last(r: &RunResult, entity: &str, metric: &str) -> f64 {
    r.timeseries
        .series(entity, metric)
        .last()
        .map(|x| x.1)
        .unwrap_or_else(|| panic!("no series {entity}/{metric}"))
}

/// Whole-run statistics of one node or link.
pub fn stats<'a>(r: &'a RunResult, id: &str) -> &'a sim::record::EntityStats {
    r.entities
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no entity {id}"))
}
