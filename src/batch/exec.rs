//! Runs an experiment's grid in parallel and writes the dataset.
//!
//! Layout of the output folder:
//! - `timeseries/`, `yearly/`, `nodes/`, `shocks/`, `summary/`: `scenario=S/seed=N/part-0.parquet`
//!   per run (hive-partitioned: readers get `scenario` and `seed` columns from the path);
//! - `_runs/scenario=S/seed=N.json`: written last for each completed run (its summary and
//!   file hashes): the mark `--resume` trusts;
//! - `_failed/scenario=S/seed=N.json`: a failed run's error;
//! - `summary.parquet`, `comparison.parquet`, `failures.parquet`, `batch.json`: assembled
//!   from the marks once every run is done (not by a shard, which writes only its runs).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::batch::{Experiment, RunId, Shard, analysis, compare};
use crate::error::{Error, Result};
use crate::model::sha256_hex;
use crate::output::{self, parquet_bytes, write_atomic};
use crate::script::ScriptPolicy;
use crate::sim::{RunOptions, RunResult, Simulation, Summary, YearlyRow};

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub out: PathBuf,
    pub jobs: Option<usize>,
    pub resume: bool,
    pub shard: Option<Shard>,
    pub quiet: bool,
}

/// The mark of a completed run.
#[derive(Debug, Serialize, Deserialize)]
struct RunMark {
    scenario: String,
    #[serde(default)]
    sample: Option<usize>,
    seed: u64,
    summary: Summary,
    /// The run's yearly KPIs (the rows of its `yearly/` part), for comparison.parquet.
    yearly: Vec<YearlyRow>,
    events: u64,
    /// File (relative to the batch folder) -> (bytes, SHA-256).
    files: Vec<(String, u64, String)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FailMark {
    scenario: String,
    #[serde(default)]
    sample: Option<usize>,
    seed: u64,
    error: String,
}

/// The batch folder's identity, so a resume cannot mix two experiments.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct BatchMark {
    experiment: String,
    fingerprint: String,
    magloop_version: String,
    /// SHA-256 of the magloop executable: a rebuilt binary must not mix its runs with
    /// another build's.
    build: String,
}

/// SHA-256 of the running executable ("unknown" if it cannot be read).
fn build_id() -> String {
    std::env::current_exe()
        .and_then(|exe| sha256_file(&exe))
        .unwrap_or_else(|_| "unknown".into())
}

/// SHA-256 of a file, read in blocks (the executable is ~40 MB: reading it whole set the
/// peak memory of small batches), as `sha256_hex` of its bytes would give.
fn sha256_file(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut block = vec![0; 1 << 16];
    loop {
        match file.read(&mut block) {
            Ok(0) => break,
            Ok(n) => hasher.update(&block[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// What a batch did.
#[derive(Debug)]
pub struct BatchReport {
    pub total: usize,
    pub ran: usize,
    pub skipped: usize,
    pub failed: Vec<Failure>,
    /// Whether summary/comparison were assembled (every run complete, not a shard).
    pub assembled: bool,
    pub missing: usize,
    /// The inputs ranked per headline KPI, in an experiment with uncertain inputs.
    pub sensitivity: Option<String>,
}

const TABLES: [&str; 5] = ["timeseries", "yearly", "nodes", "shocks", "summary"];

/// A run's place in the hive layout: `scenario=S/seed=N`, or `scenario=S/sample=K/seed=N`
/// in an experiment with uncertain inputs.
fn run_key(exp: &Experiment, run: &RunId) -> String {
    let scenario = &exp.scenarios[run.scenario].name;
    if exp.sampled() {
        format!(
            "scenario={scenario}/sample={}/seed={}",
            run.sample, run.seed
        )
    } else {
        format!("scenario={scenario}/seed={}", run.seed)
    }
}

fn part_dir(out: &Path, table: &str, key: &str) -> PathBuf {
    out.join(table).join(key)
}

fn mark_path(out: &Path, kind: &str, key: &str) -> PathBuf {
    out.join(kind).join(format!("{key}.json"))
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::output(path, e)
}

/// A completed run's mark, if its files are all there with the recorded sizes and hashes.
fn complete(out: &Path, key: &str) -> Option<RunMark> {
    let bytes = fs::read(mark_path(out, "_runs", key)).ok()?;
    let mark: RunMark = serde_json::from_slice(&bytes).ok()?;
    let all_there = mark.files.iter().all(|(rel, size, sha)| {
        fs::metadata(out.join(rel)).is_ok_and(|m| m.len() == *size)
            && sha256_file(&out.join(rel)).is_ok_and(|h| h == *sha)
    });
    all_there.then_some(mark)
}

/// Builds and encodes one table of a run's results.
type TableOf = fn(&mut RunResult) -> PolarsResult<Vec<u8>>;

/// Runs one run and writes its parts. `encoding` is held while its tables are built and
/// encoded, so one run at a time holds that memory (a 10-year run's tables and encoder
/// take ~35 MB, its simulation ~43 MB: `magloop run` peaks at 78 MB): with two workers
/// both in that phase at once the peak was a matter of chance, higher the longer the
/// batch. polars encodes on its own pool across the cores meanwhile.
fn run_one(exp: &Experiment, run: RunId, out: &Path, encoding: &Mutex<()>) -> Result<RunMark> {
    let sc = &exp.scenarios[run.scenario];
    let loaded = exp.model_for(&run)?;
    let model = &loaded.model;
    let key = run_key(exp, &run);
    let mut sim = Simulation::new(
        model,
        RunOptions {
            seed: run.seed,
            replication: 0,
            trace: false,
        },
    )?;
    if !sc.scripts.is_empty() {
        let policy = ScriptPolicy::new(model, sc.scripts.clone()).with_budget(exp.script_budget);
        sim.set_policy(Box::new(policy));
    }
    let mut result = sim.run(|_| {})?;
    // The time series moves into its table (nothing reads it after): no copy.
    let frames: [(&str, TableOf); 5] = [
        ("timeseries", output::take_timeseries_bytes),
        ("yearly", |r| parquet_bytes(&mut output::yearly_frame(r)?)),
        ("nodes", |r| parquet_bytes(&mut output::nodes_frame(r)?)),
        ("shocks", |r| parquet_bytes(&mut output::shocks_frame(r)?)),
        ("summary", |r| {
            parquet_bytes(&mut output::summary_frame(&[&r.summary])?)
        }),
    ];
    let parts = {
        // A panic elsewhere cannot leave the () behind the lock inconsistent.
        let _one_at_a_time = encoding
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        frames
            .into_iter()
            .map(|(table, frame)| {
                let dir = part_dir(out, table, &key);
                let bytes = frame(&mut result).map_err(|e| io(&dir, e))?;
                Ok((table, dir, bytes))
            })
            .collect::<Result<Vec<_>>>()?
    };
    let mut files = Vec::new();
    for (table, dir, bytes) in parts {
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        write_atomic(&dir, "part-0.parquet", &bytes)?;
        let rel = format!("{table}/{key}/part-0.parquet");
        files.push((rel, bytes.len() as u64, sha256_hex(&bytes)));
    }
    Ok(RunMark {
        scenario: sc.name.clone(),
        sample: exp.sampled().then_some(run.sample),
        seed: run.seed,
        summary: result.summary,
        yearly: result.yearly,
        events: result.events,
        files,
    })
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| io(path, e))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("mark.json");
    write_atomic(dir, name, &bytes)
}

/// Worker threads when `--jobs` is not given: one per core this process may use.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` over `items` on `jobs` threads, each taking the next item when it is done; the
/// results in `items` order.
///
/// Plain threads, not a rayon pool: polars writes Parquet on its own rayon pool, and a
/// rayon worker of another pool that waits for it steals from its own pool meanwhile.
/// Under `par_iter` that is the next run, started on top of the waiting one, so every
/// unfinished run's results stayed alive (peak memory grew by one run's results per run:
/// 0.8 GB for 100 one-year runs) and no mark was written until the stack unwound. A
/// plain thread only blocks while polars works.
fn on_workers<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
) -> std::io::Result<Vec<R>> {
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut all: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers = (0..jobs.clamp(1, items.len().max(1)))
            .map(|k| {
                std::thread::Builder::new()
                    .name(format!("magloop-batch-{k}"))
                    .spawn_scoped(scope, work)
            })
            .collect::<std::io::Result<Vec<_>>>();
        // On a failed spawn the started workers still finish (the scope joins them): stop
        // them from taking more.
        let workers = workers.inspect_err(|_| next.store(items.len(), Ordering::Relaxed))?;
        Ok::<_, std::io::Error>(
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect(),
        )
    })?;
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, r)| r).collect())
}

/// Runs (the shard of) an experiment's grid into `opts.out`.
pub fn run_batch(exp: &Experiment, opts: &BatchOptions) -> Result<BatchReport> {
    let out = &opts.out;
    output::prepare_dir(out)?;
    let mark = BatchMark {
        experiment: exp.name.clone(),
        fingerprint: exp.fingerprint.clone(),
        magloop_version: env!("CARGO_PKG_VERSION").to_string(),
        build: build_id(),
    };
    let batch_json = out.join("batch.json");
    match fs::read(&batch_json)
        .ok()
        .and_then(|b| serde_json::from_slice::<BatchMark>(&b).ok())
    {
        Some(existing) if existing != mark => {
            return Err(Error::output(
                out,
                format!(
                    "holds a batch of `{}` made from other inputs or another build of magloop \
                     (experiment, model, scripts or binary changed); choose another --out",
                    existing.experiment
                ),
            ));
        }
        Some(_) if !opts.resume && opts.shard.is_none() => {
            return Err(Error::output(
                out,
                "already holds this batch; pass --resume to finish it, or choose another --out",
            ));
        }
        _ => {}
    }
    write_json(&batch_json, &mark)?;

    let grid = exp.grid();
    let mine: Vec<RunId> = grid
        .iter()
        .copied()
        .filter(|r| opts.shard.is_none_or(|s| s.takes(r)))
        .collect();
    let todo: Vec<RunId> = mine
        .iter()
        .copied()
        .filter(|r| {
            !(opts.resume || opts.shard.is_some()) || complete(out, &run_key(exp, r)).is_none()
        })
        .collect();
    let skipped = mine.len() - todo.len();

    let bar = if opts.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(todo.len() as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} runs, {per_sec}, eta {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let failures = AtomicUsize::new(0);
    let encoding = Mutex::new(());
    let jobs = opts.jobs.unwrap_or_else(default_jobs);
    let outcomes = on_workers(&todo, jobs, |&run| {
        let name = &exp.scenarios[run.scenario].name;
        let key = run_key(exp, &run);
        let result = run_one(exp, run, out, &encoding).and_then(|m| {
            let _ = fs::remove_file(mark_path(out, "_failed", &key));
            write_json(&mark_path(out, "_runs", &key), &m)
        });
        let outcome = match result {
            Ok(()) => Ok(()),
            Err(e) => {
                let n = failures.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{n} failed"));
                let _ = fs::remove_file(mark_path(out, "_runs", &key));
                let fail = FailMark {
                    scenario: name.clone(),
                    sample: exp.sampled().then_some(run.sample),
                    seed: run.seed,
                    error: e.to_string(),
                };
                let _ = write_json(&mark_path(out, "_failed", &key), &fail);
                Err(e.to_string())
            }
        };
        bar.inc(1);
        (run, outcome)
    })
    .map_err(|e| Error::output(out, format!("cannot start {jobs} worker threads: {e}")))?;
    bar.finish_and_clear();
    let mut failed: Vec<Failure> = outcomes
        .into_iter()
        .filter_map(|(r, o)| {
            o.err()
                .map(|e| (exp.scenarios[r.scenario].name.clone(), r.seed, e))
        })
        .collect();

    let mut report = BatchReport {
        total: grid.len(),
        ran: todo.len(),
        skipped,
        failed: Vec::new(),
        assembled: false,
        missing: 0,
        sensitivity: None,
    };
    if opts.shard.is_none() {
        let a = assemble(exp, out)?;
        report.assembled = a.done;
        report.missing = a.missing;
        report.sensitivity = a.table;
        failed = a.failed;
    }
    report.failed = failed;
    Ok(report)
}

/// A failed run: scenario (with its sample in sampled experiments), seed, error.
pub type Failure = (String, u64, String);

fn write_frame(out: &Path, name: &str, df: &mut DataFrame) -> Result<()> {
    write_atomic(out, name, &parquet_bytes(df).map_err(|e| io(out, e))?)
}

/// Builds summary.parquet, comparison.parquet and failures.parquet from the run marks,
/// and samples.parquet, sensitivity.parquet and attribution.parquet where the experiment
/// asks for them. Returns whether it did, how many runs are missing, the failed runs, and
/// the printed sensitivity ranking.
fn assemble(exp: &Experiment, out: &Path) -> Result<Assembled> {
    // Per run only its summary and yearly KPIs are kept (a row of summary.parquet, the
    // KPIs of comparison.parquet), not its mark with the file list.
    let mut done: Vec<(RunId, Summary, Vec<YearlyRow>)> = Vec::new();
    let mut failed: Vec<(Option<usize>, Failure)> = Vec::new();
    let mut missing = 0;
    for run in exp.grid() {
        let key = run_key(exp, &run);
        match complete(out, &key) {
            Some(m) => done.push((run, m.summary, m.yearly)),
            None => match fs::read(mark_path(out, "_failed", &key))
                .ok()
                .and_then(|b| serde_json::from_slice::<FailMark>(&b).ok())
            {
                Some(f) => failed.push((f.sample, (f.scenario, f.seed, f.error))),
                None => missing += 1,
            },
        }
    }
    // failures.parquet always reflects the current state (empty when none failed).
    let mut cols = vec![Column::new(
        "scenario".into(),
        failed.iter().map(|f| f.1.0.as_str()).collect::<Vec<_>>(),
    )];
    if exp.sampled() {
        cols.push(Column::new(
            "sample".into(),
            failed
                .iter()
                .map(|f| f.0.map(|s| s as u32))
                .collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new(
        "seed".into(),
        failed.iter().map(|f| f.1.1).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "error".into(),
        failed.iter().map(|f| f.1.2.as_str()).collect::<Vec<_>>(),
    ));
    let mut df = DataFrame::new(failed.len(), cols).map_err(|e| io(out, e))?;
    write_frame(out, "failures.parquet", &mut df)?;
    let failed: Vec<Failure> = failed
        .into_iter()
        .map(|(sample, (s, seed, e))| match sample {
            Some(k) => (format!("{s} (sample {k})"), seed, e),
            None => (s, seed, e),
        })
        .collect();
    if missing > 0 {
        return Ok(Assembled {
            done: false,
            missing,
            failed,
            table: None,
        });
    }
    // Grid order: scenarios as listed, samples, seeds ascending.
    let rows: Vec<&Summary> = done.iter().map(|(_, s, _)| s).collect();
    let mut summary = output::summary_frame(&rows).map_err(|e| io(out, e))?;
    let scen: Vec<&str> = done
        .iter()
        .map(|(r, _, _)| exp.scenarios[r.scenario].name.as_str())
        .collect();
    summary
        .insert_column(0, Column::new("scenario".into(), scen))
        .map_err(|e| io(out, e))?;
    if exp.sampled() {
        let samples: Vec<u32> = done.iter().map(|(r, _, _)| r.sample as u32).collect();
        summary
            .insert_column(1, Column::new("sample".into(), samples))
            .map_err(|e| io(out, e))?;
    }
    write_frame(out, "summary.parquet", &mut summary)?;
    // Pairs are runs at the same place within their scenario's block: the same sample and
    // seed.
    let per_scenario = (exp.samples() * exp.seeds.len()) as u64;
    let runs: Vec<compare::RunKpis> = done
        .iter()
        .map(|(r, summary, yearly)| compare::RunKpis {
            scenario: r.scenario,
            seed: r.index as u64 % per_scenario,
            summary,
            yearly,
        })
        .collect();
    let names: Vec<&str> = exp.scenarios.iter().map(|s| s.name.as_str()).collect();
    let mut comparison =
        compare::comparison(&names, exp.baseline, &runs).map_err(|e| io(out, e))?;
    write_frame(out, "comparison.parquet", &mut comparison)?;
    let attributed = exp.scenarios.iter().any(|s| !s.shocks.is_empty());
    if !exp.sampled() && !attributed {
        return Ok(Assembled {
            done: true,
            missing: 0,
            failed,
            table: None,
        });
    }
    // Every run's KPIs as one table, for the sensitivity and the attribution.
    let seed_index = |seed: u64| exp.seeds.iter().position(|&s| s == seed).unwrap_or(0);
    let placed: Vec<analysis::Done> = done
        .iter()
        .map(|(r, m, y)| analysis::Done {
            scenario: r.scenario,
            sample: r.sample,
            seed_index: seed_index(r.seed),
            summary: m,
            yearly: y,
        })
        .collect();
    let kpis = analysis::KpiTable::of(&placed);
    let mut table = None;
    if let Some(u) = &exp.uncertainty {
        let mut samples = analysis::samples_frame(u).map_err(|e| io(out, e))?;
        write_frame(out, "samples.parquet", &mut samples)?;
        let (mut sens, t) =
            analysis::sensitivity(exp, &placed, &kpis, exp.report_year).map_err(|e| io(out, e))?;
        write_frame(out, "sensitivity.parquet", &mut sens)?;
        table = Some(t);
    }
    if let Some(mut attr) = analysis::attribution(exp, &placed, &kpis).map_err(|e| io(out, e))? {
        write_frame(out, "attribution.parquet", &mut attr)?;
    }
    Ok(Assembled {
        done: true,
        missing: 0,
        failed,
        table,
    })
}

/// What `assemble` did.
struct Assembled {
    done: bool,
    missing: usize,
    failed: Vec<Failure>,
    table: Option<String>,
}

/// Tables of the per-run dataset, for documentation and tests.
pub fn tables() -> &'static [&'static str] {
    &TABLES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_hashed_in_blocks_hashes_as_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        // Not a whole number of 64 KiB blocks.
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        fs::write(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&bytes));
    }

    #[test]
    fn workers_return_results_in_item_order() {
        let items: Vec<u64> = (0..100).collect();
        for jobs in [1, 2, 7, 500] {
            let got = on_workers(&items, jobs, |&i| i * i).unwrap();
            assert_eq!(
                got,
                items.iter().map(|i| i * i).collect::<Vec<_>>(),
                "{jobs}"
            );
        }
        assert!(on_workers(&[] as &[u8], 4, |_| ()).unwrap().is_empty());
    }

    #[test]
    fn a_worker_waiting_for_polars_starts_no_other_run() {
        // Under rayon's par_iter, a worker waiting for polars' pool took the next item
        // meanwhile, so items ran nested, many at once (their memory held till the end).
        let active = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u32> = (0..40).collect();
        on_workers(&items, 2, |&i| {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            let xs: Vec<u32> = (0..20_000).map(|k| k * i).collect();
            let mut df = DataFrame::new(xs.len(), vec![Column::new("x".into(), xs)]).unwrap();
            parquet_bytes(&mut df).unwrap();
            active.fetch_sub(1, Ordering::SeqCst);
        })
        .unwrap();
        assert!(most.load(Ordering::SeqCst) <= 2, "{most:?} runs at once");
    }
}
