//! The commands behind the CLI (`run`, `validate`), callable from tests and batches.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Result;
use crate::kernel::DAY;
use crate::model::{self, LoadedModel, Overrides};
use crate::output::{self, Manifest};
use crate::script;
use crate::sim::{self, RunOptions, RunResult};

/// A resolved `run` request.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Model file; `None` for the embedded default.
    pub model: Option<PathBuf>,
    pub seed: u64,
    pub years: Option<f64>,
    /// Output folder; `None` for `outputs/<model>/seed-<seed>`.
    pub out: Option<PathBuf>,
    pub trace: bool,
    pub quiet: bool,
    /// Policy scripts, applied in this order.
    pub scripts: Vec<PathBuf>,
    /// What the scripts may use over the run.
    pub script_budget: script::Budget,
}

/// Loads a model file, or the embedded default.
pub fn load(model: Option<&Path>, overrides: &Overrides) -> Result<LoadedModel> {
    match model {
        Some(p) => model::load_file(p, overrides),
        None => model::load_default(overrides),
    }
}

/// What a finished run reports back.
pub struct RunReport {
    pub dir: PathBuf,
    pub result: RunResult,
    pub wall_time_s: f64,
    /// What the scripts used of their budget, when there were scripts.
    pub scripts: Option<script::Usage>,
}

/// Peak resident memory of this process so far (Linux), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs one simulation and writes its output folder.
pub fn run(req: &RunRequest) -> Result<RunReport> {
    let loaded = load(req.model.as_deref(), &Overrides { years: req.years })?;
    let scripts = script::compile(&req.scripts)?;
    let dir = req.out.clone().unwrap_or_else(|| {
        PathBuf::from("outputs")
            .join(&loaded.model.name)
            .join(format!("seed-{}", req.seed))
    });
    // Fail on an unwritable folder before spending time on the run; a folder made here is
    // removed again if the run fails, so a failed run leaves nothing behind.
    let made = !dir.exists();
    output::prepare_dir(&dir)?;
    let result = run_into(req, &loaded, scripts, &dir);
    if result.is_err() && made {
        let _ = std::fs::remove_dir(&dir);
    }
    result
}

fn run_into(
    req: &RunRequest,
    loaded: &LoadedModel,
    scripts: Vec<script::Script>,
    dir: &Path,
) -> Result<RunReport> {
    let dir = dir.to_path_buf();
    let bar = progress_bar(&loaded.model, req.quiet);
    let started = Instant::now();
    let opts = RunOptions {
        seed: req.seed,
        replication: 0,
        trace: req.trace,
    };
    let mut simulation = sim::Simulation::new(&loaded.model, opts)?;
    let script_hashes = scripts
        .iter()
        .map(|s| (s.file.clone(), s.sha256.clone()))
        .collect();
    let mut usage = None;
    if !scripts.is_empty() {
        let policy =
            script::ScriptPolicy::new(&loaded.model, scripts).with_budget(req.script_budget);
        usage = Some(policy.usage());
        simulation.set_policy(Box::new(policy));
    }
    let result = simulation.run(|t| bar.set_position((t / DAY) as u64));
    bar.finish_and_clear();
    let result = result?;
    let wall_time_s = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        magloop_version: env!("CARGO_PKG_VERSION").to_string(),
        model_name: loaded.model.name.clone(),
        model_file: loaded.origin.clone(),
        model_sha256: loaded.sha256.clone(),
        seed: req.seed,
        replication: 0,
        start: loaded.model.start.format("%Y-%m-%d").to_string(),
        years: loaded.model.years,
        horizon_s: loaded.model.horizon,
        record_every_s: loaded.model.record_every,
        events_processed: result.events,
        wall_time_s,
        peak_rss_bytes: peak_rss_bytes(),
        scripts: script_hashes,
        files: Default::default(),
    };
    output::write_run(&dir, &result, manifest)?;
    Ok(RunReport {
        dir,
        result,
        wall_time_s,
        scripts: usage,
    })
}

fn progress_bar(model: &model::Model, quiet: bool) -> ProgressBar {
    let days = (model.horizon / DAY) as u64;
    // indicatif draws nothing when stderr is not a terminal, so files and pipes stay clean.
    let target = if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(days), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] day {pos}/{len} ({elapsed}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(model.name.clone());
    bar
}

/// A short human report of a run, for stdout.
pub fn describe(report: &RunReport) -> String {
    let s = &report.result.summary;
    let mut out = format!(
        "magloop: {} seed {} over {} years: {} events in {:.2} s\n  wrote {}\n",
        s.model,
        s.seed,
        s.years,
        report.result.events,
        report.wall_time_s,
        report.dir.display()
    );
    out.push_str(&format!(
        "  drives processed {}, recycled magnets {:.1} t, oxides {:.1} t\n",
        s.drives_processed, s.magnets_t, s.oxides_t
    ));
    if let (Some(mean), Some(p95)) = (s.lead_time_mean_days, s.lead_time_p95_days) {
        out.push_str(&format!(
            "  lead time drive -> magnet: mean {mean:.0} d, p95 {p95:.0} d\n"
        ));
    }
    if let Some(share) = s.domestic_share {
        out.push_str(&format!(
            "  demand {:.0} t, recycled share {:.2} %, shortfall {:.0} t\n",
            s.demand_t,
            100.0 * share,
            s.shortfall_t
        ));
    }
    if s.transport_cost_usd > 0.0 {
        out.push_str(&format!(
            "  transport ${:.0}, CO2 {:.0} t (transport {:.0} t, process {:.0} t)\n",
            s.transport_cost_usd, s.co2_t, s.transport_co2_t, s.process_co2_t
        ));
    }
    if let Some(f) = s.hpms_finding() {
        out.push_str(&format!("  finding: {f}\n"));
    }
    if let Some(u) = &report.scripts {
        let pct = 100.0 * u.operations() as f64 / u.budget.operations as f64;
        let share = if pct < 0.01 {
            "under 0.01 %".to_string()
        } else {
            format!("{pct:.2} %")
        };
        out.push_str(&format!(
            "  scripts: {} operations, {share} of their budget of {} (--script-budget)\n",
            u.operations(),
            u.budget
        ));
    }
    out
}

/// `magloop validate MODEL [--script S ...]`: the model, then each script against it (their
/// top levels held to `budget`).
pub fn validate(
    model: &Path,
    scripts: &[PathBuf],
    years: Option<f64>,
    budget: script::Budget,
) -> Result<(LoadedModel, usize)> {
    let loaded = load(Some(model), &Overrides { years })?;
    let compiled = script::compile(scripts)?;
    script::check_with_budget(&loaded.model, &compiled, budget)?;
    Ok((loaded, compiled.len()))
}

/// `magloop api`: the script API reference as Markdown.
pub fn api_reference() -> String {
    let mut out = String::from(
        "# magloop script API\n\nDates are \"YYYY-MM-DD\" inside the run; durations are a number and a unit (\"18 months\", \"3 days\", \"1 year\").\nNames are the model's node, link, origin and sector ids.\n",
    );
    let mut group = "";
    for a in script::api::API {
        if a.group != group {
            group = a.group;
            out.push_str(&format!(
                "\n## {group}\n\n| function | what it does |\n| --- | --- |\n"
            ));
        }
        out.push_str(&format!("| `{}` | {} |\n", a.signature, a.doc));
    }
    out
}

/// `magloop api --definitions DIR`: Rhai definition files for editor completion.
pub fn write_definitions(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::output(dir, e))?;
    script::documentation_engine()
        .definitions()
        .write_to_dir(dir)
        .map_err(|e| crate::Error::output(dir, e))
}

/// `magloop batch`: runs an experiment, prints what happened; exit 0 when every run of the
/// grid (or shard) succeeded, 3 when some failed, 2 on bad input.
pub fn batch(
    experiment: &Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    resume: bool,
    shard: Option<crate::batch::Shard>,
    quiet: bool,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let result = crate::batch::load(experiment).and_then(|exp| {
        let out = out.unwrap_or_else(|| PathBuf::from("outputs").join(&exp.name));
        let opts = crate::batch::exec::BatchOptions {
            out: out.clone(),
            jobs,
            resume,
            shard,
            quiet,
        };
        crate::batch::exec::run_batch(&exp, &opts).map(|r| (r, out))
    });
    match result {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
        Ok((r, out)) => {
            if !quiet {
                println!(
                    "magloop batch: {} runs in the grid; ran {}, skipped {} already complete, {} failed",
                    r.total,
                    r.ran,
                    r.skipped,
                    r.failed.len()
                );
                if r.assembled {
                    println!(
                        "  wrote {}/summary.parquet and comparison.parquet",
                        out.display()
                    );
                } else if shard.is_some() {
                    println!(
                        "  shard done; when every shard is, run the same command without --shard and with --resume to assemble"
                    );
                } else if r.missing > 0 {
                    println!(
                        "  {} runs still missing; run again with --resume",
                        r.missing
                    );
                }
            }
            if r.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                for (s, seed, e) in r.failed.iter().take(5) {
                    eprintln!(
                        "failed: scenario {s}, seed {seed}: {}",
                        e.lines().next().unwrap_or("")
                    );
                }
                eprintln!(
                    "error: {} runs failed; see {}/failures.parquet",
                    r.failed.len(),
                    out.display()
                );
                ExitCode::from(3)
            }
        }
    }
}
