//! The script API, function by function.

use chrono::{Datelike, NaiveDate};

use super::{
    Run, Shock, YEAR_DAYS, assert_close, at, caps, china_sold, demand_t_per_year, field, in_range,
    read, run_model, run_ok, sum, write_script, ymd,
};
use crate::common::{repo, run_in, stderr, stdout, tempdir};

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
    // Demand now: each sector at its own growth, 365 days on.
    assert_close(
        field(&notes[2], "dem"),
        demand_t_per_year(365.0, 1.0),
        1e-12,
        "demand",
    );
}

#[test]
fn a_yearly_hook_fires_once_a_year_and_never_at_the_horizon() {
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "yearly.rhai",
        r#"every("1 year", || note("year " + date()));"#,
    );
    // Ten years from 2025-01-01 end at 2035-01-01 00:00: the hook runs on 1 January of
    // 2025 .. 2034, ten times (not at the horizon, an eleventh).
    let run = run_ok(&dir.path().join("run"), &[&s], "10");
    let notes: Vec<String> = run.notes().into_iter().map(|n| n.1).collect();
    let expected: Vec<String> = (2025..=2034).map(|y| format!("year {y}-01-01")).collect();
    assert_eq!(notes, expected);
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
    // One year ends at 2026-01-01 00:00, the horizon, where no periodic hook fires: the
    // monthly calls are 2025-01-01 .. 2025-12-01, twelve of them.
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    let notes: Vec<String> = run.notes().into_iter().map(|n| n.1).collect();
    let monthly: Vec<&String> = notes.iter().filter(|n| n.starts_with("monthly")).collect();
    let expected: Vec<String> = (0..12)
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
    let m = |name: &str| run.series("us_market", name);
    let (demand, shortfall) = (m("demand_t"), m("shortfall_t"));
    let (china, other) = (m("imports_t.china"), m("imports_t.other"));
    let (drawn, refilled) = (m("stock_draw_t"), m("stock_refill_t"));
    let released = m("stockpile_release_t");
    let domestic = m("domestic_supply_t");
    // 3,450 t/yr of EV demand doubles from 1 July; the other sectors are unchanged.
    for (i, d) in demand
        .iter()
        .enumerate()
        .filter(|(_, d)| d.date.year() == 2025)
    {
        let k = if d.date < ymd(2025, 7, 1) { 1.0 } else { 2.0 };
        let want = demand_t_per_year(d.days(), k) / YEAR_DAYS;
        assert_close(d.value, want, 1e-9, &format!("demand on {}", d.date));
        // Nothing is recycled in 2025: demand + stock bought = domestic makers' supply +
        // imports + stock drawn + stockpile released (for defence, once the stock's cover
        // is below 5 days) + short.
        assert_close(
            d.value + refilled[i].value,
            domestic[i].value
                + china[i].value
                + other[i].value
                + drawn[i].value
                + released[i].value
                + shortfall[i].value,
            1e-9,
            &format!("balance on {}", d.date),
        );
        if d.date < ymd(2025, 7, 1) {
            assert_eq!(shortfall[i].value, 0.0, "shortfall on {}", d.date);
        }
    }
    // The extra ~1,750 t of the second half (3,450 x ~0.5 yr) exceeds the other origins'
    // headroom (~3,700 - 3,054 = ~650 t/yr, ~330 t in half a year) and the month of stock
    // (~880 t): part of it is short.
    let short = sum(&shortfall, ymd(2025, 7, 1), ymd(2025, 12, 31));
    assert!(short > 100.0 && short < 1750.0, "shortfall {short}");
    // demand() is the rate now, t/yr, on 1 July (181 days on) with EV doubled.
    let note = &run.notes()[0].1;
    assert_close(
        field(note, "dem"),
        demand_t_per_year(181.0, 2.0),
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
    // 8 M x 0.4 = 3.2 M drives/yr, ~5,300 pallets a half-year: within 4 %.
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
set_import_share("china", 0.5, "2025-06-01");
for d in ["2025-02-15", "2025-03-15", "2025-04-15", "2025-05-15", "2025-06-15"] {
    at(d, || note("share=" + import_share("china")));
}
"#,
    );
    let run = run_ok(&dir.path().join("run"), &[&s], "1");
    // Dy and Tb reach China's heavy_re grade only, 52 % of its supply: alone, that
    // restriction leaves 0.48 + 0.52 x 0.4 = 0.688. Feb 1; March 0.5 (magnets); April both:
    // 0.5 x 0.688 = 0.344; May the first has ended (2 months from 1 March): 0.688; June base
    // 0.5 x 0.688 = 0.344. (A restriction naming only iron would change nothing, and is
    // refused: see `bad`.)
    let shares: Vec<f64> = run.notes().iter().map(|n| field(&n.1, "share")).collect();
    let expected = [1.0, 0.5, 0.344, 0.688, 0.344];
    for (got, want) in shares.iter().zip(expected) {
        assert_close(*got, want, 1e-12, "import_share");
    }
    assert_eq!(shares.len(), 5);
    // And the market sees it: each day's Chinese imports are that share of the baseline.
    // By grade (standard, heavy_re): the Dy/Tb restriction reaches heavy_re alone.
    let share_on = |d: NaiveDate| match d {
        d if d < ymd(2025, 3, 1) => [1.0, 1.0],
        d if d < ymd(2025, 4, 1) => [0.5, 0.5],
        d if d < ymd(2025, 5, 1) => [0.5, 0.5 * 0.4],
        d if d < ymd(2025, 6, 1) => [1.0, 0.4],
        _ => [0.5, 0.5 * 0.4],
    };
    // China sells all it may less what home supply displaces (`china_sold`).
    for (i, p) in run
        .series("us_market", "imports_t.china")
        .iter()
        .enumerate()
        .filter(|(_, p)| p.date.year() == 2025)
    {
        assert_close(
            p.value,
            china_sold(&run, i, caps(p.days(), share_on(p.date), [1.0, 1.0])),
            1e-9,
            &p.date.to_string(),
        );
    }
    let rows = run.shocks();
    let restrict: Vec<&Shock> = rows
        .iter()
        .filter(|s| s.action == "restrict_imports")
        .collect();
    assert_eq!(restrict.len(), 2);
    assert_eq!(
        restrict[0].arguments,
        r#""china", ["magnets"], 0.5, "2025-03-01", "2 months""#
    );
    assert_eq!(restrict[1].effective, ymd(2025, 4, 1));
}

/// A one-year market of two sectors, `a` and `b`, 1 t a day each; China may send 1 t a day
/// and other origins 4 t a day (listed in that order: China first in the merit order); a
/// commercial inventory of 10 days' cover. A scrap source feeds a sink (a model needs one).
const TWO_ORIGINS: &str = "name: two_origins
calendar: {start: 2025-01-01, years: 1}
elements: [Nd, Fe]
materials:
  scrap: {role: scrap, composition: {Nd: 30, Fe: 70}}
nodes:
  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 1, lot_kg: 10, arrivals: regular}
  - {id: bin, kind: sink}
  - id: us
    kind: market
    demand: [{sector: a, t_per_year: 365.25}, {sector: b, t_per_year: 365.25}]
    imports: [{origin: china, t_per_year: 365.25}, {origin: other, t_per_year: 1461}]
    inventory: {target_days: 10, refill_days: 5}
links:
  - {id: l, from: scrap, to: bin, dispatch: immediate}
";

/// Runs [`TWO_ORIGINS`] with `script`.
fn two_origins(dir: &std::path::Path, script: &str) -> Run {
    std::fs::write(dir.join("m.yaml"), TWO_ORIGINS).unwrap();
    let s = write_script(dir, "s.rhai", script);
    let out = dir.join("out");
    let o = run_model(dir, Some("m.yaml"), &out, &[&s], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    Run {
        ts: read(&out.join("timeseries.parquet")),
        dir: out,
    }
}

#[test]
fn exclude_origin_keeps_a_sector_off_an_origin_and_stock_reads_the_inventory() {
    // Sector a may not buy from China. China's 1 t a day goes first (merit order) to the
    // sectors that may take it, b alone; other origins serve a's 1 t. Supply (5 t a day)
    // exceeds demand (2 t), so the inventory stays at its target, 10 days x 2 t = 20 t.
    let dir = tempdir();
    let run = two_origins(
        dir.path(),
        "exclude_origin(\"a\", \"china\", \"2025-01-01\");\nat(\"2025-03-01\", || note(\"stock=\" + stock()));\n",
    );
    let china_a = run.series("us", "imports_t.china.a");
    let china_b = run.series("us", "imports_t.china.b");
    let other_a = run.series("us", "imports_t.other.a");
    let mut days = 0;
    for ((ca, cb), oa) in china_a.iter().zip(&china_b).zip(&other_a) {
        // Each market day: 1 t a day (the last, part-day record aside).
        if ca.days() >= 1.0 && ca.days() <= 364.0 {
            assert_eq!(ca.value, 0.0, "China to a on {}", ca.date);
            assert_close(cb.value, 1.0, 1e-9, &format!("China to b on {}", cb.date));
            assert_close(oa.value, 1.0, 1e-9, &format!("other to a on {}", oa.date));
            days += 1;
        }
    }
    assert_eq!(days, 364);
    let notes = run.notes();
    assert_eq!(notes.len(), 1);
    assert_close(field(&notes[0].1, "stock"), 20.0, 1e-9, "stock()");
    // Without the exclusion China serves both sectors alike (0.5 t each).
    let dir = tempdir();
    let run = two_origins(
        dir.path(),
        "at(\"2025-03-01\", || note(\"stock=\" + stock()));\n",
    );
    let china_a = run.series("us", "imports_t.china.a");
    let p = china_a.iter().find(|p| p.date == ymd(2025, 6, 1)).unwrap();
    assert_close(p.value, 0.5, 1e-9, "China to a without the rule");
}
