//! `cargo bench`: the kernel's event rate, the default run's wall time and peak memory.
//!
//! A bench command (harness = false), not timed tests: it prints medians over repeated
//! runs and the ratios that matter, in a Markdown table for BENCHMARKS.md.

mod batch_memory;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use magloop::kernel::{EventClass, EventQueue, StreamKey, stream};
use magloop::model::{self, Overrides};
use magloop::sim::{self, RunOptions};
use rand::RngExt;

#[derive(Clone, Copy)]
struct Tick(u8);

impl EventClass for Tick {
    fn class(&self) -> u8 {
        self.0
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Hold model: pop the next event and schedule one at a random later time, with `pending`
/// events in the queue. Returns ns per hold (one pop + one push).
fn hold(pending: usize, ops: usize) -> f64 {
    let mut rng = stream(&StreamKey {
        seed: 1,
        replication: 0,
        entity: "bench",
        purpose: "hold",
    });
    let mut q = EventQueue::new();
    for _ in 0..pending {
        q.schedule(rng.random_range(0..1_000_000), Tick(rng.random_range(0..7)));
    }
    let start = Instant::now();
    for _ in 0..ops {
        let (t, _, e) = q.pop().expect("never empty");
        black_box(e.0);
        q.schedule(
            t + rng.random_range(1..1_000_000),
            Tick(rng.random_range(0..7)),
        );
    }
    start.elapsed().as_nanos() as f64 / ops as f64
}

/// The bench's M/M/1 (utilisation 0.9) as a bare loop: std `BinaryHeap`, integer
/// seconds, no output. Returns customers served per second of wall time.
fn bare_mm1(years: f64) -> (u64, f64) {
    let mut rng = stream(&StreamKey {
        seed: 1,
        replication: 0,
        entity: "bench",
        purpose: "bare_mm1",
    });
    let mut exp_s = |mean_h: f64| -> i64 {
        let u: f64 = 1.0 - rng.random::<f64>();
        (-mean_h * 3600.0 * u.ln()).round().max(1.0) as i64
    };
    let horizon = (years * 8766.0 * 3600.0) as i64;
    // (time, sequence, kind): 0 = arrival, 1 = departure.
    let mut heap: BinaryHeap<Reverse<(i64, u64, u8)>> = BinaryHeap::new();
    let mut seq = 0;
    let mut queue: VecDeque<i64> = VecDeque::new();
    let mut busy = false;
    let mut served = 0u64;
    let mut wait_s = 0i64;
    let start = Instant::now();
    heap.push(Reverse((exp_s(1.0), seq, 0)));
    while let Some(Reverse((t, _, kind))) = heap.pop() {
        if t > horizon {
            break;
        }
        seq += 1;
        if kind == 0 {
            heap.push(Reverse((t + exp_s(1.0), seq, 0)));
            if busy {
                queue.push_back(t);
            } else {
                busy = true;
                heap.push(Reverse((t + exp_s(0.9), seq, 1)));
            }
        } else {
            served += 1;
            match queue.pop_front() {
                Some(arrived) => {
                    wait_s += t - arrived;
                    heap.push(Reverse((t + exp_s(0.9), seq, 1)));
                }
                None => busy = false,
            }
        }
    }
    black_box(wait_s);
    (served, start.elapsed().as_secs_f64())
}

/// Customers/s of SimPy on the same M/M/1, when python3 and simpy are installed.
fn simpy_mm1(years: f64) -> Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/simpy_mm1.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(years.to_string())
        .output()
        .map_err(|e| format!("python3 not runnable ({e})"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(if err.contains("No module named 'simpy'") {
            "simpy is not installed (pip install simpy)".into()
        } else {
            format!("the SimPy peer failed: {}", err.trim())
        });
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable output: {e}"))?;
    v["customers_per_s"]
        .as_f64()
        .ok_or_else(|| "no customers_per_s in its output".into())
}

/// Runs `magloop run ARGS --quiet --out DIR` as a user would (DIR new each time); returns
/// the wall time.
fn magloop_run(args: &[&str], dir: &Path) -> f64 {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_magloop"))
        .arg("run")
        .args(args)
        .args(["--quiet", "--out"])
        .arg(dir)
        .status()
        .expect("magloop runs");
    assert!(status.success(), "magloop run {args:?} failed");
    start.elapsed().as_secs_f64()
}

/// M/M/1 at utilisation 0.9 over 100 years: magloop's whole `run` command against a bare
/// `BinaryHeap` loop and SimPy, in customers per second.
fn queueing_side_by_side(reps: usize, quick: bool) {
    let years = if quick { 10.0 } else { 100.0 };
    let model_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/mm1_rho09.yaml");
    let loaded = model::load_file(&model_file, &Overrides { years: Some(years) })
        .expect("bench model loads");
    // The customers served: the same model and seed serve the same customers every run.
    let r = sim::simulate(
        &loaded.model,
        RunOptions {
            seed: 1,
            replication: 0,
            trace: false,
        },
        |_| {},
    )
    .expect("run");
    let customers = r
        .entities
        .iter()
        .find(|e| e.id == "departures")
        .map_or(0, |e| e.units);
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = model_file.to_string_lossy().to_string();
    let y = years.to_string();
    let wall = median(
        (0..reps)
            .map(|i| {
                magloop_run(
                    &[&file, "--years", &y],
                    &dir.path().join(format!("mm1-{i}")),
                )
            })
            .collect(),
    );
    let ours = customers as f64 / wall;
    let (bare_n, bare_s) = (0..reps)
        .map(|_| bare_mm1(years))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("at least one repetition");
    let bare = bare_n as f64 / bare_s;
    println!(
        "| M/M/1 rho 0.9, {years} years: `magloop run` (whole process) | {wall:.3} s | {customers} customers, {:.2} M customers/s |",
        ours / 1e6
    );
    println!(
        "| M/M/1 rho 0.9, {years} years: bare `BinaryHeap` loop | {bare_s:.3} s | {bare_n} customers, {:.2} M customers/s; magloop is {:.2}x slower |",
        bare / 1e6,
        bare / ours
    );
    let simpy_years = if quick { 1.0 } else { 10.0 };
    match simpy_mm1(simpy_years) {
        Ok(simpy) => println!(
            "| M/M/1 rho 0.9: SimPy 4 ({simpy_years} years, in-process time) | {:.0} customers/s | magloop is {:.0}x faster |",
            simpy,
            ours / simpy
        ),
        Err(why) => println!("| M/M/1 rho 0.9: SimPy | skipped | {why} |"),
    }
}

fn main() {
    // `cargo bench -- --quick` (or MAGLOOP_BENCH_QUICK=1) for a smoke run.
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("MAGLOOP_BENCH_QUICK").is_some();
    let reps = if quick { 1 } else { 5 };
    println!("| benchmark | median | detail |");
    println!("| --- | --- | --- |");
    for pending in [1_000, 100_000] {
        let ns = median(
            (0..reps)
                .map(|_| hold(pending, if quick { 100_000 } else { 2_000_000 }))
                .collect(),
        );
        println!(
            "| kernel hold, {pending} pending | {ns:.0} ns | {:.1} M events/s |",
            1e3 / ns
        );
    }
    queueing_side_by_side(reps, quick);
    let m = model::load_default(&Overrides::default()).expect("default model");
    let years = if quick { 1.0 } else { 10.0 };
    let m = if quick {
        model::load_default(&Overrides { years: Some(years) }).unwrap()
    } else {
        m
    };
    let mut walls = Vec::new();
    let mut events = 0;
    for _ in 0..reps {
        let start = Instant::now();
        let r = sim::simulate(
            &m.model,
            RunOptions {
                seed: 1,
                replication: 0,
                trace: false,
            },
            |_| {},
        )
        .expect("run");
        walls.push(start.elapsed().as_secs_f64());
        events = r.events;
    }
    let wall = median(walls);
    println!(
        "| default model, {years} years, simulate only | {wall:.2} s | {events} events, {:.2} M events/s |",
        events as f64 / wall / 1e6
    );
    // Daily script hooks: an on_record policy reading state every simulated day, against
    // the same run without scripts (target: under 10 % more wall time).
    let hook = "on_record(|| {\n  let stock = inventory(\"dfw_hpms\");\n  let used = throughput(\"dfw_hpms\", \"30 days\");\n  if stock < used && commissioned(\"dfw_hpms\") { note(\"low feed\"); }\n});\n";
    let script = magloop::script::compile_text(
        &magloop::script::documentation_engine(),
        "bench_hook.rhai",
        hook,
    )
    .expect("compiles");
    let mut hooked = Vec::new();
    for _ in 0..reps {
        let start = Instant::now();
        let mut s = sim::Simulation::new(
            &m.model,
            RunOptions {
                seed: 1,
                replication: 0,
                trace: false,
            },
        )
        .expect("builds");
        s.set_policy(Box::new(magloop::script::ScriptPolicy::new(
            &m.model,
            vec![script.clone()],
        )));
        s.run(|_| {}).expect("run");
        hooked.push(start.elapsed().as_secs_f64());
    }
    let hooked = median(hooked);
    println!(
        "| default model + daily `on_record` hook | {hooked:.2} s | {:+.1} % against no script |",
        100.0 * (hooked / wall - 1.0)
    );
    // Whole command as a user runs it (load, simulate, write Parquet), in its own process
    // so its peak resident memory is its own: read back from manifest.json.
    let dir = tempfile::tempdir().expect("temporary folder");
    let y = years.to_string();
    let mut walls = Vec::new();
    let mut peak = 0;
    for i in 0..reps {
        let out = dir.path().join(format!("run-{i}"));
        walls.push(magloop_run(&["--years", &y], &out));
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        peak = manifest["peak_rss_bytes"].as_u64().unwrap_or(0);
    }
    let run_wall = median(walls);
    println!(
        "| `magloop run` (default model, {years} years, whole process) | {run_wall:.2} s | {:.2} M events/s, {:.0} ns per event; peak memory {:.0} MiB |",
        events as f64 / run_wall / 1e6,
        run_wall * 1e9 / events as f64,
        peak as f64 / (1024.0 * 1024.0)
    );
    batch_memory::run(quick);
}
