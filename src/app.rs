//! The commands behind the CLI (`run`, `validate`), callable from tests and batches.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Result;
use crate::kernel::DAY;
use crate::model::{self, LoadedModel, Overrides};
use crate::output::folder::{self, Replaced, RunIdentity};
use crate::output::{self, Manifest};
use crate::script;
use crate::sim::record::EntityStats;
use crate::sim::{self, RunOptions, RunResult};

/// A resolved `run` request.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Model file; `None` for the embedded default.
    pub model: Option<PathBuf>,
    pub seed: u64,
    pub years: Option<f64>,
    /// Output folder; `None` for the default ([`folder::default_dir`]).
    pub out: Option<PathBuf>,
    pub trace: bool,
    pub quiet: bool,
    /// Policy scripts, applied in this order.
    pub scripts: Vec<PathBuf>,
    /// What the scripts may use over the run.
    pub script_budget: script::Budget,
    /// Replace the output folder whatever run or files it holds (never one holding folders).
    pub force: bool,
    /// `--set PATH=VALUE` overrides of the model, applied in order.
    pub sets: Vec<(String, String)>,
}

/// Loads a model file, or the embedded default.
pub fn load(model: Option<&Path>, overrides: &Overrides) -> Result<LoadedModel> {
    match model {
        Some(p) => model::load_file(p, overrides),
        None => model::load_default(overrides),
    }
}

/// Loads a model file (or the embedded default) with `--set PATH=VALUE` overrides: each
/// path must exist in the model (list items by id, as experiments' `overrides`), each
/// value is read as YAML (`4`, `0.3`, `2027-01-01`, `{triangular: [1, 2, 3]}`). The
/// result keeps the file's name and hash; the overrides are recorded beside them.
pub fn load_with_sets(
    model: Option<&Path>,
    overrides: &Overrides,
    sets: &[(String, String)],
) -> Result<LoadedModel> {
    if sets.is_empty() {
        return load(model, overrides);
    }
    let (text, origin) = match model {
        Some(p) => (crate::files::read_text(p)?, p.display().to_string()),
        None => (
            model::DEFAULT_MODEL_YAML.to_string(),
            model::DEFAULT_MODEL_NAME.to_string(),
        ),
    };
    // The file itself must be valid first, so its own problems keep their lines.
    let plain = model::load_str(&text, &origin, overrides)?;
    let mut doc: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| crate::Error::Model {
            file: origin.clone(),
            problems: vec![model::validate::parse_problem(&e)],
        })?;
    let mut problems = Vec::new();
    for (path, raw) in sets {
        let value: serde_yaml::Value =
            serde_yaml::from_str(raw).unwrap_or_else(|_| serde_yaml::Value::from(raw.as_str()));
        let done = crate::batch::value_at(&doc, path)
            .and_then(|_| crate::batch::apply_override(&mut doc, path, value));
        if let Err(e) = done {
            problems.push(crate::error::Problem {
                path: format!("--set {path}"),
                line: None,
                message: e,
                hint: Some("paths are the model's keys joined by dots, list items by id, e.g. --set nodes.dfw_hpms.vessels=4".into()),
            });
        }
    }
    if !problems.is_empty() {
        return Err(crate::Error::Model {
            file: origin,
            problems,
        });
    }
    let shown: Vec<String> = sets.iter().map(|(p, v)| format!("{p}={v}")).collect();
    let label = format!("{origin} with --set {}", shown.join(" --set "));
    let text = serde_yaml::to_string(&doc).unwrap_or_default();
    // Problems name the model path; lines of the rewritten text would mislead.
    let mut loaded = model::load_str(&text, &label, overrides).map_err(|e| match e {
        crate::Error::Model { file, mut problems } => {
            for p in &mut problems {
                p.line = None;
            }
            crate::Error::Model { file, problems }
        }
        other => other,
    })?;
    loaded.origin = plain.origin;
    loaded.sha256 = plain.sha256;
    Ok(loaded)
}

/// What a finished run reports back.
pub struct RunReport {
    pub dir: PathBuf,
    pub result: RunResult,
    pub wall_time_s: f64,
    /// What the scripts used of their budget, when there were scripts.
    pub scripts: Option<script::Usage>,
    /// The model file as named, or the embedded default's label.
    pub model_origin: String,
    /// Whether the model was the copy compiled into magloop (no MODEL given).
    pub embedded_model: bool,
    /// Set when the embedded model ran while `models/us_magnet_network.yaml` in the working
    /// folder differs from it: edits there were not used.
    pub edited_default_ignored: bool,
    /// The scripts applied, in order, as named.
    pub script_files: Vec<String>,
    /// What the output folder held before.
    pub replaced: Replaced,
}

/// The embedded default model's file, relative to a checkout of the repository.
pub const DEFAULT_MODEL_FILE: &str = "models/us_magnet_network.yaml";

/// Peak resident memory of this process so far (Linux), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs one simulation and writes its output folder.
///
/// The folder is checked before the run (absent, empty, or this same run's results; with
/// `force` anything but a folder of folders), the run is written into a new folder beside
/// it and renamed into place at the end: a failed or killed run leaves the old one as it was.
pub fn run(req: &RunRequest) -> Result<RunReport> {
    let loaded = load_with_sets(
        req.model.as_deref(),
        &Overrides { years: req.years },
        &req.sets,
    )?;
    let scripts = script::compile(&req.scripts)?;
    let identity = RunIdentity {
        model_file: loaded.origin.clone(),
        model_sha256: loaded.sha256.clone(),
        scripts: scripts
            .iter()
            .map(|s| (s.file.clone(), s.sha256.clone()))
            .collect(),
        seed: req.seed,
        years: loaded.model.years,
        sets: req.sets.clone(),
    };
    let dir = req
        .out
        .clone()
        .unwrap_or_else(|| folder::default_dir(&loaded.model.name, req.years, &identity));
    let staged = folder::stage(&dir, identity, req.force)?;
    let script_files = scripts.iter().map(|s| s.file.clone()).collect();
    // On an error the staged folder is dropped, and with it everything this run wrote.
    let (result, wall_time_s, usage) = run_into(req, &loaded, scripts, staged.dir())?;
    let replaced = staged.commit()?;
    let embedded_model = req.model.is_none();
    let edited_default_ignored = embedded_model
        && std::fs::read(DEFAULT_MODEL_FILE)
            .is_ok_and(|b| b != model::DEFAULT_MODEL_YAML.as_bytes());
    Ok(RunReport {
        dir,
        result,
        wall_time_s,
        model_origin: loaded.origin,
        embedded_model,
        edited_default_ignored,
        script_files,
        scripts: usage,
        replaced,
    })
}

/// Runs the simulation and writes its files into `dir`; returns the result, the wall time
/// and what the scripts used of their budget.
fn run_into(
    req: &RunRequest,
    loaded: &LoadedModel,
    scripts: Vec<script::Script>,
    dir: &Path,
) -> Result<(RunResult, f64, Option<script::Usage>)> {
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
    // The time series' first row groups are encoded on another core while the run goes on.
    let mut early = output::EarlyTimeseries::new(loaded.model.recording_steps() as usize);
    let result = simulation.run_watched(|t, ts| {
        bar.set_position((t / DAY) as u64);
        early.watch(ts);
    });
    bar.finish_and_clear();
    let mut result = result?;
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
        warnings: result.warnings.clone(),
        sets: req.sets.clone(),
    };
    output::write_run(dir, &mut result, manifest, Some(early))?;
    Ok((result, wall_time_s, usage))
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

/// A node or link is named in the report as holding a backlog when, at the end, it holds at
/// least this share of all that entered it during the run (a normal run of the default
/// model holds under 1 % anywhere; Reno losing its only line leaves 90 % of what its link
/// carried waiting on it)...
pub const BACKLOG_SHARE: f64 = 0.10;
/// ... and at least this much, kg, so the last lots of a small model stay quiet.
pub const BACKLOG_MIN_KG: f64 = 1000.0;
/// The most backlogs listed one by one; `nodes.parquet` has them all.
const BACKLOGS_SHOWN: usize = 5;

/// `x` with `decimals` decimals and a comma between thousands: `1,203,721`, `3,734.6`.
pub fn thousands(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return s; // inf, NaN
    }
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Nodes and links holding a backlog at the end (see [`BACKLOG_SHARE`]), largest first.
pub fn backlogs(result: &RunResult) -> Vec<&EntityStats> {
    let mut found: Vec<_> = result
        .entities
        .iter()
        .filter(|e| e.inventory_kg >= BACKLOG_MIN_KG && e.inventory_kg >= BACKLOG_SHARE * e.in_kg)
        .collect();
    found.sort_by(|a, b| b.inventory_kg.total_cmp(&a.inventory_kg));
    found
}

/// A short human report of a run, for stdout.
pub fn describe(report: &RunReport) -> String {
    let s = &report.result.summary;
    let t = |x: f64| thousands(x, 0);
    let mut out = format!(
        "magloop: {} seed {} over {} years: {} events in {:.2} s\n",
        s.model,
        s.seed,
        s.years,
        thousands(report.result.events as f64, 0),
        report.wall_time_s,
    );
    if report.embedded_model {
        out.push_str(&format!(
            "  model: {DEFAULT_MODEL_FILE} as built into magloop; to run an edited copy: magloop run {DEFAULT_MODEL_FILE}\n"
        ));
        if report.edited_default_ignored {
            out.push_str(&format!(
                "  note: {DEFAULT_MODEL_FILE} here differs from the built-in copy; your edits were not used\n"
            ));
        }
    } else {
        out.push_str(&format!("  model: {}\n", report.model_origin));
    }
    if !report.script_files.is_empty() {
        // Not `scripts:`, the line of what they used of their budget.
        out.push_str(&format!(
            "  policy scripts: {}\n",
            report.script_files.join(", ")
        ));
    }
    out.push_str(&format!(
        "  wrote {}{}\n",
        report.dir.display(),
        match report.replaced {
            Replaced::Nothing => "",
            Replaced::SameRun => " (replacing an earlier copy of this run)",
            Replaced::Forced => " (replacing what it held: --force)",
        }
    ));
    out.push_str(&format!(
        "  {} drives processed; recycled sintered magnets {} t, co-products {} t (HPMS output {} t); oxides {} t\n",
        thousands(s.drives_processed as f64, 0),
        thousands(s.sintered_magnets_t, 1),
        thousands(s.coproducts_t, 1),
        thousands(s.hpms_output_t, 1),
        thousands(s.oxides_t, 1)
    ));
    if let (Some(mean), Some(p95)) = (s.lead_time_mean_days, s.lead_time_p95_days) {
        out.push_str(&format!(
            "  lead time drive -> magnet: mean {} d, p95 {} d\n",
            t(mean),
            t(p95)
        ));
    }
    if let Some(share) = s.domestic_share {
        let recycled = 100.0 * s.recycled_supply_t / s.demand_t;
        out.push_str(&format!(
            "  demand {} t, recycled share {:.2} %, domestic makers' share {:.2} %, shortfall {} t\n",
            t(s.demand_t),
            recycled,
            100.0 * share - recycled,
            t(s.shortfall_t)
        ));
    }
    if s.producer_output_t > 0.0 {
        out.push_str(&format!(
            "  domestic magnet makers made {} t ({} t of recycled oxide and alloy taken in, {} t of rare earths bought), cost ${}\n",
            t(s.producer_output_t),
            t(s.producer_recycled_feed_t),
            t(s.producer_external_feed_t),
            t(s.producer_cost_usd)
        ));
    }
    if let Some(china) = s.china_share {
        out.push_str(&format!(
            "  China's share of supply {:.1} %; stocks drawn {} t, refilled {} t, stockpile released {} t\n",
            100.0 * china,
            t(s.stock_draw_t),
            t(s.stock_refill_t),
            t(s.stockpile_release_t)
        ));
    }
    out.push_str(&grades_and_rules(&report.result.yearly, t));
    if s.transport_cost_usd > 0.0 {
        out.push_str(&format!(
            "  transport ${}, CO2 {} t (transport {} t, process {} t)\n",
            t(s.transport_cost_usd),
            t(s.co2_t),
            t(s.transport_co2_t),
            t(s.process_co2_t)
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
    for w in &report.result.warnings {
        out.push_str(&format!("  warning: {w}\n"));
    }
    let found = backlogs(&report.result);
    for e in found.iter().take(BACKLOGS_SHOWN) {
        let place = if e.kind == "link" {
            format!("on link {}", e.id)
        } else {
            format!("at {} ({})", e.id, e.kind)
        };
        out.push_str(&format!(
            "  backlog at the end: {} t waiting {place} ({:.0} % of what entered it)\n",
            t(e.inventory_kg / 1000.0),
            100.0 * e.inventory_kg / e.in_kg
        ));
    }
    if found.len() > BACKLOGS_SHOWN {
        out.push_str(&format!(
            "  ... and {} more backlogs (nodes.parquet, inventory_kg)\n",
            found.len() - BACKLOGS_SHOWN
        ));
    }
    out
}

/// What `magloop validate` checked.
pub enum Validated {
    /// A model (the embedded default without MODEL) and this many scripts against it, with
    /// the warnings the scripts gave (mistakes that would not stop a run).
    Model {
        loaded: LoadedModel,
        scripts: usize,
        warnings: Vec<crate::error::ScriptError>,
    },
    /// An experiment file, loaded as `magloop batch` loads it: every scenario's model,
    /// overrides and scripts.
    Experiment(crate::batch::Experiment),
}

/// Whether `path` looks like an experiment file rather than a model: a regular file with a
/// top-level `scenarios:` or `replications:` key and no `nodes:`. Read here only when it is
/// a regular file, so a pipe or FIFO is read once, as a model.
fn looks_like_experiment(path: &Path) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(text) = crate::files::read_text(path) else {
        return false; // the model loader reports why
    };
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    (top("scenarios:") || top("replications:")) && !top("nodes:")
}

/// `magloop validate [MODEL] [--script S ...]`: the model (the embedded default without
/// MODEL), then each script against it; or, given an experiment file, the experiment.
pub fn validate(
    model: Option<&Path>,
    scripts: &[PathBuf],
    years: Option<f64>,
    budget: script::Budget,
) -> Result<Validated> {
    if let Some(path) = model
        && looks_like_experiment(path)
    {
        if !scripts.is_empty() || years.is_some() {
            return Err(crate::Error::Model {
                file: path.display().to_string(),
                problems: vec![crate::error::Problem {
                    path: String::new(),
                    line: None,
                    message: "this is an experiment file, which names its own scripts and years: --script and --years do not apply".into(),
                    hint: Some(format!("run `magloop validate {}` alone", path.display())),
                }],
            });
        }
        return crate::batch::load(path).map(Validated::Experiment);
    }
    let loaded = load(model, &Overrides { years })?;
    // Every script is read and compiled, and every one that compiles is checked: a problem
    // in one does not hide those of the others.
    let mut failed = Vec::new();
    let mut compiled = Vec::new();
    for path in scripts {
        match script::compile(std::slice::from_ref(path)) {
            Ok(mut c) => compiled.append(&mut c),
            Err(e) => failed.push((path, e)),
        }
    }
    let checked = script::check_all(&loaded.model, &compiled, budget)?;
    // One problem alone is reported as it comes (a missing file: `cannot read ...`).
    if failed.len() == 1 && checked.problems.is_empty() {
        return Err(failed.remove(0).1);
    }
    let mut problems: Vec<crate::error::ScriptError> = Vec::new();
    for (path, e) in failed {
        match e {
            crate::Error::Script(p) => problems.push(*p),
            crate::Error::Scripts(ps) => problems.extend(ps),
            other => problems.push(crate::error::ScriptError {
                file: path.display().to_string(),
                line: None,
                date: None,
                message: other.to_string(),
                hint: None,
                related: None,
                source: String::new(),
            }),
        }
    }
    problems.extend(checked.problems);
    // In the order the scripts were given (a stable sort keeps each script's own order).
    let order = |file: &str| scripts.iter().position(|p| p.display().to_string() == file);
    problems.sort_by_key(|p| order(&p.file));
    if let Some(e) = crate::Error::scripts(problems) {
        return Err(e);
    }
    Ok(Validated::Model {
        loaded,
        scripts: compiled.len(),
        warnings: checked.warnings,
    })
}

/// The line `magloop validate` prints when all is well.
pub fn describe_validated(v: &Validated) -> String {
    match v {
        Validated::Model {
            loaded, scripts, ..
        } => {
            let scripts = match scripts {
                0 => String::new(),
                1 => "; 1 script ok".to_string(),
                n => format!("; {n} scripts ok"),
            };
            let m = &loaded.model;
            format!(
                "{}: ok ({} nodes, {} links, {} materials, {} elements{scripts})",
                loaded.origin,
                m.nodes.len(),
                m.links.len(),
                m.materials.len(),
                m.elements.len() - 1
            )
        }
        Validated::Experiment(exp) => {
            let (n, k, m) = (exp.scenarios.len(), exp.seeds.len(), exp.samples());
            let samples = match &exp.uncertainty {
                Some(u) => format!(
                    " x {m} samples ({} inputs, {})",
                    u.inputs.len(),
                    u.design.name()
                ),
                None => String::new(),
            };
            format!(
                "{}: ok (experiment `{}`: {n} scenario{}{samples} x {k} seed{} = {} runs; run it with `magloop batch {}`)",
                exp.file.display(),
                exp.name,
                if n == 1 { "" } else { "s" },
                if k == 1 { "" } else { "s" },
                thousands((n * m * k) as f64, 0),
                exp.file.display()
            )
        }
    }
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

/// The file `magloop api --definitions` writes magloop's functions to.
pub const MAGLOOP_DEFINITIONS: &str = "magloop.d.rhai";

/// `magloop api --definitions DIR [--model FILE]`: Rhai definition files for editors:
/// magloop's API alone in `magloop.d.rhai` (with the ids of `model`, the embedded default
/// without one), Rhai's built-ins in the files Rhai names (`__static__.d.rhai`, ...).
pub fn write_definitions(dir: &Path, model: Option<&Path>) -> Result<()> {
    let loaded = load(model, &Overrides::default())?;
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::output(dir, e))?;
    // Rhai's own, from the sandboxed engine without the API.
    script::sandboxed_engine()
        .definitions()
        .write_to_dir(dir)
        .map_err(|e| crate::Error::output(dir, e))?;
    let text = script::definitions::magloop_definitions(&loaded.model, &loaded.origin);
    let path = dir.join(MAGLOOP_DEFINITIONS);
    std::fs::write(&path, text).map_err(|e| crate::Error::output(&path, e))
}

/// After `run` or `batch`: writes the HTML report when asked (`--report`), else says
/// where it would go.
pub fn report_after(dir: &Path, write: bool, quiet: bool) -> Result<()> {
    if write {
        let path = crate::report::write(dir, None)?;
        if !quiet {
            println!("  wrote report {}", path.display());
        }
    } else if !quiet {
        println!(
            "  report: --report, or `magloop report {}`, writes {}",
            dir.display(),
            crate::report::default_path(dir).display()
        );
    }
    Ok(())
}

/// The yes/no switches of `magloop batch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchFlags {
    /// Start even above the experiment's `max_runs`.
    pub yes: bool,
    /// Write the HTML report at the end (`--report`).
    pub report: bool,
    /// No progress bar and no printed report.
    pub quiet: bool,
}

/// `magloop batch`: runs an experiment, prints what happened; exit 0 when every run of the
/// grid (or shard) succeeded, 3 when some failed, 2 on bad input.
pub fn batch(
    experiment: &Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    resume: bool,
    shard: Option<crate::batch::Shard>,
    flags: BatchFlags,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let BatchFlags { yes, report, quiet } = flags;
    let result = crate::batch::load_with(experiment, yes).and_then(|exp| {
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
                    if out.join("attribution.parquet").exists() {
                        println!("  wrote {}/attribution.parquet", out.display());
                    }
                    if let Some(table) = &r.sensitivity {
                        println!(
                            "  wrote {}/samples.parquet and sensitivity.parquet; inputs ranked per headline KPI:",
                            out.display()
                        );
                        print!("{table}");
                    }
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
            if r.assembled {
                if let Err(e) = report_after(&out, report, quiet) {
                    eprintln!("error: {e}");
                    return ExitCode::from(e.exit_code() as u8);
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

/// The printed lines on grades, elements and origin rules: supply by grade and by element
/// over the run (sums of yearly.parquet's rows of `all`), and per sector under an origin
/// requirement its compliant supply against its demand. Empty for a market of one grade
/// and no rules.
fn grades_and_rules(yearly: &[sim::yearly::YearlyRow], t: impl Fn(f64) -> String) -> String {
    // Sums by (sector, kpi), in first-seen order (the rows' own order: deterministic).
    let mut sums: Vec<(&str, &str, f64)> = Vec::new();
    for r in yearly {
        match sums.iter_mut().find(|x| x.0 == r.sector && x.1 == r.kpi) {
            Some(x) => x.2 += r.value,
            None => sums.push((&r.sector, &r.kpi, r.value)),
        }
    }
    let listed = |prefix: &str| -> Vec<String> {
        sums.iter()
            .filter(|x| x.0 == "all")
            .filter_map(|x| {
                x.1.strip_prefix(prefix)
                    .map(|name| format!("{name} {} t", t(x.2)))
            })
            .collect()
    };
    let mut out = String::new();
    let grades = listed("supply_t.");
    if grades.len() > 1 {
        let elements = listed("supply_element_t.");
        out.push_str(&format!("  supply by grade: {}", grades.join(", ")));
        if !elements.is_empty() {
            out.push_str(&format!("; in the magnets sold: {}", elements.join(", ")));
        }
        out.push('\n');
    }
    let get = |sector: &str, kpi: &str| {
        sums.iter()
            .find(|x| x.0 == sector && x.1 == kpi)
            .map_or(0.0, |x| x.2)
    };
    // Every sector a rule held for, including one whose supply none complied with.
    let ruled: Vec<String> = sums
        .iter()
        .filter(|x| x.0 != "all" && x.1 == "ruled_demand_t" && x.2 > 0.0)
        .map(|x| {
            let compliant = get(x.0, "compliant_supply_t");
            // Short under the rule: what of the demand under it no compliant supply met.
            format!(
                "{} {} t of {} t demanded under the rule ({:.1} %), short {} t",
                x.0,
                t(compliant),
                t(x.2),
                100.0 * compliant / x.2,
                t((x.2 - compliant).max(0.0))
            )
        })
        .collect();
    if !ruled.is_empty() {
        out.push_str(&format!(
            "  supply under origin rules (require_origin): {}\n",
            ruled.join("; ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_are_grouped_with_commas() {
        assert_eq!(thousands(129_932_700.0, 0), "129,932,700");
        assert_eq!(thousands(1_203_721.2, 0), "1,203,721");
        assert_eq!(thousands(3734.567, 1), "3,734.6");
        assert_eq!(thousands(999.96, 1), "1,000.0");
        assert_eq!(thousands(523.0, 0), "523");
        assert_eq!(thousands(0.0, 0), "0");
        assert_eq!(thousands(-27_353.4, 0), "-27,353");
        assert_eq!(thousands(f64::INFINITY, 0), "inf");
    }
}
