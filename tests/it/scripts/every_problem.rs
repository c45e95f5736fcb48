//! `validate` reports every problem of every script (issue 13): several in one script, in
//! several scripts, after a failing one; and the mistakes that do not stop a run (removing
//! more lines than a site has) as warnings in `validate`, the printed report and
//! `manifest.json`.

use std::fs;

use super::{MODEL, write_script};
use crate::common::{repo, run_in, stderr, stdout, tempdir};

/// `magloop validate` of the default model with `scripts` (name, text) written in a fresh
/// folder, given in that order: exit code, stdout, stderr.
fn validate(scripts: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let dir = tempdir();
    let model = repo().join(MODEL);
    let mut args = vec!["validate".to_string(), model.display().to_string()];
    for (name, text) in scripts {
        write_script(dir.path(), name, text);
        args.extend(["--script".to_string(), name.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run_in(dir.path(), &args);
    (o.status.code(), stdout(&o), stderr(&o))
}

#[test]
fn a_script_with_three_errors_reports_three() {
    // A misspelt function at the top level (the top level stops there), a misspelt node on
    // the next line, and a count of 0 inside a closure: all three, in the order of the text,
    // each placed, and the top-level run's own report of line 1 left out for the static one.
    let (code, _, err) = validate(&[(
        "three.rhai",
        "delay_comissioning(\"dfw_hpms\", \"12 months\");\noutage(\"reno_nw\", \"2026-03-01\", \"3 months\");\nat(\"2026-01-01\", || { add_capacity(\"reno_nv\", 0, \"2026-02-01\"); });\n",
    )]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        concat!(
            "error: three.rhai:1:1: unknown function `delay_comissioning` (did you mean `delay_commissioning`? it takes (node: string node id (hpms or oxide_plant or producer), delay: duration string such as \"3 months\"))\n",
            " 1 | delay_comissioning(\"dfw_hpms\", \"12 months\");\n",
            "   | ^\n",
            "three.rhai:2:9: unknown node `reno_nw` (did you mean `reno_nv`?)\n",
            " 2 | outage(\"reno_nw\", \"2026-03-01\", \"3 months\");\n",
            "   |         ^\n",
            "three.rhai:3:47: count must be from 1 to 1000, found 0\n",
            " 3 | at(\"2026-01-01\", || { add_capacity(\"reno_nv\", 0, \"2026-02-01\"); });\n",
            "   |                                               ^\n",
            "3 problems in three.rhai\n"
        )
    );
}

#[test]
fn every_bad_script_is_reported_not_only_the_first() {
    // A syntax error in the first, an unknown node in the second, a good third: the first
    // no longer hides the second, and they come in the order given.
    let (code, _, err) = validate(&[
        ("first.rhai", "let x = (1 + ;\n"),
        ("second.rhai", "let s = storage(\"dfw_hmps\");\n"),
        ("third.rhai", "note(\"fine\");\n"),
    ]);
    assert_eq!(code, Some(2), "{err}");
    let first = err.find("first.rhai:1:14: syntax error: Unexpected ';'");
    let second = err.find("second.rhai:1:18: unknown node `dfw_hmps` (did you mean `dfw_hpms`?)");
    assert!(first.is_some() && second.is_some(), "{err}");
    assert!(first < second, "{err}");
    assert!(
        err.ends_with("2 problems in first.rhai, second.rhai\n"),
        "{err}"
    );
    // One problem alone is reported as before, without a count.
    let (code, _, err) = validate(&[("second.rhai", "let s = storage(\"dfw_hmps\");\n")]);
    assert_eq!(code, Some(2));
    assert!(
        !err.contains("problems in"),
        "one problem is reported alone: {err}"
    );
}

#[test]
fn literal_checks_reach_function_bodies_and_add_up_shares() {
    // Inside a script function: a share map over both of Reno's links adding up to
    // 0.6 + 0.6 = 1.2; and inside a closure, one link at 0.7 and the other left out, which
    // may be right (the other keeps its share) and so passes.
    let (code, _, err) = validate(&[(
        "fnbody.rhai",
        "fn divert() { set_shares(\"reno_nv\", #{ reno_to_dfw: 0.6, reno_to_fredericktown: 0.6 }); }\non_record(|| { set_shares(\"reno_nv\", #{ reno_to_dfw: 0.7 }); });\n",
    )]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: fnbody.rhai:1:37: the shares of the links leaving `reno_nv` would add up to 1.2, not 1\n"),
        "{err}"
    );
    assert!(!err.contains("fnbody.rhai:2:"), "{err}");
    // Shares of two outputs in one map (the hub's magnets and its residue).
    let (code, _, err) = validate(&[(
        "ports.rhai",
        "at(\"2026-01-01\", || { set_shares(\"dfw_hpms\", #{ dfw_to_market: 1.0, dfw_residue_to_fredericktown: 1.0 }); });\n",
    )]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("ports.rhai:1:46: set the shares of one output at a time"),
        "{err}"
    );
}

#[test]
fn removing_more_lines_than_a_site_has_is_a_warning_in_validate_the_report_and_the_manifest() {
    // Williston has 2 Inserma lines in the default model (models/us_magnet_network.yaml):
    // removing 5 leaves none, which the run carries out and warns of. Removing Reno's one
    // line in a closure is exactly what it has: no warning.
    let script = "remove_capacity(\"williston_sc\", 5, \"2026-01-01\");\nat(\"2026-06-01\", || { remove_capacity(\"reno_nv\", 1, date()); });\n";
    let (code, out, err) = validate(&[("close.rhai", script)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 script ok"), "{out}");
    assert_eq!(
        err,
        "warning: close.rhai:1:33: remove_capacity of 5 at `williston_sc`, which has 2 lines in service in the model: it is left with none; to close it, remove 2\n 1 | remove_capacity(\"williston_sc\", 5, \"2026-01-01\");\n   |                                 ^\n"
    );

    let dir = tempdir();
    write_script(dir.path(), "close.rhai", script);
    let o = run_in(
        dir.path(),
        &[
            "run",
            "--script",
            "close.rhai",
            "--years",
            "2",
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let warning = "close.rhai:1: remove_capacity of 5 at `williston_sc`, which has 2 lines in service on 2026-01-01: it is left with none; to close it, remove 2";
    let report = stdout(&o);
    assert!(
        report.contains(&format!("\n  warning: {warning}\n")),
        "{report}"
    );
    assert_eq!(report.matches("warning:").count(), 1, "{report}");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["warnings"], serde_json::json!([warning]));

    // A run with nothing to warn of has no `warnings` in its manifest (earlier manifests
    // stay byte-identical).
    write_script(
        dir.path(),
        "fine.rhai",
        "remove_capacity(\"williston_sc\", 2, \"2026-01-01\");\n",
    );
    let o = run_in(
        dir.path(),
        &[
            "run",
            "--script",
            "fine.rhai",
            "--years",
            "2",
            "--out",
            "out2",
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(dir.path().join("out2/manifest.json")).unwrap();
    assert!(!text.contains("warnings"), "{text}");
}
