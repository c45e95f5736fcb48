//! The market's stocks, displacement rule and levels, on tiny markets worked by hand, and
//! the 2025 script's month-by-month path on the default model.

use std::fs;
use std::path::Path;

use super::{MODEL, Run, at, read, run_ok, sum, ymd};
use crate::common::{load, run_in, simulate, stderr, tempdir};

/// A one-year model holding a market with the given fields and a scrap source delivering
/// `recycled_t_per_year` to it, a lot a day (when 0, 1 t/yr to a sink instead).
fn tiny(market: &str, recycled_t_per_year: f64) -> String {
    // Without recycled supply the source feeds a sink (a model needs a source).
    let (t, to) = if recycled_t_per_year > 0.0 {
        (recycled_t_per_year, "us")
    } else {
        (1.0, "bin")
    };
    let source = format!(
        "  - {{id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: {t}, lot_kg: {}, arrivals: regular}}\n  - {{id: bin, kind: sink}}\n",
        t * 1000.0 / 365.25
    );
    let links = format!("links:\n  - {{id: a, from: scrap, to: {to}, dispatch: immediate}}\n");
    format!(
        "name: tiny\ncalendar: {{start: 2025-01-01, years: 1}}\nelements: [Nd, Fe]\nmaterials:\n  scrap: {{role: scrap, composition: {{Nd: 30, Fe: 70}}}}\nnodes:\n{source}  - id: us\n    kind: market\n{market}{links}"
    )
}

/// Runs `model` with `script` in `dir` (each run in its own folder there) and returns it.
fn run_tiny(dir: &tempfile::TempDir, model: &str, script: &str) -> Run {
    fs::write(dir.path().join("m.yaml"), model).unwrap();
    fs::write(dir.path().join("s.rhai"), script).unwrap();
    let runs = fs::read_dir(dir.path()).unwrap().count();
    let out = dir.path().join(format!("out-{runs}"));
    let o = run_in(
        dir.path(),
        &[
            "run",
            "m.yaml",
            "--script",
            "s.rhai",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    Run {
        dir: out.clone(),
        ts: read(&out.join("timeseries.parquet")),
    }
}

fn summary_f64(run: &Run, column: &str) -> f64 {
    let df = read(&run.dir.join("summary.parquet"));
    df.column(column).unwrap().f64().unwrap().get(0).unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
        "{what}: {a}, expected {b}"
    );
}

#[test]
fn domestic_and_recycled_supply_displaces_china_first_last_listed_or_in_proportion() {
    // Demand 1 t a day; 0.5 t recycled a day; China may supply 0.8 t a day, others 0.4 t.
    // Without recycling, imports fill demand in listed order: China 0.8, other 0.2. The
    // 0.5 t of recycled material displaces:
    // - china_first: 0.5 of China's 0.8 -> China 0.3, other 0.2; China's share of all
    //   supply (0.5 recycled + 0.5 imported) 0.3;
    // - listed_order: the last listed first, all of other's 0.2, then 0.3 of China's ->
    //   China 0.5, other 0; share 0.5;
    // - proportional: half of each (0.5 of 1.0) -> China 0.4, other 0.1; share 0.4.
    for (rule, china, other) in [
        ("china_first", 0.3, 0.2),
        ("listed_order", 0.5, 0.0),
        ("proportional", 0.4, 0.1),
    ] {
        let y = tiny(
            &format!(
                "    demand: [{{sector: total, t_per_year: 365.25}}]\n    imports: [{{origin: china, t_per_year: 292.2}}, {{origin: other, t_per_year: 146.1}}]\n    displacement: {rule}\n"
            ),
            182.625,
        );
        let r = simulate(&load(&y), 1);
        let s = &r.summary;
        // 365 market days, each after that day's delivery.
        close(s.recycled_supply_t, 365.0 * 0.5, rule);
        close(s.shortfall_t, 0.0, rule);
        close(s.imports_t, 365.0 * 0.5, rule);
        close(
            r.timeseries.series("us", "imports_t.china")[99].1,
            china,
            rule,
        );
        close(
            r.timeseries.series("us", "imports_t.other")[99].1,
            other,
            rule,
        );
        close(s.china_share.unwrap(), china, rule);
        close(r.timeseries.series("us", "china_share")[99].1, china, rule);
    }
    // Without recycling China supplies 0.8 of 1.0 whatever the rule: 0.8.
    let y = tiny(
        "    demand: [{sector: total, t_per_year: 365.25}]\n    imports: [{origin: china, t_per_year: 292.2}, {origin: other, t_per_year: 146.1}]\n    displacement: china_first\n",
        0.0,
    );
    close(
        simulate(&load(&y), 1).summary.china_share.unwrap(),
        0.8,
        "no recycling",
    );
}

/// Demand 10 t a day, China 12 t a day; the script cuts China to a quarter (3 t a day)
/// for the 30 market days dated 2025-01-11 to 2025-02-09, then restores it.
const CUT: &str = "set_import_ratio(\"china\", 0.25, \"2025-01-11\");\nset_import_share(\"china\", 1.0, \"2025-02-10\");\n";

#[test]
fn an_inventory_absorbs_most_of_an_import_cut_then_refills_from_headroom() {
    let dir = tempdir();
    // Inventory target 20 days = 200 t, refill at most 200 / 50 = 4 t a day.
    let y = tiny(
        "    demand: [{sector: total, t_per_year: 3652.5}]\n    imports: [{origin: china, t_per_year: 4383}]\n    inventory: {target_days: 20, refill_days: 50}\n",
        0.0,
    );
    let run = run_tiny(&dir, &y, CUT);
    // Each cut day lacks 10 - 3 = 7 t. 200 t of stock covers 28 days (196 t); the 29th day
    // draws the last 4 t and is 3 t short, the 30th 7 t short: shortfall 10 t, of the
    // 30 x 7 = 210 t the cut took (without a stock, all 210 t would be short).
    close(summary_f64(&run, "stock_draw_t"), 200.0, "drawn");
    close(summary_f64(&run, "shortfall_t"), 10.0, "shortfall");
    let short = run.series("us", "shortfall_t");
    close(at(&short, ymd(2025, 2, 7)), 0.0, "28th cut day");
    close(at(&short, ymd(2025, 2, 8)), 3.0, "29th cut day");
    close(at(&short, ymd(2025, 2, 9)), 7.0, "30th cut day");
    // From 2025-02-10 the stock refills from the 12 - 10 = 2 t a day of headroom (below the
    // 4 t cap): 2 t on the first day, 100 t after 50 days (2025-03-31), 200 t after 100
    // (2025-05-20), then it holds.
    let stock = run.series("us", "stock_t");
    close(at(&stock, ymd(2025, 1, 10)), 200.0, "before the cut");
    close(at(&stock, ymd(2025, 2, 9)), 0.0, "end of the cut");
    close(at(&stock, ymd(2025, 2, 10)), 2.0, "first refill day");
    close(at(&stock, ymd(2025, 3, 31)), 100.0, "50 refill days");
    close(at(&stock, ymd(2025, 5, 20)), 200.0, "back at target");
    close(at(&stock, ymd(2025, 8, 1)), 200.0, "holds");
    close(summary_f64(&run, "stock_refill_t"), 200.0, "refilled");
    // Customs would see China at 12 t a day while it refills (10 for demand + 2 for stock).
    close(
        at(&run.series("us", "imports_t.china"), ymd(2025, 3, 1)),
        12.0,
        "imports while refilling",
    );
    // Cover in days of the day's demand: 100 t / 10 t.
    close(
        at(&run.series("us", "stock_cover_days"), ymd(2025, 3, 31)),
        10.0,
        "cover",
    );
}

#[test]
fn the_strategic_stockpile_serves_its_sectors_when_released_by_a_script_or_by_its_rule() {
    let dir = tempdir();
    // Defence 1 t a day and civil 9 t a day; China cut to 0 for 30 days; no inventory.
    let market = |stock: &str| {
        format!(
            "    demand: [{{sector: defence, t_per_year: 365.25}}, {{sector: civil, t_per_year: 3287.25}}]\n    imports: [{{origin: china, t_per_year: 3652.5}}]\n{stock}"
        )
    };
    let cut = "set_import_ratio(\"china\", 0.0, \"2025-01-11\");\nset_import_share(\"china\", 1.0, \"2025-02-10\");\n";
    // A script releases 20 t of a 50 t stockpile on the first cut day: defence is served
    // for 20 days (20 x 1 t) and is short the other 10; civil is short 30 x 9 = 270 t;
    // 30 t stay in the stockpile.
    let y = tiny(
        &market("    stockpile: {initial_t: 50, sectors: [defence]}\n"),
        0.0,
    );
    let run = run_tiny(
        &dir,
        &y,
        &format!("{cut}release_stockpile(20, \"2025-01-11\");\n"),
    );
    close(summary_f64(&run, "stockpile_release_t"), 20.0, "released");
    close(
        sum(
            &run.series("us", "shortfall_t.defence"),
            ymd(2025, 1, 1),
            ymd(2025, 12, 31),
        ),
        10.0,
        "defence short",
    );
    close(
        sum(
            &run.series("us", "shortfall_t.civil"),
            ymd(2025, 1, 1),
            ymd(2025, 12, 31),
        ),
        270.0,
        "civil short",
    );
    close(
        at(&run.series("us", "stockpile_t"), ymd(2025, 6, 1)),
        30.0,
        "left",
    );
    // Without a release nothing leaves the stockpile: defence is short all 30 t.
    let run = run_tiny(&dir, &y, cut);
    close(
        summary_f64(&run, "stockpile_release_t"),
        0.0,
        "not released",
    );
    close(summary_f64(&run, "shortfall_t"), 300.0, "all short");
    // The automatic rule: a zero-day inventory has cover 0 < 1 day, so the stockpile serves
    // defence on each of the 30 cut days (30 t of its 50) and defence is never short.
    let y = tiny(
        &market(
            "    inventory: {target_days: 0, refill_days: 1}\n    stockpile: {initial_t: 50, sectors: [defence], release_below_cover_days: 1}\n",
        ),
        0.0,
    );
    let run = run_tiny(&dir, &y, cut);
    close(
        summary_f64(&run, "stockpile_release_t"),
        30.0,
        "auto release",
    );
    close(summary_f64(&run, "shortfall_t"), 270.0, "civil only");
}

#[test]
fn the_2025_script_follows_the_customs_path_month_by_month_against_a_flat_2024_level() {
    let dir = tempdir();
    let run = run_ok(
        &dir.path().join("run"),
        &["scripts/china_export_controls_2025.rhai"],
        "2",
    );
    let china = run.series("us_market", "imports_t.china");
    // Customs ratios to 620 t a month (7,446 t in 2024 / 12; DOMAIN "Corrections"; April
    // from Adamas: 46 t in May was -81 % on April -> 242 t, 0.39). Modelled China imports,
    // summed over each month of the daily series, divided by 620: within 0.1 of each.
    // A 31-day month at the reference is 7,446 x 31 / 365.25 = 632 t = 1.02, so the
    // calendar alone stays inside the tolerance.
    let path = [
        (4, 30, 0.39),
        (5, 31, 0.07),
        (6, 30, 0.57),
        (7, 31, 1.0),
        (8, 31, 0.95),
        (9, 30, 0.68),
        (10, 31, 1.06),
    ];
    for (month, last, ratio) in path {
        let t = sum(&china, ymd(2025, month, 1), ymd(2025, month, last));
        let got = t / 620.0;
        assert!(
            (got - ratio).abs() <= 0.1,
            "2025-{month:02}: China {t:.1} t = {got:.3} of 620 t, customs {ratio}"
        );
    }
    // Stocks absorb much of the cut: the 2025 shortfall was 1,353 t without them (every
    // month's loss short); now at most a third of that, and the inventory was drawn.
    let short_2025 = sum(
        &run.series("us_market", "shortfall_t"),
        ymd(2025, 1, 1),
        ymd(2025, 12, 31),
    );
    let drawn = sum(
        &run.series("us_market", "stock_draw_t"),
        ymd(2025, 1, 1),
        ymd(2025, 12, 31),
    );
    assert!(short_2025 < 1353.0 / 3.0, "2025 shortfall {short_2025}");
    assert!(drawn > 500.0, "drawn {drawn}");
    // From the December general licences China supplies its flat projection again, 7,446 t
    // a year (the stock still refilling, so all of it is bought).
    let dec = sum(&china, ymd(2025, 12, 1), ymd(2025, 12, 31));
    close(dec, 7446.0 * 31.0 / 365.25, "December");
}

#[test]
fn bad_market_fields_are_placed_and_explained() {
    let base = "    demand: [{sector: defence, t_per_year: 10}]\n    imports: [{origin: china, t_per_year: 10}]\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "    displacement: cheapest_first\n",
            "displacement",
            "unknown value `cheapest_first`",
        ),
        (
            "    inventory: {target_days: -1, refill_days: 90}\n",
            "inventory.target_days",
            "found -1",
        ),
        (
            "    inventory: {target_days: 30, refill_days: 0}\n",
            "inventory.refill_days",
            "found 0",
        ),
        (
            "    inventory: {target_days: 30, initial_days: 5000, refill_days: 90}\n",
            "inventory.initial_days",
            "found 5000",
        ),
        (
            "    stockpile: {initial_t: -5}\n",
            "stockpile.initial_t",
            "found -5",
        ),
        (
            "    stockpile: {initial_t: 5, sectors: [defense]}\n",
            "stockpile.sectors[0]",
            "unknown demand sector `defense`",
        ),
        (
            "    stockpile: {initial_t: 5, release_below_cover_days: 3}\n",
            "stockpile.release_below_cover_days",
            "needs an `inventory`",
        ),
    ];
    for (extra, path, message) in cases {
        let y = tiny(&format!("{base}{extra}"), 0.0);
        let ps = crate::common::problems(&y);
        assert!(
            ps.iter()
                .any(|p| p.path.contains(path) && p.message.contains(message)),
            "{extra}: {ps:#?}"
        );
    }
    // The stockpile's did-you-mean, and china_first without a `china`.
    let y = tiny(
        &format!("{base}    stockpile: {{initial_t: 5, sectors: [defense]}}\n"),
        0.0,
    );
    let ps = crate::common::problems(&y);
    assert!(
        ps.iter()
            .any(|p| p.hint.as_deref() == Some("did you mean `defence`?")),
        "{ps:#?}"
    );
    let y = tiny(
        "    demand: [{sector: total, t_per_year: 10}]\n    imports: [{origin: cn, t_per_year: 10, elastic_share: 1.5}]\n    displacement: china_first\n",
        0.0,
    );
    let ps = crate::common::problems(&y);
    assert!(
        ps.iter().any(|p| p.path.ends_with("displacement")
            && p.message.contains("needs an import origin named `china`")),
        "{ps:#?}"
    );
    assert!(
        ps.iter().any(
            |p| p.path.ends_with("imports[0].elastic_share") && p.message.contains("found 1.5")
        ),
        "{ps:#?}"
    );
}

#[test]
fn bad_market_acts_name_the_problem_and_the_fix() {
    let dir = tempdir();
    let check = |script: &str, want: &str| {
        let path = dir.path().join("s.rhai");
        fs::write(&path, script).unwrap();
        let o = run_in(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &["validate", MODEL, "--script", path.to_str().unwrap()],
        );
        assert_eq!(o.status.code(), Some(2), "{script}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{script}: {}", stderr(&o));
    };
    check(
        "set_import_ratio(\"chian\", 0.5, \"2025-05-01\");",
        "unknown import origin `chian` (did you mean `china`?)",
    );
    check(
        "set_import_ratio(\"china\", 11, \"2025-05-01\");",
        "a ratio must be from 0 to 10 (1 = the origin's level at the calendar start), found 11",
    );
    check(
        "set_import_ratio(\"china\", 0.5, \"2045-05-01\");",
        "2045-05-01",
    );
    check(
        "release_stockpile(0, \"2025-05-01\");",
        "tonnes must be above 0 and at most 1,000,000, found 0",
    );
    check(
        "let t = import_supply(\"other\"); release_stockpile(-3.0, \"2025-05-01\");",
        "found -3",
    );
    // A model without a stockpile refuses a release, and says what to add.
    let y = tiny(
        "    demand: [{sector: total, t_per_year: 10}]\n    imports: [{origin: china, t_per_year: 10}]\n",
        0.0,
    );
    let m = dir.path().join("m.yaml");
    fs::write(&m, y).unwrap();
    let s = dir.path().join("r.rhai");
    fs::write(&s, "release_stockpile(5, \"2025-03-01\");").unwrap();
    let o = run_in(
        dir.path(),
        &[
            "validate",
            m.to_str().unwrap(),
            "--script",
            s.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "the model has no strategic stockpile to release: add `stockpile:` to a market"
        ),
        "{}",
        stderr(&o)
    );
}
