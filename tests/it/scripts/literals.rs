//! `magloop validate`'s literal checks: each literal argument of an API call, inside any
//! closure or script function, checked by its kind with the message the run would give.

use super::{MODEL, write_script};
use crate::common::{repo, run_in, stderr, tempdir};

/// `magloop validate` of the default model with one script written in a fresh folder:
/// its exit code and stderr.
fn validate_one(name: &str, text: &str) -> (Option<i32>, String) {
    let dir = tempdir();
    write_script(dir.path(), name, text);
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", name],
    );
    (o.status.code(), stderr(&o))
}

#[test]
fn validate_checks_each_literal_argument_by_its_kind_inside_any_closure() {
    // An unknown node inside a closure passed to `every`: placed at the name.
    let (code, err) = validate_one(
        "every.rhai",
        "every(\"1 month\", || {\n    if inventory(\"reno_nw\") > 0.0 { note(\"stock\"); }\n});\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "error: every.rhai:2:19: unknown node `reno_nw` (did you mean `reno_nv`?)\n 2 |     if inventory(\"reno_nw\") > 0.0 { note(\"stock\"); }\n   |                   ^\n"
    );
    // A node of a kind the function does not act on: Reno is a preprocessor, not a plant.
    let (code, err) = validate_one(
        "kind.rhai",
        "at(\"2026-01-01\", || {\n    delay_commissioning(\"reno_nv\", \"3 months\");\n});\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: kind.rhai:2:26: `reno_nv` is a preprocessor; delay_commissioning applies to hpms or oxide_plant or producer\n"),
        "{err}"
    );
    // Every other kind, each in a closure (nested ones and script functions too), each
    // with the message the run would give on the closure's date.
    let cases = [
        (
            "at(\"2026-01-01\", || { outage(\"reno_nv\", \"2026-02-30\", \"3 months\"); });",
            "1:42: `2026-02-30` is not a date",
        ),
        (
            "at(\"2026-01-01\", || { outage(\"reno_nv\", \"2040-01-01\", \"3 months\"); });",
            "1:42: 2040-01-01 is after the run ends (2035-01-01)",
        ),
        (
            "at(\"2026-01-01\", || { outage(\"reno_nv\", \"2026-02-01\", \"3 monts\"); });",
            "1:56: `3 monts`: unknown unit `mont`",
        ),
        (
            "at(\"2026-01-01\", || { every(\"10 minutes\", || {}); });",
            "1:30: the period must be at least 1 hour",
        ),
        (
            "at(\"2026-01-01\", || { restrict_imports(\"china\", [\"Dy\", \"Xx\"], 0.5, \"2026-02-01\"); });",
            "1:57: unknown item `Xx`",
        ),
        (
            "at(\"2026-01-01\", || { restrict_imports(\"china\", [\"Dy\"], 1.5, \"2026-02-01\"); });",
            "1:57: share must be from 0 to 1, found 1.5",
        ),
        (
            "on_record(|| { set_shares(\"reno_nv\", #{ reno_to_dfw: 0.5, williston_to_dfw: 0.5 }); });",
            "1:59: link `williston_to_dfw` does not leave `reno_nv`",
        ),
        (
            "at(\"2026-01-01\", || { at(\"2026-02-01\", || { set_demand(\"defense\", 1.2, \"2026-03-01\"); }); });",
            "1:57: unknown demand sector `defense` (did you mean `defence`?)",
        ),
        (
            "at(\"2026-01-01\", || { let x = imports(\"chna\"); });",
            "1:40: unknown import origin `chna` (did you mean `china`?)",
        ),
        (
            "at(\"2026-01-01\", || { set_yield(\"reno_nv\", \"extraction\", 0.5, \"2026-02-01\"); });",
            "1:45: `extraction` is not a yield of a preprocessor",
        ),
        (
            "at(\"2026-01-01\", || { add_capacity(\"reno_nv\", 0, \"2026-02-01\"); });",
            "1:47: count must be from 1 to 1000, found 0",
        ),
        (
            "at(\"2026-01-01\", || { set_source_rate(\"hdd_east\", -1.0, \"2026-02-01\"); });",
            "1:51: a multiplier must be above 0 and at most 1000, found -1",
        ),
        (
            "at(\"2026-01-01\", || { set_transit(\"reno_to_dfv\", 2.0, \"2026-02-01\", \"1 month\"); });",
            "1:36: unknown link `reno_to_dfv` (did you mean `reno_to_dfw`?)",
        ),
        (
            "at(\"2026-01-01\", || { let x = \"reno_nw\".inventory(); });",
            "1:32: unknown node `reno_nw`",
        ),
        (
            "fn act_now() { outage(\"reno_nw\", \"2026-02-01\", \"1 day\"); }\nat(\"2026-01-01\", || act_now());",
            "1:24: unknown node `reno_nw`",
        ),
    ];
    for (text, needle) in cases {
        let (code, err) = validate_one("case.rhai", &format!("{text}\n"));
        assert_eq!(code, Some(2), "{text}\n{err}");
        assert!(
            err.starts_with(&format!("error: case.rhai:{needle}")),
            "{text}: expected case.rhai:{needle} in\n{err}"
        );
    }
    // What is not an API call, or not a literal, is left to the run: a script's own function
    // of an API name, and names or dates built at run time.
    for text in [
        "fn inventory(x) { 1.0 }\nat(\"2026-01-01\", || { let x = inventory(\"anything\"); });\n",
        "at(\"2026-01-01\", || { let n = \"reno\" + \"_nw\"; outage(n, date(), \"1 day\"); });\n",
        "at(\"2026-01-01\", || { set_shares(\"reno_nv\", #{ reno_to_dfw: 0.5, reno_to_fredericktown: 0.5 }); });\n",
    ] {
        let (code, err) = validate_one("fine.rhai", text);
        assert_eq!(code, Some(0), "{text}\n{err}");
    }
}
