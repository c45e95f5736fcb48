//! Syntax: files that are not YAML, not text, or not a model at all.

use std::fs;

use magloop::model::{self, Overrides};

use super::{LOOP, MM1, expect, listing, the_problem, with};
use crate::common::{run_in, stderr, stdout, tempdir};

#[test]
fn a_tab_in_the_indentation_is_a_syntax_error_with_line_and_column() {
    // YAML forbids tabs for indentation; the tab replaces the 4 spaces before `servers`
    // on line 18, so the scanner stops at its first column.
    let p = the_problem(&with(MM1, "    servers: 1", "\tservers: 1"));
    expect(
        &p,
        "",
        Some((18, 1)),
        "YAML syntax error",
        Some("indentation"),
    );
    assert!(
        p.render("bad.yaml")
            .starts_with("bad.yaml:18:1: YAML syntax error")
    );
}

#[test]
fn an_unclosed_bracket_is_a_syntax_error_with_line_and_column() {
    // The last link (line 24) loses its `}`: the flow mapping is still open when the file
    // ends, which libyaml reports where the text ends: line 25 (after the final newline),
    // column 1.
    let p = the_problem(&with(
        MM1,
        "to: departures, dispatch: immediate}",
        "to: departures, dispatch: immediate",
    ));
    expect(&p, "", Some((25, 1)), "YAML syntax error", None);
}

#[test]
fn an_empty_file_is_reported_as_empty() {
    for text in ["", "\n\n", "# only a comment\n"] {
        let p = the_problem(text);
        expect(
            &p,
            "",
            None,
            "the model file is empty",
            Some("models/us_magnet_network.yaml"),
        );
    }
}

#[test]
fn a_file_that_is_not_a_mapping_is_rejected() {
    // A list and a bare word are valid YAML but not a model; there is no path to place.
    for text in ["- name: mm1\n- nodes: []\n", "hello\n"] {
        let p = the_problem(text);
        expect(&p, "", None, "must be a YAML mapping", Some("start from"));
    }
}

#[test]
fn a_duplicated_key_is_a_syntax_error() {
    // `Nd` twice in one composition (line 9) cannot be read as a mapping at all.
    let p = the_problem(&with(
        LOOP,
        "{Nd: 25, Pr: 5, Fe: 65}",
        "{Nd: 25, Pr: 5, Nd: 65}",
    ));
    assert!(
        p.message.contains("YAML syntax error"),
        "{}",
        p.render("bad.yaml")
    );
    assert!(
        p.message.contains("Nd"),
        "names the key: {}",
        p.render("bad.yaml")
    );
    assert_eq!(p.line.map(|l| l.0), Some(9), "{}", p.render("bad.yaml"));
}

#[test]
fn non_utf8_bytes_are_reported_with_their_offset() {
    // `name: mm` is 8 bytes, so the 0xFF byte that follows is at offset 8.
    let dir = tempdir();
    let path = dir.path().join("latin1.yaml");
    let mut bytes = MM1.as_bytes().to_vec();
    bytes[8] = 0xFF;
    fs::write(&path, &bytes).unwrap();
    match model::load_file(&path, &Overrides::default()) {
        Err(e @ magloop::Error::Model { .. }) => {
            assert_eq!(e.exit_code(), 2);
            let magloop::Error::Model { file, problems } = &e else {
                unreachable!()
            };
            assert!(file.ends_with("latin1.yaml"), "{file}");
            assert_eq!(problems.len(), 1, "{}", listing(problems));
            expect(
                &problems[0],
                "",
                None,
                "not UTF-8 text (invalid byte at offset 8)",
                Some("YAML text"),
            );
        }
        Err(e) => panic!("expected model problems, got: {e}"),
        Ok(_) => panic!("non-UTF-8 bytes should be rejected"),
    }
}

#[test]
fn a_missing_file_is_a_read_error_with_exit_code_2() {
    let dir = tempdir();
    match model::load_file(&dir.path().join("nope.yaml"), &Overrides::default()) {
        Err(e @ magloop::Error::Read { .. }) => assert_eq!(e.exit_code(), 2),
        Err(e) => panic!("expected a read error, got: {e}"),
        Ok(_) => panic!("a missing file cannot load"),
    }
    let out = run_in(dir.path(), &["validate", "nope.yaml"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read nope.yaml"),
        "stderr: {}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}
