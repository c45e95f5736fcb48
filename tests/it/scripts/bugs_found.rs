//! Bugs found: these expect the right behaviour.

use super::{run_bad, run_ok, write_script};
use crate::common::tempdir;

#[test]
fn a_date_already_past_inside_a_closure_is_refused() {
    let err = run_bad(
        "past.rhai",
        "at(\"2025-06-01\", || {\n    set_import_share(\"china\", 0.3, \"2025-03-01\");\n});\n",
        "1",
    );
    assert!(
        err.contains("past.rhai:2:5: at simulated date 2025-06-01: 2025-03-01 is"),
        "{err}"
    );
}

#[test]
fn capacity_added_during_an_outage_keeps_availability_at_most_one() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "outage_add.rhai",
        "outage(\"reno_nv\", \"2026-03-01\", \"3 months\");\nadd_capacity(\"reno_nv\", 1, \"2026-04-01\");\n",
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "2");
    for p in run.series("reno_nv", "availability") {
        assert!(
            (0.0..=1.0).contains(&p.value),
            "availability {} on {}",
            p.value,
            p.date
        );
    }
}

#[test]
fn whole_numbers_are_accepted_where_a_float_is_expected() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "ints.rhai",
        "set_source_rate(\"hdd_west\", 2, \"2025-06-01\");\nset_demand(\"wind\", 2, \"2025-06-01\");\nrestrict_imports(\"china\", [\"magnets\"], 0, \"2025-06-01\");\n",
    );
    run_ok(&dir.path().join("run"), &[&s], "1");
}
