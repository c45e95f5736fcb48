//! `magloop report`: the data the HTML embeds against the tables it was drawn from, bad
//! folders refused with exit 2 and nothing written, and the page opened in headless
//! Chromium (where installed; skipped visibly otherwise) with every chart drawn.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::*;
use serde_json::Value;

use crate::common::{repo, run_in, stderr, stdout, tempdir};

fn run_default(out: &Path, extra: &[&str]) {
    let mut args = vec!["run", "--out", out.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    let o = run_in(&repo(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A small batch: the default model over three years (2025-2027), base and the Reno outage
/// (in 2026), 3 seeds each.
fn small_batch(dir: &Path) -> PathBuf {
    let yaml = format!(
        "name: tiny\nmodel: {}\nyears: 3\nreplications: {{count: 3, base_seed: 5}}\nbaseline: base\nscenarios:\n  - name: base\n  - name: outage\n    scripts: [{}]\n",
        repo().join("models/us_magnet_network.yaml").display(),
        repo().join("scripts/reno_outage.rhai").display(),
    );
    let exp = dir.join("tiny.yaml");
    fs::write(&exp, yaml).unwrap();
    let out = dir.join("tiny");
    let o = run_in(
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
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn report(dir: &Path, out: &Path) -> std::process::Output {
    run_in(
        &repo(),
        &["report", dir.to_str().unwrap(), "-o", out.to_str().unwrap()],
    )
}

/// The JSON the page embeds.
fn embedded(html: &str) -> Value {
    let start = html.find("id=\"data\">").expect("the data script") + "id=\"data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
}

fn summary_value(run: &Path, col: &str) -> f64 {
    let df = ParquetReader::new(fs::File::open(run.join("summary.parquet")).unwrap())
        .finish()
        .unwrap();
    df.column(col)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap()
}

fn series_sum(layers: &Value, name: &str) -> f64 {
    let l = layers
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name);
    let l = l.unwrap_or_else(|| panic!("layer {name} in {layers}"));
    l["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap_or(0.0))
        .sum()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

#[test]
fn a_runs_report_adds_up_to_its_tables() {
    let tmp = tempdir();
    let run = tmp.path().join("run");
    run_default(
        &run,
        &["--script", "scripts/china_export_controls_2025.rhai"],
    );
    let html_path = tmp.path().join("r.html");
    let o = report(&run, &html_path);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("wrote"), "{}", stdout(&o));
    let html = fs::read_to_string(&html_path).unwrap();
    // Self-contained: no reference to anything outside the file.
    for outside in ["src=\"http", "href=\"http", "<link ", "src=\"//"] {
        assert!(
            !html.contains(outside),
            "the page refers outside itself: {outside}"
        );
    }
    // Small: aggregated, not raw rows (the default run's timeseries has ~700,000 rows).
    assert!(html.len() < 400_000, "{} bytes", html.len());
    let d = embedded(&html);
    assert_eq!(d["kind"], "run");
    // 10 years from 2025-01-01: 120 months.
    assert_eq!(d["months"].as_array().unwrap().len(), 120);
    // The monthly stack sums to the whole-run KPIs (each month rounded to 6 digits, so
    // within 1e-5 relative): recycled supply, China's imports (yearly.parquet's
    // imports_t.china over the years), stock draws.
    for kpi in ["recycled_supply_t", "stock_draw_t", "shortfall_t"] {
        let months = series_sum(&d["supply_monthly"], kpi);
        let years = series_sum(&d["supply_yearly"]["series"], kpi);
        let whole = summary_value(&run, kpi);
        assert!(
            close(months, whole, 1e-5),
            "{kpi}: months {months} vs summary {whole}"
        );
        assert!(
            close(years, whole, 1e-5),
            "{kpi}: years {years} vs summary {whole}"
        );
    }
    let china_m = series_sum(&d["supply_monthly"], "imports_t.china");
    let china_y = series_sum(&d["supply_yearly"]["series"], "imports_t.china");
    assert!(close(china_m, china_y, 1e-5), "{china_m} vs {china_y}");
    // One marker per row of shocks.parquet (every action the script took).
    let shocks = ParquetReader::new(fs::File::open(run.join("shocks.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(d["markers"].as_array().unwrap().len(), shocks.height());
    assert!(shocks.height() > 0);
    let first = &d["markers"][0];
    assert_eq!(first["script"], "china_export_controls_2025.rhai");
    // set_import_ratio("china", 0.32, "2025-04-04"): marked at its effective date,
    // 2025-04-04 = 20,182 days after 1970-01-01 = 1,743,724,800 s.
    assert_eq!(first["date"], "2025-04-04");
    assert_eq!(first["x"], 1_743_724_800_i64);
    // Network: the states read from the ids, and the Dallas hub's magnets link carries
    // what the hub made as sintered magnets (sent on at once: dispatch immediate).
    let nodes = d["network"]["nodes"].as_array().unwrap();
    let state = |id: &str| nodes.iter().find(|n| n["id"] == id).unwrap()["state"].clone();
    assert_eq!(state("williston_sc"), "SC");
    assert_eq!(state("reno_nv"), "NV");
    assert_eq!(state("dfw_hpms"), "TX");
    assert_eq!(state("fredericktown_mo"), "MO");
    let links = d["network"]["links"].as_array().unwrap();
    let nodes_table = ParquetReader::new(fs::File::open(run.join("nodes.parquet")).unwrap())
        .finish()
        .unwrap();
    let kinds = nodes_table.column("kind").unwrap().str().unwrap().clone();
    let n_links = (0..kinds.len())
        .filter(|&i| kinds.get(i) == Some("link"))
        .count();
    assert_eq!(links.len(), n_links, "every link of the default model");
    let to_market = links.iter().find(|l| l["id"] == "dfw_to_market").unwrap();
    let sintered = summary_value(&run, "sintered_magnets_t");
    let carried = to_market["mass_t"].as_f64().unwrap();
    assert!(
        close(carried, sintered, 1e-3),
        "{carried} t vs {sintered} t"
    );
    // Per element: hdd_east sends along one link only, so that link carries exactly the
    // source's recorded Nd output (timeseries, cumulative_output_kg.Nd at the end, in t).
    let east = links
        .iter()
        .find(|l| l["id"] == "hdd_east_to_williston")
        .unwrap();
    assert_eq!(east["elements_exact"], true);
    let ts = ParquetReader::new(fs::File::open(run.join("timeseries.parquet")).unwrap())
        .finish()
        .unwrap();
    let (node, metric, value) = (
        ts.column("node").unwrap().str().unwrap().clone(),
        ts.column("metric").unwrap().str().unwrap().clone(),
        ts.column("value").unwrap().f64().unwrap().clone(),
    );
    let nd_kg = (0..ts.height())
        .filter(|&i| {
            node.get(i) == Some("hdd_east") && metric.get(i) == Some("cumulative_output_kg.Nd")
        })
        .filter_map(|i| value.get(i))
        .fold(0.0, f64::max);
    let got = east["elements_t"]["Nd"].as_f64().unwrap();
    assert!(
        nd_kg > 0.0 && close(got, nd_kg / 1000.0, 1e-5),
        "{got} t vs {nd_kg} kg"
    );
    // The hub sends along three links: estimated, and flagged so.
    assert_eq!(to_market["elements_exact"], false);
    // Hub: nameplate 1,557 t/yr (750 sintered + 807 co-products), and no output before
    // commissioning in mid-2026 (the first month is January 2025).
    assert_eq!(d["hub"]["nameplate_t_per_year"].as_f64(), Some(1557.0));
    assert_eq!(d["hub"]["output_t_per_year"][0].as_f64(), Some(0.0));
    // The model and the script with their hashes, texts included when they match.
    assert!(d["model_text"].as_str().unwrap().contains("dfw_hpms"));
    assert_eq!(d["scripts"][0]["sha256"].as_str().unwrap().len(), 64);
    assert!(d["scripts"][0]["text"].is_string());
}

#[test]
fn bad_folders_exit_2_naming_what_is_missing_and_write_nothing() {
    let tmp = tempdir();
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let out = tmp.path().join("out.html");
    let o = report(&empty, &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a magloop run or batch folder"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // A folder that does not exist.
    let o = report(&tmp.path().join("nowhere"), &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such folder"), "{}", stderr(&o));

    // A run missing one table, then missing its manifest.
    let run = tmp.path().join("run");
    run_default(&run, &["--years", "1"]);
    fs::remove_file(run.join("shocks.parquet")).unwrap();
    let o = report(&run, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("shocks.parquet is missing"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    fs::remove_file(run.join("manifest.json")).unwrap();
    let o = run_in(&repo(), &["report", run.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("manifest.json is missing"),
        "{}",
        stderr(&o)
    );
    assert!(
        !tmp.path().join("run.html").exists(),
        "the default DIR.html is not written"
    );

    // A partial batch: a run's yearly part gone, then the comparison.
    let batch = small_batch(tmp.path());
    let part = batch.join("yearly/scenario=outage/seed=6/part-0.parquet");
    let kept = fs::read(&part).unwrap();
    fs::remove_file(&part).unwrap();
    let o = report(&batch, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("yearly/ holds 5 runs but summary.parquet lists 6"),
        "{}",
        stderr(&o)
    );
    fs::write(&part, kept).unwrap();
    assert!(report(&batch, &out).status.success(), "whole again");
    fs::remove_file(&out).unwrap();
    fs::remove_file(batch.join("comparison.parquet")).unwrap();
    let o = report(&batch, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("comparison.parquet is missing"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Hand-made sensitivity and attribution tables (the producing code's columns), for a
/// batch whose experiment has neither.
fn add_analysis_tables(batch: &Path) {
    let n = 3;
    let mut s = DataFrame::new(
        n,
        vec![
            Column::new("scenario".into(), ["base", "base", "base"]),
            Column::new("kpi".into(), ["shortfall_t", "shortfall_t", "shortfall_t"]),
            Column::new("year".into(), [None, None, Some(2026i32)]),
            Column::new(
                "input".into(),
                ["demand_growth", "china_ratio", "demand_growth"],
            ),
            Column::new("index".into(), ["ST", "ST", "ST"]),
            Column::new("value".into(), [0.7, 0.2, 0.9]),
            Column::new("ci95_low".into(), [0.6, 0.1, 0.8]),
            Column::new("ci95_high".into(), [0.8, 0.3, 1.0]),
        ],
    )
    .unwrap();
    fs::write(
        batch.join("sensitivity.parquet"),
        magloop::output::parquet_bytes(&mut s).unwrap(),
    )
    .unwrap();
    let mut a = DataFrame::new(
        2,
        vec![
            Column::new("scenario".into(), ["outage", "outage"]),
            Column::new("kpi".into(), ["shortfall_t", "shortfall_t"]),
            Column::new("year".into(), [None::<i32>, None]),
            Column::new("shock".into(), ["reno_outage", "controls"]),
            Column::new("share".into(), [0.75, 0.25]),
            Column::new("share_ci95_low".into(), [0.6, 0.1]),
            Column::new("share_ci95_high".into(), [0.9, 0.4]),
        ],
    )
    .unwrap();
    fs::write(
        batch.join("attribution.parquet"),
        magloop::output::parquet_bytes(&mut a).unwrap(),
    )
    .unwrap();
}

#[test]
fn a_batchs_report_has_bands_forest_and_the_analyses_present() {
    let tmp = tempdir();
    let batch = small_batch(tmp.path());
    add_analysis_tables(&batch);
    let out = tmp.path().join("b.html");
    let o = report(&batch, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = embedded(&fs::read_to_string(&out).unwrap());
    assert_eq!(d["baseline"], "base");
    assert_eq!(d["runs"], 6);
    // Bands over 3 seeds, sorted x1 <= x2 <= x3 (h = 2 p): p5 = x1 + 0.1 (x2 - x1),
    // p50 = x2, p95 = x2 + 0.9 (x3 - x2); checked against the three runs' own oxide feed in
    // 2027 (which differs by seed: scrap arrivals and failures are random).
    let mut x: Vec<f64> = [5, 6, 7]
        .iter()
        .map(|seed| {
            let p = batch.join(format!("yearly/scenario=base/seed={seed}/part-0.parquet"));
            let df = ParquetReader::new(fs::File::open(p).unwrap())
                .finish()
                .unwrap();
            let n = df.height();
            let (k, s, y, v) = (
                df.column("kpi").unwrap().str().unwrap().clone(),
                df.column("sector").unwrap().str().unwrap().clone(),
                df.column("year").unwrap().i32().unwrap().clone(),
                df.column("value").unwrap().f64().unwrap().clone(),
            );
            (0..n)
                .find(|&i| {
                    k.get(i) == Some("oxide_feed_t")
                        && s.get(i) == Some("all")
                        && y.get(i) == Some(2027)
                })
                .and_then(|i| v.get(i))
                .unwrap()
        })
        .collect();
    x.sort_by(f64::total_cmp);
    assert!(x[0] < x[2], "the seeds differ: {x:?}");
    let b = &d["bands"]["oxide_feed_t"]["scenarios"]["base"];
    let got = |q: &str| b[q][2].as_f64().unwrap();
    assert_eq!(d["bands"]["oxide_feed_t"]["years"][2], 2027);
    assert!(
        close(got("p5"), x[0] + 0.1 * (x[1] - x[0]), 1e-5),
        "{b} {x:?}"
    );
    assert!(close(got("p50"), x[1], 1e-5), "{b} {x:?}");
    assert!(
        close(got("p95"), x[1] + 0.9 * (x[2] - x[1]), 1e-5),
        "{b} {x:?}"
    );
    // The forest: one row per non-baseline scenario and whole-run KPI, each with its
    // interval; a row marked significant has an interval excluding 0. The outage (2026)
    // stops Reno's line: drives wait longer, so the mean lead time rises in every pair.
    let forest = d["forest"].as_array().unwrap();
    assert!(!forest.is_empty());
    for r in forest {
        assert_eq!(r["scenario"], "outage");
        let (l, h) = (r["lo"].as_f64().unwrap(), r["hi"].as_f64().unwrap());
        if r["significant"].as_bool().unwrap() {
            assert!(l > 0.0 || h < 0.0, "{r}");
        }
    }
    let lead = forest
        .iter()
        .find(|r| r["kpi"] == "lead_time_mean_days")
        .unwrap();
    assert!(lead["lo"].as_f64().unwrap() > 0.0, "{lead}");
    assert_eq!(lead["significant"], true, "{lead}");
    // Sensitivity: the two whole-run rows, not the 2026 one; attribution: both shares.
    assert_eq!(d["sensitivity"].as_array().unwrap().len(), 2);
    assert_eq!(d["attribution"][0]["share"].as_f64(), Some(0.75));
    browser_check(
        &out,
        "batch",
        &[
            "bands",
            "yearly-table",
            "forest",
            "sensitivity",
            "attribution",
        ],
        &[],
    );
}

#[test]
fn the_default_runs_report_draws_every_chart_in_a_browser() {
    let tmp = tempdir();
    let run = tmp.path().join("run");
    run_default(&run, &[]);
    let out = tmp.path().join("run.html");
    let o = run_in(&repo(), &["report", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.is_file(), "the default path is DIR.html");
    // The default run has no script: the table of actions is there, with no rows.
    browser_check(
        &out,
        "run",
        &[
            "kpis",
            "supply-monthly",
            "supply-yearly",
            "levels-mass",
            "levels-queues",
            "hub",
            "network",
        ],
        &["shocks"],
    );
}

/// A headless Chromium, from MAGLOOP_CHROMIUM or the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MAGLOOP_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// `data-points` of the element with `data-chart="name"` in the dumped DOM.
fn points(dom: &str, name: &str) -> Option<u64> {
    let at = dom.find(&format!("data-chart=\"{name}\""))?;
    let open = dom[..at].rfind('<')?;
    let close = at + dom[at..].find('>')?;
    let tag = &dom[open..close];
    let p = tag.find("data-points=\"")? + "data-points=\"".len();
    tag[p..].split('"').next()?.parse().ok()
}

/// Opens `html` in headless Chromium: no script error, every chart of `drawn` with points,
/// every chart of `present` there; saves a screenshot under the test's temporary folder.
fn browser_check(html: &Path, label: &str, drawn: &[&str], present: &[&str]) {
    let Some(chrome) = chromium() else {
        eprintln!(
            "SKIPPED: browser test of the {label} report: no chromium on the PATH (apt-get install chromium, or set MAGLOOP_CHROMIUM)"
        );
        println!("SKIPPED: browser test of the {label} report: no chromium");
        return;
    };
    let profile = tempdir();
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    let base = |cmd: &mut Command| {
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
            "--window-size=1200,3600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    };
    let mut c = Command::new(&chrome);
    base(&mut c);
    let o = c
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium starts");
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        dom.contains("data-status=\"ok\""),
        "the page did not finish drawing; chromium said: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        &dom[..dom.len().min(2000)]
    );
    assert!(
        dom.contains("data-errors=\"0\""),
        "script errors: {}",
        dom.split("id=\"errors\"")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take(2000)
            .collect::<String>()
    );
    for name in drawn {
        let n = points(&dom, name)
            .unwrap_or_else(|| panic!("chart {name} missing from the {label} report"));
        assert!(n > 0, "chart {name} of the {label} report is empty");
    }
    for name in present {
        assert!(
            points(&dom, name).is_some(),
            "chart {name} missing from the {label} report"
        );
    }
    // uPlot draws on canvases: one per time chart.
    assert!(
        dom.matches("<canvas").count()
            >= drawn
                .iter()
                .filter(|n| ![
                    "kpis",
                    "network",
                    "forest",
                    "sensitivity",
                    "attribution",
                    "yearly-table"
                ]
                .contains(n))
                .count()
    );
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report");
    fs::create_dir_all(&shots).unwrap();
    let shot = shots.join(format!("{label}.png"));
    let mut c = Command::new(&chrome);
    base(&mut c);
    let o = c
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    println!("screenshot of the {label} report: {}", shot.display());
}

#[test]
fn run_with_report_writes_it_and_without_says_where_it_would_go() {
    let tmp = tempdir();
    let run = tmp.path().join("r1");
    let o = run_in(
        &repo(),
        &[
            "run",
            "--years",
            "1",
            "--out",
            run.to_str().unwrap(),
            "--report",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("wrote report"), "{}", stdout(&o));
    assert!(tmp.path().join("r1.html").is_file());
    let run2 = tmp.path().join("r2");
    let o = run_in(
        &repo(),
        &["run", "--years", "1", "--out", run2.to_str().unwrap()],
    );
    assert!(
        stdout(&o).contains("report: --report, or `magloop report"),
        "{}",
        stdout(&o)
    );
    assert!(!tmp.path().join("r2.html").exists());
}
