//! The `magloop` command: parses arguments, calls `app`, prints errors once, maps exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use magloop::app::{self, RunRequest};
use magloop::script::{Budget, parse_budget};

#[derive(Parser)]
#[command(
    name = "magloop",
    version,
    about = "Discrete-event simulator of the US rare-earth magnet recycling network"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a model (the embedded default when MODEL is left out) and write its outputs.
    Run {
        /// Model YAML file [default: the copy of models/us_magnet_network.yaml built into magloop].
        model: Option<PathBuf>,
        /// Random seed, a whole number from 0 to 18446744073709551615.
        #[arg(long, default_value_t = 1, value_parser = parse_seed, allow_hyphen_values = true)]
        seed: u64,
        /// Horizon in years (overrides the model's calendar.years).
        #[arg(long, value_parser = parse_years, allow_hyphen_values = true)]
        years: Option<f64>,
        /// Output folder [default: outputs/<model>/seed-<seed>[+years-Y][+<script>...][-<hash>]].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Policy script (Rhai); repeat for several, applied in the order given.
        #[arg(long = "script", value_name = "FILE")]
        scripts: Vec<PathBuf>,
        /// Change one model value for this run, by YAML path (list items by id), e.g.
        /// `--set nodes.hdd_east.capture_share=0.3`; repeat for several. Recorded in the
        /// manifest and the folder name.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_set)]
        sets: Vec<(String, String)>,
        /// Rhai operations all the scripts may use over the run (script time is capped at
        /// 1 µs an operation, at least 1 s).
        #[arg(long, value_name = "OPERATIONS", value_parser = parse_script_budget, default_value_t, allow_hyphen_values = true)]
        script_budget: Budget,
        /// Also write every event to events.parquet.
        #[arg(long)]
        trace: bool,
        /// Replace the output folder even when it holds another run or other files (never a
        /// folder holding folders).
        #[arg(long)]
        force: bool,
        /// Also write the HTML report (`magloop report`) beside the output folder, as DIR.html.
        #[arg(long)]
        report: bool,
        /// No progress bar and no report.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a model (and scripts against it) or an experiment file without running: exit 0,
    /// or exit 2 listing the problems.
    Validate {
        /// Model or experiment YAML file [default: the model built into magloop].
        model: Option<PathBuf>,
        /// Horizon in years to check scripts' dates against (overrides calendar.years).
        #[arg(long, value_parser = parse_years, allow_hyphen_values = true)]
        years: Option<f64>,
        /// Policy script to compile and check against the model; repeat for several.
        #[arg(long = "script", value_name = "FILE")]
        scripts: Vec<PathBuf>,
        /// Rhai operations the scripts' top levels may use.
        #[arg(long, value_name = "OPERATIONS", value_parser = parse_script_budget, default_value_t, allow_hyphen_values = true)]
        script_budget: Budget,
        /// Print nothing when all is well (problems still go to stderr).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run an experiment: a scenario x seed grid, in parallel, into one Parquet dataset.
    Batch {
        /// Experiment YAML file (see models/experiments/).
        experiment: PathBuf,
        /// Output folder [default: outputs/<experiment name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads, from 1 to 1024 [default: one per core].
        #[arg(long, value_parser = parse_jobs, allow_hyphen_values = true)]
        jobs: Option<u16>,
        /// Skip runs already complete in the output folder; redo missing or broken ones.
        #[arg(long)]
        resume: bool,
        /// Run only the K-th of N slices of the grid (0 <= K < N), e.g. for a Slurm job array.
        #[arg(long, value_name = "K/N", value_parser = parse_shard, allow_hyphen_values = true)]
        shard: Option<magloop::batch::Shard>,
        /// Start the batch even when it needs more runs than the experiment's limit
        /// (`max_runs`, default 5,000).
        #[arg(long)]
        yes: bool,
        /// Also write the HTML report (`magloop report`) beside the output folder, as DIR.html.
        #[arg(long)]
        report: bool,
        /// No progress bar and no report.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write one self-contained HTML report (charts, tables, network) of a run or a batch.
    Report {
        /// A run folder (with manifest.json) or a batch folder (with batch.json).
        dir: PathBuf,
        /// The HTML file to write [default: DIR.html, beside the folder].
        #[arg(short, long, value_name = "FILE.html")]
        out: Option<PathBuf>,
    },
    /// Print the script API reference, or write Rhai definition files for editors.
    Api {
        /// Write definition files (`*.d.rhai`) into this folder instead: magloop's functions
        /// in magloop.d.rhai, Rhai's built-ins in the others.
        #[arg(long, value_name = "DIR")]
        definitions: Option<PathBuf>,
        /// The model whose node, link, origin and sector ids magloop.d.rhai lists
        /// [default: the model built into magloop].
        #[arg(long, value_name = "MODEL", requires = "definitions")]
        model: Option<PathBuf>,
    },
}

// Each value parser's message names its option and says what the value must be, and is
// printed alone (see `main`), so a negative number gets this message, not clap's `-- -1` tip.

fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((p, v)) if !p.trim().is_empty() && !v.trim().is_empty() => {
            Ok((p.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!(
            "--set takes PATH=VALUE, e.g. --set nodes.hdd_east.capture_share=0.3; found `{s}`"
        )),
    }
}

fn parse_seed(s: &str) -> Result<u64, String> {
    s.parse().map_err(|_| {
        format!(
            "--seed takes a whole number from 0 to {}, got `{s}`",
            u64::MAX
        )
    })
}

fn parse_years(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(y) if y.is_finite() && y > 0.0 && y <= 200.0 => Ok(y),
        _ => Err(format!(
            "--years takes a number of years above 0 and at most 200, got `{s}`"
        )),
    }
}

fn parse_jobs(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(j) if (1..=1024).contains(&j) => Ok(j),
        _ => Err(format!(
            "--jobs takes a whole number of worker threads from 1 to 1024, got `{s}`"
        )),
    }
}

fn parse_script_budget(s: &str) -> Result<Budget, String> {
    parse_budget(s).map_err(|e| format!("--script-budget: {e}"))
}

fn parse_shard(s: &str) -> Result<magloop::batch::Shard, String> {
    s.parse().map_err(|e| format!("--shard: {e}"))
}

/// Prints a command-line error: a bad value as its parser's message alone, the rest as clap
/// words them. Returns the exit code (2 for usage errors; help and version are successes).
fn print_usage_error(e: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    match (e.kind(), std::error::Error::source(e)) {
        (ErrorKind::ValueValidation, Some(why)) => {
            eprintln!("error: {why}\n\nFor more information, try '--help'.");
        }
        _ => {
            let _ = e.print();
        }
    }
    if e.use_stderr() { 2 } else { 0 }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return ExitCode::from(print_usage_error(&e)),
    };
    let outcome = match cli.command {
        Command::Run {
            model,
            seed,
            years,
            out,
            scripts,
            sets,
            script_budget,
            trace,
            force,
            report,
            quiet,
        } => {
            let req = RunRequest {
                sets,
                model,
                seed,
                years,
                out,
                trace,
                quiet,
                scripts,
                script_budget,
                force,
            };
            app::run(&req).and_then(|done| {
                if !quiet {
                    print!("{}", app::describe(&done));
                }
                app::report_after(&done.dir, report, quiet)
            })
        }
        Command::Validate {
            model,
            scripts,
            years,
            script_budget,
            quiet,
        } => app::validate(model.as_deref(), &scripts, years, script_budget).map(|v| {
            // Warnings go to stderr even with --quiet: they are mistakes, if not fatal ones.
            if let app::Validated::Model { warnings, .. } = &v {
                for w in warnings {
                    eprintln!("warning: {}", w.render());
                }
            }
            if !quiet {
                println!("{}", app::describe_validated(&v));
            }
        }),
        Command::Batch {
            experiment,
            out,
            jobs,
            resume,
            shard,
            yes,
            report,
            quiet,
        } => {
            return app::batch(
                &experiment,
                out,
                jobs.map(usize::from),
                resume,
                shard,
                app::BatchFlags {
                    yes,
                    report,
                    quiet,
                },
            );
        }
        Command::Report { dir, out } => magloop::report::write(&dir, out.as_deref()).map(|path| {
            println!("wrote {}", path.display());
        }),
        Command::Api {
            definitions: None, ..
        } => {
            print!("{}", app::api_reference());
            Ok(())
        }
        Command::Api {
            definitions: Some(dir),
            model,
        } => app::write_definitions(&dir, model.as_deref()).map(|()| {
            println!(
                "wrote Rhai definition files to {}: magloop's functions in {}, Rhai's built-ins in the others",
                dir.display(),
                app::MAGLOOP_DEFINITIONS
            );
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
