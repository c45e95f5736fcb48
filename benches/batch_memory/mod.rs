//! Batch memory against run count: `magloop batch` of the default model at two sizes, each
//! in its own process, with its peak resident memory and CPU time (from `/proc`, Linux;
//! "n/a" elsewhere).
//!
//! The target: the larger batch peaks within 15 % of the smaller one. The rate,
//! runs per CPU-second of the larger batch, gives the projected wall time of 10,000 runs.
//!
//! A folder of `magloop.rs` (`mod batch_memory;`), not `benches/batch_memory.rs`, which cargo
//! would also build as a bench of its own.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// What one `magloop batch` process used.
struct Usage {
    wall_s: f64,
    /// User + system time.
    cpu_s: Option<f64>,
    peak_bytes: Option<u64>,
}

/// Children's CPU time so far (user + system of the waited-for children), from
/// `/proc/self/stat`: the difference across one child's wait is that child's own.
fn children_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state);
    // cutime and cstime are fields 16 and 17, in USER_HZ ticks (100 per second on Linux).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i - 3)?.parse::<f64>().ok();
    Some((ticks(16)? + ticks(17)?) / 100.0)
}

/// A process's peak resident memory so far (`VmHWM`), while it runs.
fn peak_rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Runs `cmd` to its end, reading its peak memory every 2 ms (a high-water mark, so only
/// growth in its last 2 ms can be missed); panics unless it succeeds.
fn measure(cmd: &mut Command) -> Usage {
    let cpu_before = children_cpu_s();
    let start = Instant::now();
    let mut child = cmd.spawn().expect("magloop starts");
    let mut peak = None;
    let status = loop {
        if let Some(p) = peak_rss_bytes(child.id()) {
            peak = Some(p);
        }
        if let Some(status) = child.try_wait().expect("magloop is waited for") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall_s = start.elapsed().as_secs_f64();
    assert!(status.success(), "magloop batch failed: {status}");
    Usage {
        wall_s,
        cpu_s: children_cpu_s()
            .zip(cpu_before)
            .map(|(after, before)| after - before),
        peak_bytes: peak,
    }
}

/// The magloop executable to measure: `MAGLOOP_BENCH_BIN` if set (a copy of the build, as
/// `target/` shared with other checkouts may hold another one's), else cargo's.
fn magloop_bin() -> std::ffi::OsString {
    std::env::var_os("MAGLOOP_BENCH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_magloop").into())
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
        Command::new(magloop_bin())
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
/// 10,000-run projection. Quick: 10 and 100 one-year runs (~7 CPU-s). The smaller size is
/// 10 runs or more: until then each thread's malloc arena is still growing to its plateau
/// (10-year runs: 151 MiB for 2 runs, 210 for 10, 215 for 20, 219 for 200).
pub fn run(quick: bool) {
    let sizes: &[(u32, u32, u32)] = if quick {
        &[(1, 10, 100)]
    } else {
        &[(1, 20, 200), (10, 10, 100)]
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
