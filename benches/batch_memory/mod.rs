//! Batch memory against run count: `magloop batch` of the default model at two sizes, each
//! in its own process, with its peak resident memory and CPU time (from `wait4`, Linux).
//!
//! The target: the larger batch peaks within 15 % of the smaller one. The rate,
//! runs per CPU-second of the larger batch, gives the projected wall time of 10,000 runs.
//!
//! A folder of `magloop.rs` (`mod batch_memory;`), not `benches/batch_memory.rs`, which cargo
//! would also build as a bench of its own.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// What one `magloop batch` process used.
struct Usage {
    wall_s: f64,
    /// User + system time.
    cpu_s: Option<f64>,
    peak_bytes: Option<u64>,
}

/// Runs `cmd` to its end; panics unless it succeeds.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn measure(cmd: &mut Command) -> Usage {
    use std::ffi::c_long;
    /// `struct rusage` on 64-bit Linux: two `timeval`s, then 14 `long`s (`ru_maxrss` first,
    /// in KiB).
    #[repr(C)]
    struct Rusage {
        utime: [c_long; 2],
        stime: [c_long; 2],
        maxrss: c_long,
        rest: [c_long; 13],
    }
    unsafe extern "C" {
        fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut Rusage) -> i32;
    }
    let start = Instant::now();
    let child = cmd.spawn().expect("magloop starts");
    let pid = child.id() as i32;
    let mut status = 0;
    let mut usage = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    // wait4 reaps the child (std's `Child` is dropped unwaited, which is allowed) and
    // reports this child's own usage, unlike getrusage(RUSAGE_CHILDREN).
    loop {
        // SAFETY: both pointers are to live, writable values of the declared C layouts.
        let r = unsafe { wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        assert_eq!(err.kind(), std::io::ErrorKind::Interrupted, "wait4: {err}");
    }
    let wall_s = start.elapsed().as_secs_f64();
    drop(child);
    // Exited (low 7 bits 0) with code 0.
    assert!(
        status & 0x7f == 0 && (status >> 8) & 0xff == 0,
        "magloop batch failed: {status:#x}"
    );
    let secs = |tv: [c_long; 2]| tv[0] as f64 + tv[1] as f64 * 1e-6;
    Usage {
        wall_s,
        cpu_s: Some(secs(usage.utime) + secs(usage.stime)),
        peak_bytes: Some(usage.maxrss as u64 * 1024),
    }
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn measure(cmd: &mut Command) -> Usage {
    let start = Instant::now();
    assert!(cmd.status().expect("magloop starts").success());
    Usage {
        wall_s: start.elapsed().as_secs_f64(),
        cpu_s: None,
        peak_bytes: None,
    }
}

/// `magloop batch` of `runs` runs of the default model over `years`, `--jobs 2`, in `dir`.
fn batch(dir: &Path, years: u32, runs: u32) -> Usage {
    let exp = dir.join(format!("batch_{years}y_{runs}.yaml"));
    std::fs::write(
        &exp,
        format!(
            "name: bench_{years}y_{runs}\nyears: {years}\nreplications: {{count: {runs}}}\nbaseline: base\nscenarios:\n  - name: base\n"
        ),
    )
    .expect("experiment written");
    let out = dir.join(format!("out_{years}y_{runs}"));
    measure(
        Command::new(env!("CARGO_BIN_EXE_magloop"))
            .args(["batch", "--quiet", "--jobs", "2", "--out"])
            .arg(&out)
            .arg(&exp),
    )
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".into(), |b| {
        format!("{:.0} MiB", b as f64 / (1024.0 * 1024.0))
    })
}

/// Prints rows of the bench table: each size's peak memory, their ratio, the rate and the
/// 10,000-run projection. Quick: 4 and 40 one-year runs (~6 CPU-s).
pub fn run(quick: bool) {
    let sizes: &[(u32, u32, u32)] = if quick {
        &[(1, 4, 40)]
    } else {
        &[(1, 20, 200), (10, 2, 20)]
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    for &(years, small, large) in sizes {
        let a = batch(dir.path(), years, small);
        let b = batch(dir.path(), years, large);
        for (runs, u) in [(small, &a), (large, &b)] {
            println!(
                "| `magloop batch`, {runs} runs of {years} year(s), `--jobs 2` | peak memory {} | {:.1} s wall, {} CPU |",
                mib(u.peak_bytes),
                u.wall_s,
                u.cpu_s.map_or("n/a".into(), |c| format!("{c:.1} s")),
            );
        }
        if let (Some(pa), Some(pb)) = (a.peak_bytes, b.peak_bytes) {
            println!(
                "| batch peak memory, {large} against {small} runs of {years} year(s) | {:.2}x | target: at most 1.15x |",
                pb as f64 / pa as f64
            );
        }
        // Rate of the larger batch; 10,000 runs on 2 cores if both are kept busy, and at
        // the wall-clock rate measured here (lower when other work shares the machine).
        let ideal = b.cpu_s.map(|c| {
            let rate = f64::from(large) / c;
            (rate, 10_000.0 / rate / 2.0)
        });
        let at_wall = 10_000.0 * b.wall_s / f64::from(large);
        let minutes = |s: f64| match s / 60.0 {
            m if m < 120.0 => format!("{m:.0} min"),
            m => format!("{:.1} h", m / 60.0),
        };
        println!(
            "| batch rate, {years}-year runs | {} | 10,000 runs on 2 cores: {} (measured wall rate: {}) |",
            ideal.map_or("n/a".into(), |(r, _)| format!("{r:.2} runs/CPU-s")),
            ideal.map_or("n/a".into(), |(_, s)| minutes(s)),
            minutes(at_wall),
        );
    }
}
