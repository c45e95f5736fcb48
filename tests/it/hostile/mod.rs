//! Hostile input, run as a user runs it: the corpus under `tests/hostile/` (one file per
//! case, its first line saying what it is and what it must give) and cases made here
//! (binary garbage, empty and 10 MB files, deep nesting, FIFOs, unwritable folders, bad
//! arguments). Each must end with exit 2 and `error: ...` naming the input: no panic, no
//! hang, nothing half-written. Known bugs are `#[ignore = "bug: ..."]` tests in `known_bugs`,
//! expecting the right behaviour (`cargo test --release --test it hostile -- --ignored`).
//! One module per theme (README.md lists them); the helpers are here.

mod corpus;
mod known_bugs;
mod limits;
mod made_here;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{magloop, stderr, tempdir};

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

/// Writes `bytes` as `name` in `dir`; returns its path as a string.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}
