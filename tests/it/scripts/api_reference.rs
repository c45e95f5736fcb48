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
    let ours = fs::read_to_string(defs.join("magloop.d.rhai")).unwrap();
    assert!(ours.starts_with("module static;\n"), "{ours}");
    assert!(ours.contains(
        "fn restrict_imports(origin: string, items: array, share: float, from: string, duration: string) -> ();"
    ));
    // Every API function is declared there, with its documentation, what each argument
    // must be, and the model's ids that fit: an outage takes the four sites with lines,
    // vessels or a plant, dates inside the default 10-year run.
    for a in magloop::script::api::API {
        let name = a.signature.split('(').next().unwrap();
        assert!(
            ours.contains(&format!("fn {name}(")),
            "no definition of {name}"
        );
        assert!(
            ours.contains(&format!("/// {}", a.doc)),
            "no doc for {name}"
        );
    }
    assert!(ours.contains("/// - `node`: string node id (preprocessor or station or hpms or oxide_plant or producer): \"williston_sc\", \"reno_nv\", \"dfw_hpms\", \"fredericktown_mo\", \"mp_independence\", \"mp_10x\", \"evac_sumter\", \"noveon_san_marcos\", \"usare_stillwater\"\n/// - `from`"));
    assert!(ours.contains("/// - `from`: date string \"YYYY-MM-DD\": from 2025-01-01 to 2035-01-01 in this model's run"));
    assert!(ours.contains("/// - `count`: whole number from 1 to 1000\n"));
    // Nothing of Rhai's own: one `fn` per API entry (36 today), where Rhai's files hold
    // hundreds; and Rhai's files no longer hold magloop's functions.
    let fns = ours.lines().filter(|l| l.starts_with("fn ")).count();
    assert_eq!(fns, magloop::script::api::API.len());
    let mut theirs = String::new();
    for name in files_in(&defs) {
        if name.ends_with(".d.rhai") && name != "magloop.d.rhai" {
            theirs.push_str(&fs::read_to_string(defs.join(name)).unwrap());
        }
    }
    assert!(theirs.lines().filter(|l| l.starts_with("fn ")).count() > 300);
    assert!(
        !theirs.contains("fn outage("),
        "Rhai's files hold magloop's functions"
    );
    // Another model's ids with --model.
    let mm1 = repo().join("models/mm1.yaml");
    let defs2 = dir.path().join("defs2");
    let o = run_in(
        &repo(),
        &[
            "api",
            "--definitions",
            defs2.to_str().unwrap(),
            "--model",
            mm1.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let other = fs::read_to_string(defs2.join("magloop.d.rhai")).unwrap();
    assert!(
        !other.contains("reno_nv") && other.contains("\"server\""),
        "{other}"
    );
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
