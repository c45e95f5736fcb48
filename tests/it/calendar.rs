//! The calendar: horizons that end on calendar dates, records labelled with the period they
//! cover, and the yearly KPIs (`yearly.parquet`) adding up exactly to the whole-run ones.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use magloop::model::{self, Overrides};
use magloop::sim::{RunResult, YearlyRow};

use crate::common::{load, problems, simulate};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The value of one yearly row.
fn yearly(r: &RunResult, year: i32, sector: &str, kpi: &str) -> f64 {
    r.yearly
        .iter()
        .find(|y| y.year == year && y.sector == sector && y.kpi == kpi)
        .unwrap_or_else(|| panic!("no yearly row {year} {sector} {kpi}"))
        .value
}

/// The rows of one (sector, KPI), in year order.
fn years_of<'a>(r: &'a RunResult, sector: &str, kpi: &str) -> Vec<&'a YearlyRow> {
    r.yearly
        .iter()
        .filter(|y| y.sector == sector && y.kpi == kpi)
        .collect()
}

#[test]
fn ten_years_from_2025_end_on_2035_01_01_at_midnight() {
    let m = model::load_default(&Overrides::default()).unwrap().model;
    // 10 x 365 days + the leap days 2028-02-29 and 2032-02-29 = 3,652 days (not 3,652.5).
    assert_eq!(m.horizon, 3_652 * 86_400);
    assert_eq!(m.end(), ymd(2035, 1, 1).and_hms_opt(0, 0, 0).unwrap());
    // The last year is 2034, from 2034-01-01: 3,652 - 365 = 3,287 days in.
    assert_eq!(m.last_year_start(), 3_287 * 86_400);
    let years: Vec<i32> = m.calendar_years().iter().map(|y| y.0).collect();
    assert_eq!(years, (2025..=2034).collect::<Vec<_>>());
    // --years follows the same rule: 0.5 years from 2025-01-01 is 0.5 x 365 = 182.5 days,
    // rounded to 183.
    let half = model::load_default(&Overrides { years: Some(0.5) })
        .unwrap()
        .model;
    assert_eq!(half.horizon, 183 * 86_400);
}

#[test]
fn the_default_run_records_each_date_once_and_its_yearly_rows_add_up_exactly() {
    let m = model::load_default(&Overrides::default()).unwrap();
    let r = simulate(&m, 1);
    let ts = &r.timeseries;
    // One row per (node, metric, day): the horizon's record (day 3,652) is not repeated.
    let mut seen = BTreeSet::new();
    for i in 0..ts.len() {
        let key = (ts.entity[i], ts.metric[i], ts.time_s[i] / 86_400);
        assert!(seen.insert(key), "row {i} repeats {key:?}");
    }
    assert_eq!(ts.time_s.iter().max(), Some(&(3_652 * 86_400)));
    // Whole-run flows are the sums of their years, to the last bit.
    let s = &r.summary;
    for (kpi, whole) in [
        ("demand_t", s.demand_t),
        ("recycled_supply_t", s.recycled_supply_t),
        ("imports_t", s.imports_t),
        ("shortfall_t", s.shortfall_t),
        ("hpms_output_t", s.hpms_output_t),
        ("coproducts_t", s.coproducts_t),
        ("sintered_magnets_t", s.sintered_magnets_t),
        ("oxides_t", s.oxides_t),
        ("oxide_feed_t", s.oxide_feed_t),
    ] {
        let rows = years_of(&r, "all", kpi);
        assert_eq!(rows.len(), 10, "{kpi}: one row a year, 2025 .. 2034");
        let sum = rows.iter().fold(0.0, |acc, y| acc + y.value);
        assert_eq!(sum, whole, "{kpi}");
    }
    // The last year's KPIs are 2034's rows; the cumulative supply to 2034 is the whole run.
    assert_eq!(
        s.shortfall_last_year_t,
        yearly(&r, 2034, "all", "shortfall_t")
    );
    assert_eq!(
        s.recycled_supply_last_year_t,
        yearly(&r, 2034, "all", "recycled_supply_t")
    );
    assert_eq!(
        yearly(&r, 2034, "all", "recycled_supply_cum_t"),
        s.recycled_supply_t
    );
    // Sectors add up to `all`, and origins to imports (summed in another order: to 1e-9).
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let sectors: Vec<String> = m
        .model
        .nodes
        .iter()
        .find_map(|n| match &n.kind {
            model::NodeKind::Market(mk) => {
                Some(mk.demand.iter().map(|d| d.sector.clone()).collect())
            }
            _ => None,
        })
        .unwrap();
    for year in 2025..=2034 {
        for kpi in ["demand_t", "recycled_supply_t", "imports_t", "shortfall_t"] {
            let mut by_sector: f64 = sectors.iter().map(|sc| yearly(&r, year, sc, kpi)).sum();
            // Imports bought to refill the inventory are no sector's: `all` holds them.
            if kpi == "imports_t" {
                by_sector += yearly(&r, year, "all", "stock_refill_t");
            }
            assert!(
                close(by_sector, yearly(&r, year, "all", kpi)),
                "{year} {kpi}"
            );
        }
        let by_origin =
            yearly(&r, year, "all", "imports_t.china") + yearly(&r, year, "all", "imports_t.other");
        assert!(
            close(by_origin, yearly(&r, year, "all", "imports_t")),
            "{year}"
        );
        let parts =
            yearly(&r, year, "all", "sintered_magnets_t") + yearly(&r, year, "all", "coproducts_t");
        assert!(
            close(parts, yearly(&r, year, "all", "hpms_output_t")),
            "{year}"
        );
    }
    // China's share of `all` has the summary's definition, imports from China over what
    // the market took in (recycled + domestic + imported, refills included), in each year:
    // so the years' parts give the whole run's share (to rounding of the sums' order).
    let (mut china, mut intake) = (0.0, 0.0);
    for year in 2025..=2034 {
        let took = ["recycled_supply_t", "domestic_supply_t", "imports_t"]
            .iter()
            .map(|k| yearly(&r, year, "all", k))
            .sum::<f64>();
        let from_china = yearly(&r, year, "all", "imports_t.china");
        assert!(
            close(yearly(&r, year, "all", "china_share"), from_china / took),
            "{year}"
        );
        china += from_china;
        intake += took;
    }
    assert!(close(china / intake, r.summary.china_share.unwrap()));
    // The hub commissions on 2027-07-01: no magnets before 2027, some in it.
    assert_eq!(yearly(&r, 2026, "all", "hpms_output_t"), 0.0);
    assert!(yearly(&r, 2027, "all", "hpms_output_t") > 0.0);
}

/// A market over 2027 and 2028 (a leap year): demand 1 t a day in two sectors, 0.5 t of
/// recycled material arriving each day, China able to send 0.25 t a day and others 0.1 t.
const TWO_YEARS: &str = "
name: two_years
calendar: {start: 2027-01-01, years: 2}
elements: [Nd]
materials:
  m: {role: scrap, composition: {Nd: 30}}
nodes:
  - {id: scrap, kind: scrap_source, material: m, tonnes_per_year: 182.625, lot_kg: 500, arrivals: regular}
  - id: us
    kind: market
    demand: [{sector: ev, t_per_year: 219.15}, {sector: wind, t_per_year: 146.1}]
    imports: [{origin: china, t_per_year: 91.3125}, {origin: other, t_per_year: 36.525}]
links:
  - {id: a, from: scrap, to: us, dispatch: immediate}
";

#[test]
fn a_market_over_a_leap_year_has_its_days_in_each_year() {
    let m = load(TWO_YEARS);
    // 2027 has 365 days and 2028 has 366: the horizon is 731 days.
    assert_eq!(m.model.horizon, 731 * 86_400);
    let r = simulate(&m, 1);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    // A year's rates are per 365.25 days: ev 219.15 / 365.25 = 0.6 t a day, wind 0.4 t;
    // China 0.25 t, others 0.1 t; a 500 kg lot every 0.5 / 182.625 years = 1 day. The
    // market's days end at 1, 2, ..., 731 days, each after that instant's lot; the day
    // ending 2028-01-01 00:00 (day 365) is 2027's 365th, so 2027 has 365 market days and
    // 2028 has 366.
    for (year, days) in [(2027, 365.0), (2028, 366.0)] {
        let at = |sector: &str, kpi: &str| yearly(&r, year, sector, kpi);
        assert!(close(at("all", "demand_t"), days * 1.0), "{year}");
        assert!(close(at("ev", "demand_t"), days * 0.6), "{year}");
        assert!(close(at("wind", "demand_t"), days * 0.4), "{year}");
        // Recycled first, shared by need 60 : 40: ev 0.3, wind 0.2 t a day; what is left
        // (0.3 and 0.2) takes China's 0.25 as 0.15 + 0.10, then the others' 0.1 as
        // 0.06 + 0.04.
        assert!(close(at("all", "recycled_supply_t"), days * 0.5), "{year}");
        assert!(close(at("ev", "recycled_supply_t"), days * 0.3), "{year}");
        assert!(close(at("all", "imports_t.china"), days * 0.25), "{year}");
        assert!(close(at("ev", "imports_t.china"), days * 0.15), "{year}");
        assert!(close(at("wind", "imports_t.other"), days * 0.04), "{year}");
        assert!(close(at("all", "imports_t"), days * 0.35), "{year}");
        // Shortfall 1 - 0.5 - 0.35 = 0.15 t a day (ev 0.6 - 0.3 - 0.21 = 0.09, wind 0.06).
        assert!(close(at("all", "shortfall_t"), days * 0.15), "{year}");
        assert!(close(at("ev", "shortfall_t"), days * 0.09), "{year}");
        assert!(close(at("wind", "shortfall_t"), days * 0.06), "{year}");
        // China's share of supply: 0.25 of the 0.85 t a day met; ev 0.15 of 0.51.
        assert!(close(at("all", "china_share"), 0.25 / 0.85), "{year}");
        assert!(close(at("ev", "china_share"), 0.15 / 0.51), "{year}");
    }
    // Recycled supply to the end of each year: 365 x 0.5 = 182.5 t, then + 366 x 0.5 = 365.5.
    assert!(close(
        yearly(&r, 2027, "all", "recycled_supply_cum_t"),
        182.5
    ));
    assert!(close(
        yearly(&r, 2028, "all", "recycled_supply_cum_t"),
        365.5
    ));
    // The last year is 2028 exactly: its shortfall is the last-year KPI, bit for bit.
    assert_eq!(
        r.summary.shortfall_last_year_t,
        yearly(&r, 2028, "all", "shortfall_t")
    );
    // 365 x 0.15 + 366 x 0.15 = 109.65 t over the run, the sum of the two rows exactly.
    assert!(close(r.summary.shortfall_t, 109.65));
    assert_eq!(
        r.summary.shortfall_t,
        yearly(&r, 2027, "all", "shortfall_t") + yearly(&r, 2028, "all", "shortfall_t")
    );
    // Rows: per year, `all` then ev then wind; no HPMS or oxide KPIs in a model without them.
    assert!(
        r.yearly
            .iter()
            .all(|y| !y.kpi.starts_with("magnets") && !y.kpi.starts_with("oxide"))
    );
    let sectors: Vec<&str> = r
        .yearly
        .iter()
        .filter(|y| y.year == 2027 && y.kpi == "demand_t")
        .map(|y| y.sector.as_str())
        .collect();
    assert_eq!(sectors, ["all", "ev", "wind"]);
}

#[test]
fn each_record_is_labelled_with_the_period_it_covers() {
    // Weekly records over 2025 (365 days): at days 7, 14, ..., 364, then the horizon at
    // 365, which covers the one day since day 364.
    let m = load(&TWO_YEARS.replace(
        "{start: 2027-01-01, years: 2}",
        "{start: 2025-01-01, years: 1, record_every_days: 7}",
    ));
    let r = simulate(&m, 1);
    let df = magloop::output::timeseries_frame(&r).unwrap();
    let date = |c: &str, i: usize| {
        let days = df
            .column(c)
            .unwrap()
            .date()
            .unwrap()
            .physical()
            .get(i)
            .unwrap();
        ymd(1970, 1, 1) + chrono::Days::new(days as u64)
    };
    // The first record: 2025-01-01 .. 2025-01-08 (end exclusive), dated its end.
    assert_eq!(date("period_start", 0), ymd(2025, 1, 1));
    assert_eq!(date("period_end", 0), ymd(2025, 1, 8));
    assert_eq!(date("date", 0), ymd(2025, 1, 8));
    // The last: day 364 (2025-12-31) to the horizon, 2026-01-01.
    let last = df.height() - 1;
    assert_eq!(date("period_start", last), ymd(2025, 12, 31));
    assert_eq!(date("period_end", last), ymd(2026, 1, 1));
    // 52 weekly records and the horizon's: 53 steps.
    let steps: BTreeSet<i64> = r.timeseries.time_s.iter().copied().collect();
    assert_eq!(steps.len(), 53);
}

#[test]
fn horizons_that_cannot_be_meant_are_refused() {
    let both = TWO_YEARS.replace("years: 2}", "years: 2, days: 30}");
    let p = problems(&both);
    assert!(
        p.iter()
            .any(|p| p.path == "calendar.days" && p.message.contains("both")),
        "{p:#?}"
    );
    // 0.001 years is 0.365 days: nothing to simulate.
    let p = problems(&TWO_YEARS.replace("years: 2", "years: 0.001"));
    assert!(
        p.iter()
            .any(|p| p.path == "calendar.years" && p.message.contains("less than half a day")),
        "{p:#?}"
    );
    let p = problems(&TWO_YEARS.replace("years: 2", "record_every_days: 1"));
    assert!(
        p.iter()
            .any(|p| p.path == "calendar" && p.message.contains("no horizon")),
        "{p:#?}"
    );
    // `all` names the sum of sectors in yearly.parquet.
    let p = problems(&TWO_YEARS.replace("sector: wind", "sector: all"));
    assert!(
        p.iter()
            .any(|p| p.path.ends_with("demand[1].sector") && p.message.contains("reserved")),
        "{p:#?}"
    );
    // A horizon of days is exact to the second: 1.5 days.
    let m = load(&TWO_YEARS.replace("years: 2", "days: 1.5"));
    assert_eq!(m.model.horizon, 129_600);
}
