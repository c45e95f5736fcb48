//! Policy scripts run as a user runs them (`run --script`, `validate --script`, `api`):
//! each shipped script's effect, the script API function by function, determinism, and
//! every kind of bad script (message, place, exit code 2, nothing written).
//!
//! Every run uses the embedded default model, which starts on 2025-01-01. Three timing rules
//! explain the expected values below (see `Event::class` in src/sim/mod.rs):
//! - the recording step at 00:00 on day D is dated D and covers the day before D;
//! - the market's day runs at 00:00, just before the record at the same instant, so the
//!   record dated D holds the market day of D's 00:00;
//! - an action dated D takes effect at D's 00:00, before both.
//!
//! So a policy dated D shows first in the record dated D (market figures) or D + 1 (flows
//! over a day). A year is 365.25 days; `--years Y` ends the run at start + Y years, and the
//! last record, at the horizon, covers only the part-day since the previous one.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::common::{repo, run_in, stderr, stdout, tempdir};

/// The default model's file, for `validate` (relative to the repository).
const MODEL: &str = "models/us_magnet_network.yaml";

/// The shipped scripts; each has a test of its effect below.
const SHIPPED: [&str; 6] = [
    "scripts/china_export_controls_2025.rhai",
    "scripts/defence_2027_rule.rhai",
    "scripts/dfw_commissioning_delay.rhai",
    "scripts/hyperscaler_refresh_surge.rhai",
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
    let mut args = vec![
        "run",
        "--years",
        years,
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    for s in scripts {
        args.extend(["--script", s]);
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
    let o = run_scripts(&repo(), out, scripts, years);
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

/// The value dated `d` (the first, when the horizon's part-day record repeats a date).
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

/// China's baseline supply on the market day of a record `days` after the start, t:
/// 7,800 t/yr growing 7.2 %/yr (models/us_magnet_network.yaml), times one day.
fn china_baseline_t(days: f64) -> f64 {
    7800.0 * 1.072f64.powf(days / YEAR_DAYS) / YEAR_DAYS
}

/// Defence demand on the market day of a record `days` after the start, t: 300 t/yr, 7.2 %/yr.
fn defence_demand_t(days: f64) -> f64 {
    300.0 * 1.072f64.powf(days / YEAR_DAYS) / YEAR_DAYS
}

// ---- the shipped scripts ----------------------------------------------------------------

#[test]
fn the_shipped_scripts_are_the_ones_tested_here() {
    // A new script in scripts/ needs a test of its effect below, and a line in SHIPPED.
    let mut found: Vec<String> = fs::read_dir(repo().join("scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("rhai"))
        .map(|p| format!("scripts/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    found.sort();
    assert_eq!(found, SHIPPED);
}

#[test]
fn every_shipped_script_validates_against_the_default_model_alone_and_together() {
    for script in SHIPPED {
        let o = run_in(&repo(), &["validate", MODEL, "--script", script]);
        assert_eq!(o.status.code(), Some(0), "{script}: {}", stderr(&o));
        assert!(stdout(&o).contains("; 1 script ok"), "{}", stdout(&o));
    }
    let mut args = vec!["validate", MODEL];
    for script in SHIPPED {
        args.extend(["--script", script]);
    }
    let o = run_in(&repo(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("; 6 scripts ok"), "{}", stdout(&o));
}

#[test]
fn china_export_controls_cut_chinese_imports_month_by_month_in_2025() {
    let dir = tempdir();
    let run = run_ok(
        &dir.path().join("run"),
        &["scripts/china_export_controls_2025.rhai"],
        "3",
    );
    let china = run.series("us_market", "imports_t.china");
    // In 2025 nothing recycled reaches the market (the Dallas hub starts in mid-2027), and
    // China is the first origin served, so it supplies all it may: each day's imports are
    // exactly its share of the baseline, 7,800 t/yr x 1.072^(days / 365.25) / 365.25.
    let share_on = |d: NaiveDate| -> f64 {
        match d {
            d if d < ymd(2025, 4, 4) => 1.0,
            d if d < ymd(2025, 5, 1) => 0.5, // at("2025-04-04"): halved
            d if d < ymd(2025, 6, 1) => 0.07, // May: 46.4 t of ~650 t
            d if d < ymd(2025, 7, 1) => 0.5,
            d if d < ymd(2025, 8, 1) => 0.95,
            d if d < ymd(2025, 9, 1) => 0.91,
            _ => 1.0,
        }
    };
    for p in china.iter().filter(|p| p.date.year() == 2025) {
        assert_close(
            p.value,
            share_on(p.date) * china_baseline_t(p.days()),
            1e-9,
            &format!("China imports on {}", p.date),
        );
    }
    // May as a whole: 0.07 of the baseline; of the pre-shock April days (1-3 April) it is
    // 0.07 x 1.072^(~45 / 365.25) = 0.0706, inside 2 %.
    let may = sum(&china, ymd(2025, 5, 1), ymd(2025, 5, 31));
    let may_baseline: f64 = china
        .iter()
        .filter(|p| in_range(p, ymd(2025, 5, 1), ymd(2025, 5, 31)))
        .map(|p| china_baseline_t(p.days()))
        .sum();
    assert_close(may / may_baseline, 0.07, 1e-9, "May / baseline");
    let april_pre_shock_daily = mean(&china, ymd(2025, 4, 1), ymd(2025, 4, 3));
    assert_close(
        (may / 31.0) / april_pre_shock_daily,
        0.07,
        0.02,
        "May daily mean / pre-shock April daily mean",
    );
    // July 0.95 and from September 1.0 of the baseline, whole months.
    let month_ratio = |from: NaiveDate, to: NaiveDate| {
        let base: f64 = china
            .iter()
            .filter(|p| in_range(p, from, to))
            .map(|p| china_baseline_t(p.days()))
            .sum();
        sum(&china, from, to) / base
    };
    assert_close(
        month_ratio(ymd(2025, 7, 1), ymd(2025, 7, 31)),
        0.95,
        1e-9,
        "July",
    );
    assert_close(
        month_ratio(ymd(2025, 9, 1), ymd(2025, 12, 31)),
        1.0,
        1e-9,
        "Sep-Dec",
    );
    assert_close(
        month_ratio(ymd(2026, 1, 1), ymd(2027, 12, 30)),
        1.0,
        1e-9,
        "2026-2027",
    );

    // The shortfall: "other" (2,700 t/yr) is fully used anyway, so each day lacks exactly
    // what China did not send: 7,800 x (1 - share) x growth / 365.25. Only in 2025.
    let shortfall = run.series("us_market", "shortfall_t");
    let expected_2025: f64 = shortfall
        .iter()
        .filter(|p| p.date.year() == 2025)
        .map(|p| (1.0 - share_on(p.date)) * china_baseline_t(p.days()))
        .sum();
    let got_2025 = sum(&shortfall, ymd(2025, 1, 1), ymd(2025, 12, 31));
    assert!(got_2025 > 1000.0, "2025 shortfall {got_2025} t");
    assert_close(got_2025, expected_2025, 1e-9, "2025 shortfall, t");
    for p in shortfall.iter().filter(|p| p.date >= ymd(2025, 9, 1)) {
        assert_eq!(p.value, 0.0, "shortfall on {}", p.date);
    }

    // The shock log: the dated steps at the start (time 0), then the notes at their dates.
    let file = "scripts/china_export_controls_2025.rhai";
    let shocks = run.shocks();
    let got: Vec<(NaiveDate, NaiveDate, String)> = shocks
        .iter()
        .map(|s| (s.date, s.effective, s.action.clone()))
        .collect();
    let start = ymd(2025, 1, 1);
    let expected = vec![
        (start, ymd(2025, 5, 1), "set_import_share".to_string()),
        (start, ymd(2025, 6, 1), "set_import_share".into()),
        (start, ymd(2025, 7, 1), "set_import_share".into()),
        (start, ymd(2025, 8, 1), "set_import_share".into()),
        (start, ymd(2025, 9, 1), "set_import_share".into()),
        (ymd(2025, 4, 4), ymd(2025, 4, 4), "note".into()),
        (ymd(2025, 4, 4), ymd(2025, 4, 4), "set_import_share".into()),
        (ymd(2025, 10, 9), ymd(2025, 10, 9), "note".into()),
        (ymd(2025, 11, 7), ymd(2025, 11, 7), "note".into()),
    ];
    assert_eq!(got, expected);
    assert!(shocks.iter().all(|s| s.script == file && s.line.is_some()));
    assert_eq!(shocks[0].time_s, 0);
    assert_eq!(shocks[0].arguments, r#""china", 0.07, "2025-05-01""#);
    let notes = run.notes();
    assert!(
        notes[0].1.starts_with("MOFCOM Announcement 18"),
        "{notes:?}"
    );
    assert!(
        notes[1].1.contains("0.1 % Chinese-content rule"),
        "{notes:?}"
    );
    assert!(
        notes[2].1.contains("suspended until 2026-11-10"),
        "{notes:?}"
    );
}

#[test]
fn dfw_commissioning_delay_makes_nothing_before_2029_and_the_baseline_does() {
    let dir = tempdir();
    let delayed = run_ok(
        &dir.path().join("delayed"),
        &["scripts/dfw_commissioning_delay.rhai"],
        "5",
    );
    let base = run_ok(&dir.path().join("base"), &[], "5");
    // Mid-2027 + 18 months = 2029-01-01 00:00. The record dated 2029-01-01 covers
    // 31 Dec, so it is still 0; from 2 January the hub works off the feed that waited
    // (about 1.5 years of it), so every day of 2029 makes product.
    let product = delayed.series("dfw_hpms", "product_kg");
    for p in product.iter().filter(|p| p.date <= ymd(2029, 1, 1)) {
        assert_eq!(p.value, 0.0, "delayed hub made product on {}", p.date);
    }
    for p in product
        .iter()
        .filter(|p| in_range(p, ymd(2029, 1, 2), ymd(2029, 12, 31)))
    {
        assert!(p.value > 0.0, "delayed hub idle on {}", p.date);
    }
    let row = delayed
        .shocks()
        .into_iter()
        .find(|s| s.action == "delay_commissioning")
        .expect("a delay_commissioning row");
    assert!(
        row.arguments.ends_with("-> 2029-01-01"),
        "{}",
        row.arguments
    );
    // Without the script the hub starts on 2027-07-01: product from the next day, and in 2028.
    let base_product = base.series("dfw_hpms", "product_kg");
    let first = base_product.iter().find(|p| p.value > 0.0).unwrap().date;
    assert_eq!(first, ymd(2027, 7, 2));
    assert!(sum(&base_product, ymd(2028, 1, 1), ymd(2028, 12, 31)) > 0.0);
}

#[test]
fn reno_outage_stops_reno_for_three_months_and_its_backlog_drains() {
    let dir = tempdir();
    let out = run_ok(
        &dir.path().join("outage"),
        &["scripts/reno_outage.rhai"],
        "3",
    );
    let base = run_ok(&dir.path().join("base"), &[], "3");
    // Down from 2026-03-01 00:00 to 2026-06-01 00:00: the records dated 2 March to 1 June
    // (each covering the day before) see no line up and no drive processed.
    let (from, to) = (ymd(2026, 3, 2), ymd(2026, 6, 1));
    let availability = out.series("reno_nv", "availability");
    let drives = out.series("reno_nv", "drives");
    for p in availability.iter().filter(|p| in_range(p, from, to)) {
        assert_eq!(p.value, 0.0, "availability on {}", p.date);
    }
    for p in drives.iter().filter(|p| in_range(p, from, to)) {
        assert_eq!(p.value, 0.0, "drives on {}", p.date);
    }
    assert!(sum(&drives, ymd(2026, 6, 2), ymd(2026, 6, 30)) > 0.0);

    // Upstream waits: Reno's intake (150,000 drives, about 10 days) fills, then pallets
    // wait on the link from the western data centres; both drain once the line is back.
    // Reno's line has about twice the capacity it needs (1 line at 2.17 s a drive and 80 %
    // availability: 11.6 M drives/yr against 8 M x 0.65 = 5.2 M arriving), so the ~1.3 M
    // drive backlog clears in about 1.3 / (11.6 - 5.2) yr = 2.5 months: by October.
    let queue = out.series("reno_nv", "queue_drives");
    let waiting = out.series("hdd_west_to_reno", "waiting_kg");
    let queue_max_during = queue
        .iter()
        .filter(|p| in_range(p, from, to))
        .fold(0.0f64, |m, p| m.max(p.value));
    assert_eq!(queue_max_during, 150_000.0);
    let base_queue_max = base
        .series("reno_nv", "queue_drives")
        .iter()
        .fold(0.0f64, |m, p| m.max(p.value));
    assert!(base_queue_max < 50_000.0, "baseline queue {base_queue_max}");
    for p in waiting.iter().filter(|p| p.date < ymd(2026, 3, 1)) {
        assert_eq!(p.value, 0.0, "waiting on {}", p.date);
    }
    let (w_apr, w_jun) = (
        at(&waiting, ymd(2026, 4, 15)),
        at(&waiting, ymd(2026, 6, 1)),
    );
    assert!(
        0.0 < w_apr && w_apr < w_jun,
        "waiting grows: {w_apr} then {w_jun} kg"
    );
    for p in waiting.iter().filter(|p| p.date >= ymd(2026, 10, 1)) {
        assert_eq!(p.value, 0.0, "still waiting on {}", p.date);
    }
    for p in queue.iter().filter(|p| p.date >= ymd(2026, 10, 1)) {
        assert!(p.value < 50_000.0, "queue {} on {}", p.value, p.date);
    }

    // The same drives arrive (keyed random streams) and the backlog drains long before the
    // end, so the 3-year total matches the baseline's to within 1 % of the backlog (the
    // drives the baseline processed during the outage, ~1.3 M). Observed: equal.
    let base_drives = base.series("reno_nv", "drives");
    let backlog = sum(&base_drives, from, to);
    assert!(backlog > 1.0e6, "backlog {backlog}");
    let total = |s: &[Point]| s.iter().map(|p| p.value).sum::<f64>();
    let diff = (total(&drives) - total(&base_drives)).abs();
    assert!(
        diff <= 0.01 * backlog,
        "3-year totals differ by {diff} drives"
    );
}

#[test]
fn second_inserma_line_doubles_reno_from_2028_and_halves_its_utilisation() {
    let dir = tempdir();
    let run = run_ok(
        &dir.path().join("run"),
        &["scripts/second_inserma_line_2028.rhai"],
        "5",
    );
    // The line is added at 2028-01-01 00:00, before that instant's record.
    for p in run.series("reno_nv", "servers") {
        let expected = if p.date < ymd(2028, 1, 1) { 1.0 } else { 2.0 };
        assert_eq!(p.value, expected, "servers on {}", p.date);
    }
    // The same drives (~36 % of one line's time) spread over two lines: about 18 % each.
    let u = run.series("reno_nv", "utilisation");
    let before = mean(&u, ymd(2027, 1, 1), ymd(2027, 12, 31));
    let after = mean(&u, ymd(2029, 1, 1), ymd(2029, 12, 31));
    assert!(
        (0.45..=0.55).contains(&(after / before)),
        "utilisation {before} -> {after}"
    );
}

#[test]
fn hyperscaler_refresh_surge_moves_drives_earlier_without_changing_the_decade() {
    let dir = tempdir();
    let surge = run_ok(
        &dir.path().join("surge"),
        &["scripts/hyperscaler_refresh_surge.rhai"],
        "10",
    );
    let base = run_ok(&dir.path().join("base"), &[], "10");
    let s = surge.series("hdd_east", "drives");
    let b = base.series("hdd_east", "drives");
    let year = |p: &[Point], y: i32| sum(p, ymd(y, 1, 1), ymd(y, 12, 31));
    let daily = |p: &[Point], y: i32| mean(p, ymd(y, 1, 1), ymd(y, 12, 31));
    // 12 M x 0.65 = 7.8 M drives/yr (26,000 pallets): 1.5x in 2026-2027, 0.75x in
    // 2028-2031. Against the same year of the baseline (same arrival stream) and against
    // 2025's daily rate (2025 has 364 records, 2028 has 366: compare means), within 4 %.
    for y in [2026, 2027] {
        assert_close(
            year(&s, y) / year(&b, y),
            1.5,
            0.04,
            &format!("{y} vs baseline"),
        );
    }
    assert_close(daily(&s, 2026) / daily(&s, 2025), 1.5, 0.04, "2026 vs 2025");
    for y in 2028..=2031 {
        assert_close(
            year(&s, y) / year(&b, y),
            0.75,
            0.04,
            &format!("{y} vs baseline"),
        );
        assert_close(
            daily(&s, y) / daily(&s, 2025),
            0.75,
            0.04,
            &format!("{y} vs 2025"),
        );
    }
    // 0.5 x 2 years extra = 0.25 x 4 years given back: the decade's total is unchanged.
    let total = |p: &[Point]| p.iter().map(|x| x.value).sum::<f64>();
    assert_close(total(&s), total(&b), 0.01, "drives over the decade");
}

#[test]
fn defence_2027_rule_bars_chinese_supply_to_defence_from_2027() {
    let dir = tempdir();
    let rule = run_ok(
        &dir.path().join("rule"),
        &["scripts/defence_2027_rule.rhai"],
        "3",
    );
    let base = run_ok(&dir.path().join("base"), &[], "3");
    for p in rule
        .series("us_market", "imports_t.china.defence")
        .iter()
        .filter(|p| p.date >= ymd(2027, 1, 1))
    {
        assert_eq!(p.value, 0.0, "Chinese supply to defence on {}", p.date);
    }
    // Origins are shared among sectors in proportion to need, so in the baseline defence
    // draws on China like every sector (~74 % of imports). Under the rule, defence's share of
    // Chinese supply moves to recycled material (served first to barred sectors) and to
    // other origins: in 2027 it buys more from "other" than in the baseline.
    let year_2027 = |r: &Run, metric: &str| {
        sum(
            &r.series("us_market", metric),
            ymd(2027, 1, 1),
            ymd(2027, 12, 31),
        )
    };
    assert!(year_2027(&base, "imports_t.china.defence") > 0.0);
    assert!(
        year_2027(&rule, "imports_t.other.defence") > year_2027(&base, "imports_t.other.defence"),
        "{} vs {}",
        year_2027(&rule, "imports_t.other.defence"),
        year_2027(&base, "imports_t.other.defence")
    );
    // Other origins (2,700 t/yr) cover defence's 300 t/yr: no defence shortfall.
    for p in rule.series("us_market", "shortfall_t.defence") {
        assert_eq!(p.value, 0.0, "defence shortfall on {}", p.date);
    }
}

#[test]
fn defence_draws_on_china_before_the_2027_rule() {
    let dir = tempdir();
    let rule = run_ok(
        &dir.path().join("rule"),
        &["scripts/defence_2027_rule.rhai"],
        "3",
    );
    // China supplies ~74 % of imports (7,800 of 10,500 t/yr); shared out in proportion,
    // defence would take ~74 % of its 300 t/yr from China before 2027.
    for p in rule
        .series("us_market", "imports_t.china.defence")
        .iter()
        .filter(|p| p.date < ymd(2027, 1, 1))
    {
        assert!(p.value > 0.0, "no Chinese supply to defence on {}", p.date);
    }
}

#[test]
fn two_scripts_in_order_defence_rule_bites_when_china_is_defences_supplier() {
    // The first script leaves only defence and `other` buying, from China alone; the
    // shipped rule then bars China from defence. Given in this order, both act.
    let dir = tempdir();
    let first = write_script(
        dir.path(),
        "china_only.rhai",
        r#"// Only defence and `other` buy magnets, and only China sells them.
for s in ["ev_hybrid", "wind", "electronics", "industrial"] {
    set_demand(s, 0.0, "2025-01-01");
}
set_import_share("other", 0.0);
"#,
    );
    let run = run_ok(
        &dir.path().join("run"),
        &[&first, "scripts/defence_2027_rule.rhai"],
        "3",
    );
    let china = run.series("us_market", "imports_t.china.defence");
    let short = run.series("us_market", "shortfall_t.defence");
    let recycled = run.series("us_market", "recycled_supply_t");
    // Before 2027 China (7,800 t/yr) covers defence (300 t/yr) each day in full.
    for p in china.iter().filter(|p| p.date < ymd(2027, 1, 1)) {
        assert_close(
            p.value,
            defence_demand_t(p.days()),
            1e-9,
            &p.date.to_string(),
        );
    }
    // From 2027 China may not, `other` sells nothing, and nothing recycled arrives before
    // the hub's first product on 2 July 2027: all of defence's demand is short.
    for (c, s) in china.iter().zip(&short) {
        if c.date >= ymd(2027, 1, 1) {
            assert_eq!(c.value, 0.0, "China to defence on {}", c.date);
        }
        if in_range(s, ymd(2027, 1, 1), ymd(2027, 7, 1)) {
            assert_close(
                s.value,
                defence_demand_t(s.days()),
                1e-9,
                &s.date.to_string(),
            );
        }
    }
    // Then defence, served first, takes the recycled supply (all of it: ~0.5 t a day is
    // less than its ~1 t), and only the rest is short: shortfall + recycled = demand.
    let mut days = 0;
    for ((s, r), c) in short.iter().zip(&recycled).zip(&china) {
        if in_range(s, ymd(2027, 7, 2), ymd(2027, 12, 31)) {
            assert!(r.value > 0.0, "nothing recycled on {}", r.date);
            assert_close(
                s.value + r.value,
                defence_demand_t(s.days()),
                1e-9,
                &s.date.to_string(),
            );
            assert_eq!(c.value, 0.0);
            days += 1;
        }
    }
    assert_eq!(days, 183);
    // The manifest and the shock log keep the order given.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(run.dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scripts"][0][0], first.as_str());
    assert_eq!(manifest["scripts"][1][0], "scripts/defence_2027_rule.rhai");
    let scripts: Vec<String> = run.shocks().into_iter().map(|s| s.script).collect();
    // 4 set_demand and 1 set_import_share, then exclude_origin and a note.
    assert_eq!(scripts[..5], vec![first.clone(); 5]);
    assert_eq!(scripts[5..], ["scripts/defence_2027_rule.rhai"; 2]);
}

#[test]
fn scripts_apply_in_the_order_given_so_the_last_word_wins() {
    // Both set China's share from the same instant: the actions run in the order the
    // scripts were given, so the second one's share stands.
    let dir = tempdir();
    let a = write_script(
        dir.path(),
        "a.rhai",
        "set_import_share(\"china\", 0.3, \"2025-03-01\");\nat(\"2025-03-15\", || note(\"share=\" + import_share(\"china\")));\n",
    );
    let b = write_script(
        dir.path(),
        "b.rhai",
        "set_import_share(\"china\", 0.6, \"2025-03-01\");\n",
    );
    let ab = run_ok(&dir.path().join("ab"), &[&a, &b], "0.5");
    let ba = run_ok(&dir.path().join("ba"), &[&b, &a], "0.5");
    assert_eq!(field(&ab.notes()[0].1, "share"), 0.6);
    assert_eq!(field(&ba.notes()[0].1, "share"), 0.3);
}

#[test]
fn scripted_runs_are_deterministic_and_the_manifest_vouches_for_the_scripts() {
    let dir = tempdir();
    let stateful = write_script(
        dir.path(),
        "stateful.rhai",
        r#"// A state-triggered note: closures keep their state between steps.
let peak = 0.0;
on_record(|| {
    let q = inventory("reno_nv");
    if q > peak * 1.5 && q > 10000.0 {
        peak = q;
        note("reno intake " + q);
    }
});
"#,
    );
    let scripts = [
        "scripts/china_export_controls_2025.rhai",
        "scripts/reno_outage.rhai",
        stateful.as_str(),
    ];
    let a = run_ok(&dir.path().join("a"), &scripts, "2");
    let b = run_ok(&dir.path().join("b"), &scripts, "2");
    for name in [
        "shocks.parquet",
        "timeseries.parquet",
        "nodes.parquet",
        "summary.parquet",
    ] {
        assert!(
            fs::read(a.dir.join(name)).unwrap() == fs::read(b.dir.join(name)).unwrap(),
            "{name} differs between two identical runs"
        );
    }
    assert!(a.notes().iter().any(|(_, t)| t.starts_with("reno intake")));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(a.dir.join("manifest.json")).unwrap()).unwrap();
    let listed: Vec<(String, String)> = manifest["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x[0].as_str().unwrap().to_string(),
                x[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = scripts
        .iter()
        .map(|s| {
            let bytes = fs::read(repo().join(s)).unwrap();
            (s.to_string(), magloop::model::sha256_hex(&bytes))
        })
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        manifest["files"]["shocks.parquet"].as_str().unwrap(),
        magloop::model::sha256_hex(&fs::read(a.dir.join("shocks.parquet")).unwrap())
    );
}

// ---- the API, function by function -------------------------------------------------------

#[test]
fn reads_at_the_start_give_the_models_initial_state() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "reads.rhai",
        r#"note("date=" + date() + " days=" + days());
note("cap=" + capacity("reno_nv") + " wcap=" + capacity("williston_sc") + " hcap=" + capacity("dfw_hpms"));
note("av=" + availability("reno_nv") + " hub=" + commissioned("dfw_hpms") + " oxide=" + commissioned("fredericktown_mo") + " reno=" + commissioned("reno_nv"));
note("imp=" + imports("china") + " share=" + import_share("china") + " dem=" + demand() + " sf=" + shortfall() + " rec=" + recycled_supply());
note("inv=" + inventory("reno_nv") + " st=" + storage("reno_nv") + " cum=" + cumulative_output("hdd_east") + " tp=" + throughput("reno_nv", "30 days"));
print("print goes nowhere");
debug("neither does debug");
"#,
    );
    let out = dir.path().join("run");
    let o = run_in(
        &repo(),
        &[
            "run",
            "--script",
            &s,
            "--years",
            "0.1",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("goes nowhere") && !stderr(&o).contains("goes nowhere"));
    assert!(!stdout(&o).contains("neither") && !stderr(&o).contains("neither"));
    let run = Run {
        ts: read(&out.join("timeseries.parquet")),
        dir: out,
    };
    let notes: Vec<String> = run.notes().into_iter().map(|n| n.1).collect();
    // Demand 3,500 + 1,200 + 2,500 + 2,000 + 300 + 1,000 = 10,500 t/yr; lines 1, 2 and 3
    // vessels; nothing has moved yet; non-plants count as commissioned.
    assert_eq!(
        notes,
        [
            "date=2025-01-01 days=0.0",
            "cap=1 wcap=2 hcap=3",
            "av=1.0 hub=false oxide=false reno=true",
            "imp=0.0 share=1.0 dem=10500.0 sf=0.0 rec=0.0",
            "inv=0.0 st=0.0 cum=0.0 tp=0.0",
        ]
    );
    assert!(run.shocks().iter().all(|r| r.date == ymd(2025, 1, 1)));
}

#[test]
fn reads_in_on_record_match_the_step_just_recorded() {
    // on_record runs right after the recording step, so the reads on 2026-01-01 equal the
    // row dated 2026-01-01 (and sums of the rows up to it).
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "record.rhai",
        r#"on_record(|| {
    if date() == "2026-01-01" {
        note("days=" + days() + " tp30=" + throughput("reno_nv", "30 days") + " tpm=" + throughput("reno_nv", "1 month"));
        note("cum=" + cumulative_output("hdd_west") + " inv=" + inventory("reno_nv") + " st=" + storage("reno_nv"));
        note("imp=" + imports("china") + " sf=" + shortfall() + " rec=" + recycled_supply() + " dem=" + demand());
    }
});
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1.5");
    let notes: Vec<String> = run.notes().into_iter().map(|n| n.1).collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
    let d = ymd(2026, 1, 1);
    assert_eq!(field(&notes[0], "days"), 365.0);
    // "30 days" back from 2026-01-01 is the record of 2025-12-02: the window holds the
    // 30 records dated 3 Dec .. 1 Jan; "1 month" back is 1 Dec: 31 records.
    let tp = run.series("reno_nv", "throughput_kg");
    assert_close(
        field(&notes[0], "tp30"),
        sum(&tp, ymd(2025, 12, 3), d),
        1e-9,
        "tp30",
    );
    assert_close(
        field(&notes[0], "tpm"),
        sum(&tp, ymd(2025, 12, 2), d),
        1e-9,
        "tpm",
    );
    let cum = run.series("hdd_west", "cumulative_output_kg");
    assert_close(
        field(&notes[1], "cum"),
        at(&cum, d),
        1e-12,
        "cumulative_output",
    );
    let inv = run.series("reno_nv", "inventory_kg");
    assert_close(field(&notes[1], "inv"), at(&inv, d), 1e-12, "inventory");
    let st = run.series("reno_nv", "storage_kg");
    assert_close(field(&notes[1], "st"), at(&st, d), 1e-12, "storage");
    let start = ymd(2025, 1, 1);
    let china = run.series("us_market", "imports_t.china");
    assert_close(
        field(&notes[2], "imp"),
        sum(&china, start, d),
        1e-9,
        "imports",
    );
    assert_eq!(field(&notes[2], "sf"), 0.0);
    assert_eq!(field(&notes[2], "rec"), 0.0);
    // Demand now: 10,500 t/yr x 1.072^(365 / 365.25).
    assert_close(
        field(&notes[2], "dem"),
        10_500.0 * 1.072f64.powf(365.0 / YEAR_DAYS),
        1e-12,
        "demand",
    );
}

#[test]
fn at_every_and_every_from_fire_on_their_dates() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "schedule.rhai",
        r#"every("1 month", || note("monthly " + date()));
every("2025-03-15", "7 days", || {
    if days() < 90.0 { note("weekly " + date()); }
});
at("2025-06-30", || note("once " + date()));
"#,
    );
    // One year ends at 2026-01-01 06:00, so the 13th monthly call (2026-01-01) is inside.
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let notes: Vec<String> = run.notes().into_iter().map(|n| n.1).collect();
    let monthly: Vec<&String> = notes.iter().filter(|n| n.starts_with("monthly")).collect();
    let expected: Vec<String> = (0..13)
        .map(|k| format!("monthly {}", ymd(2025, 1, 1) + chrono::Months::new(k)))
        .collect();
    assert_eq!(monthly, expected.iter().collect::<Vec<_>>());
    // Weekly from 15 March while days() < 90 (15 March is day 73): 15, 22 and 29 March.
    let weekly: Vec<&String> = notes.iter().filter(|n| n.starts_with("weekly")).collect();
    assert_eq!(
        weekly,
        [
            "weekly 2025-03-15",
            "weekly 2025-03-22",
            "weekly 2025-03-29"
        ]
    );
    assert!(notes.contains(&"once 2025-06-30".to_string()));
    // Each note is logged on the date it was made.
    for (d, text) in run.notes() {
        assert!(text.ends_with(&d.to_string()), "{text} on {d}");
    }
}

#[test]
fn on_record_drives_a_state_triggered_diversion_once() {
    // When the Dallas hub holds more than 100 t (feed piling up before it opens), send
    // Reno's output to Fredericktown instead; a captured flag makes it happen once.
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "divert.rhai",
        r#"let diverted = false;
on_record(|| {
    if !diverted && inventory("dfw_hpms") > 100000.0 {
        set_shares("reno_nv", #{ reno_to_dfw: 0.0, reno_to_fredericktown: 1.0 });
        note("diverted with " + inventory("dfw_hpms") + " kg at the hub");
        diverted = true;
    }
});
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1.5");
    // The first record showing more than 100 t at the hub is the day it happens.
    let hub = run.series("dfw_hpms", "inventory_kg");
    let day = hub.iter().find(|p| p.value > 100_000.0).unwrap().date;
    let shocks = run.shocks();
    let shares: Vec<&Shock> = shocks.iter().filter(|s| s.action == "set_shares").collect();
    assert_eq!(shares.len(), 1, "{shocks:?}");
    assert_eq!(shares[0].date, day);
    assert_eq!(shares[0].effective, day);
    assert_eq!(
        shares[0].arguments,
        r#""reno_nv", reno_to_dfw: 0, reno_to_fredericktown: 1"#
    );
    assert_eq!(run.notes().len(), 1);
    // Trucks to Fredericktown only after the switch; none more to Dallas (at most the one
    // already loading when it happened).
    let to_fred = run.series("reno_to_fredericktown", "trips");
    let to_dfw = run.series("reno_to_dfw", "trips");
    assert_eq!(at(&to_fred, day), 0.0);
    assert!(to_fred.last().unwrap().value >= 3.0, "{:?}", to_fred.last());
    assert!(to_dfw.last().unwrap().value <= at(&to_dfw, day) + 1.0);
}

#[test]
fn set_transit_and_set_cost_change_links_and_nothing_else() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "links.rhai",
        r#"set_transit("reno_to_dfw", 3.0, "2025-01-01", "2 years");
set_cost("williston_to_dfw", 4.52, "2025-01-01");
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let base = run_ok(&dir.path().join("base"), &[], "1");
    let last = |r: &Run, link: &str, metric: &str| r.series(link, metric).last().unwrap().value;
    // Same trucks (upstream is untouched), each three times as long on the road: the
    // kg-days in transit triple (edges of the year aside).
    assert_eq!(
        last(&run, "reno_to_dfw", "trips"),
        last(&base, "reno_to_dfw", "trips")
    );
    let kg_days = |r: &Run| {
        r.series("reno_to_dfw", "in_transit_kg")
            .iter()
            .map(|p| p.value)
            .sum::<f64>()
    };
    assert_close(
        kg_days(&run) / kg_days(&base),
        3.0,
        0.1,
        "kg-days in transit",
    );
    // Cost: trips x 1,000 mi x $4.52, twice the baseline's $2.26.
    let trips = last(&run, "williston_to_dfw", "trips");
    assert_eq!(trips, last(&base, "williston_to_dfw", "trips"));
    assert_close(
        last(&run, "williston_to_dfw", "cost_usd"),
        trips * 1000.0 * 4.52,
        1e-9,
        "cost",
    );
    assert_close(
        last(&run, "williston_to_dfw", "cost_usd"),
        2.0 * last(&base, "williston_to_dfw", "cost_usd"),
        1e-9,
        "cost vs baseline",
    );
    // The end of the transit change is logged, dated when it takes effect.
    let ends = run
        .shocks()
        .into_iter()
        .find(|s| s.action == "set_transit ends")
        .expect("a set_transit ends row");
    assert_eq!(ends.effective, ymd(2027, 1, 1));
}

#[test]
fn set_demand_raises_one_sector_and_the_shortfall_is_the_extra() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "demand.rhai",
        r#"set_demand("ev_hybrid", 2.0, "2025-07-01");
at("2025-07-01", || note("dem=" + demand()));
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let demand = run.series("us_market", "demand_t");
    let shortfall = run.series("us_market", "shortfall_t");
    // 10,500 t/yr, then 10,500 + 3,500 = 14,000 t/yr. Imports are sized to the baseline
    // demand and nothing is recycled in 2025, so the extra 3,500 t/yr is all short.
    for (d, s) in demand
        .iter()
        .zip(&shortfall)
        .filter(|(d, _)| d.date.year() == 2025)
    {
        let g = 1.072f64.powf(d.days() / YEAR_DAYS) / YEAR_DAYS;
        let (dem, short) = if d.date < ymd(2025, 7, 1) {
            (10_500.0, 0.0)
        } else {
            (14_000.0, 3_500.0)
        };
        assert_close(d.value, dem * g, 1e-9, &format!("demand on {}", d.date));
        if short == 0.0 {
            assert_eq!(s.value, 0.0, "shortfall on {}", s.date);
        } else {
            assert_close(
                s.value,
                short * g,
                1e-6,
                &format!("shortfall on {}", s.date),
            );
        }
    }
    // demand() is the rate now, t/yr: 14,000 x 1.072^(181 / 365.25) on 1 July.
    let note = &run.notes()[0].1;
    assert_close(
        field(note, "dem"),
        14_000.0 * 1.072f64.powf(181.0 / YEAR_DAYS),
        1e-12,
        "demand()",
    );
}

#[test]
fn set_yield_scales_what_reno_recovers() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "yield.rhai",
        "set_yield(\"reno_nv\", \"recovery\", 0.5, \"2025-01-01\");\n",
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let base = run_ok(&dir.path().join("base"), &[], "1");
    // Same drives, same processing; the Nd that leaves Reno is in the recovered magnets
    // only (the carrier steel holds none): 0.5 / 0.95 = 0.5263 of the baseline.
    let nd = |r: &Run| {
        r.series("reno_nv", "cumulative_output_kg.Nd")
            .last()
            .unwrap()
            .value
    };
    let drives = |r: &Run| {
        r.series("reno_nv", "drives")
            .iter()
            .map(|p| p.value)
            .sum::<f64>()
    };
    assert_eq!(drives(&run), drives(&base));
    assert_close(nd(&run) / nd(&base), 0.5 / 0.95, 1e-3, "Nd recovered");
}

#[test]
fn capacity_outage_and_commissioning_actions_show_in_reads_and_records() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "plants.rhai",
        r#"outage("reno_nv", "2025-03-01", "1 month");
add_capacity("williston_sc", 2, "2025-06-01");
remove_capacity("williston_sc", 3, "2025-09-01");
set_commissioning("fredericktown_mo", "2025-05-01");
at("2025-03-15", || note("av=" + availability("reno_nv") + " oxide=" + commissioned("fredericktown_mo")));
at("2025-05-15", || note("oxide=" + commissioned("fredericktown_mo") + " oxav=" + availability("fredericktown_mo")));
at("2025-06-15", || note("cap=" + capacity("williston_sc")));
at("2025-09-15", || note("cap=" + capacity("williston_sc")));
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let notes: Vec<String> = run.notes().into_iter().map(|n| n.1).collect();
    assert_eq!(
        notes,
        [
            "av=0.0 oxide=false",
            "oxide=true oxav=1.0",
            "cap=4",
            "cap=1"
        ]
    );
    // Williston: 2 lines, 4 from 1 June, 1 from 1 September (the newest retired first).
    for p in run.series("williston_sc", "servers") {
        let expected = match p.date {
            d if d < ymd(2025, 6, 1) => 2.0,
            d if d < ymd(2025, 9, 1) => 4.0,
            _ => 1.0,
        };
        assert_eq!(p.value, expected, "Williston lines on {}", p.date);
    }
    // Reno down from 1 March for one month: records 2 March .. 1 April.
    for p in run
        .series("reno_nv", "availability")
        .iter()
        .filter(|p| in_range(p, ymd(2025, 3, 2), ymd(2025, 4, 1)))
    {
        assert_eq!(p.value, 0.0, "Reno availability on {}", p.date);
    }
    // Fredericktown (modelled from 2027) now starts on 1 May 2025 with the swarf and SmCo
    // scrap that has waited since January.
    let feed = run.series("fredericktown_mo", "feed_processed_kg");
    for p in feed.iter().filter(|p| p.date < ymd(2025, 5, 1)) {
        assert_eq!(p.value, 0.0, "oxide feed on {}", p.date);
    }
    assert!(sum(&feed, ymd(2025, 5, 1), ymd(2025, 5, 31)) > 0.0);
}

#[test]
fn set_source_rate_halves_the_western_drives() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "rate.rhai",
        "set_source_rate(\"hdd_west\", 0.5, \"2025-07-01\");\n",
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let base = run_ok(&dir.path().join("base"), &[], "1");
    // 8 M x 0.65 = 5.2 M drives/yr, ~8,700 pallets a half-year: within 4 %.
    let half =
        |r: &Run, from: NaiveDate, to: NaiveDate| sum(&r.series("hdd_west", "drives"), from, to);
    let (h1, h2) = (
        (ymd(2025, 1, 1), ymd(2025, 6, 30)),
        (ymd(2025, 7, 2), ymd(2025, 12, 31)),
    );
    assert_eq!(half(&run, h1.0, h1.1), half(&base, h1.0, h1.1));
    assert_close(
        half(&run, h2.0, h2.1) / half(&base, h2.0, h2.1),
        0.5,
        0.04,
        "second half",
    );
}

#[test]
fn overlapping_import_restrictions_multiply() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "restrict.rhai",
        r#"restrict_imports("china", ["magnets"], 0.5, "2025-03-01", "2 months");
restrict_imports("china", ["Dy", "Tb"], 0.4, "2025-04-01");
restrict_imports("china", ["Fe"], 0.1, "2025-04-01");
set_import_share("china", 0.5, "2025-06-01");
for d in ["2025-02-15", "2025-03-15", "2025-04-15", "2025-05-15", "2025-06-15"] {
    at(d, || note("share=" + import_share("china")));
}
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    // Feb 1; March 0.5 (magnets); April both: 0.5 x 0.4 = 0.2; May the first has ended
    // (2 months from 1 March): 0.4; June base 0.5 x 0.4 = 0.2. Iron is not traded, so the
    // third restriction is logged but changes nothing.
    let shares: Vec<f64> = run.notes().iter().map(|n| field(&n.1, "share")).collect();
    let expected = [1.0, 0.5, 0.2, 0.4, 0.2];
    for (got, want) in shares.iter().zip(expected) {
        assert_close(*got, want, 1e-12, "import_share");
    }
    assert_eq!(shares.len(), 5);
    // And the market sees it: each day's Chinese imports are that share of the baseline.
    let share_on = |d: NaiveDate| match d {
        d if d < ymd(2025, 3, 1) => 1.0,
        d if d < ymd(2025, 4, 1) => 0.5,
        d if d < ymd(2025, 5, 1) => 0.2,
        d if d < ymd(2025, 6, 1) => 0.4,
        _ => 0.2,
    };
    for p in run
        .series("us_market", "imports_t.china")
        .iter()
        .filter(|p| p.date.year() == 2025)
    {
        assert_close(
            p.value,
            share_on(p.date) * china_baseline_t(p.days()),
            1e-9,
            &p.date.to_string(),
        );
    }
    let rows = run.shocks();
    let restrict: Vec<&Shock> = rows
        .iter()
        .filter(|s| s.action == "restrict_imports")
        .collect();
    assert_eq!(restrict.len(), 3);
    assert_eq!(
        restrict[0].arguments,
        r#""china", ["magnets"], 0.5, "2025-03-01", "2 months""#
    );
    assert_eq!(restrict[1].effective, ymd(2025, 4, 1));
}

// ---- bad scripts ---------------------------------------------------------------------------

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

#[test]
fn a_syntax_error_names_file_line_and_column_with_a_caret() {
    let err = run_bad("syntax.rhai", "let x = 1;\nlet y = (2 + ;\n", "1");
    assert_eq!(
        err,
        "error: syntax.rhai:2:14: syntax error: Unexpected ';'\n 2 | let y = (2 + ;\n   |              ^\n"
    );
}

#[test]
fn bad_scripts_fail_with_their_place_and_message_and_write_nothing() {
    // (file, text, years, what stderr must hold)
    let cases: Vec<(&str, String, &str, &str)> = vec![
        // Unknown names, with a suggestion.
        (
            "node.rhai",
            "// Reno\noutage(\"reno_nw\", \"2026-03-01\", \"3 months\");\n".into(),
            "2",
            "node.rhai:2:1: at simulated date 2025-01-01: unknown node `reno_nw` (did you mean `reno_nv`?)",
        ),
        (
            "link.rhai",
            "set_transit(\"reno_to_dfv\", 2.0, \"2026-03-01\", \"3 months\");\n".into(),
            "2",
            "link.rhai:1:1: at simulated date 2025-01-01: unknown link `reno_to_dfv` (did you mean `reno_to_dfw`?)",
        ),
        (
            "origin.rhai",
            "set_import_share(\"chinaa\", 0.5);\n".into(),
            "1",
            "origin.rhai:1:1: at simulated date 2025-01-01: unknown import origin `chinaa` (did you mean `china`?)",
        ),
        (
            "sector.rhai",
            "set_demand(\"defense\", 0.5, \"2025-06-01\");\n".into(),
            "1",
            "sector.rhai:1:1: at simulated date 2025-01-01: unknown demand sector `defense` (did you mean `defence`?)",
        ),
        // Wrong argument types or count.
        (
            "types.rhai",
            "outage(1, 2, 3);\n".into(),
            "1",
            "types.rhai:1:1: at simulated date 2025-01-01: Function not found: outage (i64, i64, i64)",
        ),
        (
            "arity.rhai",
            "outage(\"reno_nv\", \"2025-03-01\");\n".into(),
            "1",
            "arity.rhai:1:1: at simulated date 2025-01-01: Function not found: outage (",
        ),
        // Dates outside the run: 2 years end on 2027-01-01 12:00.
        (
            "before.rhai",
            "outage(\"reno_nv\", \"2024-12-31\", \"3 months\");\n".into(),
            "2",
            "before.rhai:1:1: at simulated date 2025-01-01: 2024-12-31 is before the run starts (2025-01-01)",
        ),
        (
            "after.rhai",
            "outage(\"reno_nv\", \"2027-01-01\", \"1 day\");\noutage(\"reno_nv\", \"2027-01-02\", \"1 day\");\n".into(),
            "2",
            "after.rhai:2:1: at simulated date 2025-01-01: 2027-01-02 is after the run ends (2027-01-01); run longer with --years, or move the date",
        ),
        (
            "baddate.rhai",
            "at(\"2025-13-01\", || note(\"x\"));\n".into(),
            "1",
            "baddate.rhai:1:1: at simulated date 2025-01-01: `2025-13-01` is not a date; write YYYY-MM-DD, e.g. \"2025-04-04\"",
        ),
        // Malformed durations.
        (
            "unit.rhai",
            "outage(\"reno_nv\", \"2025-03-01\", \"3 fortnights\");\n".into(),
            "1",
            "unit.rhai:1:1: at simulated date 2025-01-01: `3 fortnights`: unknown unit `fortnight`; use seconds, minutes, hours, days, weeks, months or years",
        ),
        (
            "soon.rhai",
            "outage(\"reno_nv\", \"2025-03-01\", \"soon\");\n".into(),
            "1",
            "soon.rhai:1:1: at simulated date 2025-01-01: `soon` is not a duration; write a number and a unit, e.g. \"18 months\" or \"3 days\"",
        ),
        (
            "half.rhai",
            "every(\"2025-03-01\", \"1.5 months\", || note(\"x\"));\n".into(),
            "1",
            "half.rhai:1:1: at simulated date 2025-01-01: `1.5 months`: months must be whole; use days for fractions",
        ),
        (
            "zero.rhai",
            "every(\"0 days\", || note(\"x\"));\n".into(),
            "1",
            "zero.rhai:1:1: at simulated date 2025-01-01: the period must be at least 1 hour",
        ),
        (
            "window.rhai",
            "let t = throughput(\"reno_nv\", \"forever\");\n".into(),
            "1",
            "window.rhai:1:9: at simulated date 2025-01-01: `forever` is not a duration",
        ),
        // Limits: operations, recursion, string size.
        (
            "loop.rhai",
            "note(\"start\");\nloop {}\n".into(),
            "1",
            "loop.rhai:2:6: at simulated date 2025-01-01: the script ran more than 2000000 operations in one call (an endless loop?)",
        ),
        (
            "recursion.rhai",
            "fn deeper(n) { deeper(n + 1) }\ndeeper(0);\n".into(),
            "1",
            "recursion.rhai:2:1: at simulated date 2025-01-01: calls nested deeper than 48 levels (endless recursion?)",
        ),
        (
            "string.rhai",
            "let s = \"x\";\nloop { s += s; }\n".into(),
            "1",
            "string.rhai:2:10: at simulated date 2025-01-01: Length of string too large",
        ),
        // No files, no eval.
        (
            "import.rhai",
            "import \"foo\" as f;\n".into(),
            "1",
            "import.rhai:1:8: at simulated date 2025-01-01: Module not found: foo",
        ),
        (
            "open.rhai",
            "let text = open(\"/etc/passwd\");\n".into(),
            "1",
            "open.rhai:1:12: at simulated date 2025-01-01: Function not found: open (",
        ),
        (
            "eval.rhai",
            "eval(\"note(1)\");\n".into(),
            "1",
            "eval.rhai:1:1: syntax error: reserved keyword 'eval' is disabled",
        ),
        // The API's own checks.
        (
            "kind.rhai",
            "outage(\"hdd_east\", \"2025-03-01\", \"1 month\");\n".into(),
            "1",
            "`hdd_east` is an hdd_source; outage applies to preprocessor or station or hpms or oxide_plant",
        ),
        (
            "delay_kind.rhai",
            "delay_commissioning(\"reno_nv\", \"1 month\");\n".into(),
            "1",
            "`reno_nv` is a preprocessor; delay_commissioning applies to hpms or oxide_plant",
        ),
        (
            "share.rhai",
            "restrict_imports(\"china\", [\"Dy\"], 1.5, \"2025-03-01\");\n".into(),
            "1",
            "share must be from 0 to 1, found 1.5",
        ),
        (
            "items.rhai",
            "restrict_imports(\"china\", [], 0.5, \"2025-03-01\");\n".into(),
            "1",
            "name at least one restricted item, e.g. [\"magnets\"]",
        ),
        (
            "item.rhai",
            "restrict_imports(\"china\", [\"Xx\"], 0.5, \"2025-03-01\");\n".into(),
            "1",
            "unknown item `Xx`: use rare-earth element symbols",
        ),
        (
            "item_type.rhai",
            "restrict_imports(\"china\", [1], 0.5, \"2025-03-01\");\n".into(),
            "1",
            "items must be strings",
        ),
        (
            "import_share.rhai",
            "set_import_share(\"china\", 11.0);\n".into(),
            "1",
            "share must be from 0 to 10 (1 = baseline), found 11",
        ),
        (
            "multiplier.rhai",
            "surge(\"hdd_east\", 0.0, \"2025-03-01\", \"1 month\");\n".into(),
            "1",
            "a multiplier must be above 0 and at most 1000, found 0",
        ),
        (
            "count.rhai",
            "add_capacity(\"reno_nv\", 0, \"2025-03-01\");\n".into(),
            "1",
            "count must be from 1 to 1000, found 0",
        ),
        (
            "demand.rhai",
            "set_demand(\"wind\", -1.0, \"2025-03-01\");\n".into(),
            "1",
            "a demand multiplier must be from 0 to 1000, found -1",
        ),
        (
            "cost.rhai",
            "set_cost(\"reno_to_dfw\", -1.0, \"2025-03-01\");\n".into(),
            "1",
            "cost must be from 0 to 1,000,000 USD per mile, found -1",
        ),
        (
            "which.rhai",
            "set_yield(\"reno_nv\", \"extraction\", 0.9, \"2025-03-01\");\n".into(),
            "1",
            "`extraction` is not a yield of a preprocessor",
        ),
        (
            "shares_sum.rhai",
            "set_shares(\"reno_nv\", #{reno_to_dfw: 0.5});\n".into(),
            "1",
            "the shares of the links leaving `reno_nv` would add up to 0.5, not 1",
        ),
        (
            "shares_link.rhai",
            "set_shares(\"reno_nv\", #{williston_to_dfw: 1.0});\n".into(),
            "1",
            "link `williston_to_dfw` does not leave `reno_nv`",
        ),
        (
            "shares_port.rhai",
            "set_shares(\"dfw_hpms\", #{dfw_to_market: 1.0, dfw_residue_to_fredericktown: 1.0});\n".into(),
            "1",
            "set the shares of one output at a time",
        ),
        (
            "note.rhai",
            format!("note(\"{}\");\n", "x".repeat(1001)),
            "1",
            "note.rhai:1:1: at simulated date 2025-01-01: a note is at most 1,000 characters",
        ),
    ];
    for (name, text, years, needle) in cases {
        let err = run_bad(name, &text, years);
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert!(
            err.contains(needle),
            "{name}: expected {needle:?} in\n{err}"
        );
    }
}

#[test]
fn a_runtime_error_inside_a_closure_reports_the_simulated_date() {
    // The hub is commissioned on 2027-07-01; a month later it is too late to delay it.
    let err = run_bad(
        "late.rhai",
        "at(\"2027-08-01\", || {\n    delay_commissioning(\"dfw_hpms\", \"1 month\");\n});\n",
        "3",
    );
    assert!(
        err.starts_with("error: late.rhai:2:5: at simulated date 2027-08-01: `dfw_hpms` is already commissioned; delay it before 2027-07-01\n 2 |     delay_commissioning"),
        "{err}"
    );
    // An unknown name is only met when the closure runs, on its date.
    let err = run_bad(
        "closure.rhai",
        "at(\"2026-01-01\", || {\n    let x = inventory(\"dfw_hmps\");\n});\n",
        "2",
    );
    assert!(
        err.contains("closure.rhai:2:13: at simulated date 2026-01-01: unknown node `dfw_hmps` (did you mean `dfw_hpms`?)"),
        "{err}"
    );
    // A plain Rhai error in an on_record closure, on the step where it happens.
    let err = run_bad(
        "index.rhai",
        "on_record(|| {\n    if date() == \"2025-02-01\" {\n        let x = [1, 2];\n        x[5];\n    }\n});\n",
        "1",
    );
    assert!(
        err.contains("index.rhai:4:11: at simulated date 2025-02-01: Array index 5 out of bounds"),
        "{err}"
    );
}

#[test]
fn validate_catches_an_unknown_name_inside_a_closure_before_any_run() {
    let dir = tempdir();
    write_script(
        dir.path(),
        "literal.rhai",
        "at(\"2026-01-01\", || {\n    let x = inventory(\"dfw_hmps\");\n});\n",
    );
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &[
            "validate",
            model.to_str().unwrap(),
            "--script",
            "literal.rhai",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // The literal check points at the name itself (column 24), with no date: nothing ran.
    assert_eq!(
        stderr(&o),
        "error: literal.rhai:2:24: unknown node `dfw_hmps` (did you mean `dfw_hpms`?)\n 2 |     let x = inventory(\"dfw_hmps\");\n   |                        ^\n"
    );
    // A name built at run time is not a literal: validate cannot check it, the run will.
    write_script(
        dir.path(),
        "built.rhai",
        "at(\"2026-01-01\", || {\n    let x = inventory(\"dfw_\" + \"hmps\");\n});\n",
    );
    let o = run_in(
        dir.path(),
        &[
            "validate",
            model.to_str().unwrap(),
            "--script",
            "built.rhai",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Top-level names are checked by running the top level at the start.
    write_script(
        dir.path(),
        "top.rhai",
        "surge(\"hdd_eastt\", 1.5, \"2026-01-01\", \"1 year\");\n",
    );
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", "top.rhai"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("top.rhai:1:1: at simulated date 2025-01-01: unknown node `hdd_eastt` (did you mean `hdd_east`?)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_script_file_exits_2_with_cannot_read_and_creates_no_folder() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let o = run_scripts(dir.path(), &out, &["nope.rhai"], "1");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read nope.rhai"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", "nope.rhai"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read nope.rhai"),
        "{}",
        stderr(&o)
    );
}

// ---- bugs found: these expect the right behaviour ----------------------------------------

#[test]
fn a_date_already_past_inside_a_closure_is_refused() {
    let err = run_bad(
        "past.rhai",
        "at(\"2025-06-01\", || {\n    set_import_share(\"china\", 0.3, \"2025-03-01\");\n});\n",
        "1",
    );
    assert!(
        err.contains("past.rhai:2:5: at simulated date 2025-06-01: 2025-03-01 is"),
        "{err}"
    );
}

#[test]
fn capacity_added_during_an_outage_keeps_availability_at_most_one() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "outage_add.rhai",
        "outage(\"reno_nv\", \"2026-03-01\", \"3 months\");\nadd_capacity(\"reno_nv\", 1, \"2026-04-01\");\n",
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "2");
    for p in run.series("reno_nv", "availability") {
        assert!(
            (0.0..=1.0).contains(&p.value),
            "availability {} on {}",
            p.value,
            p.date
        );
    }
}

#[test]
fn whole_numbers_are_accepted_where_a_float_is_expected() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "ints.rhai",
        "set_source_rate(\"hdd_west\", 2, \"2025-06-01\");\nset_demand(\"wind\", 2, \"2025-06-01\");\nrestrict_imports(\"china\", [\"magnets\"], 0, \"2025-06-01\");\n",
    );
    run_ok(&dir.path().join("run"), &[&s], "1");
}

// ---- validate: literal arguments checked by kind, closures included --------------------------

/// `magloop validate` of the default model with one script written in a fresh folder:
/// its exit code and stderr.
fn validate_one(name: &str, text: &str) -> (Option<i32>, String) {
    let dir = tempdir();
    write_script(dir.path(), name, text);
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", name],
    );
    (o.status.code(), stderr(&o))
}

#[test]
fn validate_checks_each_literal_argument_by_its_kind_inside_any_closure() {
    // An unknown node inside a closure passed to `every`: placed at the name.
    let (code, err) = validate_one(
        "every.rhai",
        "every(\"1 month\", || {\n    if inventory(\"reno_nw\") > 0.0 { note(\"stock\"); }\n});\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "error: every.rhai:2:19: unknown node `reno_nw` (did you mean `reno_nv`?)\n 2 |     if inventory(\"reno_nw\") > 0.0 { note(\"stock\"); }\n   |                   ^\n"
    );
    // A node of a kind the function does not act on: Reno is a preprocessor, not a plant.
    let (code, err) = validate_one(
        "kind.rhai",
        "at(\"2026-01-01\", || {\n    delay_commissioning(\"reno_nv\", \"3 months\");\n});\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: kind.rhai:2:26: `reno_nv` is a preprocessor; delay_commissioning applies to hpms or oxide_plant\n"),
        "{err}"
    );
    // Every other kind, each in a closure (nested ones and script functions too), each
    // with the message the run would give on the closure's date.
    let cases = [
        (
            "at(\"2026-01-01\", || { outage(\"reno_nv\", \"2026-02-30\", \"3 months\"); });",
            "1:42: `2026-02-30` is not a date",
        ),
        (
            "at(\"2026-01-01\", || { outage(\"reno_nv\", \"2040-01-01\", \"3 months\"); });",
            "1:42: 2040-01-01 is after the run ends (2035-01-01)",
        ),
        (
            "at(\"2026-01-01\", || { outage(\"reno_nv\", \"2026-02-01\", \"3 monts\"); });",
            "1:56: `3 monts`: unknown unit `mont`",
        ),
        (
            "at(\"2026-01-01\", || { every(\"10 minutes\", || {}); });",
            "1:30: the period must be at least 1 hour",
        ),
        (
            "at(\"2026-01-01\", || { restrict_imports(\"china\", [\"Dy\", \"Xx\"], 0.5, \"2026-02-01\"); });",
            "1:57: unknown item `Xx`",
        ),
        (
            "at(\"2026-01-01\", || { restrict_imports(\"china\", [\"Dy\"], 1.5, \"2026-02-01\"); });",
            "1:57: share must be from 0 to 1, found 1.5",
        ),
        (
            "on_record(|| { set_shares(\"reno_nv\", #{ reno_to_dfw: 0.5, williston_to_dfw: 0.5 }); });",
            "1:59: link `williston_to_dfw` does not leave `reno_nv`",
        ),
        (
            "at(\"2026-01-01\", || { at(\"2026-02-01\", || { set_demand(\"defense\", 1.2, \"2026-03-01\"); }); });",
            "1:57: unknown demand sector `defense` (did you mean `defence`?)",
        ),
        (
            "at(\"2026-01-01\", || { let x = imports(\"chna\"); });",
            "1:40: unknown import origin `chna` (did you mean `china`?)",
        ),
        (
            "at(\"2026-01-01\", || { set_yield(\"reno_nv\", \"extraction\", 0.5, \"2026-02-01\"); });",
            "1:45: `extraction` is not a yield of a preprocessor",
        ),
        (
            "at(\"2026-01-01\", || { add_capacity(\"reno_nv\", 0, \"2026-02-01\"); });",
            "1:47: count must be from 1 to 1000, found 0",
        ),
        (
            "at(\"2026-01-01\", || { set_source_rate(\"hdd_east\", -1.0, \"2026-02-01\"); });",
            "1:51: a multiplier must be above 0 and at most 1000, found -1",
        ),
        (
            "at(\"2026-01-01\", || { set_transit(\"reno_to_dfv\", 2.0, \"2026-02-01\", \"1 month\"); });",
            "1:36: unknown link `reno_to_dfv` (did you mean `reno_to_dfw`?)",
        ),
        (
            "at(\"2026-01-01\", || { let x = \"reno_nw\".inventory(); });",
            "1:32: unknown node `reno_nw`",
        ),
        (
            "fn act_now() { outage(\"reno_nw\", \"2026-02-01\", \"1 day\"); }\nat(\"2026-01-01\", || act_now());",
            "1:24: unknown node `reno_nw`",
        ),
    ];
    for (text, needle) in cases {
        let (code, err) = validate_one("case.rhai", &format!("{text}\n"));
        assert_eq!(code, Some(2), "{text}\n{err}");
        assert!(
            err.starts_with(&format!("error: case.rhai:{needle}")),
            "{text}: expected case.rhai:{needle} in\n{err}"
        );
    }
    // What is not an API call, or not a literal, is left to the run: a script's own function
    // of an API name, and names or dates built at run time.
    for text in [
        "fn inventory(x) { 1.0 }\nat(\"2026-01-01\", || { let x = inventory(\"anything\"); });\n",
        "at(\"2026-01-01\", || { let n = \"reno\" + \"_nw\"; outage(n, date(), \"1 day\"); });\n",
        "at(\"2026-01-01\", || { set_shares(\"reno_nv\", #{ reno_to_dfw: 0.5, reno_to_fredericktown: 0.5 }); });\n",
    ] {
        let (code, err) = validate_one("fine.rhai", text);
        assert_eq!(code, Some(0), "{text}\n{err}");
    }
}

// ---- the run's script budget (issue 14) --------------------------------------------------------

/// Runs `magloop ARGS` in `cwd`, killing it after `bound` (which fails the test: the budget is
/// there so that no script can make a run hang). Output goes to files, not pipes.
fn run_within(bound: std::time::Duration, cwd: &Path, args: &[&str]) -> Output {
    use std::process::Stdio;
    use std::time::Instant;
    let logs = tempdir();
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = crate::common::magloop()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("the magloop binary runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "magloop {} still running after {bound:?}; killed",
                args.join(" ")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(&out_path).unwrap(),
        stderr: fs::read(&err_path).unwrap(),
    }
}

/// Generous: each case below takes seconds; without the budget they took hours.
const BUDGET_BOUND: std::time::Duration = std::time::Duration::from_secs(180);

#[test]
fn a_runaway_hourly_hook_stops_at_the_budget_naming_its_place_and_how_to_raise_it() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let script = "tests/hostile/scripts/36-runaway-hook.rhai";
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "run",
            "--years",
            "1",
            "--script",
            script,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Each call does 3 operations per loop pass, about 300,000: 333 full calls and part of
    // the 334th use up 100,000,000 with the top level's few. Hourly from 2025-01-01 00:00,
    // call 334 runs at hour 333 = day 13.9, on 2025-01-14.
    assert_eq!(
        stderr(&o),
        format!(
            "error: {script}:2:1: at simulated date 2025-01-14: the scripts used more than the run's budget of 100000000 operations; the `every` closure registered at {script}:2 used 99999997 of them in 334 calls; if that much work is meant, raise the budget with `--script-budget N` (in an experiment file, `script_budget: N`), otherwise make the closure do less or run less often\n 2 | every(\"1 hour\", || {{ let s = \"\"; for i in 0..100000 {{ s += \"xxxxxxxxxx\"; }} }});\n   | ^\n"
        )
    );
    assert!(!out.exists(), "a failed run leaves no folder");
}

#[test]
fn a_hook_expensive_only_late_in_the_run_is_stopped_when_it_has_spent_the_budget() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let script = "tests/hostile/scripts/37-expensive-late.rhai";
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "run",
            "--years",
            "3",
            "--script",
            script,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Cheap daily calls until 2026-06-01, then ~1,350,000 operations each: the budget
    // lasts 74 of those, to 2026-08-14 (517 cheap calls + 74 = 591).
    assert!(
        stderr(&o).starts_with(&format!("error: {script}:2:1: at simulated date 2026-08-14: the scripts used more than the run's budget of 100000000 operations; the `every` closure registered at {script}:2 used 99999997 of them in 591 calls;")),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "a failed run leaves no folder");
    // validate runs only the top level, which is cheap: it passes.
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &["validate", MODEL, "--script", script],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn the_budget_is_set_per_run_and_counts_every_operation_of_every_hook() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "cheap.rhai",
        "on_record(|| { let x = inventory(\"reno_nv\"); });\n",
    );
    let run = |budget: Option<&str>, out: &str| {
        let out = dir.path().join(out);
        let mut args = vec!["run", "--years", "1", "--script", &s, "--out"];
        args.push(out.to_str().unwrap());
        if let Some(b) = budget {
            args.extend(["--script-budget", b]);
        }
        (run_within(BUDGET_BOUND, dir.path(), &args), out)
    };
    // The report says what the scripts used.
    let (o, _) = run(None, "default");
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    let line = report
        .lines()
        .find(|l| l.trim_start().starts_with("scripts: "))
        .unwrap_or_else(|| panic!("no scripts line in\n{report}"));
    assert!(
        line.ends_with("operations, under 0.01 % of their budget of 100000000 (--script-budget)"),
        "{line}"
    );
    let used: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    // One call a recording step: 366 over a year of 365.25 days.
    assert!((366..366 * 20).contains(&used), "{used}");
    // Operations are counted exactly and the same on every run: a budget of exactly that
    // many passes, one fewer fails on the last recording step (the horizon, 2026-01-01).
    let (o, out) = run(Some(&used.to_string()), "exact");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("scripts: {used} operations, 100.00 %")));
    assert!(out.join("timeseries.parquet").exists());
    let fewer = (used - 1).to_string();
    let (o, out) = run(Some(&fewer), "fewer");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "cheap.rhai:1:1: at simulated date 2026-01-01: the scripts used more than the run's budget of {fewer} operations; the `on_record` closure registered at "
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(files_in(&out), Vec::<String>::new());
    // A budget that is no budget is refused before anything runs.
    for bad in ["0", "lots", "1e9", "5.5"] {
        let (o, out) = run(Some(bad), "bad");
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--script-budget"),
            "{bad}: {}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
}

#[test]
fn validate_holds_the_top_level_to_the_budget_and_places_where_it_ran_out() {
    let dir = tempdir();
    write_script(
        dir.path(),
        "top.rhai",
        "let s = 0;\nfor i in 0..1000 { s += i; }\n",
    );
    let model = repo().join(MODEL);
    let o = run_in(
        dir.path(),
        &[
            "validate",
            model.to_str().unwrap(),
            "--script",
            "top.rhai",
            "--script-budget",
            "100",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: top.rhai:2:22: at simulated date 2025-01-01: the scripts used more than the run's budget of 100 operations; the top level of top.rhai used 101 of them in 1 call;"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("otherwise make the script's top level do less\n"));
    // The default budget is far above it.
    let o = run_in(
        dir.path(),
        &["validate", model.to_str().unwrap(), "--script", "top.rhai"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn costly_operations_are_stopped_by_the_script_time_cap() {
    // Each pass upper-cases a 1 MiB string: one operation of about a millisecond. A budget of
    // 1,000,000 operations would last many minutes; its time cap (1 µs an operation, at
    // least 1 s) stops the run after about 1 s of script time.
    let dir = tempdir();
    let out = dir.path().join("out");
    write_script(
        dir.path(),
        "costly.rhai",
        "let s = \"x\";\ns.pad(1000000, 'x');\nat(\"2025-02-01\", || { loop { s.to_upper(); } });\n",
    );
    let o = run_within(
        BUDGET_BOUND,
        dir.path(),
        &[
            "run",
            "--years",
            "1",
            "--script",
            "costly.rhai",
            "--script-budget",
            "1000000",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: costly.rhai:3:1: at simulated date 2025-02-01: the scripts ran for more than the run's 1 s of script time (1 µs for each operation of the budget of 1000000, at least 1 s): their operations are costly ones"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("the `at` closure registered at costly.rhai:3 took "),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

/// An experiment over one year of the default model: a scenario without scripts and one
/// with `script`, `extra` added at the top level.
fn budget_experiment(dir: &Path, script: &str, extra: &str) -> PathBuf {
    let yaml = format!(
        "name: budget\nmodel: {model}\nyears: 1\n{extra}replications: {{count: 1}}\nbaseline: base\nscenarios:\n  - name: base\n  - name: hooked\n    scripts: [{script}]\n",
        model = repo().join(MODEL).display(),
    );
    let path = dir.join("budget.yaml");
    fs::write(&path, yaml).unwrap();
    path
}

/// The failed runs a batch recorded: (scenario, error).
fn failures(out: &Path) -> Vec<(String, String)> {
    let df = read(&out.join("failures.parquet"));
    let text = |name: &str, i: usize| {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap()
            .to_string()
    };
    (0..df.height())
        .map(|i| (text("scenario", i), text("error", i)))
        .collect()
}

#[test]
fn a_batch_with_a_runaway_scenario_records_the_failure_and_finishes_the_others() {
    let dir = tempdir();
    let script = repo().join("tests/hostile/scripts/36-runaway-hook.rhai");
    let exp = budget_experiment(dir.path(), script.to_str().unwrap(), "");
    let out = dir.path().join("out");
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--jobs",
            "2",
        ],
    );
    // Exit 3: a run failed (bad input would be 2).
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 runs failed"), "{}", stderr(&o));
    let failed = failures(&out);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, "hooked");
    assert!(
        failed[0].1.contains("36-runaway-hook.rhai:2:1: at simulated date 2025-01-14: the scripts used more than the run's budget of 100000000 operations"),
        "{}",
        failed[0].1
    );
    // Nothing of the failed run was written; the other ran in full.
    for table in ["timeseries", "nodes", "shocks", "summary"] {
        assert!(!out.join(table).join("scenario=hooked").exists(), "{table}");
        assert!(
            out.join(format!("{table}/scenario=base/seed=1/part-0.parquet"))
                .exists()
        );
    }
    assert!(!out.join("_runs/scenario=hooked").exists());
}

#[test]
fn an_experiments_script_budget_holds_each_of_its_runs() {
    let dir = tempdir();
    let script = write_script(
        dir.path(),
        "cheap.rhai",
        "on_record(|| { let x = inventory(\"reno_nv\"); });\n",
    );
    // Within the default budget the batch succeeds.
    let exp = budget_experiment(dir.path(), &script, "");
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            dir.path().join("a").to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // With `script_budget: 100` the hooked run fails on its budget, the other succeeds.
    let exp = budget_experiment(dir.path(), &script, "script_budget: 100\n");
    let out = dir.path().join("b");
    let o = run_within(
        BUDGET_BOUND,
        &repo(),
        &[
            "batch",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let failed = failures(&out);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].1.contains("the scripts used more than the run's budget of 100 operations; the `on_record` closure registered at"),
        "{}",
        failed[0].1
    );
}

// ---- magloop api -----------------------------------------------------------------------------

#[test]
fn api_prints_every_signature_and_writes_definition_files() {
    let o = run_in(&repo(), &["api"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("# magloop script API\n"), "{text}");
    for a in magloop::script::api::API {
        let row = format!("| `{}` | {} |", a.signature, a.doc);
        assert!(text.contains(&row), "missing {row}");
    }
    let groups: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(groups, ["## schedule", "## read", "## act", "## mark"]);

    let dir = tempdir();
    let defs = dir.path().join("defs");
    let o = run_in(&repo(), &["api", "--definitions", defs.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut all = String::new();
    let mut count = 0;
    for name in files_in(&defs) {
        if name.ends_with(".d.rhai") {
            count += 1;
            all.push_str(&fs::read_to_string(defs.join(name)).unwrap());
        }
    }
    assert!(count >= 1, "no .d.rhai in {}", defs.display());
    assert!(all.contains(
        "fn restrict_imports(origin: string, items: array, share: float, from: string, duration: string) -> ();"
    ));
    // Every API function is declared, with its documentation above it.
    for a in magloop::script::api::API {
        let name = a.signature.split('(').next().unwrap();
        assert!(
            all.contains(&format!("fn {name}(")),
            "no definition of {name}"
        );
        assert!(all.contains(&format!("/// {}", a.doc)), "no doc for {name}");
    }
}

#[test]
fn the_scripts_readme_holds_the_api_reference_and_its_examples_validate() {
    let readme = fs::read_to_string(repo().join("scripts/README.md")).unwrap();
    let api = stdout(&run_in(&repo(), &["api"]));
    assert!(
        readme.contains(&api),
        "scripts/README.md must hold `magloop api` verbatim; regenerate it with ./target/release/magloop api"
    );
    // Each ```rhai block is a whole script that validates against the default model.
    let dir = tempdir();
    let mut blocks = 0;
    for (i, block) in readme.split("```rhai\n").skip(1).enumerate() {
        let code = block.split("```").next().unwrap();
        let name = format!("example{i}.rhai");
        write_script(dir.path(), &name, code);
        let model = repo().join(MODEL);
        let o = run_in(
            dir.path(),
            &["validate", model.to_str().unwrap(), "--script", &name],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "example {i}:\n{code}\n{}",
            stderr(&o)
        );
        blocks += 1;
    }
    assert!(blocks >= 5, "{blocks} examples");
}
