//! `magloop api`: every signature, the definition files, and the scripts README's reference.

use std::fs;

use super::{MODEL, files_in, write_script};
use crate::common::{repo, run_in, stderr, stdout, tempdir};

#[test]
fn api_prints_every_signature_and_writes_definition_files() {
    let o = run_in(&repo(), &["api"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("# magloop script API\n"), "{text}");
    for a in magloop::script::api::API {
        let row = format!("| `{}` | {} |", a.signature, a.doc);
        assert!(text.contains(&row), "missing {row}");
    }
    let groups: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(groups, ["## schedule", "## read", "## act", "## mark"]);

    let dir = tempdir();
    let defs = dir.path().join("defs");
    let o = run_in(&repo(), &["api", "--definitions", defs.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut all = String::new();
    let mut count = 0;
    for name in files_in(&defs) {
        if name.ends_with(".d.rhai") {
            count += 1;
            all.push_str(&fs::read_to_string(defs.join(name)).unwrap());
        }
    }
    assert!(count >= 1, "no .d.rhai in {}", defs.display());
    assert!(all.contains(
        "fn restrict_imports(origin: string, items: array, share: float, from: string, duration: string) -> ();"
    ));
    // Every API function is declared, with its documentation above it.
    for a in magloop::script::api::API {
        let name = a.signature.split('(').next().unwrap();
        assert!(
            all.contains(&format!("fn {name}(")),
            "no definition of {name}"
        );
        assert!(all.contains(&format!("/// {}", a.doc)), "no doc for {name}");
    }
}

#[test]
fn the_scripts_readme_holds_the_api_reference_and_its_examples_validate() {
    let readme = fs::read_to_string(repo().join("scripts/README.md")).unwrap();
    let api = stdout(&run_in(&repo(), &["api"]));
    assert!(
        readme.contains(&api),
        "scripts/README.md must hold `magloop api` verbatim; regenerate it with ./target/release/magloop api"
    );
    // Each ```rhai block is a whole script that validates against the default model.
    let dir = tempdir();
    let mut blocks = 0;
    for (i, block) in readme.split("```rhai\n").skip(1).enumerate() {
        let code = block.split("```").next().unwrap();
        let name = format!("example{i}.rhai");
        write_script(dir.path(), &name, code);
        let model = repo().join(MODEL);
        let o = run_in(
            dir.path(),
            &["validate", model.to_str().unwrap(), "--script", &name],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "example {i}:\n{code}\n{}",
            stderr(&o)
        );
        blocks += 1;
    }
    assert!(blocks >= 5, "{blocks} examples");
}
