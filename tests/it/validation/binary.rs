//! Through the binary, as a user runs it: `validate` and `run` on a bad model.

use std::fs;

use super::{MM1, five_mistakes, with};
use crate::common::{repo, run_in, stderr, stdout, tempdir};

#[test]
fn validate_lists_every_problem_on_stderr_and_exits_2() {
    let dir = tempdir();
    fs::write(dir.path().join("bad.yaml"), five_mistakes()).unwrap();
    let out = run_in(dir.path(), &["validate", "bad.yaml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(stdout(&out), "", "nothing on stdout when the model is bad");
    // One line per problem, in `file:line:col:` form (the first behind `error: `), then
    // the count.
    for place in [
        "bad.yaml:4:3: ",
        "bad.yaml:14:5: ",
        "bad.yaml:18:5: ",
        "bad.yaml:22:5: ",
        "bad.yaml:25:3: ",
    ] {
        assert!(
            err.lines()
                .any(|l| l.trim_start_matches("error: ").starts_with(place)),
            "no line at {place} in:\n{err}"
        );
    }
    assert!(
        err.contains(
            "bad.yaml:25:3: links[1].to: no node named `departure` (did you mean `departures`?)"
        ),
        "{err}"
    );
    assert_eq!(err.lines().last(), Some("5 problems in bad.yaml"), "{err}");
}

#[test]
fn validate_accepts_the_shipped_models() {
    for file in ["models/us_magnet_network.yaml", "models/mm1.yaml"] {
        let out = run_in(&repo(), &["validate", file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(&format!("{file}: ok (")),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn run_refuses_a_bad_model_before_writing_anything() {
    let dir = tempdir();
    fs::write(
        dir.path().join("bad.yaml"),
        with(MM1, "servers: 1", "servers: 0"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("out")).unwrap();
    let out = run_in(dir.path(), &["run", "bad.yaml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("bad.yaml:18:5: nodes[1].servers"),
        "{}",
        stderr(&out)
    );
    // The output folder is still empty, and nothing else (no `outputs/`) was created.
    assert_eq!(fs::read_dir(dir.path().join("out")).unwrap().count(), 0);
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.yaml", "out"]);
}
