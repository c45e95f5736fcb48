//! The corpus under tests/hostile/: every file says what it expects, and is refused with it.

use std::fs;

use super::{assert_no_problems, check_refused, refusal_problems, run_guarded};
use crate::common::{repo, stderr, tempdir};

/// One corpus file and what its first line says it must give.
#[derive(Debug)]
struct Case {
    /// Relative to the repository, e.g. `tests/hostile/models/01-only-a-comment.yaml`.
    path: String,
    needle: String,
    /// Only `run` meets the error (it is inside a closure); `validate` passes.
    run_time_only: bool,
    /// A known bug: checked by its own ignored test below, not by the corpus loops.
    known_bug: bool,
}

/// The corpus files of one folder (`models`, `scripts`, `experiments`, `cli`), sorted.
fn corpus(folder: &str) -> Vec<Case> {
    let dir = repo().join("tests/hostile").join(folder);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let path = format!("tests/hostile/{folder}/{name}");
            let text = fs::read_to_string(repo().join(&path)).unwrap();
            let first = text.lines().next().unwrap_or("");
            let comment = first
                .strip_prefix("# ")
                .or_else(|| first.strip_prefix("// "))
                .unwrap_or_else(|| panic!("{path}: the first line must be a comment"));
            let (needle, run_time_only) =
                if let Some((_, n)) = comment.split_once(". Expects at run time: ") {
                    (n, true)
                } else if let Some((_, n)) = comment.split_once(". Expects: ") {
                    (n, false)
                } else {
                    panic!("{path}: the first line must end `. Expects: <what stderr holds>`")
                };
            Case {
                known_bug: name.contains("-bug-"),
                path,
                needle: needle.trim().to_string(),
                run_time_only,
            }
        })
        .collect()
}

/// Corpus files that are known bugs (`-bug-` in the name, skipped by the corpus loops), and
/// the ignored test that checks each. Those found by this corpus and since fixed became
/// ordinary corpus cases (see "Found and fixed" in tests/hostile/README.md).
const KNOWN_BUGS: &[(&str, &str)] = &[];

#[test]
fn every_corpus_file_says_what_it_expects_and_is_listed_in_the_readme() {
    let readme = fs::read_to_string(repo().join("tests/hostile/README.md")).unwrap();
    // The hostile tests' source, every file of the module, to find each known bug's test.
    let mut this = String::new();
    for entry in fs::read_dir(repo().join("tests/it/hostile")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            this.push_str(&fs::read_to_string(&path).unwrap());
        }
    }
    let mut problems = Vec::new();
    for (folder, at_least) in [
        ("models", 20),
        ("scripts", 20),
        ("experiments", 20),
        ("cli", 10),
    ] {
        let cases = corpus(folder);
        assert!(
            cases.len() >= at_least,
            "{folder}: only {} cases",
            cases.len()
        );
        for c in cases {
            let short = c.path.trim_start_matches("tests/hostile/");
            if !readme.contains(&format!("`{short}`")) {
                problems.push(format!("{}: not listed in tests/hostile/README.md", c.path));
            }
            if c.needle.is_empty() {
                problems.push(format!("{}: says nothing after `Expects:`", c.path));
            }
            if c.known_bug {
                match KNOWN_BUGS.iter().find(|(f, _)| *f == short) {
                    None => problems.push(format!("{}: a bug file not in KNOWN_BUGS", c.path)),
                    Some((_, test)) if !this.contains(&format!("fn {test}()")) => {
                        problems.push(format!("{}: no test named {test}", c.path))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    assert_no_problems(problems);
}

#[test]
fn every_hostile_model_is_refused_by_validate_and_by_run() {
    let mut problems = Vec::new();
    for c in corpus("models").iter().filter(|c| !c.known_bug) {
        let p = c.path.as_str();
        problems.extend(check_refused(&repo(), &["validate", p], p, &c.needle, None));
        let tmp = tempdir();
        let out = tmp.path().join("out");
        let out_s = out.to_str().unwrap();
        problems.extend(check_refused(
            &repo(),
            &["run", p, "--out", out_s, "-q"],
            p,
            &c.needle,
            Some(&out),
        ));
    }
    assert_no_problems(problems);
}

#[test]
fn every_hostile_script_is_refused_by_run_and_by_validate() {
    let mut problems = Vec::new();
    for c in corpus("scripts").iter().filter(|c| !c.known_bug) {
        let p = c.path.as_str();
        let tmp = tempdir();
        let out = tmp.path().join("out");
        let out_s = out.to_str().unwrap();
        problems.extend(check_refused(
            &repo(),
            &["run", "--script", p, "--years", "2", "--out", out_s, "-q"],
            p,
            &c.needle,
            Some(&out),
        ));
        let args = ["validate", "models/us_magnet_network.yaml", "--script", p];
        if c.run_time_only {
            // A closure runs on its simulated date, which `validate` never reaches.
            let o = run_guarded(&repo(), &args);
            if o.status.code() != Some(0) {
                problems.push(format!(
                    "{p}: validate should pass (the error is inside a closure), got {:?}: {}",
                    o.status.code(),
                    stderr(&o)
                ));
            }
        } else {
            problems.extend(check_refused(&repo(), &args, p, &c.needle, None));
        }
    }
    assert_no_problems(problems);
}

#[test]
fn every_hostile_experiment_is_refused_by_batch() {
    let mut problems = Vec::new();
    for c in corpus("experiments").iter().filter(|c| !c.known_bug) {
        let p = c.path.as_str();
        let tmp = tempdir();
        let out = tmp.path().join("out");
        let out_s = out.to_str().unwrap();
        problems.extend(check_refused(
            &repo(),
            &["batch", p, "--out", out_s, "-q", "--jobs", "1"],
            p,
            &c.needle,
            Some(&out),
        ));
    }
    assert_no_problems(problems);
}

#[test]
fn every_hostile_command_line_is_refused_with_its_message() {
    let repo_s = repo().display().to_string();
    let mut problems = Vec::new();
    for c in corpus("cli").iter().filter(|c| !c.known_bug) {
        let text = fs::read_to_string(repo().join(&c.path)).unwrap();
        let Some(line) = text.lines().nth(1) else {
            problems.push(format!("{}: no command line after the comment", c.path));
            continue;
        };
        let args: Vec<String> = line
            .split_whitespace()
            .map(|a| a.replace("{repo}", &repo_s))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // From an empty folder, which must stay empty. The needle names the option or the
        // file given; one that starts `error:` is the whole start of the first line.
        let tmp = tempdir();
        let o = run_guarded(tmp.path(), &args);
        problems.extend(refusal_problems(&o, &args, "", &c.needle, Some(tmp.path())));
        let first = stderr(&o).lines().next().unwrap_or("").to_string();
        if c.needle.starts_with("error:") && !first.starts_with(&c.needle) {
            problems.push(format!(
                "{}: the first line of stderr is\n  {first}\nnot\n  {}",
                c.path, c.needle
            ));
        }
    }
    assert_no_problems(problems);
}

#[test]
fn an_integer_beyond_64_bits_is_called_too_large_not_a_syntax_error() {
    // Well-formed YAML whose number serde_yaml cannot hold: the document fails to parse
    // as a whole, and every such failure used to be labelled a syntax error with the
    // indentation hint. Now: the field, "too large" and the range, in a model (validate
    // and run) and in an experiment.
    let tmp = tempdir();
    let experiment = tmp.path().join("huge.yaml");
    fs::write(
        &experiment,
        "name: huge\nreplications: {count: 99999999999999999999}\nbaseline: base\nscenarios:\n  - name: base\n",
    )
    .unwrap();
    let model = "tests/hostile/models/33-integer-beyond-u64.yaml";
    let out = tmp.path().join("out");
    let cases: [(Vec<&str>, &str); 3] = [
        (vec!["validate", model], "nodes[1].servers"),
        (
            vec!["run", model, "--out", out.to_str().unwrap(), "-q"],
            "nodes[1].servers",
        ),
        (
            vec!["validate", experiment.to_str().unwrap()],
            "replications.count",
        ),
    ];
    for (args, place) in cases {
        let o = run_guarded(&repo(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(place), "{args:?}: {err}");
        assert!(
            err.contains("`99999999999999999999` is too large a number")
                && err.contains("18446744073709551615"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("syntax error") && !err.contains("check indentation"),
            "{args:?}: the YAML is well formed; the number is too large:\n{err}"
        );
    }
    assert!(!out.exists(), "nothing written");
}
