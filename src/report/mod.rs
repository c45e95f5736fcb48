//! `magloop report`: one self-contained HTML file drawing a run's or a batch's recorded
//! outputs. Reads the output folder only (never runs anything); aggregates in Rust and
//! embeds the aggregates as JSON beside uPlot (MIT, vendored in `assets/`) and a small
//! script of hand-made SVG charts, so the file opens offline and stays small.

pub mod batch;
pub mod run;
pub mod stats;

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::Value;

use crate::error::{Error, Result};

/// uPlot 1.6.32 (MIT, https://github.com/leeoniya/uPlot), from `npm pack uplot`.
const UPLOT_JS: &str = include_str!("assets/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("assets/uPlot.min.css");
const UPLOT_LICENSE: &str = include_str!("assets/uPlot.LICENSE");
/// The report's own drawing code and style.
const REPORT_JS: &str = include_str!("assets/report.js");
const REPORT_CSS: &str = include_str!("assets/report.css");

/// What kind of output folder `dir` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Run,
    Batch,
}

pub(crate) fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::Report {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A run folder has `manifest.json` (written last); a batch folder has `batch.json`.
pub fn detect(dir: &Path) -> Result<Folder> {
    if !dir.is_dir() {
        return Err(bad(
            dir,
            "no such folder; name a run folder (with manifest.json) or a batch folder (with batch.json), e.g. outputs/us_magnet_network/seed-1",
        ));
    }
    if dir.join("batch.json").is_file() {
        return Ok(Folder::Batch);
    }
    if dir.join(crate::output::MANIFEST).is_file() {
        return Ok(Folder::Run);
    }
    if dir.join(crate::output::TIMESERIES).exists() || dir.join(crate::output::SUMMARY).exists() {
        return Err(bad(
            dir,
            "an incomplete run: manifest.json is missing (it is written last, so the run did not finish); run it again",
        ));
    }
    Err(bad(
        dir,
        "not a magloop run or batch folder: it has neither manifest.json (a run) nor batch.json (a batch)",
    ))
}

/// Where the report goes by default: `DIR.html` beside the folder, so the run or batch
/// folder itself keeps exactly the files magloop wrote.
pub fn default_path(dir: &Path) -> PathBuf {
    let trimmed: PathBuf = dir.components().collect();
    let mut s = trimmed.into_os_string();
    s.push(".html");
    PathBuf::from(s)
}

/// Reads `dir`, builds the report, writes it to `out` (default [`default_path`]) through a
/// temporary file and a rename: on any error nothing is written. Returns the path written.
pub fn write(dir: &Path, out: Option<&Path>) -> Result<PathBuf> {
    let html = build(dir)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_path(dir));
    let name = out
        .file_name()
        .ok_or_else(|| {
            Error::output(
                &out,
                "not a file name; name the report file with -o FILE.html",
            )
        })?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::output(
            &out,
            format!(
                "the folder {} does not exist; create it or choose another -o",
                parent.display()
            ),
        ));
    }
    crate::output::write_atomic(&parent, &name, html.as_bytes())?;
    Ok(out)
}

/// The whole HTML page for `dir`, as a string.
pub fn build(dir: &Path) -> Result<String> {
    let data = match detect(dir)? {
        Folder::Run => run::data(dir)?,
        Folder::Batch => batch::data(dir)?,
    };
    Ok(page(&data))
}

/// The page: styles, the data as JSON, uPlot, the drawing code; no external reference.
pub fn page(data: &Value) -> String {
    let title = data
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("magloop report");
    // `</` inside a <script> would end it: JSON allows `\/` for `/`.
    let json = serde_json::to_string(data)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    let licence = UPLOT_LICENSE.replace("*/", "* /");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title}</title>\n<style>{UPLOT_CSS}\n{REPORT_CSS}</style>\n\
<script>window.__errors=[];window.onerror=function(m,s,l){{window.__errors.push(String(m)+' (line '+l+')');}};\
(function(){{var e=console.error;console.error=function(){{window.__errors.push(Array.prototype.join.call(arguments,' '));e.apply(console,arguments);}};}})();</script>\n\
</head><body data-status=\"loading\">\n<div id=\"app\"></div>\n<pre id=\"errors\" hidden></pre>\n\
<script type=\"application/json\" id=\"data\">{json}</script>\n\
<script>/* uPlot: {licence} */\n{UPLOT_JS}</script>\n<script>{REPORT_JS}</script>\n</body></html>\n",
        title = html_escape(title),
    )
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---- reading tables -------------------------------------------------------------------

/// Reads a Parquet table, naming it when it is missing or broken.
pub(crate) fn read_table(path: &Path, what: &str) -> Result<DataFrame> {
    let file = fs::File::open(path).map_err(|e| {
        bad(
            path,
            format!(
                "{what} is missing or unreadable ({e}); the folder is incomplete: run it again"
            ),
        )
    })?;
    ParquetReader::new(file).finish().map_err(|e| {
        bad(
            path,
            format!("{what} is not a readable Parquet table ({e})"),
        )
    })
}

fn column<'a>(df: &'a DataFrame, name: &str, path: &Path) -> Result<&'a Column> {
    df.column(name).map_err(|_| {
        bad(
            path,
            format!("column `{name}` is missing; was it written by another magloop version?"),
        )
    })
}

pub(crate) fn col_f64(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<Option<f64>>> {
    let c = column(df, name, path)?
        .cast(&DataType::Float64)
        .map_err(|e| bad(path, format!("column `{name}`: {e}")))?;
    let ca = c
        .f64()
        .map_err(|e| bad(path, format!("column `{name}`: {e}")))?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

pub(crate) fn col_i64(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<Option<i64>>> {
    let c = column(df, name, path)?
        .cast(&DataType::Int64)
        .map_err(|e| bad(path, format!("column `{name}`: {e}")))?;
    let ca = c
        .i64()
        .map_err(|e| bad(path, format!("column `{name}`: {e}")))?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

pub(crate) fn col_str(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<Option<String>>> {
    let c = column(df, name, path)?
        .cast(&DataType::String)
        .map_err(|e| bad(path, format!("column `{name}`: {e}")))?;
    let ca = c
        .str()
        .map_err(|e| bad(path, format!("column `{name}`: {e}")))?;
    Ok((0..ca.len())
        .map(|i| ca.get(i).map(str::to_string))
        .collect())
}

/// A Date column as ISO strings (`2025-04-04`).
pub(crate) fn col_date(df: &DataFrame, name: &str, path: &Path) -> Result<Vec<Option<String>>> {
    let days = col_i64(df, name, path)?;
    Ok(days
        .into_iter()
        .map(|d| d.and_then(|d| day_to_date(d).map(|x| x.to_string())))
        .collect())
}

/// Days since 1970-01-01 to a date.
pub(crate) fn day_to_date(days: i64) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
        .checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// Unix seconds at midnight of `d` (uPlot's time axis).
pub(crate) fn epoch_s(d: chrono::NaiveDate) -> i64 {
    d.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default())
        .num_seconds()
}

/// A JSON number, or null for NaN and infinities (JSON has neither).
pub(crate) fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Rounds for embedding: 6 significant digits are plenty for a chart and keep the file small.
pub(crate) fn round6(x: f64) -> Value {
    if !x.is_finite() {
        return Value::Null;
    }
    if x == 0.0 {
        return num(0.0);
    }
    let digits = 5 - x.abs().log10().floor() as i32;
    let s = format!("{:.*}", digits.max(0) as usize, x);
    num(s.parse().unwrap_or(x))
}
