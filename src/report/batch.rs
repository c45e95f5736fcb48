//! The data a batch's report embeds: yearly KPIs per scenario as median and 5-95 % bands
//! over seeds (and samples), paired differences against the baseline with their 95 %
//! intervals (a forest plot), yearly means by scenario, and, where the batch has them,
//! sensitivity indices and Shapley attribution of shocks.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::stats::quantile;
use super::{bad, col_f64, col_i64, col_str, read_table, round6};
use crate::error::Result;

/// Quantiles of the bands: 5 %, median, 95 %.
pub const BAND: [f64; 3] = [0.05, 0.5, 0.95];

/// Every `part-0.parquet` under `root` (hive folders `scenario=S/seed=N[/sample=K]`), with
/// its scenario and sample; sorted by path, so the order is the same on every machine.
fn parts(root: &Path) -> Result<Vec<(String, Option<String>, PathBuf)>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.file_name().is_some_and(|n| n == "part-0.parquet") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(root, &mut files).map_err(|e| {
        bad(
            root,
            format!(
                "the batch's per-run tables are missing ({e}); run the batch again with --resume"
            ),
        )
    })?;
    Ok(files
        .into_iter()
        .map(|p| {
            let key = |k: &str| {
                p.components().find_map(|c| {
                    c.as_os_str()
                        .to_str()
                        .and_then(|s| s.strip_prefix(k))
                        .map(str::to_string)
                })
            };
            (key("scenario=").unwrap_or_default(), key("sample="), p)
        })
        .collect())
}

/// Per scenario, KPI and year (sector `all`), the values over the scenario's runs.
pub type Pooled = BTreeMap<String, BTreeMap<String, BTreeMap<i64, Vec<f64>>>>;

/// Reads every run's `yearly` part and pools the values by scenario, KPI and year.
fn pool_yearly(dir: &Path) -> Result<(Pooled, BTreeMap<String, String>, usize, bool)> {
    let root = dir.join("yearly");
    let found = parts(&root)?;
    let mut pooled: Pooled = BTreeMap::new();
    let mut units = BTreeMap::new();
    let mut samples = false;
    for (scenario, sample, path) in &found {
        samples |= sample.is_some();
        let df = read_table(path, "a run's yearly table")?;
        let years = col_i64(&df, "year", path)?;
        let sectors = col_str(&df, "sector", path)?;
        let kpis = col_str(&df, "kpi", path)?;
        let values = col_f64(&df, "value", path)?;
        let unit = col_str(&df, "unit", path)?;
        for i in 0..df.height() {
            if sectors[i].as_deref() != Some("all") {
                continue;
            }
            let (Some(y), Some(k), Some(v)) = (years[i], &kpis[i], values[i]) else {
                continue;
            };
            if let Some(u) = &unit[i] {
                units.entry(k.clone()).or_insert_with(|| u.clone());
            }
            pooled
                .entry(scenario.clone())
                .or_default()
                .entry(k.clone())
                .or_default()
                .entry(y)
                .or_default()
                .push(v);
        }
    }
    Ok((pooled, units, found.len(), samples))
}

/// Per KPI: years, and per scenario the 5 %, 50 % and 95 % quantiles by year.
pub fn bands(pooled: &Pooled, units: &BTreeMap<String, String>) -> Value {
    let mut kpis: BTreeMap<String, (BTreeSet<i64>, serde_json::Map<String, Value>)> =
        BTreeMap::new();
    for by_kpi in pooled.values() {
        for (k, by_year) in by_kpi {
            kpis.entry(k.clone()).or_default().0.extend(by_year.keys());
        }
    }
    for (scenario, by_kpi) in pooled {
        for (k, by_year) in by_kpi {
            let Some((years, per)) = kpis.get_mut(k) else {
                continue;
            };
            let q = |p: f64| -> Vec<Value> {
                years
                    .iter()
                    .map(|y| {
                        by_year
                            .get(y)
                            .and_then(|v| quantile(v, p))
                            .map_or(Value::Null, round6)
                    })
                    .collect()
            };
            per.insert(
                scenario.clone(),
                json!({"p5": q(BAND[0]), "p50": q(BAND[1]), "p95": q(BAND[2]),
                       "n": by_year.values().map(Vec::len).max().unwrap_or(0)}),
            );
        }
    }
    let mut out = serde_json::Map::new();
    for (k, (years, per)) in kpis {
        let x: Vec<i64> = years
            .iter()
            .map(|&y| super::epoch_s(super::stats::month_start((y as i32, 1))))
            .collect();
        out.insert(
            k.clone(),
            json!({"years": years, "x": x, "unit": units.get(&k), "scenarios": per}),
        );
    }
    Value::Object(out)
}

/// Differences smaller than this share of the KPI's mean are floating-point rounding (sums
/// taken in another order), not effects: e.g. -2.8e-12 t of sintered magnets out of 1,482 t.
pub const ROUNDING_SHARE: f64 = 1e-9;

/// An interval that excludes zero around a difference larger than rounding.
pub fn significant(lo: Option<f64>, hi: Option<f64>, diff: Option<f64>, mean: Option<f64>) -> bool {
    let real = diff.is_some_and(|d| d.abs() > ROUNDING_SHARE * mean.map_or(1.0, f64::abs).max(1.0));
    real && matches!((lo, hi), (Some(l), Some(h)) if l > 0.0 || h < 0.0)
}

struct Comparison {
    scenarios: Vec<String>,
    baseline: Option<String>,
    forest: Vec<Value>,
    yearly: Value,
}

fn comparison(dir: &Path, units: &BTreeMap<String, String>) -> Result<Comparison> {
    let path = dir.join("comparison.parquet");
    if !path.is_file() {
        return Err(bad(
            dir,
            "a partial batch: comparison.parquet is missing (the batch was not assembled); run `magloop batch EXPERIMENT.yaml --out DIR --resume` to finish it",
        ));
    }
    let df = read_table(&path, "comparison.parquet")?;
    let scen = col_str(&df, "scenario", &path)?;
    let kpi = col_str(&df, "kpi", &path)?;
    let year = col_i64(&df, "year", &path)?;
    let sector = col_str(&df, "sector", &path)?;
    let mean = col_f64(&df, "mean", &path)?;
    let pairs = col_i64(&df, "pairs", &path)?;
    let dm = col_f64(&df, "diff_mean", &path)?;
    let lo = col_f64(&df, "diff_ci95_low", &path)?;
    let hi = col_f64(&df, "diff_ci95_high", &path)?;
    let mut scenarios: Vec<String> = Vec::new();
    // The baseline is the scenario paired with itself: every difference exactly 0.
    let mut all_zero: BTreeMap<String, bool> = BTreeMap::new();
    for i in 0..df.height() {
        let s = scen[i].clone().unwrap_or_default();
        if !scenarios.contains(&s) {
            scenarios.push(s.clone());
        }
        // (A KPI with no value, e.g. a lead time before any magnet was made, has no
        // difference at all.)
        let zero_or_none = |x: Option<f64>| x.is_none_or(|x| x == 0.0);
        let zero = zero_or_none(dm[i]) && zero_or_none(lo[i]) && zero_or_none(hi[i]);
        *all_zero.entry(s).or_insert(true) &= zero;
    }
    let baseline = scenarios
        .iter()
        .find(|s| all_zero.get(*s) == Some(&true))
        .cloned();
    let mut forest = Vec::new();
    let mut yearly: BTreeMap<String, BTreeMap<String, BTreeMap<i64, Value>>> = BTreeMap::new();
    for i in 0..df.height() {
        let s = scen[i].clone().unwrap_or_default();
        let k = kpi[i].clone().unwrap_or_default();
        match year[i] {
            None => {
                if Some(&s) == baseline.as_ref() || dm[i].is_none() {
                    continue;
                }
                forest.push(json!({
                    "scenario": s, "kpi": k,
                    "diff_mean": dm[i].map_or(Value::Null, round6),
                    "lo": lo[i].map_or(Value::Null, round6),
                    "hi": hi[i].map_or(Value::Null, round6),
                    "pairs": pairs[i],
                    "significant": significant(lo[i], hi[i], dm[i], mean[i]),
                }));
            }
            Some(y) if sector[i].as_deref() == Some("all") => {
                yearly
                    .entry(k)
                    .or_default()
                    .entry(s)
                    .or_default()
                    .insert(y, mean[i].map_or(Value::Null, round6));
            }
            Some(_) => {}
        }
    }
    let yearly = yearly
        .into_iter()
        .map(|(k, per)| {
            let years: BTreeSet<i64> = per.values().flat_map(|m| m.keys().copied()).collect();
            let per: serde_json::Map<String, Value> = per
                .into_iter()
                .map(|(s, m)| {
                    let v: Vec<Value> = years
                        .iter()
                        .map(|y| m.get(y).cloned().unwrap_or(Value::Null))
                        .collect();
                    (s, Value::Array(v))
                })
                .collect();
            (
                k.clone(),
                json!({"years": years, "unit": units.get(&k), "means": per}),
            )
        })
        .collect::<serde_json::Map<String, Value>>();
    Ok(Comparison {
        scenarios,
        baseline,
        forest,
        yearly: Value::Object(yearly),
    })
}

/// Rows of an optional table with `year` null (the whole run), as JSON objects of the
/// named columns (strings, then numbers).
fn whole_run_rows(path: &Path, strings: &[&str], numbers: &[&str]) -> Result<Option<Vec<Value>>> {
    if !path.is_file() {
        return Ok(None);
    }
    let what = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let df = read_table(path, &what)?;
    let year = col_i64(&df, "year", path)?;
    let s: Vec<Vec<Option<String>>> = strings
        .iter()
        .map(|c| col_str(&df, c, path))
        .collect::<Result<_>>()?;
    let n: Vec<Vec<Option<f64>>> = numbers
        .iter()
        .map(|c| col_f64(&df, c, path))
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for i in 0..df.height() {
        if year[i].is_some() {
            continue;
        }
        let mut row = serde_json::Map::new();
        for (c, v) in strings.iter().zip(&s) {
            row.insert(
                c.to_string(),
                v[i].clone().map_or(Value::Null, Value::String),
            );
        }
        for (c, v) in numbers.iter().zip(&n) {
            row.insert(c.to_string(), v[i].map_or(Value::Null, round6));
        }
        out.push(Value::Object(row));
    }
    Ok(Some(out))
}

/// Everything a batch's report embeds.
pub fn data(dir: &Path) -> Result<Value> {
    let bpath = dir.join("batch.json");
    let batch: Value = serde_json::from_str(&crate::files::read_text(&bpath)?)
        .map_err(|e| bad(&bpath, format!("not valid JSON ({e})")))?;
    let spath = dir.join("summary.parquet");
    if !spath.is_file() {
        return Err(bad(
            dir,
            "a partial batch: summary.parquet is missing (the batch was not assembled); run `magloop batch EXPERIMENT.yaml --out DIR --resume` to finish it",
        ));
    }
    let runs = read_table(&spath, "summary.parquet")?.height();
    if !dir.join("yearly").is_dir() {
        return Err(bad(
            dir,
            "a partial batch: the yearly/ folder of per-run tables is missing; run the batch again with --resume",
        ));
    }
    if !dir.join("comparison.parquet").is_file() {
        return Err(bad(
            dir,
            "a partial batch: comparison.parquet is missing (the batch was not assembled); run `magloop batch EXPERIMENT.yaml --out DIR --resume` to finish it",
        ));
    }
    let (pooled, units, parts, samples) = pool_yearly(dir)?;
    if parts != runs {
        return Err(bad(
            dir,
            format!(
                "a partial batch: yearly/ holds {parts} runs but summary.parquet lists {runs}; run the batch again with --resume"
            ),
        ));
    }
    let cmp = comparison(dir, &units)?;
    let failures = {
        let p = dir.join("failures.parquet");
        if p.is_file() {
            read_table(&p, "failures.parquet")?.height()
        } else {
            0
        }
    };
    let sensitivity = whole_run_rows(
        &dir.join("sensitivity.parquet"),
        &["scenario", "kpi", "input", "index"],
        &["value", "ci95_low", "ci95_high"],
    )?;
    let attribution = whole_run_rows(
        &dir.join("attribution.parquet"),
        &["scenario", "kpi", "shock"],
        &["share", "share_ci95_low", "share_ci95_high"],
    )?;
    let name = batch["experiment"].as_str().unwrap_or("batch").to_string();
    Ok(json!({
        "kind": "batch",
        "title": format!("magloop batch: {name}"),
        "folder": dir.display().to_string(),
        "experiment": name,
        "fingerprint": batch["fingerprint"],
        "magloop_version": batch["magloop_version"],
        "runs": runs,
        "failures": failures,
        "samples": samples,
        "scenarios": cmp.scenarios,
        "baseline": cmp.baseline,
        "bands": bands(&pooled, &units),
        "forest": cmp.forest,
        "yearly": cmp.yearly,
        "sensitivity": sensitivity,
        "attribution": attribution,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_the_5_50_95_quantiles_over_a_scenarios_runs() {
        // Scenario "a", shortfall_t in 2030 over five runs 10, 20, 30, 40, 50 (h = 4 p):
        // p5 = 10 + 0.2 x 10 = 12, p50 = 30, p95 = 40 + 0.8 x 10 = 48. In 2031 one run: 7.
        let mut pooled: Pooled = BTreeMap::new();
        let k = pooled
            .entry("a".into())
            .or_default()
            .entry("shortfall_t".into())
            .or_default();
        k.insert(2030, vec![50.0, 10.0, 40.0, 20.0, 30.0]);
        k.insert(2031, vec![7.0]);
        let units = BTreeMap::from([("shortfall_t".to_string(), "t".to_string())]);
        let b = bands(&pooled, &units);
        let s = &b["shortfall_t"]["scenarios"]["a"];
        assert_eq!(b["shortfall_t"]["years"], json!([2030, 2031]));
        assert_eq!(s["p5"], json!([12.0, 7.0]));
        assert_eq!(s["p50"], json!([30.0, 7.0]));
        assert_eq!(s["p95"], json!([48.0, 7.0]));
        assert_eq!(s["n"], json!(5));
        assert_eq!(b["shortfall_t"]["unit"], json!("t"));
    }

    #[test]
    fn only_an_interval_excluding_zero_around_more_than_rounding_is_significant() {
        assert!(significant(Some(0.5), Some(2.0), Some(1.2), Some(100.0)));
        assert!(significant(Some(-3.0), Some(-0.1), Some(-1.5), Some(100.0)));
        assert!(!significant(
            Some(-1e-7),
            Some(1.3e-7),
            Some(1e-8),
            Some(100.0)
        ));
        assert!(!significant(Some(0.0), Some(0.0), Some(0.0), Some(100.0)));
        assert!(!significant(None, Some(-1.0), Some(-2.0), Some(100.0)));
        // The export-controls batch: -2.8e-12 t [-3.4e-12, -2.2e-12] on a mean of 1,482 t
        // excludes 0 but is 1.9e-15 of the mean: rounding, below 1e-9.
        assert!(!significant(
            Some(-3.373e-12),
            Some(-2.22e-12),
            Some(-2.797e-12),
            Some(1482.47)
        ));
    }
}
