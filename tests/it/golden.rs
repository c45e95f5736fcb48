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

/// The shipped models (`models/*.yaml`, in name order) and the M/M/1 bench model.
fn shipped_model_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(repo().join("models"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files.push(repo().join("benches/mm1_rho09.yaml"));
    assert!(files.len() >= 3, "{files:?}");
    files
}

#[test]
fn the_time_series_writer_gives_polars_bytes_for_every_shipped_model() {
    // `timeseries_bytes` builds the node, metric and unit columns' dictionary pages from
    // the recorder's codes; polars' writer hashes the strings. The files must be the same,
    // byte for byte, for every shipped model over its own horizon (the default model's ten
    // years of daily records make four row groups) and the M/M/1 bench model. The golden
    // digests cover the default model's scripts through this writer.
    for file in shipped_model_files() {
        let m = model::load_file(&file, &Overrides::default()).unwrap();
        let r = simulation(&m.model).run(|_| {}).unwrap();
        assert!(!r.timeseries.is_empty(), "{}", file.display());
        let coded = output::timeseries_bytes(&r).unwrap();
        let plain = output::parquet_bytes(&mut output::timeseries_frame(&r).unwrap()).unwrap();
        assert!(coded == plain, "{}: the writers differ", file.display());
    }
}

#[test]
fn early_encoded_row_groups_give_the_same_time_series_bytes() {
    // `magloop run` encodes the time series' row groups but the last while the run goes on
    // (`output::EarlyTimeseries`), cutting them by a height predicted from the first
    // recording step. The file must be the one `timeseries_bytes` writes after the run:
    // for every shipped model (and the M/M/1 bench model), with the right number of steps (the default model's 1.18 M
    // rows: three of four row groups early), twice as many (a wrong cut: everything early
    // is dropped), half as many (a cut whose first row group is still right: it is kept)
    // and one step (a table of one row group: nothing early), and for a run whose script
    // adds a line.
    let mut started_for_default = None;
    for file in &shipped_model_files() {
        let m = model::load_file(file, &Overrides::default()).unwrap();
        let steps = m.model.recording_steps() as usize;
        for (case, predicted) in [
            ("exact", steps),
            ("twice", steps * 2),
            ("half", steps / 2),
            ("one", 1),
        ] {
            let mut early = output::EarlyTimeseries::new(predicted);
            let mut r = simulation(&m.model)
                .run_watched(|_, ts| early.watch(ts))
                .unwrap();
            if case == "exact" && file.ends_with("us_magnet_network.yaml") {
                started_for_default = Some(early.groups_started());
            }
            let want = output::timeseries_bytes(&r).unwrap();
            let got = early.finish(&mut r).unwrap();
            assert!(got == want, "{} ({case}): the files differ", file.display());
            // The times and values moved into the table, as take_timeseries_bytes moves them.
            assert!(r.timeseries.time_s.is_empty() && r.timeseries.value.is_empty());
        }
    }
    // 1,183,248 rows in four row groups of 295,812: the first three encoded early.
    assert_eq!(started_for_default, Some(3));
    let m = model::load_default(&Overrides::default()).unwrap();
    let text = fs::read_to_string(repo().join("scripts/second_inserma_line_2028.rhai")).unwrap();
    let engine = script::documentation_engine();
    let compiled =
        script::compile_text(&engine, "scripts/second_inserma_line_2028.rhai", &text).unwrap();
    let mut sim = simulation(&m.model);
    sim.set_policy(Box::new(ScriptPolicy::new(&m.model, vec![compiled])));
    let mut early = output::EarlyTimeseries::new(m.model.recording_steps() as usize);
    let mut r = sim.run_watched(|_, ts| early.watch(ts)).unwrap();
    let want = output::timeseries_bytes(&r).unwrap();
    assert!(
        early.finish(&mut r).unwrap() == want,
        "a scripted run: the files differ"
    );
}

#[test]
fn magloop_run_writes_the_golden_default_files() {
    // The command as a user runs it (the time series encoded partly during the run, the
    // other tables after it) writes the default case's golden files, byte for byte, at the
    // golden seed over the default model's ten years.
    let dir = crate::common::tempdir();
    let out = dir.path().join("run");
    let seed = SEED.to_string();
    let run = crate::common::run_in(
        &repo(),
        &[
            "run",
            "--quiet",
            "--seed",
            &seed,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let golden = fs::read_to_string(repo().join("tests/golden/digests.txt")).unwrap();
    let mut checked = 0;
    for line in golden.lines().filter(|l| l.starts_with("default ")) {
        let mut words = line.split(' ').skip(1);
        let (file, digest) = (words.next().unwrap(), words.next().unwrap());
        let bytes = fs::read(out.join(file)).unwrap();
        assert_eq!(sha256_hex(&bytes), digest, "{file}");
        checked += 1;
    }
    assert!(checked >= 5, "{checked} golden files of the default case");
}
