//! Hostile input, run as a user runs it: the corpus under `tests/hostile/` (one file per
//! case, its first line saying what it is and what it must give) and cases made here
//! (binary garbage, empty and 10 MB files, deep nesting, FIFOs, unwritable folders, bad
//! arguments). Each must end with exit 2 and `error: ...` naming the input: no panic, no
//! hang, nothing half-written. Known bugs are `#[ignore = "bug: ..."]` tests at the end,
//! expecting the right behaviour (`cargo test --release --test it hostile -- --ignored`).

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{magloop, repo, stderr, tempdir};

/// How long a case may run before it counts as a hang. A guard, not a timing assertion:
/// every case that passes takes well under a second or a few seconds.
const HANG_GUARD: Duration = Duration::from_secs(60);

// ---- running the binary --------------------------------------------------------------------

/// Runs `cmd`, killing it after [`HANG_GUARD`] (a hang fails the test). Output goes to
/// files, not pipes, so a process printing megabytes cannot block on a full pipe.
fn run_guarded_cmd(mut cmd: Command, what: &str) -> Output {
    let logs = tempdir();
    let out_path = logs.path().join("stdout");
    let err_path = logs.path().join("stderr");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hang: {what} still running after {HANG_GUARD:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(&out_path).unwrap(),
        stderr: fs::read(&err_path).unwrap(),
    }
}

/// Runs `magloop ARGS` in `cwd` under the hang guard.
fn run_guarded(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = magloop();
    cmd.args(args).current_dir(cwd);
    run_guarded_cmd(cmd, &format!("magloop {}", args.join(" ")))
}

/// Every entry under `dir` (relative paths), or none when it does not exist.
fn entries_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let p = e.unwrap().path();
            found.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    found.sort();
    found
}

/// What is wrong with a refusal, if anything: it must exit 2, start with `error:`, name
/// `input`, hold `needle`, carry no panic, and leave `out` empty or absent.
fn refusal_problems(
    o: &Output,
    args: &[&str],
    input: &str,
    needle: &str,
    out: Option<&Path>,
) -> Option<String> {
    let err = stderr(o);
    let mut wrong = Vec::new();
    if o.status.code() != Some(2) {
        wrong.push(format!("exit {:?}, expected 2", o.status.code()));
    }
    if !err.starts_with("error:") {
        wrong.push("stderr does not start with `error:`".to_string());
    }
    if !err.contains(input) {
        wrong.push(format!("stderr does not name {input}"));
    }
    if !err.contains(needle) {
        wrong.push(format!("stderr does not hold {needle:?}"));
    }
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        wrong.push("a panic".to_string());
    }
    if let Some(out) = out {
        let left = entries_under(out);
        if !left.is_empty() {
            wrong.push(format!("left in the output folder: {left:?}"));
        }
    }
    (!wrong.is_empty()).then(|| {
        let shown: String = err.chars().take(1500).collect();
        format!(
            "magloop {}: {}\n  stderr: {}",
            args.join(" "),
            wrong.join("; "),
            shown.replace('\n', "\n          ")
        )
    })
}

/// Fails with every problem found, one per line.
fn assert_no_problems(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Runs `args` in `cwd` and checks it is refused as [`refusal_problems`] says.
fn check_refused(
    cwd: &Path,
    args: &[&str],
    input: &str,
    needle: &str,
    out: Option<&Path>,
) -> Option<String> {
    let o = run_guarded(cwd, args);
    refusal_problems(&o, args, input, needle, out)
}

// ---- the corpus ----------------------------------------------------------------------------

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

/// The corpus files of one folder (`models`, `scripts`, `experiments`), sorted.
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

/// Corpus files that are known bugs, and the ignored test that checks each.
const KNOWN_BUGS: [(&str, &str); 7] = [
    (
        "models/49-bug-enormous-lot.yaml",
        "bug_masses_beyond_i64_milligrams_are_accepted_and_wrap",
    ),
    (
        "models/50-bug-mass-overflow-within-limits.yaml",
        "bug_masses_beyond_i64_milligrams_are_accepted_and_wrap",
    ),
    (
        "scripts/33-bug-every-second.rhai",
        "bug_scripts_can_schedule_unbounded_hook_calls",
    ),
    (
        "scripts/34-bug-many-hooks.rhai",
        "bug_scripts_can_schedule_unbounded_hook_calls",
    ),
    (
        "scripts/35-bug-hooks-that-add-hooks.rhai",
        "bug_scripts_can_schedule_unbounded_hook_calls",
    ),
    (
        "experiments/25-bug-base-seed-overflow.yaml",
        "bug_base_seed_plus_count_overflows",
    ),
    // Not a corpus file of its own: models/33 passes the corpus loop (exit 2, place named);
    // its message is the bug.
    (
        "models/33-integer-beyond-u64.yaml",
        "bug_an_integer_beyond_u64_is_called_a_yaml_syntax_error",
    ),
];

#[test]
fn every_corpus_file_says_what_it_expects_and_is_listed_in_the_readme() {
    let readme = fs::read_to_string(repo().join("tests/hostile/README.md")).unwrap();
    let this = fs::read_to_string(repo().join("tests/it/hostile.rs")).unwrap();
    let mut problems = Vec::new();
    for folder in ["models", "scripts", "experiments"] {
        let cases = corpus(folder);
        assert!(cases.len() >= 20, "{folder}: only {} cases", cases.len());
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

// ---- inputs made here ----------------------------------------------------------------------

/// Writes `bytes` as `name` in `dir`; returns its path as a string.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

/// Reproducible pseudo-random bytes (xorshift64), so a failure can be replayed.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Checks a model file is refused by `validate` and `run`, a script by `run` and
/// `validate`, an experiment by `batch`; `needle` must be in stderr.
fn check_as(kind: &str, file: &str, needle: &str) -> Vec<String> {
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let runs: Vec<Vec<&str>> = match kind {
        "model" => vec![
            vec!["validate", file],
            vec!["run", file, "--out", out_s, "-q"],
        ],
        "script" => vec![
            vec![
                "run", "--script", file, "--years", "2", "--out", out_s, "-q",
            ],
            vec![
                "validate",
                "models/us_magnet_network.yaml",
                "--script",
                file,
            ],
        ],
        "experiment" => vec![vec!["batch", file, "--out", out_s, "-q", "--jobs", "1"]],
        _ => unreachable!("kind {kind}"),
    };
    runs.iter()
        .filter_map(|args| check_refused(&repo(), args, file, needle, Some(&out)))
        .collect()
}

#[test]
fn binary_garbage_and_text_that_is_not_utf8_are_refused() {
    let tmp = tempdir();
    let d = tmp.path();
    let mm1 = fs::read_to_string(repo().join("models/mm1.yaml")).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(mm1.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain(garbage(2000, 7))
        .collect();
    // A comment saying "café" in Latin-1: the single byte E9, not UTF-8's C3 A9.
    let latin1: Vec<u8> = b"# caf\xe9\n".iter().copied().chain(mm1.bytes()).collect();
    let mut problems = Vec::new();
    // Models: random bytes, a PNG, UTF-16 (an editor's "Unicode"), Latin-1, a NUL byte.
    for (name, bytes, needle) in [
        ("random.yaml", garbage(4096, 1), "not UTF-8 text"),
        (
            "image.yaml",
            png.clone(),
            "not UTF-8 text (invalid byte at offset 0)",
        ),
        (
            "utf16.yaml",
            utf16.clone(),
            "not UTF-8 text (invalid byte at offset 0)",
        ),
        ("latin1.yaml", latin1.clone(), "not UTF-8 text"),
        (
            "nul.yaml",
            mm1.replace("name: mm1", "name: mm\u{0}1").into_bytes(),
            "control characters are not allowed",
        ),
    ] {
        let f = put(d, name, &bytes);
        problems.extend(check_as("model", &f, needle));
    }
    // The magloop binary itself given as the model (37 MB of machine code).
    let exe = env!("CARGO_BIN_EXE_magloop");
    problems.extend(check_as("model", exe, "not UTF-8 text"));
    // Scripts.
    for (name, bytes, needle) in [
        (
            "random.rhai",
            garbage(4096, 2),
            "not UTF-8 text: is this a Rhai script?",
        ),
        ("image.rhai", png.clone(), "not UTF-8 text"),
        (
            "latin1.rhai",
            b"note(\"caf\xe9\");\n".to_vec(),
            "not UTF-8 text",
        ),
        ("nul.rhai", b"let x = 1;\x00\n".to_vec(), "syntax error"),
    ] {
        let f = put(d, name, &bytes);
        problems.extend(check_as("script", &f, needle));
    }
    problems.extend(check_as("script", exe, "not UTF-8 text"));
    // Experiments.
    for (name, bytes) in [
        ("random-exp.yaml", garbage(4096, 3)),
        ("utf16-exp.yaml", utf16),
    ] {
        let f = put(d, name, &bytes);
        problems.extend(check_as(
            "experiment",
            &f,
            "stream did not contain valid UTF-8",
        ));
    }
    assert_no_problems(problems);
}

#[test]
fn empty_files_are_refused_and_an_empty_script_is_a_script_that_does_nothing() {
    let tmp = tempdir();
    let d = tmp.path();
    let mut problems = Vec::new();
    for (name, text) in [
        ("empty.yaml", ""),
        ("blank.yaml", "\n\n   \n"),
        ("null.yaml", "~\n"),
        ("bom.yaml", "\u{feff}"),
    ] {
        let f = put(d, name, text.as_bytes());
        problems.extend(check_as("model", &f, "the model file is empty"));
    }
    problems.extend(check_as("model", "/dev/null", "the model file is empty"));
    let f = put(d, "empty-exp.yaml", b"");
    problems.extend(check_as("experiment", &f, "missing field `name`"));
    problems.extend(check_as("experiment", "/dev/null", "missing field `name`"));
    assert_no_problems(problems);
    // An empty script is valid Rhai that takes no action: accepted, as a comment-only
    // template is.
    let f = put(d, "empty.rhai", b"");
    let o = run_guarded(
        &repo(),
        &["validate", "models/us_magnet_network.yaml", "--script", &f],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn ten_megabyte_models_of_repeated_garbage_are_refused() {
    let tmp = tempdir();
    let d = tmp.path();
    const TEN_MB: usize = 10 * 1024 * 1024;
    let repeat = |unit: &str| -> Vec<u8> { unit.repeat(TEN_MB / unit.len() + 1).into_bytes() };
    let mut problems = Vec::new();
    for (name, bytes, needle) in [
        // Punctuation that cannot start a YAML token.
        (
            "punctuation.yaml",
            repeat("}{][:- &*!|>%@`#,?\n"),
            "YAML syntax error",
        ),
        // One key a million times.
        (
            "same-key.yaml",
            repeat("lorem ipsum: dolor\n"),
            "YAML syntax error: duplicate entry with key \"lorem ipsum\"",
        ),
        // Valid YAML, the wrong shape: a list of 600,000 small mappings (parsed whole
        // first: about 6 s and 1.5 GB here, see the bug notes in tests/hostile/README.md).
        (
            "list.yaml",
            repeat("- a: [b, {c: d}]\n"),
            "a model file must be a YAML mapping",
        ),
        // Random bytes (not UTF-8).
        ("random.yaml", garbage(TEN_MB, 11), "not UTF-8 text"),
    ] {
        let f = put(d, name, &bytes);
        problems.extend(check_as("model", &f, needle));
    }
    assert_no_problems(problems);
}

#[test]
fn deep_nesting_and_alias_bombs_are_refused() {
    let tmp = tempdir();
    let d = tmp.path();
    // Twelve levels of nine aliases each: 9^12 = 282 billion items if expanded.
    let mut bomb = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let prev = format!("*l{}", i - 1);
        bomb.push_str(&format!("l{i}: &l{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    // An alias bomb in the place of a field the loader reads.
    let nodes_bomb = format!(
        "{bomb}name: bomb\ncalendar: {{start: 2025-01-01, years: 1}}\nelements: *l11\nmaterials: {{}}\nnodes: *l11\n"
    );
    let mut problems = Vec::new();
    for (name, text, needle) in [
        (
            "brackets.yaml",
            "[".repeat(10_000),
            "recursion limit exceeded",
        ),
        (
            "brackets-100k.yaml",
            "[".repeat(100_000),
            "recursion limit exceeded",
        ),
        (
            "braces.yaml",
            "{a: ".repeat(10_000),
            "recursion limit exceeded",
        ),
        (
            "block-sequences.yaml",
            format!("{}x\n", "- ".repeat(10_000)),
            "recursion limit exceeded",
        ),
        (
            "indented-mappings.yaml",
            (0..2_000)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect(),
            "recursion limit exceeded",
        ),
        ("bomb.yaml", bomb.clone(), "repetition limit exceeded"),
        ("nodes-bomb.yaml", nodes_bomb, "repetition limit exceeded"),
    ] {
        let f = put(d, name, text.as_bytes());
        problems.extend(check_as("model", &f, needle));
    }
    // The same in an experiment file, and an experiment whose override value is a bomb.
    let f = put(d, "bomb-exp.yaml", bomb.as_bytes());
    problems.extend(check_as("experiment", &f, "repetition limit exceeded"));
    let mm1 = repo().join("models/mm1.yaml");
    let exp = format!(
        "{bomb}name: bomb\nmodel: {}\nreplications: {{count: 1}}\nbaseline: base\nscenarios:\n  - name: base\n    overrides:\n      description: *l11\n",
        mm1.display()
    );
    let f = put(d, "override-bomb.yaml", exp.as_bytes());
    problems.extend(check_as("experiment", &f, "repetition limit exceeded"));
    assert_no_problems(problems);
}

#[test]
fn hostile_scripts_made_here_are_refused() {
    let tmp = tempdir();
    let d = tmp.path();
    let mut problems = Vec::new();
    for (name, text, needle) in [
        // A 3 MB string literal: over the 1 MB string limit while parsing.
        (
            "huge-literal.rhai",
            format!("let s = \"{}\";\n", "x".repeat(3 << 20)),
            "syntax error: Length of string exceeds the maximum limit (1048576)",
        ),
        // A 1 MB line of one long sum.
        (
            "long-line.rhai",
            format!("let x = {}1;\n", "1 + ".repeat(250_000)),
            "syntax error: Expression exceeds maximum complexity",
        ),
        // 100,000 short loops, each fine: together they pass the operation limit.
        (
            "many-loops.rhai",
            format!(
                "let x = 0;\n{}",
                "for i in 0..30 { x += i; }\n".repeat(100_000)
            ),
            "the script ran more than 2000000 operations",
        ),
        // 10,000 nested blocks.
        (
            "nested-blocks.rhai",
            format!("{}{}", "{ ".repeat(10_000), " }".repeat(10_000)),
            "syntax error",
        ),
        // 10,000 nested closures.
        (
            "nested-closures.rhai",
            format!("let f = {}1;\n", "|| ".repeat(10_000)),
            "syntax error",
        ),
    ] {
        let f = put(d, name, text.as_bytes());
        problems.extend(check_as("script", &f, needle));
    }
    assert_no_problems(problems);
}

#[test]
fn unwritable_output_folders_are_refused_before_anything_is_written() {
    let tmp = tempdir();
    let d = tmp.path();
    let blocker = d.join("a-file");
    fs::write(&blocker, "in the way").unwrap();
    let under_file = blocker.join("out");
    let under_file = under_file.to_str().unwrap();
    let script = "scripts/reno_outage.rhai";
    let experiment = put(
        d,
        "exp.yaml",
        format!(
            "name: tiny\nmodel: {}\nyears: 0.1\nreplications: {{count: 1}}\nbaseline: base\nscenarios:\n  - name: base\n",
            repo().join("models/mm1.yaml").display()
        )
        .as_bytes(),
    );
    let mut targets = vec![
        (under_file.to_string(), "Not a directory"),
        ("/dev/null".to_string(), "File exists"),
        (blocker.to_str().unwrap().to_string(), "File exists"),
        ("/proc/magloop-cannot-be-here".to_string(), "cannot write"),
    ];
    // A read-only folder stops writes only for a user without CAP_DAC_OVERRIDE: as root
    // (CI here) chmod does not, so the case is checked only where it bites.
    let read_only = d.join("read-only");
    fs::create_dir(&read_only).unwrap();
    let mut perms = fs::metadata(&read_only).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&read_only, perms).unwrap();
    if fs::write(read_only.join("probe"), "x").is_err() {
        targets.push((
            read_only.join("out").to_str().unwrap().to_string(),
            "Permission denied",
        ));
    } else {
        eprintln!(
            "running as root: a read-only folder does not stop writes; checked the file-in-the-way cases only"
        );
        let _ = fs::remove_file(read_only.join("probe"));
    }
    let mut problems = Vec::new();
    for (out, needle) in &targets {
        for args in [
            vec!["run", "models/mm1.yaml", "--out", out, "-q"],
            vec![
                "run", "--script", script, "--years", "1", "--out", out, "-q",
            ],
            vec!["batch", &experiment, "--out", out, "-q", "--jobs", "1"],
            vec!["api", "--definitions", out],
        ] {
            // The message names the folder it cannot write.
            let o = run_guarded(&repo(), &args);
            let named = out.as_str();
            problems.extend(refusal_problems(&o, &args, named, needle, None));
        }
    }
    assert_no_problems(problems);
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "in the way");
    let mut perms = fs::metadata(&read_only).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&read_only, perms).unwrap();
}

#[test]
fn bad_command_line_arguments_exit_2_with_a_message() {
    // Run from an empty folder, so no case could write into the repository.
    let tmp = tempdir();
    let d = tmp.path();
    let mm1 = repo().join("models/mm1.yaml");
    let mm1 = mm1.to_str().unwrap();
    let exp = repo().join("models/experiments/capacity_options.yaml");
    let exp = exp.to_str().unwrap();
    let here = d.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "Usage: magloop <COMMAND>"),
        (vec!["frobnicate"], "unrecognized subcommand 'frobnicate'"),
        (
            vec!["run", "--frobnicate"],
            "unexpected argument '--frobnicate'",
        ),
        (
            vec!["validate", mm1, "--seed", "1"],
            "unexpected argument '--seed'",
        ),
        (vec!["run", "--seed", "-1"], "unexpected argument '-1'"),
        (
            vec!["run", "--seed", "99999999999999999999"],
            "invalid value '99999999999999999999' for '--seed <SEED>'",
        ),
        (
            vec!["run", "--seed", "1.5"],
            "invalid value '1.5' for '--seed <SEED>'",
        ),
        (
            vec!["run", "--seed", ""],
            "invalid value '' for '--seed <SEED>'",
        ),
        (
            vec!["run", "--years", "nan"],
            "must be above 0 and at most 200, found nan",
        ),
        (
            vec!["run", "--years", "inf"],
            "must be above 0 and at most 200, found inf",
        ),
        (vec!["run", "--years", "-inf"], "unexpected argument '-i'"),
        (
            vec!["run", "--years", "0"],
            "must be above 0 and at most 200, found 0",
        ),
        (
            vec!["run", "--years", "1e400"],
            "must be above 0 and at most 200, found 1e400",
        ),
        (
            vec!["run", "--years", "ten"],
            "`ten` is not a number of years",
        ),
        (
            vec!["run", "--out"],
            "a value is required for '--out <OUT>'",
        ),
        (
            vec!["run", "--script"],
            "a value is required for '--script <FILE>'",
        ),
        (vec!["batch", exp, "--jobs", "0"], "0 is not in 1..=1024"),
        (
            vec!["batch", exp, "--jobs", "99999"],
            "99999 is not in 1..=1024",
        ),
        (
            vec!["batch", exp, "--jobs", "-3"],
            "unexpected argument '-3'",
        ),
        (vec!["batch", exp, "--shard", "5/4"], "`5/4` is not a shard"),
        (vec!["batch", exp, "--shard", "0/0"], "`0/0` is not a shard"),
        (vec!["batch", exp, "--shard", "4/4"], "`4/4` is not a shard"),
        (vec!["batch", exp, "--shard", "1"], "`1` is not a shard"),
        (vec!["batch", exp, "--shard", "a/b"], "`a/b` is not a shard"),
        (
            vec!["batch", exp, "--shard", "0/99999999999999999999"],
            "is not a shard",
        ),
        (vec!["batch"], "required arguments were not provided"),
        // Files that are not model files.
        (vec!["validate", here], "Is a directory"),
        (vec!["run", here, "--out", "o", "-q"], "Is a directory"),
        (
            vec!["validate", "no/such/model.yaml"],
            "cannot read no/such/model.yaml",
        ),
        (vec!["validate", "/dev/null"], "the model file is empty"),
        (vec!["batch", here], "Is a directory"),
        (vec!["validate", mm1, "--script", here], "Is a directory"),
        (
            vec!["validate", mm1, "--script", "no/such/script.rhai"],
            "cannot read no/such/script.rhai",
        ),
        (
            vec!["run", "--script", here, "--out", "o", "-q"],
            "Is a directory",
        ),
    ];
    let mut problems = Vec::new();
    for (args, needle) in &cases {
        let o = run_guarded(d, args);
        let err = stderr(&o);
        if o.status.code() != Some(2)
            || (!err.starts_with("error:") && !args.is_empty())
            || !err.contains(needle)
            || err.contains("panicked")
        {
            problems.push(format!(
                "magloop {}: exit {:?}, expected 2 and {needle:?}:\n{err}",
                args.join(" "),
                o.status.code()
            ));
        }
    }
    assert_no_problems(problems);
    assert_eq!(
        entries_under(d),
        Vec::<String>::new(),
        "a bad argument wrote files"
    );
}

#[test]
fn a_fifo_that_feeds_garbage_is_refused_like_a_file() {
    let tmp = tempdir();
    let fifo = tmp.path().join("model.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let f = fifo.to_str().unwrap().to_string();
    // A writer, as `magloop validate <(generate-model)` has: opening blocks until magloop
    // opens the other end.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut w = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            // The reader may stop early; a broken pipe is fine.
            let _ = w.write_all(b"name: [unclosed\n");
        })
    };
    let o = run_guarded(&repo(), &["validate", &f]);
    writer.join().unwrap();
    assert_no_problems(
        refusal_problems(&o, &["validate", &f], &f, "YAML syntax error", None)
            .into_iter()
            .collect(),
    );
    // A FIFO nobody writes to blocks `open`, as it does for `cat`: see the README.
}

// ---- known bugs: each expects the right behaviour -------------------------------------------

fn hostile(rel: &str) -> String {
    format!("tests/hostile/{rel}")
}

#[test]
#[ignore = "bug: masses beyond i64 milligrams (about 9.2e12 kg over a run) pass validation; the tallies wrap and a run exits 0 with negative in_kg"]
fn bug_masses_beyond_i64_milligrams_are_accepted_and_wrap() {
    // models/49: lot_kg 1e10 every hour for a year: 8.8e13 kg. Today `run` exits 0 and
    // nodes.parquet has in_kg = -4.7237e12 at every node (release build: i64 wraps).
    // models/50: scrap_source at its 1e8 t/yr limit for 200 years: 2e13 kg, reported as
    // 1.5559e12 kg. Validation should bound the mass a run can carry, as it bounds arrivals.
    let mut problems = Vec::new();
    for (rel, needle) in [
        ("models/49-bug-enormous-lot.yaml", "lot_kg"),
        (
            "models/50-bug-mass-overflow-within-limits.yaml",
            "tonnes_per_year",
        ),
    ] {
        let p = hostile(rel);
        problems.extend(check_refused(&repo(), &["validate", &p], &p, needle, None));
    }
    assert_no_problems(problems);
}

#[test]
#[ignore = "bug: scripts may schedule unbounded hook calls (every second, thousands of hooks, hooks adding hooks); the run hangs instead of exit 2"]
fn bug_scripts_can_schedule_unbounded_hook_calls() {
    // The operation limit bounds one call; nothing bounds the number of calls. Today each
    // of these is still running after 60 s (`every("1 second")` over 2 years is 63 million
    // calls). Expected: exit 2 naming the script and the `every` call.
    let rels = [
        "scripts/33-bug-every-second.rhai",
        "scripts/34-bug-many-hooks.rhai",
        "scripts/35-bug-hooks-that-add-hooks.rhai",
    ];
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = rels
            .iter()
            .map(|rel| {
                s.spawn(move || {
                    let p = hostile(rel);
                    let tmp = tempdir();
                    let out = tmp.path().join("out");
                    let args = [
                        "run",
                        "--script",
                        &p,
                        "--years",
                        "2",
                        "--out",
                        out.to_str().unwrap(),
                        "-q",
                    ];
                    check_refused(&repo(), &args, &p, "every", Some(&out))
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or_else(|_| Some("hang".into())))
            .collect()
    });
    assert_no_problems(problems);
}

#[test]
#[ignore = "bug: replications.base_seed + count - 1 beyond u64 wraps (seeds 18446744073709551615, 0, 1) and the batch exits 0; a debug build panics"]
fn bug_base_seed_plus_count_overflows() {
    let p = hostile("experiments/25-bug-base-seed-overflow.yaml");
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let args = [
        "batch",
        &p,
        "--out",
        out.to_str().unwrap(),
        "-q",
        "--jobs",
        "1",
    ];
    assert_no_problems(
        check_refused(&repo(), &args, &p, "base_seed", Some(&out))
            .into_iter()
            .collect(),
    );
}

#[test]
#[ignore = "bug: an integer beyond u64 is reported as `YAML syntax error: ... as u128, expected any YAML value (check indentation ...)`"]
fn bug_an_integer_beyond_u64_is_called_a_yaml_syntax_error() {
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

#[test]
#[ignore = "bug: an endless loop, recursion or oversized value inside an at/every/on_record closure is reported without a line and column"]
fn bug_limit_errors_inside_closures_lose_their_line() {
    // Today: `error: tests/hostile/scripts/30-loop-in-a-closure.rhai: at simulated date
    // 2025-06-01: the script ran more than ...`, with no line and no caret, while the same
    // loop at the top level, or an index error in a closure, gets both. Rhai gives these
    // "system" errors the position of the call site, and `FnPtr::call` has none. Expected:
    // `FILE:LINE:COL:`, the closure's own line or at least the `at`/`every`/`on_record`
    // call that scheduled it.
    let mut problems = Vec::new();
    for rel in [
        "scripts/30-loop-in-a-closure.rhai",
        "scripts/31-recursion-in-a-closure.rhai",
        "scripts/32-string-growth-on-record.rhai",
    ] {
        let p = hostile(rel);
        let tmp = tempdir();
        let out = tmp.path().join("out");
        let args = [
            "run",
            "--script",
            &p,
            "--years",
            "2",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ];
        let o = run_guarded(&repo(), &args);
        problems.extend(refusal_problems(&o, &args, &p, "", Some(&out)));
        let err = stderr(&o);
        let placed = err
            .split_once(&format!("{p}:"))
            .is_some_and(|(_, rest)| rest.starts_with(|c: char| c.is_ascii_digit()));
        if !placed {
            problems.push(format!("{p}: no line and column in\n{err}"));
        }
    }
    assert_no_problems(problems);
}

#[test]
#[ignore = "bug: placing problems is quadratic (each problem rescans the whole file): 16,000 bad nodes take 27 s, 64,000 (3 MB) several minutes"]
fn bug_many_problems_take_quadratic_time() {
    // `Ctx::problem` calls `locate`, which splits the whole text into lines on every call.
    let tmp = tempdir();
    let mut text = String::from(
        "name: many\ncalendar: {start: 2025-01-01, years: 1}\nelements: []\nmaterials: {}\nnodes:\n",
    );
    for i in 0..64_000 {
        text.push_str(&format!("  - id: n{i}\n    kind: sink\n    colour: red\n"));
    }
    let f = put(tmp.path(), "many.yaml", text.as_bytes());
    assert_no_problems(
        check_refused(
            &repo(),
            &["validate", &f],
            &f,
            "unknown field `colour`",
            None,
        )
        .into_iter()
        .collect(),
    );
}

#[test]
#[ignore = "bug: input files are read whole with no size limit: /dev/zero as a model, script or experiment takes all memory"]
fn bug_reading_dev_zero_exhausts_memory() {
    // Run under a 2 GB address-space limit so the machine survives: today each read fails
    // with `cannot read /dev/zero: out of memory` after allocating 1 GB; without the limit
    // it grows until the kernel kills something. Expected: a size limit checked while
    // reading, refused with its own message.
    let exe = env!("CARGO_BIN_EXE_magloop");
    let tmp = tempdir();
    let exp = put(
        tmp.path(),
        "zero.yaml",
        b"name: zero\nmodel: /dev/zero\nreplications: {count: 1}\nbaseline: base\nscenarios:\n  - name: base\n",
    );
    let mut problems = Vec::new();
    for (args, input) in [
        (vec!["validate", "/dev/zero"], "/dev/zero"),
        (
            vec!["validate", "models/mm1.yaml", "--script", "/dev/zero"],
            "/dev/zero",
        ),
        (vec!["batch", exp.as_str()], "/dev/zero"),
    ] {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -v 2000000; exec \"$@\"")
            .arg("sh")
            .arg(exe)
            .args(&args)
            .current_dir(repo());
        let o = run_guarded_cmd(cmd, &format!("magloop {}", args.join(" ")));
        if let Some(p) = refusal_problems(&o, &args, input, "", None) {
            problems.push(p);
        } else if stderr(&o).contains("out of memory") {
            problems.push(format!(
                "magloop {}: ran out of memory instead of refusing a too-large file",
                args.join(" ")
            ));
        }
    }
    assert_no_problems(problems);
}

#[test]
#[ignore = "bug: a script error quotes its whole line: a 3 MB line is echoed to stderr in full"]
fn bug_a_long_line_is_quoted_whole() {
    let tmp = tempdir();
    let text = format!("let s = \"{}\";\n", "x".repeat(3 << 20));
    let f = put(tmp.path(), "huge.rhai", text.as_bytes());
    let o = run_guarded(
        &repo(),
        &["validate", "models/us_magnet_network.yaml", "--script", &f],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        o.stderr.len() < 64 << 10,
        "stderr is {} bytes; the quoted line should be cut",
        o.stderr.len()
    );
}

#[test]
#[ignore = "bug: an enormous value is printed in full: `found 1000...000` (309 digits) for 1e308"]
fn bug_enormous_values_are_printed_with_every_digit() {
    let p = hostile("models/30-enormous-years.yaml");
    let o = run_guarded(&repo(), &["validate", &p]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains(&"0".repeat(30)), "{err}");
}
