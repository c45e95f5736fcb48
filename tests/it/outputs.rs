//! Where `magloop run` writes and what it refuses to overwrite: default folders that do
//! not collide, refusals that leave the old results byte-identical, `--force`, failed and
//! killed runs, file modes under the umask, and the printed report.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use polars::prelude::{ParquetReader, SerReader};

use crate::common::{magloop, repo, run_in, stderr, stdout, tempdir};

/// Every file under `dir` (relative path -> bytes and permission bits), hidden ones too.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            if p.is_dir() {
                out.insert(format!("{rel}/"), (Vec::new(), mode));
                walk(root, &p, out);
            } else {
                out.insert(rel, (fs::read(&p).unwrap(), mode));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

/// `magloop run --years 1 --out OUT -q EXTRA...` from the repository.
fn run_into(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--years", "1", "--out", out.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    run_in(&repo(), &args)
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(o)
    );
}

/// Asserts exit 2 and exactly `message` on stderr.
fn refused(o: &Output, message: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert_eq!(stderr(o), format!("{message}\n"));
    assert!(stdout(o).is_empty(), "{}", stdout(o));
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The Parquet tables of a run folder (the manifest also holds wall time and memory).
fn tables(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".parquet"))
        .map(|(n, (b, _))| (n, b))
        .collect()
}

// ---- default folders ------------------------------------------------------------------

/// Whether `name` is `PREFIX` followed by `-` and 8 lowercase hex digits.
fn is_hashed(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|h| {
            h.len() == 8
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

#[test]
fn the_tutorials_first_commands_and_an_edited_model_write_separate_folders() {
    let tmp = tempdir();
    let d = tmp.path();
    fs::create_dir_all(d.join("scripts")).unwrap();
    fs::copy(
        repo().join("scripts/reno_outage.rhai"),
        d.join("scripts/reno_outage.rhai"),
    )
    .unwrap();
    // `magloop run`, then `magloop run --script scripts/reno_outage.rhai` (README, tutorial).
    let first = run_in(d, &["run"]);
    ok(&first);
    let report = stdout(&first);
    assert!(
        report.contains("\n  wrote outputs/us_magnet_network/seed-1\n"),
        "{report}"
    );
    let baseline = d.join("outputs/us_magnet_network/seed-1");
    let before = snapshot(&baseline);
    ok(&run_in(
        d,
        &["run", "-q", "--script", "scripts/reno_outage.rhai"],
    ));
    // An edited copy of the model that keeps `name: us_magnet_network`.
    fs::create_dir_all(d.join("models")).unwrap();
    let edited = format!(
        "{}\n# edited: a comment changes the file's hash\n",
        magloop::model::DEFAULT_MODEL_YAML
    );
    fs::write(d.join("models/us_magnet_network.yaml"), edited).unwrap();
    ok(&run_in(d, &["run", "-q", "models/us_magnet_network.yaml"]));
    // And a model of another name, with --years.
    ok(&run_in(
        d,
        &[
            "run",
            "-q",
            repo().join("models/mm1.yaml").to_str().unwrap(),
            "--seed",
            "4",
            "--years",
            "0.5",
        ],
    ));

    assert_eq!(snapshot(&baseline), before, "the baseline was touched");
    assert_eq!(manifest(&baseline)["scripts"], serde_json::json!([]));
    let folders = names(&d.join("outputs/us_magnet_network"));
    assert_eq!(folders.len(), 3, "{folders:?}");
    assert_eq!(folders[0], "seed-1");
    let hashed: Vec<&String> = folders[1..].iter().collect();
    let edited_dir = hashed
        .iter()
        .find(|n| is_hashed(n, "seed-1"))
        .unwrap_or_else(|| panic!("no seed-1-<hash> in {folders:?}"));
    let scripted_dir = hashed
        .iter()
        .find(|n| is_hashed(n, "seed-1+reno_outage"))
        .unwrap_or_else(|| panic!("no seed-1+reno_outage-<hash> in {folders:?}"));
    // The folder the READMEs name: editing scripts/reno_outage.rhai changes its hash.
    const DOCUMENTED: &str = "seed-1+reno_outage-67886523";
    assert_eq!(
        scripted_dir.as_str(),
        DOCUMENTED,
        "scripts/reno_outage.rhai or the default model changed: put the new folder name in the READMEs"
    );
    for doc in ["outputs/README.md", "scripts/README.md"] {
        let text = fs::read_to_string(repo().join(doc)).unwrap();
        assert!(
            text.contains(DOCUMENTED),
            "{doc} does not name {DOCUMENTED}"
        );
    }
    let scripted = manifest(&d.join("outputs/us_magnet_network").join(scripted_dir));
    assert_eq!(scripted["scripts"][0][0], "scripts/reno_outage.rhai");
    let edited = manifest(&d.join("outputs/us_magnet_network").join(edited_dir));
    assert_eq!(edited["model_file"], "models/us_magnet_network.yaml");
    let mm1 = names(&d.join("outputs/mm1"));
    assert_eq!(mm1.len(), 1, "{mm1:?}");
    assert!(is_hashed(&mm1[0], "seed-4+years-0.5"), "{mm1:?}");

    // The same run again replaces its folder, saying so, with byte-identical tables; the
    // report says the edited file here was not used.
    let again = run_in(d, &["run"]);
    ok(&again);
    let report = stdout(&again);
    assert!(
        report.contains(
            "\n  wrote outputs/us_magnet_network/seed-1 (replacing an earlier copy of this run)\n"
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "\n  note: models/us_magnet_network.yaml here differs from the built-in copy; your edits were not used\n"
        ),
        "{report}"
    );
    let tables_before: BTreeMap<String, Vec<u8>> = before
        .into_iter()
        .filter(|(n, _)| n.ends_with(".parquet"))
        .map(|(n, (b, _))| (n, b))
        .collect();
    assert_eq!(tables(&baseline), tables_before);
    // Nothing hidden left beside the folders.
    assert_eq!(names(&d.join("outputs/us_magnet_network")).len(), 3);
}

// ---- refusals -------------------------------------------------------------------------

#[test]
fn another_run_into_the_same_folder_is_refused_and_the_first_stays_byte_identical() {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    let o = out.display();
    ok(&run_into(&out, &[]));
    let before = snapshot(&out);
    let fix =
        "Choose another folder with --out, or pass --force to replace it and everything in it";
    // A script valid over the one-year run (the refusal comes before any script runs).
    let scripts = tempdir();
    let policy = scripts.path().join("policy.rhai");
    fs::write(&policy, "note(\"a policy\");\n").unwrap();
    refused(
        &run_into(&out, &["--script", policy.to_str().unwrap()]),
        &format!(
            "error: cannot write {o}: it holds the results of another run (scripts none there, {} here); nothing was written. {fix}",
            policy.display()
        ),
    );
    refused(
        &run_into(&out, &["--seed", "2"]),
        &format!(
            "error: cannot write {o}: it holds the results of another run (seed 1 there, 2 here); nothing was written. {fix}"
        ),
    );
    refused(
        &run_in(
            &repo(),
            &["run", "--years", "2", "--out", out.to_str().unwrap(), "-q"],
        ),
        &format!(
            "error: cannot write {o}: it holds the results of another run (years 1 there, 2 here); nothing was written. {fix}"
        ),
    );
    assert_eq!(snapshot(&out), before);
    assert_eq!(names(tmp.path()), ["run"], "nothing beside it either");
}

#[test]
fn a_file_the_user_put_in_the_folder_is_never_deleted_without_force() {
    let tmp = tempdir();
    let fix =
        "Choose another folder with --out, or pass --force to replace it and everything in it";
    // A folder that is not a run folder.
    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("notes.txt"), "my notes").unwrap();
    refused(
        &run_into(&mine, &[]),
        &format!(
            "error: cannot write {}: it is not empty and holds no magloop run (no readable manifest.json): notes.txt; nothing was written. {fix}",
            mine.display()
        ),
    );
    assert_eq!(names(&mine), ["notes.txt"]);
    // A run folder of this same run, with a file added.
    let run = tmp.path().join("run");
    ok(&run_into(&run, &[]));
    fs::write(run.join("notes.txt"), "my notes").unwrap();
    let before = snapshot(&run);
    refused(
        &run_into(&run, &[]),
        &format!(
            "error: cannot write {}: it holds this same run's results and files magloop did not write: notes.txt; nothing was written. {fix}",
            run.display()
        ),
    );
    assert_eq!(snapshot(&run), before);
    // --force replaces it, the added file with it.
    ok(&run_into(&run, &["--force"]));
    assert!(!run.join("notes.txt").exists());
    assert!(run.join("manifest.json").exists());
}

#[test]
fn force_never_replaces_a_folder_that_holds_folders() {
    let tmp = tempdir();
    let project = tmp.path().join("project");
    fs::create_dir_all(project.join("src")).unwrap();
    fs::write(project.join("notes.txt"), "my notes").unwrap();
    let before = snapshot(&project);
    refused(
        &run_into(&project, &["--force"]),
        &format!(
            "error: cannot write {}: it is not empty and holds no magloop run (no readable manifest.json): src/, notes.txt; nothing was written. A run folder holds no folders, so even --force leaves this one alone: choose another folder with --out",
            project.display()
        ),
    );
    assert_eq!(snapshot(&project), before);
}

// ---- --force, failed and killed runs ------------------------------------------------------

#[test]
fn force_replaces_another_run_and_a_failed_run_leaves_the_old_folder_intact() {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    ok(&run_into(&out, &[]));
    let first = snapshot(&out);
    // Fails on 2025-06-01, well after the run started.
    let failing = "tests/hostile/scripts/30-loop-in-a-closure.rhai";
    let o = run_into(&out, &["--force", "--script", failing]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("at simulated date 2025-06-01"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot(&out), first, "a failed run changed the old folder");
    assert_eq!(
        names(tmp.path()),
        ["run"],
        "a failed run left something beside it"
    );
    // --force with a run that succeeds replaces it whole.
    let o = run_into(&out, &["--force", "--seed", "2"]);
    ok(&o);
    assert_eq!(manifest(&out)["seed"], 2);
    assert_ne!(
        tables(&out)["timeseries.parquet"],
        first["timeseries.parquet"].0
    );
    assert_eq!(names(tmp.path()), ["run"], "the old copy was not removed");
}

#[test]
fn a_killed_run_leaves_the_old_folder_intact() {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    ok(&run_into(&out, &[]));
    let first = snapshot(&out);
    // A long run with --force, killed once it has started writing beside the folder.
    let mut child = magloop()
        .args(["run", "--years", "50", "--force", "-q", "--out"])
        .arg(&out)
        .current_dir(repo())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let staging = loop {
        let hidden: Vec<String> = names(tmp.path())
            .into_iter()
            .filter(|n| n.starts_with(".run.incomplete-"))
            .collect();
        if let Some(h) = hidden.first() {
            break h.clone();
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no staging folder appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(snapshot(&out), first, "a killed run changed the old folder");
    // What it leaves is the hidden, incomplete folder (README: safe to delete), and the
    // next run is unaffected by it.
    assert_eq!(names(tmp.path()), vec![staging.clone(), "run".to_string()]);
    ok(&run_into(&out, &[]));
    assert_eq!(tables(&out), {
        let t: BTreeMap<String, Vec<u8>> = first
            .into_iter()
            .filter(|(n, _)| n.ends_with(".parquet"))
            .map(|(n, (b, _))| (n, b))
            .collect();
        t
    });
}

#[test]
fn an_output_folder_given_as_a_symbolic_link_is_followed_and_the_link_kept() {
    let tmp = tempdir();
    let real = tmp.path().join("scratch/run");
    fs::create_dir_all(&real).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    ok(&run_into(&link, &[]));
    ok(&run_into(&link, &["--force", "--seed", "2"]));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(manifest(&real)["seed"], 2);
    assert_eq!(names(&tmp.path().join("scratch")), ["run"]);
}

// ---- file modes ------------------------------------------------------------------------

/// Runs the magloop binary with ARGS under `umask MASK`, as a shell user would.
fn under_umask(mask: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_magloop"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

#[test]
fn output_files_get_the_usual_umask_modes_in_run_and_batch() {
    let tmp = tempdir();
    for (mask, file, dir) in [("022", 0o644, 0o755), ("027", 0o640, 0o750)] {
        let out = tmp.path().join(format!("run-{mask}"));
        let o = under_umask(
            mask,
            &[
                "run",
                "--years",
                "1",
                "-q",
                "--trace",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        ok(&o);
        assert_eq!(
            fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            dir,
            "umask {mask}: the run folder"
        );
        let files = snapshot(&out);
        // timeseries, summary, yearly, nodes, shocks, events and the manifest.
        assert_eq!(files.len(), 7, "{:?}", files.keys());
        for (name, (_, mode)) in files {
            assert_eq!(mode, file, "umask {mask}: {name} is {mode:o}");
        }
    }
    // A batch: its parts, marks and assembled tables.
    let exp = tmp.path().join("tiny.yaml");
    fs::write(
        &exp,
        format!(
            "name: tiny\nmodel: {}\nyears: 0.1\nreplications: {{count: 2}}\nbaseline: base\nscenarios:\n  - name: base\n",
            repo().join("models/mm1.yaml").display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("batch");
    let o = under_umask(
        "022",
        &[
            "batch",
            exp.to_str().unwrap(),
            "-q",
            "--jobs",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    ok(&o);
    let all = snapshot(&out);
    assert!(all.len() > 10, "{:?}", all.keys());
    for (name, (_, mode)) in all {
        let want = if name.ends_with('/') { 0o755 } else { 0o644 };
        assert_eq!(mode, want, "batch: {name} is {mode:o}");
    }
}

// ---- validate ----------------------------------------------------------------------------

#[test]
fn validate_checks_the_embedded_model_experiment_files_and_is_quiet_on_request() {
    let o = run_in(&repo(), &["validate"]);
    ok(&o);
    assert!(
        stdout(&o).starts_with("models/us_magnet_network.yaml (embedded): ok ("),
        "{}",
        stdout(&o)
    );
    let o = run_in(&repo(), &["validate", "--quiet", "models/mm1.yaml"]);
    ok(&o);
    assert_eq!(stdout(&o), "");
    let o = run_in(&repo(), &["validate", "-q"]);
    ok(&o);
    assert_eq!(stdout(&o), "");
    // Every shipped experiment, validated as `batch` loads it.
    for entry in fs::read_dir(repo().join("models/experiments")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let rel = path
            .strip_prefix(repo())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let o = run_in(&repo(), &["validate", &rel]);
        ok(&o);
        let name = path.file_stem().unwrap().to_str().unwrap();
        let line = stdout(&o);
        assert!(
            line.starts_with(&format!("{rel}: ok (experiment `{name}`: ")),
            "{line}"
        );
        assert!(
            line.ends_with(&format!(" runs; run it with `magloop batch {rel}`)\n")),
            "{line}"
        );
    }
    // A broken experiment: the batch loader's problems, exit 2.
    let bad = "tests/hostile/experiments/12-baseline-typo.yaml";
    let o = run_in(&repo(), &["validate", bad]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("baseline: no scenario named `bsae` (did you mean `base`?)"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("unknown field"), "{}", stderr(&o));
}

// ---- the printed report -------------------------------------------------------------------

/// Whether `s` is a number with its thousands grouped by commas (`1,203,721`, `3,734.6`).
fn grouped(s: &str) -> bool {
    let int = s.split('.').next().unwrap();
    let groups: Vec<&str> = int.split(',').collect();
    !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn the_report_groups_thousands_splits_magnets_and_names_the_model_scripts_and_backlogs() {
    let tmp = tempdir();
    // Reno loses its only line for good: drives pile up on the link into it.
    let script = tmp.path().join("reno_loses_its_line.rhai");
    fs::write(
        &script,
        "remove_capacity(\"reno_nv\", 1, \"2026-01-01\");\n",
    )
    .unwrap();
    let out = tmp.path().join("run");
    let o = run_in(
        &repo(),
        &[
            "run",
            "--out",
            out.to_str().unwrap(),
            "--script",
            script.to_str().unwrap(),
        ],
    );
    ok(&o);
    let report = stdout(&o);
    let lines: Vec<&str> = report.lines().collect();
    let events = lines[0]
        .rsplit(": ")
        .next()
        .and_then(|r| r.split(" events").next())
        .unwrap();
    assert!(grouped(events), "{}", lines[0]);
    assert_eq!(
        lines[1],
        "  model: models/us_magnet_network.yaml as built into magloop; to run an edited copy: magloop run models/us_magnet_network.yaml"
    );
    assert_eq!(lines[2], format!("  policy scripts: {}", script.display()));
    assert_eq!(lines[3], format!("  wrote {}", out.display()));
    // `N drives processed; recycled sintered magnets S t, co-products C t (HPMS output M t); oxides X t`
    let words: Vec<&str> = lines[4].split_whitespace().collect();
    assert_eq!(
        words[1..6],
        ["drives", "processed;", "recycled", "sintered", "magnets"],
        "{}",
        lines[4]
    );
    assert!(grouped(words[0]) && words[0].contains(','), "{}", lines[4]);
    assert!(lines[4].contains(" t, co-products "), "{}", lines[4]);
    assert!(lines[4].contains(" t (HPMS output "), "{}", lines[4]);
    assert!(lines[4].contains(" t); oxides "), "{}", lines[4]);
    let transport = lines
        .iter()
        .find(|l| l.starts_with("  transport $"))
        .unwrap_or_else(|| panic!("{report}"));
    let usd = transport["  transport $".len()..].split(',').count();
    assert!(usd >= 2, "{transport}");
    let backlog: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("  backlog at the end: "))
        .collect();
    assert_eq!(backlog.len(), 1, "{report}");
    let rest = &backlog[0]["  backlog at the end: ".len()..];
    let (tonnes, place) = rest.split_once(" t waiting ").unwrap();
    assert!(grouped(tonnes) && tonnes.contains(','), "{rest}");
    assert!(
        place.starts_with("on link hdd_west_to_reno (")
            && place.ends_with(" % of what entered it)"),
        "{rest}"
    );
    // The same figure as nodes.parquet's inventory_kg.
    let nodes = ParquetReader::new(fs::File::open(out.join("nodes.parquet")).unwrap())
        .finish()
        .unwrap();
    let ids = nodes.column("node").unwrap().str().unwrap();
    let inv = nodes.column("inventory_kg").unwrap().f64().unwrap();
    let kg = ids
        .iter()
        .zip(inv.iter())
        .find(|(id, _)| *id == Some("hdd_west_to_reno"))
        .and_then(|(_, v)| v)
        .unwrap();
    assert_eq!(tonnes, magloop::app::thousands(kg / 1000.0, 0));

    // The plain 10-year default run holds no backlog worth naming.
    let plain = tmp.path().join("plain");
    let o = run_in(&repo(), &["run", "--out", plain.to_str().unwrap()]);
    ok(&o);
    assert!(!stdout(&o).contains("backlog"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("scripts:"), "{}", stdout(&o));
}

#[test]
fn set_overrides_get_their_own_folder_and_manifest_and_bad_ones_exit_2() {
    let dir = tempdir();
    let run = |args: &[&str]| run_in(dir.path(), &[&["run", "--years", "1", "-q"], args].concat());
    let o = run(&["--set", "nodes.hdd_east.capture_share=0.3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["--set", "nodes.hdd_east.capture_share=0.5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let base = dir.path().join("outputs/us_magnet_network");
    let mut folders: Vec<String> = fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    // Two values, two folders: `+set-1` and a hash of the override.
    assert_eq!(folders.len(), 2, "{folders:?}");
    assert!(
        folders
            .iter()
            .all(|f| f.starts_with("seed-1+years-1+set-1-")),
        "{folders:?}"
    );
    // The manifest records the override; the model hash stays the file's.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(base.join(&folders[0]).join("manifest.json")).unwrap())
            .unwrap();
    let sets = manifest["sets"].to_string();
    assert!(sets.contains("nodes.hdd_east.capture_share"), "{sets}");
    assert_eq!(
        manifest["model_sha256"].as_str().unwrap(),
        magloop::model::sha256_hex(magloop::model::DEFAULT_MODEL_YAML.as_bytes())
    );
    // The same override again is the same run: replaced without a word.
    assert!(
        run(&["--set", "nodes.hdd_east.capture_share=0.3"])
            .status
            .success()
    );
    // A typo in the path, a value out of range, a malformed argument: exit 2, nothing new.
    let o = run(&["--set", "nodes.hdd_east.capture_sahre=0.3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `capture_share`?"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--set", "nodes.hdd_east.capture_share=1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("nodes[0].capture_share: must be a share between 0 and 1, found 1.5"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--set", "capture_share"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--set takes PATH=VALUE"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_dir(&base).unwrap().count(), 2);
}
