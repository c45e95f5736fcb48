//! Bad scripts: each fails with its place and message, exit code 2, nothing written.

use super::{MODEL, run_bad, run_scripts, write_script};
use crate::common::{repo, run_in, stderr, tempdir};

#[test]
fn a_syntax_error_names_file_line_and_column_with_a_caret() {
    let err = run_bad("syntax.rhai", "let x = 1;\nlet y = (2 + ;\n", "1");
    assert_eq!(
        err,
        "error: syntax.rhai:2:14: syntax error: Unexpected ';'\n 2 | let y = (2 + ;\n   |              ^\n"
    );
}

#[test]
fn bad_scripts_fail_with_their_place_and_message_and_write_nothing() {
    // (file, text, years, what stderr must hold)
    let cases: Vec<(&str, String, &str, &str)> = vec![
        // Unknown names, with a suggestion.
        (
            "node.rhai",
            "// Reno\noutage(\"reno_nw\", \"2026-03-01\", \"3 months\");\n".into(),
            "2",
            "node.rhai:2:1: at simulated date 2025-01-01: unknown node `reno_nw` (did you mean `reno_nv`?)",
        ),
        (
            "link.rhai",
            "set_transit(\"reno_to_dfv\", 2.0, \"2026-03-01\", \"3 months\");\n".into(),
            "2",
            "link.rhai:1:1: at simulated date 2025-01-01: unknown link `reno_to_dfv` (did you mean `reno_to_dfw`?)",
        ),
        (
            "origin.rhai",
            "set_import_share(\"chinaa\", 0.5);\n".into(),
            "1",
            "origin.rhai:1:1: at simulated date 2025-01-01: unknown import origin `chinaa` (did you mean `china`?)",
        ),
        (
            "sector.rhai",
            "set_demand(\"defense\", 0.5, \"2025-06-01\");\n".into(),
            "1",
            "sector.rhai:1:1: at simulated date 2025-01-01: unknown demand sector `defense` (did you mean `defence`?)",
        ),
        // Wrong argument types or count.
        (
            "types.rhai",
            "outage(1, 2, 3);\n".into(),
            "1",
            "types.rhai:1:1: at simulated date 2025-01-01: outage takes (node: string node id (preprocessor or station or hpms or oxide_plant or producer), from: date string \"YYYY-MM-DD\", duration: duration string such as \"3 months\"), got (integer, integer, integer) (`node` is a name, written in double quotes, such as \"reno_nv\")",
        ),
        (
            "arity.rhai",
            "outage(\"reno_nv\", \"2025-03-01\");\n".into(),
            "1",
            "arity.rhai:1:1: at simulated date 2025-01-01: outage takes (node: string node id (preprocessor or station or hpms or oxide_plant or producer), from: date string \"YYYY-MM-DD\", duration: duration string such as \"3 months\"), got (string, string) (outage takes 3 arguments, not 2)",
        ),
        // Dates outside the run: 2 years end on 2027-01-01 12:00.
        (
            "before.rhai",
            "outage(\"reno_nv\", \"2024-12-31\", \"3 months\");\n".into(),
            "2",
            "before.rhai:1:1: at simulated date 2025-01-01: 2024-12-31 is before the run starts (2025-01-01)",
        ),
        (
            "after.rhai",
            "outage(\"reno_nv\", \"2027-01-01\", \"1 day\");\noutage(\"reno_nv\", \"2027-01-02\", \"1 day\");\n".into(),
            "2",
            "after.rhai:2:1: at simulated date 2025-01-01: 2027-01-02 is after the run ends (2027-01-01); run longer with --years, or move the date",
        ),
        (
            "baddate.rhai",
            "at(\"2025-13-01\", || note(\"x\"));\n".into(),
            "1",
            "baddate.rhai:1:1: at simulated date 2025-01-01: `2025-13-01` is not a date; write YYYY-MM-DD, e.g. \"2025-04-04\"",
        ),
        // Malformed durations.
        (
            "unit.rhai",
            "outage(\"reno_nv\", \"2025-03-01\", \"3 fortnights\");\n".into(),
            "1",
            "unit.rhai:1:1: at simulated date 2025-01-01: `3 fortnights`: unknown unit `fortnight`; use seconds, minutes, hours, days, weeks, months or years",
        ),
        (
            "soon.rhai",
            "outage(\"reno_nv\", \"2025-03-01\", \"soon\");\n".into(),
            "1",
            "soon.rhai:1:1: at simulated date 2025-01-01: `soon` is not a duration; write a number and a unit, e.g. \"18 months\" or \"3 days\"",
        ),
        (
            "half.rhai",
            "every(\"2025-03-01\", \"1.5 months\", || note(\"x\"));\n".into(),
            "1",
            "half.rhai:1:1: at simulated date 2025-01-01: `1.5 months`: months must be whole; use days for fractions",
        ),
        (
            "zero.rhai",
            "every(\"0 days\", || note(\"x\"));\n".into(),
            "1",
            "zero.rhai:1:1: at simulated date 2025-01-01: the period must be at least 1 hour",
        ),
        (
            "window.rhai",
            "let t = throughput(\"reno_nv\", \"forever\");\n".into(),
            "1",
            "window.rhai:1:9: at simulated date 2025-01-01: `forever` is not a duration",
        ),
        // Limits: operations, recursion, string size.
        (
            "loop.rhai",
            "note(\"start\");\nloop {}\n".into(),
            "1",
            "loop.rhai:2:6: at simulated date 2025-01-01: the script ran more than 2000000 operations in one call (an endless loop?)",
        ),
        (
            "recursion.rhai",
            "fn deeper(n) { deeper(n + 1) }\ndeeper(0);\n".into(),
            "1",
            "recursion.rhai:2:1: at simulated date 2025-01-01: calls nested deeper than 48 levels (endless recursion?)",
        ),
        (
            "string.rhai",
            "let s = \"x\";\nloop { s += s; }\n".into(),
            "1",
            "string.rhai:2:10: at simulated date 2025-01-01: Length of string too large",
        ),
        // No files, no eval.
        (
            "import.rhai",
            "import \"foo\" as f;\n".into(),
            "1",
            "import.rhai:1:8: at simulated date 2025-01-01: Module not found: foo",
        ),
        (
            "open.rhai",
            "let text = open(\"/etc/passwd\");\n".into(),
            "1",
            "open.rhai:1:12: at simulated date 2025-01-01: unknown function `open` (`magloop api` lists the functions a script can call; scripts cannot read files, run programs, or read the clock or the environment)",
        ),
        (
            "eval.rhai",
            "eval(\"note(1)\");\n".into(),
            "1",
            "eval.rhai:1:1: syntax error: reserved keyword 'eval' is disabled",
        ),
        // The API's own checks.
        (
            "kind.rhai",
            "outage(\"hdd_east\", \"2025-03-01\", \"1 month\");\n".into(),
            "1",
            "`hdd_east` is an hdd_source; outage applies to preprocessor or station or hpms or oxide_plant",
        ),
        (
            "delay_kind.rhai",
            "delay_commissioning(\"reno_nv\", \"1 month\");\n".into(),
            "1",
            "`reno_nv` is a preprocessor; delay_commissioning applies to hpms or oxide_plant",
        ),
        (
            "share.rhai",
            "restrict_imports(\"china\", [\"Dy\"], 1.5, \"2025-03-01\");\n".into(),
            "1",
            "share must be from 0 to 1, found 1.5",
        ),
        (
            "items.rhai",
            "restrict_imports(\"china\", [], 0.5, \"2025-03-01\");\n".into(),
            "1",
            "name at least one restricted item, e.g. [\"magnets\"]",
        ),
        (
            "item.rhai",
            "restrict_imports(\"china\", [\"Xx\"], 0.5, \"2025-03-01\");\n".into(),
            "1",
            "unknown item `Xx`: use rare-earth element symbols",
        ),
        (
            "item_type.rhai",
            "restrict_imports(\"china\", [1], 0.5, \"2025-03-01\");\n".into(),
            "1",
            "items must be strings",
        ),
        (
            "import_share.rhai",
            "set_import_share(\"china\", 11.0);\n".into(),
            "1",
            "share must be from 0 to 10 (1 = baseline), found 11",
        ),
        (
            "multiplier.rhai",
            "surge(\"hdd_east\", 0.0, \"2025-03-01\", \"1 month\");\n".into(),
            "1",
            "a multiplier must be above 0 and at most 1000, found 0",
        ),
        (
            "count.rhai",
            "add_capacity(\"reno_nv\", 0, \"2025-03-01\");\n".into(),
            "1",
            "count must be from 1 to 1000, found 0",
        ),
        (
            "demand.rhai",
            "set_demand(\"wind\", -1.0, \"2025-03-01\");\n".into(),
            "1",
            "a demand multiplier must be from 0 to 1000, found -1",
        ),
        (
            "cost.rhai",
            "set_cost(\"reno_to_dfw\", -1.0, \"2025-03-01\");\n".into(),
            "1",
            "cost must be from 0 to 1,000,000 USD per mile, found -1",
        ),
        (
            "which.rhai",
            "set_yield(\"reno_nv\", \"extraction\", 0.9, \"2025-03-01\");\n".into(),
            "1",
            "`extraction` is not a yield of a preprocessor",
        ),
        (
            "shares_sum.rhai",
            "set_shares(\"reno_nv\", #{reno_to_dfw: 0.5});\n".into(),
            "1",
            "the shares of the links leaving `reno_nv` would add up to 0.5, not 1",
        ),
        (
            "shares_link.rhai",
            "set_shares(\"reno_nv\", #{williston_to_dfw: 1.0});\n".into(),
            "1",
            "link `williston_to_dfw` does not leave `reno_nv`",
        ),
        (
            "shares_port.rhai",
            "set_shares(\"dfw_hpms\", #{dfw_to_market: 1.0, dfw_residue_to_fredericktown: 1.0});\n".into(),
            "1",
            "set the shares of one output at a time",
        ),
        (
            "note.rhai",
            format!("note(\"{}\");\n", "x".repeat(1001)),
            "1",
            "note.rhai:1:1: at simulated date 2025-01-01: a note is at most 1,000 characters",
        ),
    ];
    for (name, text, years, needle) in cases {
        let err = run_bad(name, &text, years);
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert!(
            err.contains(needle),
            "{name}: expected {needle:?} in\n{err}"
        );
    }
}

#[test]
fn a_runtime_error_inside_a_closure_reports_the_simulated_date() {
    // The hub is commissioned on 2027-07-01; a month later it is too late to delay it.
    let err = run_bad(
        "late.rhai",
        "at(\"2027-08-01\", || {\n    delay_commissioning(\"dfw_hpms\", \"1 month\");\n});\n",
        "3",
    );
    assert!(
        err.starts_with("error: late.rhai:2:5: at simulated date 2027-08-01: `dfw_hpms` is already commissioned; delay it before 2027-07-01\n 2 |     delay_commissioning"),
        "{err}"
    );
    // An unknown name is only met when the closure runs, on its date.
    let err = run_bad(
        "closure.rhai",
        "at(\"2026-01-01\", || {\n    let x = inventory(\"dfw_hmps\");\n});\n",
        "2",
    );
    assert!(
        err.contains("closure.rhai:2:13: at simulated date 2026-01-01: unknown node `dfw_hmps` (did you mean `dfw_hpms`?)"),
        "{err}"
    );
    // A plain Rhai error in an on_record closure, on the step where it happens.
    let err = run_bad(
        "index.rhai",
        "on_record(|| {\n    if date() == \"2025-02-01\" {\n        let x = [1, 2];\n        x[5];\n    }\n});\n",
        "1",
    );
    assert!(
        err.contains("index.rhai:4:11: at simulated date 2025-02-01: Array index 5 out of bounds"),
        "{err}"
    );
}

#[test]
fn validate_catches_an_unknown_name_inside_a_closure_before_any_run() {
    let dir = tempdir();
    write_script(
        dir.path(),
        "literal.rhai",
        "at(\"2026-01-01\", || {\n    let x = inventory(\"dfw_hmps\");\n});\n",
    );
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &[
            "validate",
            model.to_str().unwrap(),
            "--script",
            "literal.rhai",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // The literal check points at the name itself (column 24), with no date: nothing ran.
    assert_eq!(
        stderr(&o),
        "error: literal.rhai:2:24: unknown node `dfw_hmps` (did you mean `dfw_hpms`?)\n 2 |     let x = inventory(\"dfw_hmps\");\n   |                        ^\n"
    );
    // A name built at run time is not a literal: validate cannot check it, the run will.
    write_script(
        dir.path(),
        "built.rhai",
        "at(\"2026-01-01\", || {\n    let x = inventory(\"dfw_\" + \"hmps\");\n});\n",
    );
    let o = run_in(
        dir.path(),
        &[
            "validate",
            model.to_str().unwrap(),
            "--script",
            "built.rhai",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Top-level names are checked by running the top level at the start, and by the check
    // of literal arguments, whose message (at the name, no date) is the one shown for the line.
    write_script(
        dir.path(),
        "top.rhai",
        "surge(\"hdd_eastt\", 1.5, \"2026-01-01\", \"1 year\");\n",
    );
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", "top.rhai"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("top.rhai:1:8: unknown node `hdd_eastt` (did you mean `hdd_east`?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_script_file_exits_2_with_cannot_read_and_creates_no_folder() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = run_scripts(dir.path(), &out, &["nope.rhai"], "1");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read nope.rhai"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", "nope.rhai"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read nope.rhai"),
        "{}",
        stderr(&o)
    );
}
