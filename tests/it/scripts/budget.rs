//! The run's script budget (issue 14): all the calls of a run share one budget of
//! operations, so no script can make a run or a batch take unbounded time. Each case states
//! the bound it must end within.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::{MODEL, files_in, read, write_script};
use crate::common::{repo, run_in, stderr, stdout, tempdir};

/// Runs `magloop ARGS` in `cwd`, killing it after `bound` (which fails the test: the budget is
/// there so that no script can make a run hang). Output goes to files, not pipes.
fn run_within(bound: std::time::Duration, cwd: &Path, args: &[&str]) -> Output {
    use std::process::Stdio;
    use std::time::Instant;
    let logs = tempdir();
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = crate::common::magloop()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("the magloop binary runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "magloop {} still running after {bound:?}; killed",
                args.join(" ")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(&out_path).unwrap(),
        stderr: fs::read(&err_path).unwrap(),
    }
}

/// Generous: each case below takes seconds; without the budget they took hours.
const BUDGET_BOUND: std::time::Duration = std::time::Duration::from_secs(180);

#[test]
fn a_runaway_hourly_hook_stops_at_the_budget_naming_its_place_and_how_to_raise_it() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let script = "tests/hostile/scripts/36-runaway-hook.rhai";
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "run",
            "--years",
            "1",
            "--script",
            script,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Each call does 3 operations per loop pass, about 300,000: 333 full calls and part of
    // the 334th use up 100,000,000 with the top level's few. Hourly from 2025-01-01 00:00,
    // call 334 runs at hour 333 = day 13.9, on 2025-01-14.
    assert_eq!(
        stderr(&o),
        format!(
            "error: {script}:2:1: at simulated date 2025-01-14: the scripts used more than the run's budget of 100000000 operations; the `every` closure registered at {script}:2 used 99999997 of them in 334 calls; if that much work is meant, raise the budget with `--script-budget N` (in an experiment file, `script_budget: N`), otherwise make the closure do less or run less often\n 2 | every(\"1 hour\", || {{ let s = \"\"; for i in 0..100000 {{ s += \"xxxxxxxxxx\"; }} }});\n   | ^\n"
        )
    );
    assert!(!out.exists(), "a failed run leaves no folder");
}

#[test]
fn a_hook_expensive_only_late_in_the_run_is_stopped_when_it_has_spent_the_budget() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let script = "tests/hostile/scripts/37-expensive-late.rhai";
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "run",
            "--years",
            "3",
            "--script",
            script,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Cheap daily calls until 2026-06-01, then ~1,350,000 operations each: the budget
    // lasts 74 of those, to 2026-08-14 (517 cheap calls + 74 = 591).
    assert!(
        stderr(&o).starts_with(&format!("error: {script}:2:1: at simulated date 2026-08-14: the scripts used more than the run's budget of 100000000 operations; the `every` closure registered at {script}:2 used 99999997 of them in 591 calls;")),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "a failed run leaves no folder");
    // validate runs only the top level, which is cheap: it passes.
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &["validate", MODEL, "--script", script],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_budget_is_set_per_run_and_counts_every_operation_of_every_hook() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "cheap.rhai",
        "on_record(|| { let x = inventory(\"reno_nv\"); });\n",
    );
    let run = |budget: Option<&str>, out: &str| {
        let out = dir.path().join(out);
        let mut args = vec!["run", "--years", "1", "--script", &s, "--out"];
        args.push(out.to_str().unwrap());
        if let Some(b) = budget {
            args.extend(["--script-budget", b]);
        }
        (run_within(BUDGET_BOUND, dir.path(), &args), out)
    };
    // The report says what the scripts used.
    let (o, _) = run(None, "default");
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    let line = report
        .lines()
        .find(|l| l.trim_start().starts_with("scripts: "))
        .unwrap_or_else(|| panic!("no scripts line in\n{report}"));
    assert!(
        line.ends_with("operations, under 0.01 % of their budget of 100000000 (--script-budget)"),
        "{line}"
    );
    let used: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    // One call a recording step: 366 over a year of 365.25 days.
    assert!((366..366 * 20).contains(&used), "{used}");
    // Operations are counted exactly and the same on every run: a budget of exactly that
    // many passes, one fewer fails on the last recording step (the horizon, 2026-01-01).
    let (o, out) = run(Some(&used.to_string()), "exact");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("scripts: {used} operations, 100.00 %")));
    assert!(out.join("timeseries.parquet").exists());
    let fewer = (used - 1).to_string();
    let (o, out) = run(Some(&fewer), "fewer");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "cheap.rhai:1:1: at simulated date 2026-01-01: the scripts used more than the run's budget of {fewer} operations; the `on_record` closure registered at "
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_in(&out), Vec::<String>::new());
    // A budget that is no budget is refused before anything runs.
    for bad in ["0", "lots", "1e9", "5.5"] {
        let (o, out) = run(Some(bad), "bad");
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--script-budget"),
            "{bad}: {}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
}

#[test]
fn validate_holds_the_top_level_to_the_budget_and_places_where_it_ran_out() {
    let dir = tempdir();
    write_script(
        dir.path(),
        "top.rhai",
        "let s = 0;\nfor i in 0..1000 { s += i; }\n",
    );
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &[
            "validate",
            model.to_str().unwrap(),
            "--script",
            "top.rhai",
            "--script-budget",
            "100",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: top.rhai:2:22: at simulated date 2025-01-01: the scripts used more than the run's budget of 100 operations; the top level of top.rhai used 101 of them in 1 call;"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("otherwise make the script's top level do less\n"));
    // The default budget is far above it.
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", "top.rhai"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn costly_operations_are_stopped_by_the_script_time_cap() {
    // Each pass upper-cases a 1 MiB string: one operation of about a millisecond. A budget of
    // 1,000,000 operations would last many minutes; its time cap (1 µs an operation, at
    // least 1 s) stops the run after about 1 s of script time.
    let dir = tempdir();
    let out = dir.path().join("out");
    write_script(
        dir.path(),
        "costly.rhai",
        "let s = \"x\";\ns.pad(1000000, 'x');\nat(\"2025-02-01\", || { loop { s.to_upper(); } });\n",
    );
    let o = run_within(
        BUDGET_BOUND,
        dir.path(),
        &[
            "run",
            "--years",
            "1",
            "--script",
            "costly.rhai",
            "--script-budget",
            "1000000",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: costly.rhai:3:1: at simulated date 2025-02-01: the scripts ran for more than the run's 1 s of script time (1 µs for each operation of the budget of 1000000, at least 1 s): their operations are costly ones"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("the `at` closure registered at costly.rhai:3 took "),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

/// An experiment over one year of the default model: a scenario without scripts and one
/// with `script`, `extra` added at the top level.
fn budget_experiment(dir: &Path, script: &str, extra: &str) -> PathBuf {
    let yaml = format!(
        "name: budget\nmodel: {model}\nyears: 1\n{extra}replications: {{count: 1}}\nbaseline: base\nscenarios:\n  - name: base\n  - name: hooked\n    scripts: [{script}]\n",
        model = repo().join(MODEL).display(),
    );
    let path = dir.join("budget.yaml");
    fs::write(&path, yaml).unwrap();
    path
}

/// The failed runs a batch recorded: (scenario, error).
fn failures(out: &Path) -> Vec<(String, String)> {
    let df = read(&out.join("failures.parquet"));
    let text = |name: &str, i: usize| {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap()
            .to_string()
    };
    (0..df.height())
        .map(|i| (text("scenario", i), text("error", i)))
        .collect()
}

#[test]
fn a_batch_with_a_runaway_scenario_records_the_failure_and_finishes_the_others() {
    let dir = tempdir();
    let script = repo().join("tests/hostile/scripts/36-runaway-hook.rhai");
    let exp = budget_experiment(dir.path(), script.to_str().unwrap(), "");
    let out = dir.path().join("out");
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--jobs",
            "2",
        ],
    );
    // Exit 3: a run failed (bad input would be 2).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 runs failed"), "{}", stderr(&o));
    let failed = failures(&out);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "hooked");
    assert!(
        failed[0].1.contains("36-runaway-hook.rhai:2:1: at simulated date 2025-01-14: the scripts used more than the run's budget of 100000000 operations"),
        "{}",
        failed[0].1
    );
    // Nothing of the failed run was written; the other ran in full.
    for table in ["timeseries", "nodes", "shocks", "summary"] {
        assert!(!out.join(table).join("scenario=hooked").exists(), "{table}");
        assert!(
            out.join(format!("{table}/scenario=base/seed=1/part-0.parquet"))
                .exists()
        );
    }
    assert!(!out.join("_runs/scenario=hooked").exists());
}

#[test]
fn an_experiments_script_budget_holds_each_of_its_runs() {
    let dir = tempdir();
    let script = write_script(
        dir.path(),
        "cheap.rhai",
        "on_record(|| { let x = inventory(\"reno_nv\"); });\n",
    );
    // Within the default budget the batch succeeds.
    let exp = budget_experiment(dir.path(), &script, "");
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            dir.path().join("a").to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // With `script_budget: 100` the hooked run fails on its budget, the other succeeds.
    let exp = budget_experiment(dir.path(), &script, "script_budget: 100\n");
    let out = dir.path().join("b");
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let failed = failures(&out);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].1.contains("the scripts used more than the run's budget of 100 operations; the `on_record` closure registered at"),
        "{}",
        failed[0].1
    );
}
