//! The `magloop` binary as a user runs it: what it writes, determinism, exit codes.

use std::fs;
use std::path::Path;

use polars::prelude::*;

use crate::common::{repo, run_in, stderr, stdout, tempdir};

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).expect("file exists"))
        .finish()
        .expect("valid Parquet")
}

/// Runs the default model into `out` (2 years unless `extra` says otherwise).
fn run_default(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--out", out.to_str().unwrap()];
    if !extra.contains(&"--years") {
        args.extend(["--years", "2"]);
    }
    args.extend_from_slice(extra);
    run_in(&repo(), &args)
}

#[test]
fn run_writes_every_file_and_a_manifest_that_vouches_for_them() {
    let dir = tempdir();
    let out = dir.path().join("run");
    let o = run_default(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The report names the folder and the hub finding; no progress bar when stderr is a pipe.
    assert!(stdout(&o).contains("wrote"), "{}", stdout(&o));
    assert!(stderr(&o).is_empty(), "stderr: {}", stderr(&o));
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // No temporary files left behind, no trace without --trace; shocks.parquet is written on
    // every run (empty without scripts) so that datasets line up.
    assert_eq!(
        names,
        [
            "manifest.json",
            "nodes.parquet",
            "shocks.parquet",
            "summary.parquet",
            "timeseries.parquet",
            "yearly.parquet"
        ]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 1);
    assert_eq!(manifest["years"], 2.0);
    assert!(manifest["events_processed"].as_u64().unwrap() > 1000);
    assert_eq!(
        manifest["model_sha256"].as_str().unwrap(),
        magloop::model::sha256_hex(magloop::model::DEFAULT_MODEL_YAML.as_bytes())
    );
    for name in [
        "timeseries.parquet",
        "summary.parquet",
        "nodes.parquet",
        "yearly.parquet",
    ] {
        let bytes = fs::read(out.join(name)).unwrap();
        assert_eq!(
            manifest["files"][name].as_str().unwrap(),
            magloop::model::sha256_hex(&bytes),
            "{name}"
        );
    }
}

#[test]
fn timeseries_and_summary_have_the_documented_schema() {
    let dir = tempdir();
    let out = dir.path().join("run");
    assert!(run_default(&out, &["--quiet"]).status.success());
    let ts = read(&out.join("timeseries.parquet"));
    let schema: Vec<(String, DataType)> = ts
        .schema()
        .iter()
        .map(|(n, t)| (n.to_string(), t.clone()))
        .collect();
    assert_eq!(
        schema,
        vec![
            ("date".into(), DataType::Date),
            ("day".into(), DataType::Int32),
            ("time_s".into(), DataType::Int64),
            ("period_start".into(), DataType::Date),
            ("period_end".into(), DataType::Date),
            ("node".into(), DataType::String),
            ("metric".into(), DataType::String),
            ("value".into(), DataType::Float64),
            ("unit".into(), DataType::String),
        ]
    );
    // Two calendar years of daily records, 2025 and 2026 (365 + 365 = 730 days): days
    // 1 .. 730, the last at the horizon, 2027-01-01 00:00.
    let days = ts.column("day").unwrap().i32().unwrap();
    assert_eq!(days.min(), Some(1));
    assert_eq!(days.max(), Some(730));
    let summary = read(&out.join("summary.parquet"));
    assert_eq!(summary.height(), 1);
    for col in [
        "model",
        "seed",
        "drives_processed",
        "hpms_output_t",
        "sintered_magnets_t",
        "coproducts_t",
        "oxides_t",
        "lead_time_mean_days",
        "lead_time_p95_days",
        "domestic_share",
        "shortfall_t",
        "transport_cost_usd",
        "co2_t",
        "hpms_limit",
        "hpms_feed_t_per_year",
        "hpms_feed_needed_t_per_year",
    ] {
        assert!(summary.column(col).is_ok(), "summary lacks {col}");
    }
}

#[test]
fn the_same_seed_gives_byte_identical_files_and_another_seed_does_not() {
    let dir = tempdir();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    assert!(run_default(&a, &["-q"]).status.success());
    assert!(run_default(&b, &["-q"]).status.success());
    assert!(run_default(&c, &["-q", "--seed", "2"]).status.success());
    for name in [
        "timeseries.parquet",
        "summary.parquet",
        "nodes.parquet",
        "yearly.parquet",
    ] {
        assert_eq!(
            fs::read(a.join(name)).unwrap(),
            fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
    assert_ne!(
        fs::read(a.join("timeseries.parquet")).unwrap(),
        fs::read(c.join("timeseries.parquet")).unwrap()
    );
}

#[test]
fn trace_writes_every_event_and_a_later_run_without_it_removes_the_stale_trace() {
    let dir = tempdir();
    let out = dir.path().join("run");
    assert!(
        run_default(&out, &["-q", "--trace", "--years", "1"])
            .status
            .success()
    );
    let events = read(&out.join("events.parquet"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    // One row per event processed.
    assert_eq!(
        events.height() as u64,
        manifest["events_processed"].as_u64().unwrap()
    );
    assert!(run_default(&out, &["-q", "--years", "1"]).status.success());
    assert!(!out.join("events.parquet").exists());
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let dir = tempdir();
    for (args, needle) in [
        (
            vec!["run", "--seed", "abc"],
            "error: --seed takes a whole number from 0 to 18446744073709551615, got `abc`",
        ),
        (
            vec!["run", "--years", "-1"],
            "error: --years takes a number of years above 0 and at most 200, got `-1`",
        ),
        (
            vec!["run", "--years", "1e9"],
            "error: --years takes a number of years above 0 and at most 200, got `1e9`",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (
            vec!["run", "no/such/model.yaml"],
            "cannot read no/such/model.yaml",
        ),
        (vec!["batch"], "required"),
    ] {
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    // Help is not an error.
    assert_eq!(run_in(dir.path(), &["--help"]).status.code(), Some(0));
}

#[test]
fn an_unwritable_output_folder_fails_before_the_run_and_writes_nothing() {
    let dir = tempdir();
    // A file where the output folder should be.
    let blocker = dir.path().join("taken");
    fs::write(&blocker, "not a folder").unwrap();
    let o = run_in(
        &repo(),
        &[
            "run",
            "--years",
            "1",
            "--out",
            blocker.join("run").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("choose another folder with --out"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "not a folder");
}

#[test]
fn every_shipped_model_validates_and_runs() {
    let dir = tempdir();
    for entry in fs::read_dir(repo().join("models")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let p = path.to_str().unwrap();
        let v = run_in(&repo(), &["validate", p]);
        assert!(v.status.success(), "{p}: {}", stderr(&v));
        let out = dir.path().join(path.file_stem().unwrap());
        let r = run_in(
            &repo(),
            &[
                "run",
                p,
                "--years",
                "1",
                "-q",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(r.status.success(), "{p}: {}", stderr(&r));
    }
}
