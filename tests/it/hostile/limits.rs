//! Limits that were once bugs: input size, long lines, thousands of problems, huge models.

use std::process::Command;

use super::{
    assert_no_problems, check_refused, put, refusal_problems, run_guarded, run_guarded_cmd,
};
use crate::common::{repo, stderr, tempdir};

#[test]
fn dev_zero_is_refused_by_the_input_size_limit() {
    // Run under a 2 GB address-space limit so that a regression cannot take the machine
    // down: before the limit, each read grew until allocation failed.
    let exe = env!("CARGO_BIN_EXE_magloop");
    let tmp = tempdir();
    let exp = put(
        tmp.path(),
        "zero.yaml",
        b"name: zero\nmodel: /dev/zero\nreplications: {count: 1}\nbaseline: base\nscenarios:\n  - name: base\n",
    );
    let mut problems = Vec::new();
    for args in [
        vec!["validate", "/dev/zero"],
        vec!["validate", "models/mm1.yaml", "--script", "/dev/zero"],
        vec!["batch", exp.as_str()],
    ] {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -v 2000000; exec \"$@\"")
            .arg("sh")
            .arg(exe)
            .args(&args)
            .current_dir(repo());
        let o = run_guarded_cmd(cmd, &format!("magloop {}", args.join(" ")));
        problems.extend(refusal_problems(
            &o,
            &args,
            "/dev/zero",
            "it is larger than 16 MiB",
            None,
        ));
    }
    assert_no_problems(problems);
}

#[test]
fn a_long_line_is_quoted_as_a_window_not_whole() {
    // A 3 MB line under the caret was once echoed to stderr in full.
    let tmp = tempdir();
    let text = format!("let s = \"{}\";\n", "x".repeat(3 << 20));
    let f = put(tmp.path(), "huge.rhai", text.as_bytes());
    let o = run_guarded(
        &repo(),
        &["validate", "models/us_magnet_network.yaml", "--script", &f],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        o.stderr.len() < 4 << 10,
        "stderr is {} bytes; the quoted line should be cut",
        o.stderr.len()
    );
}

#[test]
fn thousands_of_problems_are_counted_after_the_first_hundred() {
    // 20,000 nodes with an unknown field each: the first 100 placed, the rest counted.
    let tmp = tempdir();
    let mut text = String::from(
        "name: many\ncalendar: {start: 2025-01-01, years: 1}\nelements: []\nmaterials: {}\nnodes:\n",
    );
    for i in 0..20_000 {
        text.push_str(&format!("  - id: n{i}\n    kind: sink\n    colour: red\n"));
    }
    let f = put(tmp.path(), "many.yaml", text.as_bytes());
    let o = run_guarded(&repo(), &["validate", &f]);
    let err = stderr(&o);
    assert_no_problems(
        refusal_problems(&o, &["validate", &f], &f, "... and 19900 more", None)
            .into_iter()
            .collect(),
    );
    assert!(err.ends_with(&format!("20000 problems in {f}\n")), "{err}");
}

#[test]
fn a_quarter_of_a_million_nodes_validate_without_hanging() {
    // 250,000 sink nodes, 7 MB (under the 16 MiB input limit). Each node id was once
    // checked by a linear search (`ids.contains`): 91 s here; now a few seconds, well inside
    // the hang guard.
    let tmp = tempdir();
    let mut text = String::from(
        "name: many\ncalendar: {start: 2025-01-01, years: 1}\nelements: []\nmaterials: {}\nnodes:\n",
    );
    for i in 0..250_000 {
        text.push_str(&format!("  - {{id: n{i}, kind: sink}}\n"));
    }
    let f = put(tmp.path(), "many.yaml", text.as_bytes());
    assert_no_problems(
        check_refused(
            &repo(),
            &["validate", &f],
            &f,
            "no source: nothing will ever happen",
            None,
        )
        .into_iter()
        .collect(),
    );
}
