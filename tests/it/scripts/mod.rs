//! Policy scripts run as a user runs them (`run --script`, `validate --script`, `api`):
//! each shipped script's effect, the script API function by function, determinism, and
//! every kind of bad script (message, place, exit code 2, nothing written). One module per
//! theme (README.md lists them); the helpers are here.
//!
//! Every run uses the embedded default model, which starts on 2025-01-01. Three timing rules
//! explain the expected values in these modules (see `Event::class` in src/sim/mod.rs):
//! - the recording step at 00:00 on day D is dated D and covers the day before D;
//! - the market's day runs at 00:00, just before the record at the same instant, so the
//!   record dated D holds the market day of D's 00:00;
//! - an action dated D takes effect at D's 00:00, before both.
//!
//! So a policy dated D shows first in the record dated D (market figures) or D + 1 (flows
//! over a day). `--years Y` ends the run on the Y-th anniversary of the start at 00:00
//! (calendar years: 2 years from 2025-01-01 are 730 days), where the last record is; growth
//! rates count a year as 365.25 days.

mod api;
mod api_reference;
mod bad;
mod budget;
mod bugs_found;
mod every_problem;
mod grades;
mod literals;
mod market;
mod shipped;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::common::{repo, run_in, stderr, tempdir};

/// The default model's file, for `validate` (relative to the repository).
const MODEL: &str = "models/us_magnet_network.yaml";

/// The shipped scripts; each has a test of its effect in `shipped` (`mp_10x_delay` in
/// `producers`, beside the other producer tests).
const SHIPPED: [&str; 10] = [
    "scripts/china_controls_suspension_ends_2026.rhai",
    "scripts/china_dy_tb_only.rhai",
    "scripts/china_export_controls_2025.rhai",
    "scripts/defence_2027_rule.rhai",
    "scripts/demand_high_estimate.rhai",
    "scripts/dfw_commissioning_delay.rhai",
    "scripts/hyperscaler_refresh_surge.rhai",
    "scripts/mp_10x_delay.rhai",
    "scripts/reno_outage.rhai",
    "scripts/second_inserma_line_2028.rhai",
];

const DAY_S: f64 = 86_400.0;
const YEAR_DAYS: f64 = 365.25;

// ---- helpers ----------------------------------------------------------------------------

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .finish()
        .expect("valid Parquet")
}

/// Runs `magloop run` with `scripts` (in order) for `years` into `out`, in `cwd`.
fn run_scripts(cwd: &Path, out: &Path, scripts: &[&str], years: &str) -> Output {
    run_scripts_set(cwd, out, scripts, years, &[])
}

/// As [`run_scripts`], with `--set PATH=VALUE` model changes.
fn run_scripts_set(cwd: &Path, out: &Path, scripts: &[&str], years: &str, sets: &[&str]) -> Output {
    run_model(cwd, None, out, scripts, Some(years), sets)
}

/// `magloop run [MODEL]` (the embedded default without one) with `scripts` in order, for
/// `years` (the model's own without), with `--set` changes, into `out`, in `cwd`.
fn run_model(
    cwd: &Path,
    model: Option<&str>,
    out: &Path,
    scripts: &[&str],
    years: Option<&str>,
    sets: &[&str],
) -> Output {
    let mut args = vec!["run"];
    args.extend(model);
    if let Some(years) = years {
        args.extend(["--years", years]);
    }
    args.extend(["--out", out.to_str().unwrap(), "-q"]);
    for s in scripts {
        args.extend(["--script", s]);
    }
    for s in sets {
        args.extend(["--set", s]);
    }
    run_in(cwd, &args)
}

/// A finished run: its folder and its time series.
struct Run {
    dir: PathBuf,
    ts: DataFrame,
}

/// Runs from the repository (so `scripts/x.rhai` resolves) and requires success.
fn run_ok(out: &Path, scripts: &[&str], years: &str) -> Run {
    run_ok_set(out, scripts, years, &[])
}

/// As [`run_ok`], with `--set PATH=VALUE` model changes.
fn run_ok_set(out: &Path, scripts: &[&str], years: &str, sets: &[&str]) -> Run {
    let o = run_scripts_set(&repo(), out, scripts, years, sets);
    assert!(
        o.status.success(),
        "run with {scripts:?} failed:\n{}",
        stderr(&o)
    );
    Run {
        dir: out.to_path_buf(),
        ts: read(&out.join("timeseries.parquet")),
    }
}

/// One recorded value.
#[derive(Debug, Clone, Copy)]
struct Point {
    date: NaiveDate,
    time_s: i64,
    value: f64,
}

impl Point {
    /// Days since the start (fractional for the last, part-day record).
    fn days(&self) -> f64 {
        self.time_s as f64 / DAY_S
    }
}

/// One row of shocks.parquet.
#[derive(Debug, Clone)]
struct Shock {
    time_s: i64,
    date: NaiveDate,
    effective: NaiveDate,
    script: String,
    line: Option<u32>,
    action: String,
    arguments: String,
}

fn epoch_date(days: i32) -> NaiveDate {
    ymd(1970, 1, 1) + chrono::Days::new(days as u64)
}

impl Run {
    /// The values of one (node or link, metric), in time order.
    fn series(&self, node: &str, metric: &str) -> Vec<Point> {
        let col = |name: &str| self.ts.column(name).expect("documented column");
        let nodes = col("node").str().unwrap();
        let metrics = col("metric").str().unwrap();
        let dates = col("date").date().unwrap().physical();
        let times = col("time_s").i64().unwrap();
        let values = col("value").f64().unwrap();
        let mut out = Vec::new();
        for i in 0..self.ts.height() {
            if nodes.get(i) == Some(node) && metrics.get(i) == Some(metric) {
                out.push(Point {
                    date: epoch_date(dates.get(i).unwrap()),
                    time_s: times.get(i).unwrap(),
                    value: values.get(i).unwrap(),
                });
            }
        }
        assert!(!out.is_empty(), "no series {node}/{metric}");
        out
    }

    fn shocks(&self) -> Vec<Shock> {
        let df = read(&self.dir.join("shocks.parquet"));
        let col = |name: &str| df.column(name).expect("documented column");
        let times = col("time_s").i64().unwrap();
        let dates = col("date").date().unwrap().physical();
        let effective = col("effective_date").date().unwrap().physical();
        let scripts = col("script").str().unwrap();
        let lines = col("line").u32().unwrap();
        let actions = col("action").str().unwrap();
        let arguments = col("arguments").str().unwrap();
        (0..df.height())
            .map(|i| Shock {
                time_s: times.get(i).unwrap(),
                date: epoch_date(dates.get(i).unwrap()),
                effective: epoch_date(effective.get(i).unwrap()),
                script: scripts.get(i).unwrap().to_string(),
                line: lines.get(i),
                action: actions.get(i).unwrap().to_string(),
                arguments: arguments.get(i).unwrap().to_string(),
            })
            .collect()
    }

    /// The notes' dates and texts (the quotes of `arguments` removed).
    fn notes(&self) -> Vec<(NaiveDate, String)> {
        self.shocks()
            .into_iter()
            .filter(|s| s.action == "note")
            .map(|s| {
                let text = s.arguments.trim_start_matches('"').trim_end_matches('"');
                (s.date, text.to_string())
            })
            .collect()
    }
}

/// The number after `key=` in a note such as `"cap=1 av=1.0"`.
fn field(note: &str, key: &str) -> f64 {
    let pat = format!("{key}=");
    let at = note
        .split_whitespace()
        .find_map(|w| w.strip_prefix(pat.as_str()))
        .unwrap_or_else(|| panic!("no {key}= in note {note:?}"));
    at.parse()
        .unwrap_or_else(|_| panic!("{key}= is not a number in note {note:?}"))
}

fn in_range(p: &Point, from: NaiveDate, to: NaiveDate) -> bool {
    p.date >= from && p.date <= to
}

/// Sum of the values dated from `from` to `to`, both included.
fn sum(points: &[Point], from: NaiveDate, to: NaiveDate) -> f64 {
    points
        .iter()
        .filter(|p| in_range(p, from, to))
        .map(|p| p.value)
        .sum()
}

/// Mean of the values dated from `from` to `to`, both included.
fn mean(points: &[Point], from: NaiveDate, to: NaiveDate) -> f64 {
    let v: Vec<f64> = points
        .iter()
        .filter(|p| in_range(p, from, to))
        .map(|p| p.value)
        .collect();
    assert!(!v.is_empty(), "no values from {from} to {to}");
    v.iter().sum::<f64>() / v.len() as f64
}

/// The value dated `d`.
fn at(points: &[Point], d: NaiveDate) -> f64 {
    points
        .iter()
        .find(|p| p.date == d)
        .unwrap_or_else(|| panic!("no value dated {d}"))
        .value
}

fn assert_close(actual: f64, expected: f64, rel: f64, what: &str) {
    let tol = rel * expected.abs().max(1e-12);
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: expected {expected}, got {actual} (relative tolerance {rel})"
    );
}

/// Writes a script into `dir` and returns its path as text.
fn write_script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).expect("a writable temporary folder");
    path.to_str().unwrap().to_string()
}

/// The files in an output folder (none when it does not exist).
fn files_in(dir: &Path) -> Vec<String> {
    match fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// What China and the other origins may sell of each grade on the market day of a record
/// `days` after the start, t, as `[origin][grade]` with origins (china, other) and grades
/// (standard, heavy_re), when restrictions leave each that ratio of its level
/// (models/us_magnet_network.yaml): China 7,446 t/yr flat, 0.48 standard / 0.52 heavy_re;
/// other 3,700 t/yr growing 12.5 %/yr, 0.44 standard / 0.56 heavy_re.
fn caps(days: f64, china: [f64; 2], other: [f64; 2]) -> [[f64; 2]; 2] {
    let c = 7446.0 / YEAR_DAYS;
    let o = 3700.0 * 1.125f64.powf(days / YEAR_DAYS) / YEAR_DAYS;
    [
        [c * 0.48 * china[0], c * 0.52 * china[1]],
        [o * 0.44 * other[0], o * 0.56 * other[1]],
    ]
}

/// China's sales on the market day of record `i` when the origins may sell `caps` (see
/// [`caps`]), under the default model's rules, grade by grade (each grade's demand `G` is
/// met by its own magnets, and no sector is barred from an origin). Per grade, with `c`
/// and `o` what China and the others may sell and `H` the home supply (domestic makers'
/// and recycled magnets) that met the grade's demand:
/// - China is first in the merit order: it would sell min(c, G) and the others the rest of
///   G, up to o; home supply displaces China first, min(H, c).
/// - What imports cannot cover, (G - c - o)+, is served from what was displaced, China
///   first (the second pass in listed order).
/// - The grade's stock refill `R` buys back what is left, China first.
///
/// So China leaves unsold (min(H, c) - (G - c - o)+ - R)+, the old single-grade rule
/// `c - (H - R)+` whenever the others have enough. On a day the grade's stock was drawn on
/// (or the market went short) imports ran out, so every tonne China might sell was sold; a
/// draw below a milligram (1e-9 t) is floating-point crumbs of a fully served grade. `G` is
/// the grade's supply on such a day (nothing short, nothing drawn).
fn china_sold(run: &Run, i: usize, caps: [[f64; 2]; 2]) -> f64 {
    let m = |name: &str| run.series("us_market", name)[i].value;
    let short = m("shortfall_t") > 0.0;
    ["standard", "heavy_re"]
        .iter()
        .enumerate()
        .map(|(k, grade)| {
            let (c, o) = (caps[0][k], caps[1][k]);
            let g = |name: &str| m(&format!("{name}.{grade}"));
            if short || g("stock_draw_t") > 1e-9 {
                return c;
            }
            let h = g("home_supply_t");
            let gap = (g("supply_t") - c - o).max(0.0);
            c - (h.min(c) - gap - g("stock_refill_t")).max(0.0)
        })
        .sum()
}

/// The default model's demand rate `days` after the start, t/yr: each sector at its own
/// growth (models/us_magnet_network.yaml), `ev_k` times the EV sector.
fn demand_t_per_year(days: f64, ev_k: f64) -> f64 {
    let y = days / YEAR_DAYS;
    [
        (3450.0 * ev_k, 0.063),
        (600.0, 0.0),
        (3150.0, 0.04),
        (2000.0, 0.072),
        (300.0, 0.072),
        (1000.0, 0.072),
    ]
    .iter()
    .map(|(t, g)| t * (1.0f64 + g).powf(y))
    .sum()
}

/// Defence demand on the market day of a record `days` after the start, t: 300 t/yr, 7.2 %/yr.
fn defence_demand_t(days: f64) -> f64 {
    300.0 * 1.072f64.powf(days / YEAR_DAYS) / YEAR_DAYS
}

/// A bad script run in a fresh folder: it must exit 2, write no output file, and name its
/// problem. Returns stderr.
fn run_bad(name: &str, text: &str, years: &str) -> String {
    let dir = tempdir();
    fs::write(dir.path().join(name), text).unwrap();
    let out = dir.path().join("out");
    let o = run_scripts(dir.path(), &out, &[name], years);
    assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
    assert_eq!(files_in(&out), Vec::<String>::new(), "{name} left files");
    stderr(&o)
}
