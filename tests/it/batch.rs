//! `magloop batch`: one dataset whatever the thread count or sharding, resumable after a
//! kill, failures recorded without stopping the batch, and bad experiments refused.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use polars::prelude::{ParquetReader, SerReader};

use crate::common::{magloop, repo, run_in, stderr, stdout, tempdir};

/// A small experiment: 2 scenarios x 3 seeds of the default model over two years (the Reno outage is in 2026).
fn experiment(dir: &Path, extra_scenario: &str) -> PathBuf {
    let repo = repo();
    let yaml = format!(
        "name: small\nmodel: {model}\nyears: 2\nreplications: {{count: 3, base_seed: 5}}\nbaseline: base\nscenarios:\n  - name: base\n  - name: outage\n    scripts: [{script}]\n{extra_scenario}",
        model = repo.join("models/us_magnet_network.yaml").display(),
        script = repo.join("scripts/reno_outage.rhai").display(),
    );
    let path = dir.join("small.yaml");
    fs::write(&path, yaml).unwrap();
    path
}

fn batch(exp: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "batch",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    run_in(&repo(), &args)
}

/// Every file of a dataset (relative path -> bytes), leaving out the run marks (which
/// hold wall-clock-free but path-free data anyway) and batch.json.
fn dataset(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn parquet_files(d: &BTreeMap<String, Vec<u8>>) -> BTreeMap<&String, &Vec<u8>> {
    d.iter().filter(|(k, _)| k.ends_with(".parquet")).collect()
}

#[test]
fn jobs_and_shards_give_the_same_dataset_row_for_row() {
    let dir = tempdir();
    let exp = experiment(dir.path(), "");
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    let sharded = dir.path().join("sharded");
    assert!(batch(&exp, &one, &["--jobs", "1"]).status.success());
    assert!(batch(&exp, &two, &["--jobs", "2"]).status.success());
    for k in 0..4 {
        let o = batch(&exp, &sharded, &["--shard", &format!("{k}/4")]);
        assert!(o.status.success(), "shard {k}: {}", stderr(&o));
    }
    // Shards write only their runs; the assembly comes from a resume without --shard.
    assert!(!sharded.join("summary.parquet").exists());
    let o = batch(&exp, &sharded, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b, c) = (dataset(&one), dataset(&two), dataset(&sharded));
    let (pa, pb, pc) = (parquet_files(&a), parquet_files(&b), parquet_files(&c));
    // 2 scenarios x 3 seeds x 5 tables (timeseries, yearly, nodes, shocks, summary), plus
    // summary, comparison and failures.
    assert_eq!(pa.len(), 2 * 3 * 5 + 3, "{:?}", pa.keys());
    assert_eq!(pa, pb);
    assert_eq!(pa, pc);
    assert!(pa.contains_key(&"timeseries/scenario=outage/seed=7/part-0.parquet".to_string()));
}

#[test]
fn resume_redoes_only_missing_or_broken_runs() {
    let dir = tempdir();
    let exp = experiment(dir.path(), "");
    let out = dir.path().join("out");
    assert!(batch(&exp, &out, &[]).status.success());
    let clean = dataset(&out);
    // Without --resume, a folder holding this batch is refused, untouched.
    let o = batch(&exp, &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--resume"));
    // Break one run (a truncated part) and lose another's mark, as a kill would.
    fs::write(
        out.join("nodes/scenario=base/seed=6/part-0.parquet"),
        b"PAR1",
    )
    .unwrap();
    fs::remove_file(out.join("_runs/scenario=outage/seed=5.json")).unwrap();
    let o = run_in(
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--resume",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ran 2, skipped 4"), "{}", stdout(&o));
    let now = dataset(&out);
    assert_eq!(parquet_files(&now), parquet_files(&clean));
}

#[test]
fn a_killed_batch_resumes_to_the_same_dataset() {
    let dir = tempdir();
    let exp = experiment(dir.path(), "");
    let reference = dir.path().join("reference");
    assert!(batch(&exp, &reference, &["--jobs", "2"]).status.success());
    let out = dir.path().join("killed");
    let mut child = magloop()
        .args([
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--jobs",
            "1",
        ])
        .current_dir(repo())
        .spawn()
        .unwrap();
    // Kill it part-way (SIGKILL: no chance to clean up); whatever was complete stays valid.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    // No file a reader would take for a finished table: no summary yet, no temporary file
    // under a final name (temporaries start with a dot and end in .tmp-PID).
    for name in dataset(&out).keys() {
        let file = Path::new(name).file_name().unwrap().to_string_lossy();
        assert!(file.starts_with('.') || !file.contains(".tmp-"), "{name}");
    }
    let o = batch(&exp, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = dataset(&out);
    let mut got = parquet_files(&all);
    got.retain(|k, _| {
        !Path::new(k)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with('.')
    });
    let reference = dataset(&reference);
    assert_eq!(got, parquet_files(&reference));
}

/// (scenario, seed) of each run with an entry under `table/` now: a folder of parts (made
/// when the run starts writing them), or a mark (`_runs`). Temporaries (`.name`) are left out.
fn runs_in(out: &Path, table: &str) -> Vec<(String, String)> {
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let mut runs = Vec::new();
    for sc in fs::read_dir(out.join(table))
        .into_iter()
        .flatten()
        .flatten()
    {
        for run in fs::read_dir(sc.path()).into_iter().flatten().flatten() {
            let seed = name(&run.path());
            if !seed.starts_with('.') {
                let seed = seed.trim_end_matches(".json").to_string();
                runs.push((name(&sc.path()), seed));
            }
        }
    }
    runs
}

#[test]
fn each_run_is_marked_complete_as_it_ends_not_when_the_batch_does() {
    // A worker that waited for polars used to start the next run inside the waiting one
    // (rayon work stealing), so a batch held every unfinished run in memory and wrote no
    // mark until the end: a kill lost all of them (4 of these 6 runs at once with
    // --jobs 1). Now at most --jobs runs are between writing parts and their mark.
    let dir = tempdir();
    let exp = experiment(dir.path(), "");
    let out = dir.path().join("out");
    let mut child = magloop()
        .args([
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["-q", "--jobs", "1"])
        .current_dir(repo())
        .spawn()
        .unwrap();
    let mut most_unmarked = 0;
    loop {
        let finished = child.try_wait().unwrap();
        // Parts first, then marks: a mark written in between only lowers the count.
        let parts = runs_in(&out, "timeseries");
        let marks = runs_in(&out, "_runs");
        let unmarked = parts.iter().filter(|r| !marks.contains(r)).count();
        most_unmarked = most_unmarked.max(unmarked);
        if let Some(status) = finished {
            assert!(status.success());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(runs_in(&out, "_runs").len(), 6);
    assert!(
        most_unmarked <= 1,
        "{most_unmarked} runs had parts and no mark at once"
    );
}

#[test]
fn a_failing_scenario_is_recorded_and_the_batch_goes_on() {
    let dir = tempdir();
    // A script that fails at run time on 2025-03-01: an unknown node whose name is built at
    // run time, so `validate`'s check of literal names cannot see it beforehand.
    let bad = dir.path().join("bad.rhai");
    fs::write(&bad, "at(\"2025-03-01\", || {\n  outage(\"atl\" + \"antis\", \"2025-04-01\", \"1 month\");\n});\n").unwrap();
    let exp = experiment(
        dir.path(),
        &format!("  - name: broken\n    scripts: [{}]\n", bad.display()),
    );
    let out = dir.path().join("out");
    let o = batch(&exp, &out, &[]);
    // Exit 3: some runs failed (bad input would be 2).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("3 runs failed"), "{}", stderr(&o));
    let failures = ParquetReader::new(fs::File::open(out.join("failures.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(failures.height(), 3);
    let err = failures
        .column("error")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert!(
        err.contains("bad.rhai:2:3") && err.contains("2025-03-01") && err.contains("atlantis"),
        "{err}"
    );
    // The good scenarios still ran and were compared.
    assert!(out.join("summary.parquet").exists() && out.join("comparison.parquet").exists());
    assert!(out.join("_runs/scenario=outage/seed=7.json").exists());
}

#[test]
fn bad_experiments_are_refused_with_every_problem() {
    let dir = tempdir();
    let yaml = "name: bad\nyears: 1\nreplications: {count: 2}\nbaseline: basline\nscenarios:\n  - name: base\n  - name: x\n    scripts: [missing.rhai]\n  - name: y\n    overrides: {nodes.dfw_hpms.vesels: 4}\n  - name: z\n    overrides: {nodes.dfw.vessels: 4}\n";
    let exp = dir.path().join("bad.yaml");
    fs::write(&exp, yaml).unwrap();
    let o = batch(&exp, &dir.path().join("out"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for needle in [
        "no scenario named `basline`",
        "did you mean `base`?",
        "missing.rhai",
        "unknown field `vesels`",
        "no item with id `dfw`",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written for a bad experiment"
    );
}

#[test]
fn shipped_experiments_load() {
    for name in ["export_controls_2025", "capacity_options"] {
        let exp = magloop::batch::load(&repo().join(format!("models/experiments/{name}.yaml")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(exp.scenarios.len() >= 3);
        assert_eq!(exp.name, name);
    }
    let e =
        magloop::batch::load(&repo().join("models/experiments/export_controls_2025.yaml")).unwrap();
    // 4 scenarios x 30 seeds.
    assert_eq!(e.grid().len(), 120);
    assert_eq!(e.scenarios[e.baseline].name, "baseline");
    // 2 scenarios x 32 (7 + 2) Saltelli samples x 2 seeds = 1,152 runs.
    let u = magloop::batch::load(&repo().join("models/experiments/uncertainty_2030.yaml")).unwrap();
    assert_eq!(u.uncertainty.as_ref().unwrap().inputs.len(), 7);
    assert_eq!(u.grid().len(), 2 * 32 * 9 * 2);
    // 1 scenario x 32 (6 + 2) Saltelli samples x 2 seeds = 512 runs; the sampled paths all
    // exist in the default model (load checks each against it).
    let p = magloop::batch::load(&repo().join("models/experiments/producers_2032.yaml")).unwrap();
    assert_eq!(p.uncertainty.as_ref().unwrap().inputs.len(), 6);
    assert_eq!(p.grid().len(), 32 * 8 * 2);
    // Baseline, combined and its 7 other subsets of 3 shocks (2^3 - 1), 10 seeds: 90 runs.
    let a = magloop::batch::load(&repo().join("models/experiments/attribution_2025.yaml")).unwrap();
    assert_eq!(a.grid().len(), 9 * 10);
    let combined = a.scenarios.iter().find(|s| s.name == "combined").unwrap();
    assert_eq!(
        combined.shocks,
        [
            "china_export_controls_2025",
            "dfw_commissioning_delay",
            "reno_outage"
        ]
    );
}

#[test]
fn comparison_pairs_yearly_kpis_and_a_commissioning_delay_shows_in_its_years() {
    let dir = tempdir();
    let repo = repo();
    // Four calendar years, 2025 .. 2028, two seeds; the Dallas hub commissions on
    // 2027-07-01 in the default model, and 18 months later (2029-01-01, past the horizon)
    // with the delay script.
    let yaml = format!(
        "name: delay\nmodel: {model}\nyears: 4\nreplications: {{count: 2, base_seed: 1}}\nbaseline: base\nscenarios:\n  - name: base\n  - name: late\n    scripts: [{script}]\n",
        model = repo.join("models/us_magnet_network.yaml").display(),
        script = repo.join("scripts/dfw_commissioning_delay.rhai").display(),
    );
    let exp = dir.path().join("delay.yaml");
    fs::write(&exp, yaml).unwrap();
    let out = dir.path().join("out");
    let o = batch(&exp, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Each run's yearly KPIs, hive-partitioned like the other tables.
    assert!(
        out.join("yearly/scenario=late/seed=2/part-0.parquet")
            .exists()
    );
    let file = fs::File::open(out.join("comparison.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    let col = |c: &str| df.column(c).unwrap().as_materialized_series().clone();
    let (scenario, kpi, year, sector) = (col("scenario"), col("kpi"), col("year"), col("sector"));
    let (mean, diff) = (col("mean"), col("diff_mean"));
    let find = |s: &str, k: &str, y: Option<i32>| -> usize {
        (0..df.height())
            .find(|&i| {
                scenario.str().unwrap().get(i) == Some(s)
                    && kpi.str().unwrap().get(i) == Some(k)
                    && year.i32().unwrap().get(i) == y
                    && sector.str().unwrap().get(i) == y.map(|_| "all")
            })
            .unwrap_or_else(|| panic!("no row {s} {k} {y:?}"))
    };
    let f = |s: &polars::prelude::Series, i: usize| s.f64().unwrap().get(i);
    // Whole-run rows have no year and no sector.
    let whole = find("late", "recycled_supply_t", None);
    assert_eq!(sector.str().unwrap().get(whole), None);
    for y in [2025, 2026] {
        // Before either commissioning date both scenarios recycle nothing: the paired
        // difference is exactly 0.
        let i = find("late", "recycled_supply_t", Some(y));
        assert_eq!(f(&mean, i), Some(0.0), "{y}");
        assert_eq!(f(&diff, i), Some(0.0), "{y}");
    }
    for y in [2027, 2028] {
        // The base hub makes magnets from mid-2027; the late one none before 2029: each
        // pair differs by minus the base's supply, so the mean difference is minus its mean.
        let base = f(&mean, find("base", "recycled_supply_t", Some(y))).unwrap();
        let i = find("late", "recycled_supply_t", Some(y));
        assert!(base > 10.0, "{y}: base recycles {base} t");
        assert_eq!(f(&mean, i), Some(0.0), "{y}");
        assert_eq!(f(&diff, i), Some(-base), "{y}");
    }
    // Cumulative to the end of 2028: the same as the whole run's difference.
    let cum = f(&diff, find("late", "recycled_supply_cum_t", Some(2028))).unwrap();
    assert_eq!(Some(cum), f(&diff, whole));
}
