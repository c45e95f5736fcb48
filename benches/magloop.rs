//! `cargo bench`: the kernel's event rate, the default run's wall time and peak memory.
//!
//! A bench command (harness = false), not timed tests: it prints medians over repeated
//! runs and the ratios that matter, in a Markdown table for BENCHMARKS.md.

mod batch_memory;

use std::hint::black_box;
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
    let mut walls = Vec::new();
    let mut peak = 0;
    for _ in 0..reps {
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_magloop"))
            .args(["run", "--quiet", "--years", &years.to_string(), "--out"])
            .arg(dir.path())
            .status()
            .expect("magloop runs");
        assert!(status.success());
        walls.push(start.elapsed().as_secs_f64());
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        peak = manifest["peak_rss_bytes"].as_u64().unwrap_or(0);
    }
    println!(
        "| `magloop run` (default model, {years} years) | {:.2} s | peak memory {:.0} MiB |",
        median(walls),
        peak as f64 / (1024.0 * 1024.0)
    );
    batch_memory::run(quick);
}
