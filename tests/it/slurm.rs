//! A real one-node Slurm cluster runs an experiment as a 4-task job array; assembled with
//! `--resume`, its dataset must equal a local batch's byte for byte.
//!
//! The work is in `tests/slurm/run_cluster_test.sh` (run it alone to debug). It needs root
//! and Debian's `slurm-wlm` and `munge` (.ci/run installs them); without them it prints
//! `SKIPPED: slurm: <reason>` and this test passes, saying so in every log.

use std::io::Write;
use std::process::Command;

use crate::common::{repo, stderr, stdout};

#[test]
fn a_slurm_job_array_assembles_into_the_local_batch_byte_for_byte() {
    let script = repo().join("tests/slurm/run_cluster_test.sh");
    let o = Command::new("bash")
        .arg(&script)
        .env("MAGLOOP", env!("CARGO_BIN_EXE_magloop"))
        .current_dir(repo())
        .output()
        .expect("bash runs");
    let (out, err) = (stdout(&o), stderr(&o));
    if let Some(skip) = out.lines().find(|l| l.starts_with("SKIPPED: ")) {
        assert!(o.status.success(), "a skip must exit 0: {:?}", o.status);
        // println! goes into the harness's captured output; the stderr handle (unlike
        // eprintln!, which is captured too) shows in every log, not only with --nocapture.
        println!("{skip}");
        let _ = writeln!(std::io::stderr(), "{skip}");
        return;
    }
    // The script's progress and timings, shown with --nocapture or on failure.
    print!("{out}");
    eprint!("{err}");
    assert!(
        o.status.success(),
        "{} exited {:?} (its output is above)",
        script.display(),
        o.status.code()
    );
    assert!(
        out.contains(" passed, 0 failed"),
        "the script printed no closing line"
    );
}
