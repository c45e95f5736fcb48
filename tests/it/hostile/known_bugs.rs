//! Known bugs, `#[ignore]`d: each expects the right behaviour.

use super::run_guarded;
use crate::common::{repo, stderr};

fn hostile(rel: &str) -> String {
    format!("tests/hostile/{rel}")
}

#[test]
#[ignore = "bug: an integer beyond u64 is reported as `YAML syntax error: ... as u128, expected any YAML value (check indentation ...)`"]
fn bug_an_integer_beyond_u64_is_called_a_yaml_syntax_error() {
    // serde_yaml cannot hold the number in a `Value`, so parsing the document fails and
    // `validate` labels every parse failure a syntax error with the indentation hint.
    let p = hostile("models/33-integer-beyond-u64.yaml");
    let o = run_guarded(&repo(), &["validate", &p]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("nodes[1].servers"), "{err}");
    assert!(
        !err.contains("syntax error") && !err.contains("check indentation"),
        "the YAML is well formed; the number is too large:\n{err}"
    );
}
