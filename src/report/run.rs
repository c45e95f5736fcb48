//! The data a run's report embeds: KPI table, monthly and yearly supply stack with shock
//! markers, inventories and backlogs, hub output against nameplate and ramp, the network
//! with the mass along each link, and the model and scripts with their hashes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use super::stats::{self, Month, Row};
use super::{bad, col_date, col_f64, col_str, day_to_date, epoch_s, read_table, round6};
use crate::error::Result;
use crate::model::{self, DEFAULT_MODEL_YAML, sha256_hex};
use crate::output::{MANIFEST, NODES, SHOCKS, SUMMARY, TIMESERIES, YEARLY};

/// The supply stack's layers, bottom to top (market metrics and yearly KPIs of that name);
/// imports come by origin (`imports_t.<origin>`) between domestic supply and stock draws.
const STACK_BELOW_IMPORTS: [&str; 2] = ["recycled_supply_t", "domestic_supply_t"];
const STACK_ABOVE_IMPORTS: [&str; 3] = ["stock_draw_t", "stockpile_release_t", "shortfall_t"];

/// Level metrics drawn as inventories and backlogs: mass (kg, shown in t) and counts.
const MASS_LEVELS: [&str; 3] = ["inventory_kg", "storage_kg", "waiting_kg"];
const COUNT_LEVELS: [&str; 2] = ["queue_drives", "queue_jobs"];

/// Two-letter postal codes of US states (and DC), for reading a site's state from its id.
const US_STATES: [&str; 51] = [
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia",
    "ks", "ky", "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm",
    "ny", "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa",
    "wv", "wi", "wy",
];

/// A node's US state as its id spells it: a last `_xx` part that is a postal code
/// (`reno_nv` -> NV), or a first part `dfw`, the Dallas-Fort Worth airport code (-> TX).
/// The model has no location field; ids that say neither get no state.
pub fn state_of(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    if let Some((_, last)) = lower.rsplit_once('_') {
        if US_STATES.contains(&last) {
            return Some(last.to_ascii_uppercase());
        }
    }
    if lower == "dfw" || lower.starts_with("dfw_") {
        return Some("TX".into());
    }
    None
}

/// The unit and display of a `summary.parquet` column: (unit, decimals, scale).
fn kpi_unit(name: &str) -> (&'static str, usize, f64) {
    match name {
        "seed" => ("", 0, 1.0),
        "years" | "hpms_measured_years" => ("years", 2, 1.0),
        "drives_processed" => ("drives", 0, 1.0),
        "oxide_t_per_t_feed" => ("t/t", 3, 1.0),
        "hpms_utilisation" | "hpms_capacity_share" | "hpms_capacity_share_end" => ("%", 1, 100.0),
        n if n.ends_with("_share") => ("%", 2, 100.0),
        n if n.ends_with("_t_per_year") => ("t/yr", 1, 1.0),
        n if n.ends_with("_t") => ("t", 1, 1.0),
        n if n.ends_with("_usd") => ("USD", 0, 1.0),
        n if n.ends_with("_days") => ("d", 0, 1.0),
        _ => ("", 2, 1.0),
    }
}

/// The KPI table: every column of `summary.parquet` with its unit, numbers with thousands
/// separators (as the printed report).
fn kpi_table(dir: &Path) -> Result<Vec<Value>> {
    let path = dir.join(SUMMARY);
    let df = read_table(&path, SUMMARY)?;
    if df.height() != 1 {
        return Err(bad(
            &path,
            format!("expected one row, found {}", df.height()),
        ));
    }
    let mut rows = Vec::new();
    for c in df.columns() {
        let name = c.name().to_string();
        let dtype = c.dtype().clone();
        let text = if dtype.is_primitive_numeric() {
            let (unit, decimals, scale) = kpi_unit(&name);
            let v = col_f64(&df, &name, &path)?[0];
            let t = v.map_or("-".into(), |v| crate::app::thousands(v * scale, decimals));
            json!({"kpi": name, "value": t, "unit": unit})
        } else if matches!(dtype, polars::prelude::DataType::Date) {
            let v = col_date(&df, &name, &path)?[0].clone();
            json!({"kpi": name, "value": v.unwrap_or_else(|| "-".into()), "unit": ""})
        } else {
            let v = col_str(&df, &name, &path)?[0].clone();
            json!({"kpi": name, "value": v.unwrap_or_else(|| "-".into()), "unit": ""})
        };
        rows.push(text);
    }
    Ok(rows)
}

/// The recorded series the report needs, by (node, metric), from `timeseries.parquet`.
struct Series {
    by: BTreeMap<(String, String), Vec<Row>>,
    months: Vec<Month>,
}

fn wanted(metric: &str) -> bool {
    STACK_BELOW_IMPORTS.contains(&metric)
        || STACK_ABOVE_IMPORTS.contains(&metric)
        || (metric.starts_with("imports_t.") && metric.matches('.').count() == 1)
        || MASS_LEVELS.contains(&metric)
        || COUNT_LEVELS.contains(&metric)
        || metric == "product_kg"
        || metric == "capacity_share"
        || metric.starts_with("cumulative_output_kg")
}

fn read_series(dir: &Path) -> Result<Series> {
    let path = dir.join(TIMESERIES);
    let df = read_table(&path, TIMESERIES)?;
    let starts = super::col_i64(&df, "period_start", &path)?;
    let ends = super::col_i64(&df, "period_end", &path)?;
    let nodes = col_str(&df, "node", &path)?;
    let metrics = col_str(&df, "metric", &path)?;
    let values = col_f64(&df, "value", &path)?;
    let mut by: BTreeMap<(String, String), Vec<Row>> = BTreeMap::new();
    let (mut first, mut last): (Option<Month>, Option<Month>) = (None, None);
    for i in 0..df.height() {
        let (Some(s), Some(e), Some(n), Some(m), Some(v)) =
            (starts[i], ends[i], &nodes[i], &metrics[i], values[i])
        else {
            continue;
        };
        let (Some(start), Some(end)) = (day_to_date(s), day_to_date(e)) else {
            continue;
        };
        let mo = stats::month_of(start);
        first = Some(first.map_or(mo, |f: Month| f.min(mo)));
        last = Some(last.map_or(mo, |l: Month| l.max(mo)));
        if wanted(m) {
            by.entry((n.clone(), m.clone())).or_default().push(Row {
                start,
                end,
                value: v,
            });
        }
    }
    let months = match (first, last) {
        (Some(f), Some(l)) => stats::months_between(f, l),
        _ => {
            return Err(bad(
                &path,
                "the table has no rows; the run recorded nothing",
            ));
        }
    };
    Ok(Series { by, months })
}

impl Series {
    fn rows(&self, node: &str, metric: &str) -> &[Row] {
        self.by
            .get(&(node.to_string(), metric.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Rows of `metric` over all `nodes`, concatenated.
    fn rows_of(&self, nodes: &[String], metric: &str) -> Vec<Row> {
        nodes
            .iter()
            .flat_map(|n| self.rows(n, metric).iter().copied())
            .collect()
    }

    /// `imports_t.<origin>` metrics recorded at `nodes`, sorted.
    fn import_metrics(&self, nodes: &[String]) -> Vec<String> {
        let set: BTreeSet<String> = self
            .by
            .keys()
            .filter(|(n, m)| {
                nodes.contains(n) && m.starts_with("imports_t.") && m.matches('.').count() == 1
            })
            .map(|(_, m)| m.clone())
            .collect();
        set.into_iter().collect()
    }
}

fn vals(v: &[f64]) -> Vec<Value> {
    v.iter().map(|&x| round6(x)).collect()
}

fn opt_vals(v: &[Option<f64>], scale: f64) -> Vec<Value> {
    v.iter()
        .map(|x| x.map_or(Value::Null, |x| round6(x * scale)))
        .collect()
}

/// The layers of the supply stack present at the market nodes, bottom to top.
fn stack_layers(series: &Series, markets: &[String]) -> Vec<String> {
    let mut layers: Vec<String> = STACK_BELOW_IMPORTS.iter().map(|s| s.to_string()).collect();
    layers.extend(series.import_metrics(markets));
    layers.extend(STACK_ABOVE_IMPORTS.iter().map(|s| s.to_string()));
    layers
}

/// Monthly supply stack (t per month) at the market nodes.
fn supply_monthly(series: &Series, markets: &[String]) -> Vec<Value> {
    stack_layers(series, markets)
        .into_iter()
        .filter_map(|metric| {
            let rows = series.rows_of(markets, &metric);
            if rows.is_empty() {
                return None;
            }
            let v = stats::monthly_sum(&rows, &series.months);
            Some(json!({"name": metric, "values": vals(&v)}))
        })
        .collect()
}

/// Yearly supply stack (t per calendar year) from `yearly.parquet`, sector `all`.
fn supply_yearly(dir: &Path, layers: &[String]) -> Result<Value> {
    let path = dir.join(YEARLY);
    let df = read_table(&path, YEARLY)?;
    let years = super::col_i64(&df, "year", &path)?;
    let sectors = col_str(&df, "sector", &path)?;
    let kpis = col_str(&df, "kpi", &path)?;
    let values = col_f64(&df, "value", &path)?;
    let mut by: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    let mut all_years = BTreeSet::new();
    for i in 0..df.height() {
        if sectors[i].as_deref() != Some("all") {
            continue;
        }
        let (Some(y), Some(k), Some(v)) = (years[i], &kpis[i], values[i]) else {
            continue;
        };
        all_years.insert(y);
        by.entry(k.clone()).or_default().insert(y, v);
    }
    let years: Vec<i64> = all_years.into_iter().collect();
    let series: Vec<Value> = layers
        .iter()
        .filter_map(|k| {
            let m = by.get(k)?;
            let v: Vec<f64> = years
                .iter()
                .map(|y| m.get(y).copied().unwrap_or(0.0))
                .collect();
            Some(json!({"name": k, "values": vals(&v)}))
        })
        .collect();
    let x: Vec<i64> = years
        .iter()
        .map(|&y| epoch_s(stats::month_start((y as i32, 1))))
        .collect();
    Ok(json!({"x": x, "years": years, "series": series}))
}

/// Every action of `shocks.parquet` as a marker at its effective date.
fn markers(dir: &Path) -> Result<Vec<Value>> {
    let path = dir.join(SHOCKS);
    let df = read_table(&path, SHOCKS)?;
    let eff = super::col_i64(&df, "effective_date", &path)?;
    let script = col_str(&df, "script", &path)?;
    let line = super::col_i64(&df, "line", &path)?;
    let action = col_str(&df, "action", &path)?;
    let args = col_str(&df, "arguments", &path)?;
    let mut out = Vec::new();
    for i in 0..df.height() {
        let Some(date) = eff[i].and_then(day_to_date) else {
            continue;
        };
        let script = script[i].clone().unwrap_or_default();
        let file = Path::new(&script)
            .file_name()
            .map_or(script.clone(), |f| f.to_string_lossy().into_owned());
        out.push(json!({
            "x": epoch_s(date),
            "date": date.to_string(),
            "action": action[i].clone().unwrap_or_default(),
            "arguments": args[i].clone().unwrap_or_default(),
            "script": file,
            "line": line[i],
        }));
    }
    Ok(out)
}

/// Month-end levels of every node and link that held something: mass in t, counts as such.
fn levels(series: &Series) -> (Vec<Value>, Vec<Value>) {
    let mut mass = Vec::new();
    let mut counts = Vec::new();
    for ((node, metric), rows) in &series.by {
        let (is_mass, scale) = if MASS_LEVELS.contains(&metric.as_str()) {
            (true, 0.001)
        } else if COUNT_LEVELS.contains(&metric.as_str()) {
            (false, 1.0)
        } else {
            continue;
        };
        if !rows.iter().any(|r| r.value > 0.0) {
            continue;
        }
        let v = stats::monthly_last(rows, &series.months);
        let s = json!({"name": format!("{node} {metric}"), "node": node, "metric": metric, "values": opt_vals(&v, scale)});
        if is_mass {
            mass.push(s)
        } else {
            counts.push(s)
        }
    }
    (mass, counts)
}

/// HPMS output per month, annualised (t/yr), against nameplate and nameplate x ramp share.
fn hub(series: &Series, hubs: &[String], nameplate_t_per_year: Option<f64>) -> Value {
    let product = series.rows_of(hubs, "product_kg");
    let sum = stats::monthly_sum(&product, &series.months);
    let days = stats::monthly_days(&product, &series.months);
    let output: Vec<Option<f64>> = sum
        .iter()
        .zip(&days)
        .map(|(kg, d)| (*d > 0.0).then(|| kg / 1000.0 * 365.25 / d))
        .collect();
    let share = stats::monthly_mean(&series.rows_of(hubs, "capacity_share"), &series.months);
    let ramp: Vec<Option<f64>> = share
        .iter()
        .map(|s| s.zip(nameplate_t_per_year).map(|(s, n)| s * n))
        .collect();
    json!({
        "hubs": hubs,
        "nameplate_t_per_year": nameplate_t_per_year.map(round6),
        "output_t_per_year": opt_vals(&output, 1.0),
        "ramp_t_per_year": opt_vals(&ramp, 1.0),
    })
}

/// The model text the run used, when magloop can find it unchanged (its SHA-256 as in the
/// manifest): the embedded default, or the file the manifest names.
fn model_text(manifest: &Value) -> (Option<String>, String) {
    let file = manifest["model_file"].as_str().unwrap_or("");
    let want = manifest["model_sha256"].as_str().unwrap_or("");
    let text = if file.ends_with("(embedded)") {
        Some(DEFAULT_MODEL_YAML.to_string())
    } else {
        std::fs::read_to_string(file).ok()
    };
    match text {
        Some(t) if sha256_hex(t.as_bytes()) == want => (Some(t), String::new()),
        Some(_) => (
            None,
            format!("{file} has changed since the run (its SHA-256 differs): links not drawn"),
        ),
        None => (
            None,
            format!("{file} is not readable from here: links not drawn"),
        ),
    }
}

/// Nodes (id, kind, state, mass in and held) and links (from, to, mass in total and per
/// element over the run).
fn network(dir: &Path, series: &Series, model_yaml: Option<&str>) -> Result<Value> {
    let path = dir.join(NODES);
    let df = read_table(&path, NODES)?;
    let ids = col_str(&df, "node", &path)?;
    let kinds = col_str(&df, "kind", &path)?;
    let in_kg = col_f64(&df, "in_kg", &path)?;
    let inv = col_f64(&df, "inventory_kg", &path)?;
    let mut node_rows = Vec::new();
    let mut link_in: BTreeMap<String, f64> = BTreeMap::new();
    for i in 0..df.height() {
        let id = ids[i].clone().unwrap_or_default();
        let kind = kinds[i].clone().unwrap_or_default();
        if kind == "link" {
            link_in.insert(id, in_kg[i].unwrap_or(0.0));
            continue;
        }
        node_rows.push(json!({
            "id": id, "kind": kind, "state": state_of(&id),
            "in_t": round6(in_kg[i].unwrap_or(0.0) / 1000.0),
            "inventory_t": round6(inv[i].unwrap_or(0.0) / 1000.0),
        }));
    }
    let mut links = Vec::new();
    let mut elements = BTreeSet::new();
    if let Some(text) = model_yaml {
        if let Ok(loaded) = model::load_str(text, "model", &model::Overrides::default()) {
            let m = &loaded.model;
            // Links record no elements: each link carries its source's per-element output
            // in proportion to its share of that source's mass (exact when the source sends
            // along one link only; `elements_exact` says which).
            let last = |node: &str, metric: &str| {
                series
                    .rows(node, metric)
                    .iter()
                    .max_by_key(|r| r.end)
                    .map_or(0.0, |r| r.value)
            };
            let carrying = |from: usize| {
                m.links
                    .iter()
                    .filter(|k| k.from == from && link_in.get(&k.id).copied().unwrap_or(0.0) > 0.0)
                    .count()
            };
            for l in &m.links {
                let from = &m.nodes[l.from].id;
                let mass = link_in.get(&l.id).copied().unwrap_or(0.0);
                let total = last(from, "cumulative_output_kg");
                let mut per = serde_json::Map::new();
                for ((n, metric), _) in series.by.range((from.clone(), String::new())..) {
                    if n != from {
                        break;
                    }
                    if let Some(el) = metric.strip_prefix("cumulative_output_kg.") {
                        elements.insert(el.to_string());
                        let share = if total > 0.0 { mass / total } else { 0.0 };
                        per.insert(el.to_string(), round6(last(from, metric) * share / 1000.0));
                    }
                }
                links.push(json!({
                    "id": l.id,
                    "from": from,
                    "to": m.nodes[l.to].id,
                    "mass_t": round6(mass / 1000.0),
                    "elements_t": per,
                    "elements_exact": carrying(l.from) <= 1,
                }));
            }
        }
    }
    Ok(json!({"nodes": node_rows, "links": links, "elements": elements}))
}

/// Everything a run's report embeds.
pub fn data(dir: &Path) -> Result<Value> {
    let mpath = dir.join(MANIFEST);
    let manifest: Value = serde_json::from_str(&crate::files::read_text(&mpath)?)
        .map_err(|e| bad(&mpath, format!("not valid JSON ({e}); run it again")))?;
    let kpis = kpi_table(dir)?;
    let series = read_series(dir)?;
    let npath = dir.join(NODES);
    let ndf = read_table(&npath, NODES)?;
    let ids = col_str(&ndf, "node", &npath)?;
    let kinds = col_str(&ndf, "kind", &npath)?;
    let of_kind = |k: &str| -> Vec<String> {
        ids.iter()
            .zip(&kinds)
            .filter(|(_, kind)| kind.as_deref() == Some(k))
            .filter_map(|(id, _)| id.clone())
            .collect()
    };
    let markets = of_kind("market");
    let hubs = of_kind("hpms");
    let layers = stack_layers(&series, &markets);
    let spath = dir.join(SUMMARY);
    let sdf = read_table(&spath, SUMMARY)?;
    let nameplate = col_f64(&sdf, "hpms_nameplate_t_per_year", &spath)
        .ok()
        .and_then(|v| v.first().copied().flatten());
    let (mass, counts) = levels(&series);
    let (text, model_note) = model_text(&manifest);
    let scripts: Vec<Value> = manifest["scripts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let file = s[0].as_str().unwrap_or("");
                    let sha = s[1].as_str().unwrap_or("");
                    let text = std::fs::read_to_string(file)
                        .ok()
                        .filter(|t| sha256_hex(t.as_bytes()) == sha);
                    json!({"file": file, "sha256": sha, "text": text})
                })
                .collect()
        })
        .unwrap_or_default();
    let x: Vec<i64> = series
        .months
        .iter()
        .map(|&m| epoch_s(stats::month_start(m)))
        .collect();
    let title = format!(
        "magloop: {} seed {}",
        manifest["model_name"].as_str().unwrap_or("run"),
        manifest["seed"]
    );
    Ok(json!({
        "kind": "run",
        "title": title,
        "folder": dir.display().to_string(),
        "manifest": {
            "magloop_version": manifest["magloop_version"],
            "model_name": manifest["model_name"],
            "model_file": manifest["model_file"],
            "model_sha256": manifest["model_sha256"],
            "seed": manifest["seed"],
            "start": manifest["start"],
            "years": manifest["years"],
            "events_processed": manifest["events_processed"],
            "warnings": manifest["warnings"],
        },
        "kpis": kpis,
        "months": x,
        "supply_monthly": supply_monthly(&series, &markets),
        "supply_yearly": supply_yearly(dir, &layers)?,
        "markers": markers(dir)?,
        "levels_t": mass,
        "levels_count": counts,
        "hub": hub(&series, &hubs, nameplate),
        "network": network(dir, &series, text.as_deref())?,
        "model_text": text,
        "model_note": model_note,
        "scripts": scripts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_come_from_the_id_or_not_at_all() {
        assert_eq!(state_of("williston_sc").as_deref(), Some("SC"));
        assert_eq!(state_of("reno_nv").as_deref(), Some("NV"));
        assert_eq!(state_of("fredericktown_mo").as_deref(), Some("MO"));
        assert_eq!(state_of("dfw_hpms").as_deref(), Some("TX"));
        // "scrap" ends in no state code; "hdd_east" neither.
        assert_eq!(state_of("other_ndfeb_scrap"), None);
        assert_eq!(state_of("hdd_east"), None);
    }

    fn day(y: i32, m: u32, d: u32, value: f64) -> Row {
        let start = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Row {
            start,
            end: start.succ_opt().unwrap(),
            value,
        }
    }

    #[test]
    fn hub_output_is_annualised_against_nameplate_times_ramp() {
        // January 2025: 31 daily rows of 100 kg -> 3.1 t over 31 days = 3.1 x 365.25 / 31
        // = 36.525 t/yr. Capacity share 0.5 every day, nameplate 1,557 t/yr -> ramp 778.5.
        let mut by = BTreeMap::new();
        let product: Vec<Row> = (1..=31).map(|d| day(2025, 1, d, 100.0)).collect();
        let share: Vec<Row> = (1..=31).map(|d| day(2025, 1, d, 0.5)).collect();
        by.insert(("hub".to_string(), "product_kg".to_string()), product);
        by.insert(("hub".to_string(), "capacity_share".to_string()), share);
        let series = Series {
            by,
            months: vec![(2025, 1)],
        };
        let h = hub(&series, &["hub".to_string()], Some(1557.0));
        let out = h["output_t_per_year"][0].as_f64().unwrap();
        assert!((out - 36.525).abs() < 1e-3, "{out}");
        assert_eq!(h["ramp_t_per_year"][0].as_f64(), Some(778.5));
    }

    #[test]
    fn the_supply_stack_has_imports_by_origin_between_domestic_and_stock_draws() {
        // Two days in January at the market: recycled 1 + 2 = 3 t, China 10 + 20 = 30 t;
        // a by-sector metric (two dots) is not a layer of its own.
        let mut by = BTreeMap::new();
        let m = |metric: &str, a: f64, b: f64| {
            (
                (String::from("mkt"), metric.to_string()),
                vec![day(2025, 1, 1, a), day(2025, 1, 2, b)],
            )
        };
        for (k, v) in [
            m("recycled_supply_t", 1.0, 2.0),
            m("imports_t.china", 10.0, 20.0),
            m("imports_t.china.wind", 4.0, 4.0),
            m("shortfall_t", 0.0, 0.5),
        ] {
            by.insert(k, v);
        }
        let series = Series {
            by,
            months: vec![(2025, 1)],
        };
        let layers = supply_monthly(&series, &["mkt".to_string()]);
        let names: Vec<&str> = layers.iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            vec!["recycled_supply_t", "imports_t.china", "shortfall_t"]
        );
        assert_eq!(layers[0]["values"][0].as_f64(), Some(3.0));
        assert_eq!(layers[1]["values"][0].as_f64(), Some(30.0));
        assert_eq!(layers[2]["values"][0].as_f64(), Some(0.5));
    }
}
