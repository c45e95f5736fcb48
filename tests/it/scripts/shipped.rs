//! Each shipped script's effect on the default model, and scripted runs' determinism.

use std::fs;

use chrono::{Datelike, NaiveDate};

use super::{
    MODEL, Point, Run, SHIPPED, assert_close, at, caps, china_sold, defence_demand_t, field,
    in_range, mean, read, run_ok, run_ok_set, sum, write_script, ymd,
};
use crate::common::{repo, run_in, stderr, stdout, tempdir};

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
    assert!(stdout(&o).contains("; 10 scripts ok"), "{}", stdout(&o));
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
    // China is first in the market's merit order and nothing recycled arrives in 2025 (the
    // Dallas hub starts in mid-2027), so each day it sells all it may less what the
    // domestic makers displace (`china_sold`): demand (~29 t a day) exceeds its supply.
    // What it may sell is exactly the month's ratio of the flat 2024 level, 7,446 t / 365.25 d.
    let ratio_on = |d: NaiveDate| -> f64 {
        match d {
            d if d < ymd(2025, 4, 4) => 1.0,
            d if d < ymd(2025, 5, 1) => 0.32,
            d if d < ymd(2025, 6, 1) => 0.07,
            d if d < ymd(2025, 7, 1) => 0.57,
            d if d < ymd(2025, 8, 1) => 1.0,
            d if d < ymd(2025, 9, 1) => 0.95,
            d if d < ymd(2025, 10, 1) => 0.68,
            d if d < ymd(2025, 11, 1) => 1.06,
            _ => 1.0,
        }
    };
    for (i, p) in china
        .iter()
        .enumerate()
        .filter(|(_, p)| p.date.year() == 2025)
    {
        assert_close(
            p.value,
            {
                let r = ratio_on(p.date);
                china_sold(&run, i, caps(p.days(), [r, r], [1.0, 1.0]))
            },
            1e-9,
            &format!("China imports on {}", p.date),
        );
    }
    // Every day balances: demand + stock bought = recycled + domestic + imports + stock
    // drawn + stockpile released + shortfall.
    let m = |name: &str| run.series("us_market", name);
    let domestic = m("domestic_supply_t");
    let (demand, other, short) = (m("demand_t"), m("imports_t.other"), m("shortfall_t"));
    let (drawn, refilled, released) = (
        m("stock_draw_t"),
        m("stock_refill_t"),
        m("stockpile_release_t"),
    );
    let recycled = m("recycled_supply_t");
    for i in 0..demand.len() - 1 {
        assert_close(
            demand[i].value + refilled[i].value,
            recycled[i].value
                + domestic[i].value
                + china[i].value
                + other[i].value
                + drawn[i].value
                + released[i].value
                + short[i].value,
            1e-9,
            &format!("balance on {}", demand[i].date),
        );
    }
    // The stock carries most of the cut: 2025's shortfall is a fraction of the 1,353 t it
    // was without stocks, and none from October on.
    let short_2025 = sum(&short, ymd(2025, 1, 1), ymd(2025, 12, 31));
    assert!(
        short_2025 > 0.0 && short_2025 < 1353.0 / 3.0,
        "2025 shortfall {short_2025} t"
    );
    for p in short.iter().filter(|p| p.date >= ymd(2025, 10, 1)) {
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
    let mut expected: Vec<(NaiveDate, NaiveDate, String)> = [
        (4, 4),
        (5, 1),
        (6, 1),
        (7, 1),
        (8, 1),
        (9, 1),
        (10, 1),
        (11, 1),
    ]
    .iter()
    .map(|&(m, d)| (start, ymd(2025, m, d), "set_import_ratio".to_string()))
    .collect();
    expected.push((start, ymd(2025, 12, 1), "set_import_share".into()));
    for (m, d) in [(4, 4), (10, 9), (11, 7), (12, 1)] {
        expected.push((ymd(2025, m, d), ymd(2025, m, d), "note".into()));
    }
    assert_eq!(got, expected);
    assert!(shocks.iter().all(|s| s.script == file && s.line.is_some()));
    assert_eq!(shocks[0].time_s, 0);
    assert_eq!(shocks[1].arguments, r#""china", 0.07, "2025-05-01""#);
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
    assert!(notes[3].1.starts_with("general licences"), "{notes:?}");
}

#[test]
fn china_dy_tb_only_cuts_heavy_grades_and_differs_from_a_total_ban() {
    // The same cut (to 0.07, 4 Apr - 4 Dec 2025) on the Dy/Tb-bearing grade only, and on
    // all magnets. China ships 7,446 t/yr, 52 % heavy_re: the Dy/Tb cut removes at most
    // 7,446 * 0.52 * 0.93 * 244 / 365.25 = 2,405 t of heavy_re; a total ban also
    // 7,446 * 0.48 * 0.93 * 244 / 365.25 = 2,221 t of standard magnets.
    let dir = tempdir();
    let total_ban = write_script(
        dir.path(),
        "ban.rhai",
        "restrict_imports(\"china\", [\"magnets\"], 0.07, \"2025-04-04\", \"8 months\");\n",
    );
    let runs: Vec<Run> = [
        vec![],
        vec!["scripts/china_dy_tb_only.rhai"],
        vec![total_ban.as_str()],
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| run_ok(&dir.path().join(format!("r{i}")), s, "1"))
    .collect();
    let kpi = |r: &Run, kpi: &str| -> f64 {
        let y = read(&r.dir.join("yearly.parquet"));
        let sectors = y.column("sector").unwrap().str().unwrap().clone();
        let kpis = y.column("kpi").unwrap().str().unwrap().clone();
        let values = y.column("value").unwrap().f64().unwrap().clone();
        (0..y.height())
            .filter(|&i| sectors.get(i) == Some("all") && kpis.get(i) == Some(kpi))
            .map(|i| values.get(i).unwrap())
            .sum()
    };
    let (base, dy_tb, ban) = (&runs[0], &runs[1], &runs[2]);
    // Standard magnets: untouched by the Dy/Tb cut, short under the total ban.
    assert_close(
        kpi(dy_tb, "supply_t.standard"),
        kpi(base, "supply_t.standard"),
        1e-9,
        "standard under the Dy/Tb cut",
    );
    assert!(kpi(ban, "supply_t.standard") < kpi(base, "supply_t.standard") - 100.0);
    // Heavy grades: short under both, by at most the 2,405 t the cut removes.
    let lost = kpi(base, "supply_t.heavy_re") - kpi(dy_tb, "supply_t.heavy_re");
    assert!(lost > 0.0 && lost <= 2405.0, "{lost}");
    assert_close(
        kpi(dy_tb, "shortfall_t"),
        lost,
        1e-6,
        "shortfall is the heavy_re lost",
    );
    assert!(kpi(ban, "shortfall_t") > kpi(dy_tb, "shortfall_t") + 100.0);
    // The cut moves Dy and Tb supply, and Nd only with the heavy grade's 21.7 wt%.
    assert!(kpi(dy_tb, "supply_element_t.Dy") < kpi(base, "supply_element_t.Dy"));
    assert!(kpi(dy_tb, "supply_element_t.Tb") < kpi(base, "supply_element_t.Tb"));
}

#[test]
fn the_suspension_ends_variant_cuts_both_origins_for_a_year_from_2026_11_10() {
    let dir = tempdir();
    let run = run_ok(
        &dir.path().join("run"),
        &[
            "scripts/china_export_controls_2025.rhai",
            "scripts/china_controls_suspension_ends_2026.rhai",
        ],
        "3",
    );
    // From 2026-11-10 to 2027-11-09 China may sell half its 7,446 t/yr, and all of it is
    // bought (demand ~31 t a day > the ~10 t it may send) but what home supply displaces
    // (`china_sold`); then all of it again.
    let china = run.series("us_market", "imports_t.china");
    for (i, p) in china
        .iter()
        .enumerate()
        .filter(|(_, p)| p.date.year() >= 2026 && p.date < ymd(2028, 1, 1))
    {
        // The restrictions name magnets: both grades, China at 0.5 and the others at 0.8.
        let (k, ko) = if p.date >= ymd(2026, 11, 10) && p.date < ymd(2027, 11, 10) {
            (0.5, 0.8)
        } else {
            (1.0, 1.0)
        };
        assert_close(
            p.value,
            china_sold(&run, i, caps(p.days(), [k, k], [ko, ko])),
            1e-9,
            &p.date.to_string(),
        );
    }
    // The cut is larger than the stock: a shortfall appears, which the baseline path lacks.
    let short = sum(
        &run.series("us_market", "shortfall_t"),
        ymd(2026, 11, 10),
        ymd(2027, 11, 9),
    );
    assert!(short > 100.0, "shortfall {short} t");
}

#[test]
fn the_high_demand_estimate_scales_every_sector_by_1_962() {
    let dir = tempdir();
    let run = run_ok(
        &dir.path().join("run"),
        &["scripts/demand_high_estimate.rhai"],
        "1",
    );
    // 2025's first market day: 10,500 t/yr x 1.962 = 20,601 t/yr at the start; the day's
    // demand grows by each sector's rate, so within 0.1 % of 20,601 / 365.25 = 56.40 t.
    let d = run.series("us_market", "demand_t")[0].value;
    assert_close(d, 10_500.0 * 1.962 / 365.25, 1e-3, "first day's demand");
    // Supply is not scaled: the market is short from the first day, once the stock is gone.
    assert!(
        sum(
            &run.series("us_market", "shortfall_t"),
            ymd(2025, 1, 1),
            ymd(2025, 12, 31)
        ) > 5000.0
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

    // Upstream waits: Reno's intake (150,000 drives, about 17 days) fills, then pallets
    // wait on the link from the western data centres; both drain once the line is back.
    // Reno's line has over three times the capacity it needs (1 line at 2.17 s a drive and
    // 80 % availability: 11.6 M drives/yr against 8 M x 0.4 = 3.2 M arriving), so the
    // ~0.8 M drive backlog clears in about 0.8 / (11.6 - 3.2) yr = 1.1 months: by October.
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
    // drives the baseline processed during the outage, 8 M x 0.4 captured / 365.25 x 92
    // days = ~0.81 M). Observed: equal.
    let base_drives = base.series("reno_nv", "drives");
    let backlog = sum(&base_drives, from, to);
    assert!(backlog > 0.7e6, "backlog {backlog}");
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
    // 12 M x 0.4 = 4.8 M drives/yr (16,000 pallets): 1.5x in 2026-2027, 0.75x in
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

/// Defence's value of `kpi` in `year` in a yearly.parquet table.
fn defence_yearly(y: &polars::prelude::DataFrame, year: i32, kpi: &str) -> f64 {
    let years = y.column("year").unwrap().i32().unwrap();
    let sectors = y.column("sector").unwrap().str().unwrap();
    let kpis = y.column("kpi").unwrap().str().unwrap();
    let values = y.column("value").unwrap().f64().unwrap();
    (0..y.height())
        .find(|&i| {
            years.get(i) == Some(year)
                && sectors.get(i) == Some("defence")
                && kpis.get(i) == Some(kpi)
        })
        .and_then(|i| values.get(i))
        .unwrap_or_else(|| panic!("{kpi} of defence in {year}"))
}

#[test]
fn defence_2027_rule_bars_chinese_magnets_then_chinese_mines_and_oxides_from_2027() {
    let dir = tempdir();
    let rule = run_ok(
        &dir.path().join("rule"),
        &["scripts/defence_2027_rule.rhai"],
        "3",
    );
    let china = rule.series("us_market", "imports_t.china.defence");
    let other = rule.series("us_market", "imports_t.other.defence");
    let short = rule.series("us_market", "shortfall_t.defence");
    // Magnets made in China are barred from the start (stage `magnet`), and from 2027 every
    // import (other origins' chain carries Chinese mines and oxide, the model's `chain`).
    // A sector under a rule is served first from the domestic makers' magnets it accepts:
    // MP's (Mountain Pass NdPr, Dy and Tb from outside China) and Noveon's (recycled scrap)
    // comply at every stage and make more than defence's ~300-360 t/yr, so defence is never
    // short: the rule costs nothing while the announced plants run.
    for ((c, o), s) in china.iter().zip(&other).zip(&short) {
        assert_eq!(c.value, 0.0, "Chinese magnets to defence on {}", c.date);
        assert_eq!(s.value, 0.0, "defence shortfall on {}", s.date);
        if s.date >= ymd(2027, 1, 1) {
            assert_eq!(o.value, 0.0, "other origins to defence on {}", o.date);
        }
    }
    let y = read(&rule.dir.join("yearly.parquet"));
    let get = |year: i32, kpi: &str| defence_yearly(&y, year, kpi);
    // Compliant supply (yearly.parquet) is what defence got under the rule: all its demand.
    for year in [2025, 2026, 2027] {
        assert_close(
            get(year, "compliant_supply_t"),
            get(year, "demand_t"),
            1e-9,
            &format!("compliant supply {year}"),
        );
    }

    // The rule bites when the makers' own feed is Chinese at the mine: with MP's and
    // Noveon's external feeds so tagged (e-VAC's and USA Rare Earth's already carry China),
    // from 2027 only recycled magnets comply. Nothing recycled reaches the market before the
    // hub's first product on 2 July 2027 and the stockpile is released only below 5 days of
    // commercial cover (never here): from 2 January to 1 July 2027 all of defence's demand
    // is short.
    let sets = [
        "nodes.mp_independence.external_chain.mine=china",
        "nodes.mp_10x.external_chain.mine=china",
        "nodes.noveon_san_marcos.external_chain.mine=china",
    ];
    let bites = run_ok_set(
        &dir.path().join("bites"),
        &["scripts/defence_2027_rule.rhai"],
        "3",
        &sets,
    );
    let short = bites.series("us_market", "shortfall_t.defence");
    for s in short.iter().filter(|s| s.date < ymd(2027, 1, 1)) {
        assert_eq!(s.value, 0.0, "defence shortfall on {}", s.date);
    }
    for s in short
        .iter()
        .filter(|s| in_range(s, ymd(2027, 1, 2), ymd(2027, 7, 1)))
    {
        assert_close(
            s.value,
            defence_demand_t(s.days()),
            1e-9,
            &s.date.to_string(),
        );
    }
    let y = read(&bites.dir.join("yearly.parquet"));
    let get = |year: i32, kpi: &str| defence_yearly(&y, year, kpi);
    for year in [2025, 2026, 2027] {
        assert_close(
            get(year, "compliant_supply_t"),
            get(year, "demand_t") - get(year, "shortfall_t"),
            1e-9,
            &format!("compliant supply {year}"),
        );
    }
    // 2026's only short day is the market day at 2027-01-01 00:00 (it counts in the year it
    // ends), when the mine-stage rule already holds: that day's whole defence demand.
    let first_day = short
        .iter()
        .find(|s| s.date == ymd(2027, 1, 1))
        .expect("the record of 2027-01-01");
    assert_close(get(2026, "shortfall_t"), first_day.value, 1e-9, "2026");
    assert_close(
        first_day.value,
        defence_demand_t(first_day.days()),
        1e-9,
        "2027-01-01",
    );
    assert!(get(2027, "shortfall_t") > 0.5 * get(2027, "demand_t"));
    assert_close(
        get(2027, "compliant_supply_t"),
        get(2027, "recycled_supply_t"),
        1e-9,
        "2027: recycled is all the compliant supply",
    );
}

#[test]
fn two_scripts_in_order_defence_rule_bites_when_china_is_defences_supplier() {
    // The first script leaves only defence and `other` buying, from China alone; the
    // shipped rule then bars China from defence. Given in this order, both act.
    let dir = tempdir();
    let first = write_script(
        dir.path(),
        "china_only.rhai",
        r#"// Only defence and `other` buy magnets, and only China sells them (the domestic
// makers' lines are retired before they make anything).
for s in ["ev_hybrid", "wind", "electronics", "industrial"] {
    set_demand(s, 0.0, "2025-01-01");
}
set_import_share("other", 0.0);
for p in ["mp_independence", "mp_10x", "evac_sumter", "noveon_san_marcos", "usare_stillwater"] {
    remove_capacity(p, capacity(p), "2025-01-01");
}
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
    // China's magnets are barred from defence from the start (stage `magnet`), `other`
    // sells nothing, and nothing recycled arrives before the hub's first product on
    // 2 July 2027: until then all of defence's demand is short.
    for (c, s) in china.iter().zip(&short) {
        assert_eq!(c.value, 0.0, "China to defence on {}", c.date);
        if in_range(s, ymd(2025, 1, 2), ymd(2027, 7, 1)) {
            assert_close(
                s.value,
                defence_demand_t(s.days()),
                1e-9,
                &s.date.to_string(),
            );
        }
    }
    // Then recycled magnets arrive: standard-grade HDD magnets serve `other`'s standard
    // demand first (their own grade), and what is left serves defence's heavy_re demand
    // (defence, barred from China, is served first): defence's shortfall is at most its
    // demand, and at least its demand less all the recycled supply.
    let mut days = 0;
    for ((s, r), c) in short.iter().zip(&recycled).zip(&china) {
        if in_range(s, ymd(2027, 7, 2), ymd(2027, 12, 31)) {
            assert!(r.value > 0.0, "nothing recycled on {}", r.date);
            let d = defence_demand_t(s.days());
            assert!(s.value <= d * (1.0 + 1e-9), "{}", s.date);
            assert!(s.value + r.value >= d * (1.0 - 1e-9), "{}", s.date);
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
    // 4 set_demand, 1 set_import_share and 5 remove_capacity, then two require_origin and
    // the note of 2027.
    assert_eq!(scripts[..10], vec![first.clone(); 10]);
    assert_eq!(scripts[10..], ["scripts/defence_2027_rule.rhai"; 3]);
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
