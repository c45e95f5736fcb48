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
        /// Model YAML file.
        model: Option<PathBuf>,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Horizon in years (overrides the model's calendar.years).
        #[arg(long, value_parser = parse_years)]
        years: Option<f64>,
        /// Output folder [default: outputs/<model>/seed-<seed>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Policy script (Rhai); repeat for several, applied in the order given.
        #[arg(long = "script", value_name = "FILE")]
        scripts: Vec<PathBuf>,
        /// Rhai operations all the scripts may use over the run (script time is capped at
        /// 1 µs an operation, at least 1 s).
        #[arg(long, value_name = "OPERATIONS", value_parser = parse_budget, default_value_t)]
        script_budget: Budget,
        /// Also write every event to events.parquet.
        #[arg(long)]
        trace: bool,
        /// No progress bar and no report.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a model (and scripts against it) without running: exit 0, or exit 2 listing the problems.
    Validate {
        /// Model YAML file.
        model: PathBuf,
        /// Horizon in years to check scripts' dates against (overrides calendar.years).
        #[arg(long, value_parser = parse_years)]
        years: Option<f64>,
        /// Policy script to compile and check against the model; repeat for several.
        #[arg(long = "script", value_name = "FILE")]
        scripts: Vec<PathBuf>,
        /// Rhai operations the scripts' top levels may use.
        #[arg(long, value_name = "OPERATIONS", value_parser = parse_budget, default_value_t)]
        script_budget: Budget,
    },
    /// Run an experiment: a scenario x seed grid, in parallel, into one Parquet dataset.
    Batch {
        /// Experiment YAML file (see models/experiments/).
        experiment: PathBuf,
        /// Output folder [default: outputs/<experiment name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        jobs: Option<u16>,
        /// Skip runs already complete in the output folder; redo missing or broken ones.
        #[arg(long)]
        resume: bool,
        /// Run only the K-th of N slices of the grid (0 <= K < N), e.g. for a Slurm job array.
        #[arg(long, value_name = "K/N")]
        shard: Option<magloop::batch::Shard>,
        /// No progress bar and no report.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print the script API reference, or write Rhai definition files for editors.
    Api {
        /// Write definition files (`*.d.rhai`) into this folder instead.
        #[arg(long, value_name = "DIR")]
        definitions: Option<PathBuf>,
    },
}

fn parse_years(s: &str) -> Result<f64, String> {
    let y: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of years"))?;
    if y.is_finite() && y > 0.0 && y <= 200.0 {
        Ok(y)
    } else {
        Err(format!("must be above 0 and at most 200, found {s}"))
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // clap uses 2 for usage errors; help and version are successes.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Run {
            model,
            seed,
            years,
            out,
            scripts,
            script_budget,
            trace,
            quiet,
        } => {
            let req = RunRequest {
                model,
                seed,
                years,
                out,
                trace,
                quiet,
                scripts,
                script_budget,
            };
            app::run(&req).map(|report| {
                if !quiet {
                    print!("{}", app::describe(&report));
                }
            })
        }
        Command::Validate {
            model,
            scripts,
            years,
            script_budget,
        } => app::validate(&model, &scripts, years, script_budget).map(|(m, n)| {
            let scripts = match n {
                0 => String::new(),
                1 => "; 1 script ok".to_string(),
                n => format!("; {n} scripts ok"),
            };
            println!(
                "{}: ok ({} nodes, {} links, {} materials, {} elements{scripts})",
                m.origin,
                m.model.nodes.len(),
                m.model.links.len(),
                m.model.materials.len(),
                m.model.elements.len() - 1
            );
        }),
        Command::Batch {
            experiment,
            out,
            jobs,
            resume,
            shard,
            quiet,
        } => {
            return app::batch(
                &experiment,
                out,
                jobs.map(usize::from),
                resume,
                shard,
                quiet,
            );
        }
        Command::Api { definitions: None } => {
            print!("{}", app::api_reference());
            Ok(())
        }
        Command::Api {
            definitions: Some(dir),
        } => app::write_definitions(&dir).map(|()| {
            println!("wrote Rhai definition files to {}", dir.display());
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
