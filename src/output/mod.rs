//! Writes a run's recorded results: Parquet tables (zstd) and `manifest.json`, each under a
//! temporary name renamed into place when complete. Reads results; never runs anything.

mod coded;
mod early;
pub mod folder;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::kernel::SimTime;
use crate::model::sha256_hex;
use crate::sim::{RunResult, Summary, TimeSeries};

pub use coded::{Coded, parquet_bytes_coded};
pub use early::EarlyTimeseries;
use early::PeriodState;

/// What `manifest.json` says about a run. Its presence marks the run's folder complete.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub magloop_version: String,
    pub model_name: String,
    pub model_file: String,
    pub model_sha256: String,
    pub seed: u64,
    pub replication: u64,
    pub start: String,
    pub years: f64,
    pub horizon_s: i64,
    pub record_every_s: i64,
    pub events_processed: u64,
    pub wall_time_s: f64,
    pub peak_rss_bytes: Option<u64>,
    /// Policy scripts applied, in order: (file, SHA-256).
    pub scripts: Vec<(String, String)>,
    /// File name -> SHA-256 of its bytes.
    pub files: BTreeMap<String, String>,
    /// What the run warned of (see `RunResult::warnings`); left out when there is nothing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// `--set PATH=VALUE` overrides applied to the model file, in order; left out when none.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sets: Vec<(String, String)>,
}

pub const TIMESERIES: &str = "timeseries.parquet";
pub const SUMMARY: &str = "summary.parquet";
pub const NODES: &str = "nodes.parquet";
pub const EVENTS: &str = "events.parquet";
pub const SHOCKS: &str = "shocks.parquet";
pub const YEARLY: &str = "yearly.parquet";
pub const MANIFEST: &str = "manifest.json";

fn polars_err(path: &Path, e: PolarsError) -> Error {
    Error::output(path, format!("Parquet writer failed: {e}"))
}

/// Every Parquet file's compression: zstd at its default level.
const COMPRESSION: ParquetCompression = ParquetCompression::Zstd(None);

/// Serialises a frame to Parquet bytes (zstd), in memory.
pub fn parquet_bytes(df: &mut DataFrame) -> std::result::Result<Vec<u8>, PolarsError> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(COMPRESSION)
        .finish(df)?;
    Ok(buf)
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename.
///
/// The temporary file has a unique random name (`.NAME.tmp-XXXXXX`), so processes writing
/// into one folder never collide, even with equal process ids in different containers or
/// on different cluster nodes; a temporary left by a killed process never looks complete.
/// It is created as any new file is (mode 0666 less the umask: 0644 under umask 022), not
/// with `tempfile`'s private 0600, so colleagues on a shared file system can read results.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let final_path = dir.join(name);
    let write = || -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.tmp-"))
            .make_in(dir, |path| {
                fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)
            })?;
        tmp.as_file_mut().write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&final_path).map_err(|e| e.error)?;
        Ok(())
    };
    write().map_err(|e| Error::output(&final_path, e))
}

/// Creates the output folder, with a clear error when it cannot be.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| {
        Error::output(
            dir,
            format!("{e}; choose another folder with --out, or fix its permissions"),
        )
    })?;
    // Writable? Probe with a temporary file so a read-only folder fails before the run.
    tempfile::Builder::new()
        .prefix(".magloop-probe-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| {
            Error::output(
                dir,
                format!("the folder is not writable ({e}); choose another with --out"),
            )
        })
}

/// Writes every file of one run into `dir`, manifest last. `dir` is a fresh folder
/// ([`folder::stage`]), renamed into place once the whole run is written. The time
/// series' times and values move into their table ([`take_timeseries_bytes`]): `result`
/// keeps everything else.
///
/// `early`: the time series' encoder that started during the run, if one did.
pub fn write_run(
    dir: &Path,
    result: &mut RunResult,
    mut manifest: Manifest,
    early: Option<EarlyTimeseries>,
) -> Result<PathBuf> {
    let manifest_path = dir.join(MANIFEST);
    let timeseries = match early {
        Some(early) => early.finish(result),
        None => take_timeseries_bytes(result),
    }
    .map_err(|e| polars_err(&dir.join(TIMESERIES), e))?;
    manifest
        .files
        .insert(TIMESERIES.to_string(), sha256_hex(&timeseries));
    write_atomic(dir, TIMESERIES, &timeseries)?;
    drop(timeseries);
    let result = &*result;
    let mut tables: Vec<(&str, DataFrame)> = vec![
        (
            SUMMARY,
            summary_frame(&[&result.summary]).map_err(|e| polars_err(&dir.join(SUMMARY), e))?,
        ),
        (
            YEARLY,
            yearly_frame(result).map_err(|e| polars_err(&dir.join(YEARLY), e))?,
        ),
        (
            NODES,
            nodes_frame(result).map_err(|e| polars_err(&dir.join(NODES), e))?,
        ),
        (
            SHOCKS,
            shocks_frame(result).map_err(|e| polars_err(&dir.join(SHOCKS), e))?,
        ),
    ];
    if result.trace.is_some() {
        tables.push((
            EVENTS,
            events_frame(result).map_err(|e| polars_err(&dir.join(EVENTS), e))?,
        ));
    }
    for (name, mut df) in tables {
        let bytes = parquet_bytes(&mut df).map_err(|e| polars_err(&dir.join(name), e))?;
        manifest.files.insert(name.to_string(), sha256_hex(&bytes));
        write_atomic(dir, name, &bytes)?;
    }
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| Error::output(&manifest_path, e))?;
    write_atomic(dir, MANIFEST, &json)?;
    Ok(dir.to_path_buf())
}

fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")).num_days() as i32
}

/// A column of `f(row)` over `rows`.
macro_rules! col {
    ($name:literal, $rows:expr, $f:expr) => {
        Column::new($name.into(), $rows.iter().map($f).collect::<Vec<_>>())
    };
}

/// A Date column from days since 1970-01-01.
fn date_column(name: &str, epoch_days: Vec<i32>) -> Column {
    Int32Chunked::from_vec(name.into(), epoch_days)
        .into_date()
        .into_column()
}

/// A string column of `names[code]` for each code, gathered from a column of the few
/// distinct names: each row copies a 16-byte view instead of building its string, and the
/// column holds the same values (so the same Parquet bytes) as one built row by row.
pub(super) fn coded_column<'a>(
    name: &str,
    names: impl Iterator<Item = &'a str>,
    codes: &[u32],
) -> PolarsResult<Column> {
    let names = StringChunked::from_iter_values(name.into(), names);
    Ok(names.take(codes)?.into_column())
}

/// Calendar day (days since 1970-01-01) of a simulation time, for a run starting `start`.
fn day_of(start: i32, t: i64) -> i32 {
    start + t.div_euclid(86_400) as i32
}

/// `timeseries.parquet`: date, day, time_s, period_start, period_end, node, metric, value,
/// unit. A row recorded at `time_s` covers the interval since the previous recording step
/// (the start, for the first): `[period_start, period_end)` in days, `period_end` = `date`.
pub fn timeseries_frame(r: &RunResult) -> PolarsResult<DataFrame> {
    let ts = &r.timeseries;
    timeseries_frame_of(ts, ts.time_s.clone(), ts.value.clone())
}

/// [`timeseries_frame`], moving the times and values into the table instead of copying
/// them (two 8-byte columns: 18 MB for ten years of daily records): `r.timeseries` keeps
/// its codes and names, its `time_s` and `value` are left empty.
pub fn take_timeseries_frame(r: &mut RunResult) -> PolarsResult<DataFrame> {
    let time_s = std::mem::take(&mut r.timeseries.time_s);
    let value = std::mem::take(&mut r.timeseries.value);
    timeseries_frame_of(&r.timeseries, time_s, value)
}

/// `timeseries.parquet`'s bytes: [`parquet_bytes`] of [`timeseries_frame`], byte for
/// byte, with the `node`, `metric` and `unit` columns never built as strings: their
/// dictionary pages come from the recorder's codes ([`parquet_bytes_coded`]).
pub fn timeseries_bytes(r: &RunResult) -> PolarsResult<Vec<u8>> {
    let ts = &r.timeseries;
    timeseries_bytes_of(ts, ts.time_s.clone(), ts.value.clone())
}

/// [`timeseries_bytes`], moving the times and values into the table instead of copying
/// them, as [`take_timeseries_frame`] does.
pub fn take_timeseries_bytes(r: &mut RunResult) -> PolarsResult<Vec<u8>> {
    let time_s = std::mem::take(&mut r.timeseries.time_s);
    let value = std::mem::take(&mut r.timeseries.value);
    timeseries_bytes_of(&r.timeseries, time_s, value)
}

/// The bytes of `ts` with these times and values (its own, copied or moved out).
fn timeseries_bytes_of(
    ts: &TimeSeries,
    time_s: Vec<SimTime>,
    value: Vec<f64>,
) -> PolarsResult<Vec<u8>> {
    let mut df = timeseries_base(ts, time_s, value)?;
    parquet_bytes_coded(&mut df, &timeseries_codes(ts))
}

/// The time series' string columns as codes into their names, at their places in
/// `timeseries.parquet` (date, day, time_s, period_start, period_end, node, metric, value,
/// unit).
fn timeseries_codes(ts: &TimeSeries) -> [Coded<'_>; 3] {
    let entities = ts.entity_names.iter().map(String::as_str).collect();
    coded_columns(entities, &ts.metric_names, &ts.entity, &ts.metric)
}

/// [`timeseries_codes`] of names and codes given apart (an early row group's).
fn coded_columns<'a>(
    entity_names: Vec<&'a str>,
    metric_names: &'a [(String, String)],
    entity: &'a [u32],
    metric: &'a [u32],
) -> [Coded<'a>; 3] {
    [
        Coded {
            column: "node",
            at: 5,
            names: entity_names,
            codes: entity,
        },
        Coded {
            column: "metric",
            at: 6,
            names: metric_names.iter().map(|(m, _)| m.as_str()).collect(),
            codes: metric,
        },
        Coded {
            column: "unit",
            at: 8,
            names: metric_names.iter().map(|(_, u)| u.as_str()).collect(),
            codes: metric,
        },
    ]
}

fn timeseries_frame_of(
    ts: &TimeSeries,
    time_s: Vec<SimTime>,
    value: Vec<f64>,
) -> PolarsResult<DataFrame> {
    let mut df = timeseries_base(ts, time_s, value)?;
    for c in timeseries_codes(ts) {
        df.insert_column(c.at, coded_column(c.column, c.names.into_iter(), c.codes)?)?;
    }
    Ok(df)
}

/// The time series' table without its string columns.
fn timeseries_base(
    ts: &TimeSeries,
    time_s: Vec<SimTime>,
    value: Vec<f64>,
) -> PolarsResult<DataFrame> {
    timeseries_base_from(epoch_days(ts.start), time_s, value, PeriodState::default())
}

/// [`timeseries_base`] of the rows from one on: `start` the run's first day (days since
/// 1970-01-01), `period` where the period columns stand at the first of these rows.
fn timeseries_base_from(
    start: i32,
    time_s: Vec<SimTime>,
    value: Vec<f64>,
    mut period: PeriodState,
) -> PolarsResult<DataFrame> {
    let day: Vec<i32> = time_s.iter().map(|t| t.div_euclid(86_400) as i32).collect();
    let period_end: Vec<i32> = day.iter().map(|d| start + d).collect();
    // Rows are in time order; each step's rows share its time.
    let mut period_start = Vec::with_capacity(time_s.len());
    for &t in &time_s {
        period.advance(t);
        period_start.push(day_of(start, period.prev));
    }
    // `date` is `period_end` under another name: one column, shared.
    let period_end = date_column("period_end", period_end);
    DataFrame::new(
        value.len(),
        vec![
            period_end.clone().with_name("date".into()),
            Column::new("day".into(), day),
            Column::new("time_s".into(), time_s),
            date_column("period_start", period_start),
            period_end,
            Column::new("value".into(), value),
        ],
    )
}

/// `summary.parquet`: one row per run.
pub fn summary_frame(rows: &[&Summary]) -> PolarsResult<DataFrame> {
    DataFrame::new(
        rows.len(),
        vec![
            col!("model", rows, |s| s.model.clone()),
            col!("seed", rows, |s| s.seed),
            col!("start", rows, |s| s.start.clone()),
            col!("years", rows, |s| s.years),
            col!("drives_processed", rows, |s| s.drives_processed),
            col!("hpms_output_t", rows, |s| s.hpms_output_t),
            col!("sintered_magnets_t", rows, |s| s.sintered_magnets_t),
            col!("coproducts_t", rows, |s| s.coproducts_t),
            col!("oxides_t", rows, |s| s.oxides_t),
            col!("oxide_feed_t", rows, |s| s.oxide_feed_t),
            col!("oxide_t_per_t_feed", rows, |s| s.oxide_t_per_t_feed),
            col!("lead_time_mean_days", rows, |s| s.lead_time_mean_days),
            col!("lead_time_p95_days", rows, |s| s.lead_time_p95_days),
            col!("demand_t", rows, |s| s.demand_t),
            col!("recycled_supply_t", rows, |s| s.recycled_supply_t),
            col!("domestic_supply_t", rows, |s| s.domestic_supply_t),
            col!("producer_output_t", rows, |s| s.producer_output_t),
            col!("producer_recycled_feed_t", rows, |s| s
                .producer_recycled_feed_t),
            col!("producer_external_feed_t", rows, |s| s
                .producer_external_feed_t),
            col!("producer_cost_usd", rows, |s| s.producer_cost_usd),
            col!("imports_t", rows, |s| s.imports_t),
            col!("domestic_share", rows, |s| s.domestic_share),
            col!("china_share", rows, |s| s.china_share),
            col!("shortfall_t", rows, |s| s.shortfall_t),
            col!("stock_draw_t", rows, |s| s.stock_draw_t),
            col!("stock_refill_t", rows, |s| s.stock_refill_t),
            col!("stockpile_release_t", rows, |s| s.stockpile_release_t),
            col!("compliant_supply_t", rows, |s| s.compliant_supply_t),
            col!("compliant_share", rows, |s| s.compliant_share),
            col!("shortfall_last_year_t", rows, |s| s.shortfall_last_year_t),
            col!("recycled_supply_last_year_t", rows, |s| s
                .recycled_supply_last_year_t),
            col!("transport_cost_usd", rows, |s| s.transport_cost_usd),
            col!("transport_co2_t", rows, |s| s.transport_co2_t),
            col!("process_co2_t", rows, |s| s.process_co2_t),
            col!("co2_t", rows, |s| s.co2_t),
            col!("hpms_nameplate_t_per_year", rows, |s| s
                .hpms_nameplate_t_per_year),
            col!("hpms_nameplate_sintered_t_per_year", rows, |s| s
                .hpms_nameplate_sintered_t_per_year),
            col!("hpms_feed_needed_t_per_year", rows, |s| s
                .hpms_feed_needed_t_per_year),
            col!("hpms_measured_from", rows, |s| s.hpms_measured_from.clone()),
            col!("hpms_measured_years", rows, |s| s.hpms_measured_years),
            col!("hpms_sintered_t_per_year", rows, |s| s
                .hpms_sintered_t_per_year),
            col!("hpms_coproducts_t_per_year", rows, |s| s
                .hpms_coproducts_t_per_year),
            col!("hpms_feed_t_per_year", rows, |s| s.hpms_feed_t_per_year),
            col!("hpms_utilisation", rows, |s| s.hpms_utilisation),
            col!("hpms_capacity_share", rows, |s| s.hpms_capacity_share),
            col!("hpms_capacity_share_end", rows, |s| s
                .hpms_capacity_share_end),
            col!("hpms_full_output_date", rows, |s| s
                .hpms_full_output_date
                .clone()),
            col!("hpms_limit", rows, |s| s.hpms_limit.clone()),
        ],
    )
}

/// `yearly.parquet`: year, sector (or `all`), kpi, value, unit, in the order of
/// [`crate::sim::yearly::Yearly::rows`].
pub fn yearly_frame(r: &RunResult) -> PolarsResult<DataFrame> {
    let rows = &r.yearly;
    DataFrame::new(
        rows.len(),
        vec![
            col!("year", rows, |y| y.year),
            col!("sector", rows, |y| y.sector.as_str()),
            col!("kpi", rows, |y| y.kpi.as_str()),
            col!("value", rows, |y| y.value),
            col!("unit", rows, |y| y.unit.as_str()),
        ],
    )
}

/// `nodes.parquet`: whole-run statistics per node and link.
pub fn nodes_frame(r: &RunResult) -> PolarsResult<DataFrame> {
    let rows = &r.entities;
    DataFrame::new(
        rows.len(),
        vec![
            col!("node", rows, |e| e.id.clone()),
            col!("kind", rows, |e| e.kind.clone()),
            col!("in_kg", rows, |e| e.in_kg),
            col!("out_kg", rows, |e| e.out_kg),
            col!("loss_kg", rows, |e| e.loss_kg),
            col!("inventory_kg", rows, |e| e.inventory_kg),
            col!("utilisation", rows, |e| e.utilisation),
            col!("availability", rows, |e| e.availability),
            col!("mean_wait_h", rows, |e| e.mean_wait_h),
            col!("mean_in_system", rows, |e| e.mean_in_system),
            col!("mean_sojourn_h", rows, |e| e.mean_sojourn_h),
            col!("units", rows, |e| e.units),
        ],
    )
}

/// `shocks.parquet`: every action a script took, in order.
pub fn shocks_frame(r: &RunResult) -> PolarsResult<DataFrame> {
    let rows = &r.shocks;
    let start = epoch_days(r.timeseries.start);
    DataFrame::new(
        rows.len(),
        vec![
            col!("time_s", rows, |e| e.time_s),
            date_column(
                "date",
                rows.iter().map(|e| day_of(start, e.time_s)).collect(),
            ),
            date_column(
                "effective_date",
                rows.iter().map(|e| day_of(start, e.effective_s)).collect(),
            ),
            col!("script", rows, |e| e.script.as_str()),
            col!("line", rows, |e| e.line),
            col!("action", rows, |e| e.action.as_str()),
            col!("arguments", rows, |e| e.arguments.as_str()),
        ],
    )
}

/// `events.parquet`: every event processed (with `--trace`).
pub fn events_frame(r: &RunResult) -> PolarsResult<DataFrame> {
    let rows = r.trace.as_deref().unwrap_or(&[]);
    let start = epoch_days(r.timeseries.start);
    DataFrame::new(
        rows.len(),
        vec![
            col!("time_s", rows, |e| e.time_s),
            date_column(
                "date",
                rows.iter().map(|e| day_of(start, e.time_s)).collect(),
            ),
            col!("kind", rows, |e| e.kind),
            col!("node", rows, |e| e.entity.as_str()),
            col!("quantity_kg", rows, |e| e.quantity_kg),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process's umask, from /proc/self/status (Linux 4.7 and later).
    fn umask() -> Option<u32> {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Umask:"))?;
        u32::from_str_radix(line.split_whitespace().nth(1)?, 8).ok()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn written_files_get_the_mode_new_files_get_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let Some(mask) = umask() else {
            eprintln!("skipped: no Umask line in /proc/self/status");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "x.parquet", b"bytes").unwrap();
        let mode = fs::metadata(dir.path().join("x.parquet"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o666 & !mask, "umask {mask:o}");
        // Nothing else left in the folder.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
