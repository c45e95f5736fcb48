//! Golden digests: the SHA-256 of every output file for the default model and for each
//! shipped script, at fixed seeds. A change to any simulated number changes a digest.
//!
//! Regenerate only on purpose, saying why: `MAGLOOP_REGENERATE_GOLDEN="reason" cargo test
//! --release --test it golden` rewrites tests/golden/digests.txt and adds a line with the
//! reason to CHANGELOG.md. Without the variable a mismatch fails, printing expected beside
//! actual.

use std::collections::BTreeMap;
use std::fs;

use magloop::model::{self, Overrides, sha256_hex};
use magloop::output;
use magloop::script::{self, ScriptPolicy};
use magloop::sim::{RunOptions, Simulation};

use crate::common::repo;

const SEED: u64 = 11;

/// The cases: (name, scripts). Each runs the default model over its 10 years.
fn cases() -> Vec<(String, Vec<String>)> {
    let mut out = vec![("default".to_string(), Vec::new())];
    let mut scripts: Vec<String> = fs::read_dir(repo().join("scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    scripts.sort();
    for s in scripts {
        out.push((
            s.trim_end_matches(".rhai").to_string(),
            vec![format!("scripts/{s}")],
        ));
    }
    out
}

/// A run of `model` at the golden seed.
fn simulation(model: &model::Model) -> Simulation<'_> {
    let opts = RunOptions {
        seed: SEED,
        replication: 0,
        trace: false,
    };
    Simulation::new(model, opts).unwrap()
}

/// `case file digest` lines for one case.
fn digests(name: &str, scripts: &[String]) -> Vec<String> {
    let m = model::load_default(&Overrides::default()).unwrap();
    // Scripts are named by their path in the repository, as a user names them from its
    // root, so shocks.parquet (which names the script) does not depend on the checkout.
    let engine = script::documentation_engine();
    let compiled: Vec<_> = scripts
        .iter()
        .map(|s| {
            let text = fs::read_to_string(repo().join(s)).unwrap();
            script::compile_text(&engine, s, &text).unwrap()
        })
        .collect();
    let mut sim = simulation(&m.model);
    if !compiled.is_empty() {
        sim.set_policy(Box::new(ScriptPolicy::new(&m.model, compiled)));
    }
    let r = sim.run(|_| {}).unwrap();
    // timeseries.parquet as `magloop run` writes it (from the recorder's codes); the
    // other tables through polars' writer. The test below checks that the two agree.
    let mut lines = vec![format!(
        "{name} timeseries.parquet {}",
        sha256_hex(&output::timeseries_bytes(&r).unwrap())
    )];
    let frames = [
        ("summary.parquet", output::summary_frame(&[&r.summary])),
        ("nodes.parquet", output::nodes_frame(&r)),
        ("shocks.parquet", output::shocks_frame(&r)),
        ("yearly.parquet", output::yearly_frame(&r)),
    ];
    lines.extend(frames.into_iter().map(|(file, df)| {
        let bytes = output::parquet_bytes(&mut df.unwrap()).unwrap();
        format!("{name} {file} {}", sha256_hex(&bytes))
    }));
    lines
}

#[test]
fn outputs_match_their_golden_digests() {
    let path = repo().join("tests/golden/digests.txt");
    let mut actual = Vec::new();
    for (name, scripts) in cases() {
        actual.extend(digests(&name, &scripts));
    }
    if let Ok(reason) = std::env::var("MAGLOOP_REGENERATE_GOLDEN") {
        assert!(
            !reason.trim().is_empty(),
            "say why in MAGLOOP_REGENERATE_GOLDEN"
        );
        let header =
            "# case file sha256: golden digests of outputs at seed 11 (tests/it/golden.rs)\n";
        fs::write(&path, format!("{header}{}\n", actual.join("\n"))).unwrap();
        let changelog = repo().join("CHANGELOG.md");
        let text = fs::read_to_string(&changelog).unwrap();
        let line = format!("- Golden digests regenerated: {}", reason.trim());
        let updated = text.replacen("## Unreleased\n", &format!("## Unreleased\n\n{line}\n"), 1);
        fs::write(&changelog, updated).unwrap();
        return;
    }
    let expected: BTreeMap<String, String> = fs::read_to_string(&path)
        .expect(
            "tests/golden/digests.txt exists (regenerate with MAGLOOP_REGENERATE_GOLDEN=reason)",
        )
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, digest) = l.rsplit_once(' ').unwrap();
            (key.to_string(), digest.to_string())
        })
        .collect();
    let mut mismatches = Vec::new();
    for line in &actual {
        let (key, digest) = line.rsplit_once(' ').unwrap();
        match expected.get(key) {
            Some(e) if e == digest => {}
            Some(e) => mismatches.push(format!("{key}\n  expected {e}\n  actual   {digest}")),
            None => mismatches.push(format!(
                "{key}\n  expected (none: a new case)\n  actual   {digest}"
            )),
        }
    }
    assert_eq!(
        expected.len(),
        actual.len(),
        "cases changed: regenerate on purpose"
    );
    assert!(
        mismatches.is_empty(),
        "outputs changed (if on purpose: MAGLOOP_REGENERATE_GOLDEN=\"why\"):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn the_time_series_writer_gives_polars_bytes_for_every_shipped_model() {
    // `timeseries_bytes` builds the node, metric and unit columns' dictionary pages from
    // the recorder's codes; polars' writer hashes the strings. The files must be the same,
    // byte for byte, for every shipped model over its own horizon (the default model's ten
    // years of daily records make four row groups) and the M/M/1 bench model. The golden
    // digests cover the default model's scripts through this writer.
    let mut files: Vec<_> = fs::read_dir(repo().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files.push(repo().join("benches/mm1_rho09.yaml"));
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let m = model::load_file(&file, &Overrides::default()).unwrap();
        let r = simulation(&m.model).run(|_| {}).unwrap();
        assert!(!r.timeseries.is_empty(), "{}", file.display());
        let coded = output::timeseries_bytes(&r).unwrap();
        let plain = output::parquet_bytes(&mut output::timeseries_frame(&r).unwrap()).unwrap();
        assert!(coded == plain, "{}: the writers differ", file.display());
    }
}
