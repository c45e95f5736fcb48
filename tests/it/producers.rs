//! Domestic magnet producers (`producer`): alone on external feed, fed by an oxide plant,
//! moved and resized by scripts, and the default model's producers against the capacities
//! their makers announced. Expected values are worked out by hand beside each assert.

use magloop::model::{self, Overrides};
use magloop::script::{self, ScriptPolicy};
use magloop::sim::{RunOptions, RunResult, Simulation};

use crate::common::{load, simulate, stats};

const MATERIALS: &str = "
elements: [Nd, Dy, Fe, O]
materials:
  scrap: {role: scrap, composition: {Nd: 30, Dy: 10, Fe: 60}}
  nd_oxide: {role: product}
  dy_oxide: {role: product}
  new_magnet: {role: product, composition: {Nd: 30, Fe: 70}}
";

fn net(calendar: &str, nodes: &str, links: &str) -> String {
    format!("name: t\ncalendar: {calendar}\n{MATERIALS}nodes:\n{nodes}links:\n{links}")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert_close!($a, $b, 1e-9)
    };
    ($a:expr, $b:expr, $tol:expr) => {
        assert!(
            close($a, $b, $tol),
            "{} = {}, expected {}",
            stringify!($a),
            $a,
            $b
        )
    };
}

fn yearly(r: &RunResult, year: i32, kpi: &str) -> f64 {
    r.yearly
        .iter()
        .find(|y| y.year == year && y.sector == "all" && y.kpi == kpi)
        .map(|y| y.value)
        .unwrap_or_else(|| panic!("no yearly row {year} all {kpi}"))
}

/// One maker: `lines` lines of 365.25 t/yr (1 t a day at full capacity), on Mountain Pass
/// oxide, with the given ramp and availability, selling to a sink.
fn maker(lines: u32, ramp: &str, availability: f64) -> String {
    format!(
        "  - id: maker
    kind: producer
    status: announced
    lines: {lines}
    line_t_per_year: 365.25
    commissioning: 2025-01-01
    {ramp}
    availability: {availability}
    magnet_material: new_magnet
    external_feed: mountain_pass
    external_chain: {{mine: us, oxide: us}}
    cost_usd_per_kg: 50
    input_capacity_kg: 100000
    storage_capacity_kg: 100000
  - {{id: buyers, kind: sink}}\n"
    )
}

#[test]
fn a_producer_alone_makes_capacity_times_availability() {
    // 2 lines x 365.25 t/yr x availability 0.8 = 584.4 t/yr: 1.6 t a day. Commissioned at
    // 0, it makes a day's worth at 0 d, 1 d, ..., 365 d (the horizon is 365.25 d): 366
    // days, 585.6 t.
    let y = net(
        "{start: 2025-01-01, days: 365.25}",
        &maker(2, "ramp_years: 0", 0.8),
        "  - {id: out, from: maker, to: buyers, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    let s = &r.summary;
    assert_close!(s.producer_output_t, 366.0 * 1.6);
    // All of its neodymium is bought: 30 % of 585.6 t = 175.68 t; iron (70 %) is an
    // addition, not a rare earth; nothing came in by link.
    assert_close!(s.producer_external_feed_t, 0.3 * 585.6);
    assert_close!(s.producer_recycled_feed_t, 0.0);
    // 585,600 kg at 50 USD/kg.
    assert_close!(s.producer_cost_usd, 585_600.0 * 50.0);
    // By producer and by feed origin in yearly.parquet (2025 holds every day, the one at
    // 2026-01-01 00:00 included).
    assert_close!(yearly(&r, 2025, "producer_output_t.maker"), 585.6);
    assert_close!(
        yearly(&r, 2025, "producer_external_feed_t.mountain_pass"),
        175.68
    );
    // The ledger: everything it made came in from outside and left by the link.
    let st = stats(&r, "maker");
    assert_close!(st.in_kg, 585_600.0);
    assert_close!(st.out_kg, 585_600.0);
}

#[test]
fn a_producer_ramps_linearly_from_its_initial_share() {
    // 1 line of 1 t a day, from 50 % at commissioning to 100 % over one year of 365.25 d:
    // day k (k = 0..365) makes 0.5 + 0.5 k / 365.25 t. Sum: 366 x 0.5 + 0.5 / 365.25 x
    // (0 + 1 + ... + 365) = 183 + 0.5 x 66,795 / 365.25 = 183 + 91.4374 = 274.4374 t.
    let y = net(
        "{start: 2025-01-01, days: 365.25}",
        &maker(1, "ramp_years: 1\n    initial_capacity_share: 0.5", 1.0),
        "  - {id: out, from: maker, to: buyers, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    let expected = 183.0 + 0.5 * (365.0 * 366.0 / 2.0) / 365.25;
    // Each day is rounded to the milligram and split by element with floors: within 3 mg a day.
    assert_close!(r.summary.producer_output_t, expected, 1e-8);
}

#[test]
fn a_producer_fed_by_an_oxide_plant_makes_what_its_oxides_allow() {
    // The oxide plant of nodes.rs: 100 kg of scrap (30 % Nd, 10 % Dy) an hour, 1 t of feed
    // a day, 75 % of Nd and 50 % of Dy recovered: each day 281.25 kg of Nd oxide (225 kg Nd
    // + 56.25 kg O) and 75 kg of Dy oxide (50 kg Dy + 25 kg O), on days 1..365. The maker
    // has no external feed and ample capacity (10 t a day), so it makes what the day's Nd
    // allows: 225 kg / 0.30 = 750 kg of magnets, buying 525 kg of iron. Its magnets carry
    // no Dy and no O: the Dy oxide and the oxides' oxygen leave as by-product (81.25 +
    // 50 = 131.25 kg a day).
    let y = net(
        "{start: 2025-01-01, days: 365.25, record_every_days: 1}",
        "  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 876.6, lot_kg: 100, arrivals: regular}
  - id: plant
    kind: oxide_plant
    feed_t_per_year: 365.25
    commissioning: 2025-01-01
    recovery: {Nd: 0.75, Dy: 0.5}
    products:
      - {material: nd_oxide, oxide_factor: {Nd: 1.25}, purity: 0.998}
      - {material: dy_oxide, oxide_factor: {Dy: 1.5}, purity: 0.998}
    input_capacity_kg: 1000000
    storage_capacity_kg: 10000
  - id: maker
    kind: producer
    status: operating
    lines: 10
    line_t_per_year: 365.25
    commissioning: 2025-01-01
    magnet_material: new_magnet
    input_capacity_kg: 100000
    storage_capacity_kg: 100000
  - {id: buyers, kind: sink}\n",
        "  - {id: a, from: scrap, to: plant, dispatch: immediate}
  - {id: b, from: plant, to: maker, dispatch: immediate}
  - {id: c, from: maker, to: buyers, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    let s = &r.summary;
    // The plant's oxides reach the maker the day they are made (deliveries come before
    // the day's work): 365 days x 356.25 kg of oxide taken in, 365 x 750 kg made.
    assert_close!(s.oxides_t, 365.0 * 0.35625);
    assert_close!(s.producer_recycled_feed_t, 365.0 * 0.35625, 1e-8);
    assert_close!(s.producer_output_t, 365.0 * 0.75, 1e-8);
    assert_close!(s.producer_external_feed_t, 0.0);
    let st = stats(&r, "maker");
    // In: the oxides plus the iron bought (525 kg a day); out: magnets and by-product.
    assert_close!(st.in_kg, 365.0 * (356.25 + 525.0), 1e-8);
    assert_close!(st.out_kg, 365.0 * (750.0 + 131.25), 1e-8);
}

/// Runs a model's text with one script, in-process.
fn run_with_script(yaml: &str, script_text: &str) -> RunResult {
    let m = load(yaml);
    let engine = script::documentation_engine();
    let compiled = script::compile_text(&engine, "test.rhai", script_text).unwrap();
    let mut sim = Simulation::new(
        &m.model,
        RunOptions {
            seed: 1,
            replication: 0,
            trace: false,
        },
    )
    .unwrap();
    sim.set_policy(Box::new(ScriptPolicy::new(&m.model, vec![compiled])));
    sim.run(|_| {}).unwrap()
}

/// The maker of `maker` (1 t a day) with its external feed tagged `chain`, selling to a
/// market whose one sector, defence, wants 2 t a day; China may send 10 t a day (its
/// imports carry `china` at every stage).
fn maker_and_market(chain: &str) -> String {
    let nodes = maker(1, "ramp_years: 0", 1.0)
        .replace(
            "external_chain: {mine: us, oxide: us}",
            &format!("external_chain: {chain}"),
        )
        .replace(
            "  - {id: buyers, kind: sink}\n",
            "  - id: us
    kind: market
    demand: [{sector: defence, t_per_year: 730.5}]
    imports: [{origin: china, t_per_year: 3652.5}]
",
        );
    net(
        "{start: 2025-01-01, days: 365.25}",
        &nodes,
        "  - {id: out, from: maker, to: us, dispatch: immediate}\n",
    )
}

#[test]
fn a_producers_magnets_carry_its_feeds_origins_and_its_own_magnet_stage() {
    // Defence accepts no Chinese content down to the mine. China's magnets are barred, so
    // defence gets only the maker's magnets, and only where its feed's tags allow: what it
    // got complies, and the rest of its demand is short (compliant + short = demand).
    let rule = |stage: &str, origin: &str| {
        format!("require_origin(\"defence\", \"{stage}\", \"{origin}\", \"2025-01-01\");\n")
    };
    let clean = run_with_script(
        &maker_and_market("{mine: us, oxide: us}"),
        &rule("mine", "china"),
    );
    let s = &clean.summary;
    // The maker makes 1 t a day (366 days); the market sells what has arrived.
    assert!(s.domestic_supply_t > 360.0, "{}", s.domestic_supply_t);
    assert_close!(s.compliant_supply_t, s.domestic_supply_t);
    assert_close!(s.compliant_supply_t + s.shortfall_t, s.demand_t);
    // Mined in China: nothing complies down to the mine, the whole demand is short ...
    let dirty = run_with_script(
        &maker_and_market("{mine: china, oxide: us}"),
        &rule("mine", "china"),
    );
    assert_eq!(dirty.summary.compliant_supply_t, 0.0);
    assert_close!(dirty.summary.shortfall_t, dirty.summary.demand_t);
    assert_eq!(dirty.summary.domestic_supply_t, 0.0);
    // ... but a rule at the oxide stage and on accepts it (the mine stage is not asked) ...
    let oxide = run_with_script(
        &maker_and_market("{mine: china, oxide: us}"),
        &rule("oxide", "china"),
    );
    assert_close!(oxide.summary.compliant_supply_t, s.compliant_supply_t);
    // ... and the magnet stage is the plant's own, `us`, whatever its feed: a rule barring
    // `us` magnets refuses them, and China (10 t a day) serves all of defence's 2 t. The
    // refused magnets are not sold: they wait at the market's gate.
    let own = run_with_script(
        &maker_and_market("{mine: us, oxide: us}"),
        &rule("magnet", "us"),
    );
    let o = &own.summary;
    assert_eq!(o.domestic_supply_t, 0.0);
    assert_close!(o.compliant_supply_t, o.demand_t);
    assert_eq!(o.shortfall_t, 0.0);
    assert!(o.producer_output_t > 300.0, "{}", o.producer_output_t);
}

#[test]
fn scripts_delay_resize_and_stop_a_producer() {
    // 1 line of 1 t a day, availability 1, no ramp, over two calendar years (horizon
    // 730.5 d). The script moves commissioning to 2025-07-01 (day 181), takes the plant
    // down for 10 days from 2025-08-01 (days 212..221), adds a line from 2026-03-01
    // (day 424) and retires both from 2026-10-01 (day 638). Actions come before the day's
    // work at the same instant.
    let y = net(
        "{start: 2025-01-01, years: 2}",
        &maker(1, "ramp_years: 0", 1.0),
        "  - {id: out, from: maker, to: buyers, dispatch: immediate}\n",
    );
    let r = run_with_script(
        &y,
        r#"note("cap=" + capacity("maker") + " on=" + commissioned("maker"));
delay_commissioning("maker", "181 days");
outage("maker", "2025-08-01", "10 days");
add_capacity("maker", 1, "2026-03-01");
remove_capacity("maker", 2, "2026-10-01");
at("2026-06-01", || note("cap=" + capacity("maker") + " on=" + commissioned("maker") + " av=" + availability("maker")));
"#,
    );
    let notes: Vec<&str> = r
        .shocks
        .iter()
        .filter(|s| s.action == "note")
        .map(|s| s.arguments.as_str())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("cap=1 on=false"), "{}", notes[0]);
    assert!(notes[1].contains("cap=2 on=true av=1.0"), "{}", notes[1]);
    // 2025 holds days 181..365 (2026-01-01 00:00 counts in 2025): 185 days, less the 10
    // of the outage: 175 t.
    assert_close!(yearly(&r, 2025, "producer_output_t"), 175.0);
    // 2026 (days 366..730): 366..423 at 1 t (58 t), 424..637 at 2 t (214 x 2 = 428 t),
    // none from day 638: 486 t.
    assert_close!(yearly(&r, 2026, "producer_output_t"), 486.0);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn retiring_more_lines_than_a_producer_has_warns_and_leaves_none() {
    let y = net(
        "{start: 2025-01-01, days: 10}",
        &maker(1, "ramp_years: 0", 1.0),
        "  - {id: out, from: maker, to: buyers, dispatch: immediate}\n",
    );
    let r = run_with_script(
        &y,
        r#"at("2025-01-05", || remove_capacity("maker", 3, "2025-01-05"));"#,
    );
    // Days 0..3 at 1 t; from day 4 (2025-01-05) none.
    assert_close!(r.summary.producer_output_t, 4.0);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0].contains("which has 1 line in service"),
        "{}",
        r.warnings[0]
    );
}

/// The default model's yearly output by producer, over ten years.
fn default_run() -> RunResult {
    let m = model::load_default(&Overrides::default()).unwrap();
    magloop::sim::simulate(
        &m.model,
        RunOptions {
            seed: 1,
            replication: 0,
            trace: false,
        },
        |_| {},
    )
    .unwrap()
}

#[test]
fn the_default_models_domestic_supply_follows_the_announced_capacities() {
    let r = default_run();
    let out = |year: i32, id: &str| yearly(&r, year, &format!("producer_output_t.{id}"));
    // Each producer's output in a year lies between zero and its nameplate (the ramp and
    // availability only take away); after its ramp it is nameplate x availability within
    // the ramp's last days. Figures as in models/us_magnet_network.yaml.
    // MP Independence: 1,000 t/yr from 2025-10-01, 25 % rising to 100 % over 2 years,
    // availability 0.85. 2025: 92 days at 25-28 % of 1,000 t/yr x 0.85: ~55-60 t.
    let mp25 = out(2025, "mp_independence");
    assert!((50.0..65.0).contains(&mp25), "{mp25}");
    // 2028 on: full capacity, 1,000 x 0.85 = 850 t (a calendar year of 365 or 366 days of
    // 1,000 / 365.25 t a day: 849.4 or 851.7 t).
    for year in 2028..=2034 {
        let v = out(year, "mp_independence");
        assert!((849.0..852.0).contains(&v), "{year}: {v}");
    }
    // MP 10X: 9,000 t/yr from 2028-07-01 (announced), 10 % rising over 4 years: none
    // before 2028; 2033 and 2034 at 9,000 x 0.85 = 7,650 t.
    for year in 2025..=2027 {
        assert_eq!(out(year, "mp_10x"), 0.0, "{year}");
    }
    for year in 2033..=2034 {
        let v = out(year, "mp_10x");
        assert!((7_640.0..7_670.0).contains(&v), "{year}: {v}");
    }
    // Domestic supply sold by the market is at most what the producers made, and by 2034
    // (all producers past their ramps) at least 60 % of the announced ~14,700 t/yr.
    for year in 2025..=2034 {
        let made = yearly(&r, year, "producer_output_t");
        let sold = yearly(&r, year, "domestic_supply_t");
        assert!(sold <= made + 1e-6, "{year}: sold {sold} > made {made}");
    }
    assert!(yearly(&r, 2034, "domestic_supply_t") > 0.6 * 14_700.0);
    // The recycled oxides reach a producer (USA Rare Earth): whatever Fredericktown made.
    let s = &r.summary;
    assert!(s.oxides_t > 0.0);
    assert!(s.producer_recycled_feed_t >= s.oxides_t * 0.99);
}

#[test]
fn mp_10x_delay_moves_the_10x_output_to_2030() {
    let m = model::load_default(&Overrides::default()).unwrap();
    let text =
        std::fs::read_to_string(crate::common::repo().join("scripts/mp_10x_delay.rhai")).unwrap();
    let engine = script::documentation_engine();
    let compiled = script::compile_text(&engine, "scripts/mp_10x_delay.rhai", &text).unwrap();
    let mut sim = Simulation::new(
        &m.model,
        RunOptions {
            seed: 1,
            replication: 0,
            trace: false,
        },
    )
    .unwrap();
    sim.set_policy(Box::new(ScriptPolicy::new(&m.model, vec![compiled])));
    let delayed = sim.run(|_| {}).unwrap();
    let base = default_run();
    let out = |r: &RunResult, year: i32| yearly(r, year, "producer_output_t.mp_10x");
    // Mid-2028 + 18 months = 2030-01-01 00:00: the first day's make, at that instant,
    // counts in 2029 (a year is (start, end]): one day at 10 % of 9,000 t/yr x 0.85 =
    // 765 / 365.25 = 2.09 t. The baseline makes ~half a year of its ramp in 2028.
    assert_eq!(out(&delayed, 2028), 0.0);
    assert!(out(&delayed, 2029) < 2.1, "{}", out(&delayed, 2029));
    assert!(out(&base, 2028) > 300.0, "{}", out(&base, 2028));
    // 2030, the delayed plant's first year, at 10-32.5 % of 7,650 t/yr (the ramp's first
    // year): 765 to 2,486 t; the baseline's 2030 (its second and third half-years) more.
    let first = out(&delayed, 2030);
    assert!((765.0..2_487.0).contains(&first), "{first}");
    assert!(out(&base, 2030) > first);
    let row = delayed
        .shocks
        .iter()
        .find(|s| s.action == "delay_commissioning")
        .expect("a delay_commissioning row");
    assert!(
        row.arguments.ends_with("-> 2030-01-01"),
        "{}",
        row.arguments
    );
    // Less domestic supply means more imports, China first (displacement china_first).
    let imports = |r: &RunResult| yearly(r, 2029, "imports_t");
    assert!(imports(&delayed) > imports(&base) + 500.0);
}

/// The problems of a one-maker network whose maker has `from` replaced by `to`.
fn maker_problems(from: &str, to: &str) -> Vec<magloop::error::Problem> {
    let good = net(
        "{start: 2025-01-01, days: 10}",
        &maker(1, "ramp_years: 0", 1.0),
        "  - {id: out, from: maker, to: buyers, dispatch: immediate}\n",
    );
    assert!(good.contains(from), "{from}");
    crate::common::problems(&good.replacen(from, to, 1))
}

#[test]
fn bad_producer_fields_are_placed_and_explained() {
    // (replace, with, path, words of the message, words of the hint)
    let cases: [(&str, &str, &str, &str, &str); 14] = [
        (
            "lines: 1",
            "lines: 0",
            "nodes[0].lines",
            "must be from 1 to",
            "",
        ),
        (
            "line_t_per_year: 365.25",
            "line_t_per_year: -5",
            "nodes[0].line_t_per_year",
            "above 0",
            "",
        ),
        (
            "availability: 1",
            "availability: 0",
            "nodes[0].availability",
            "never available",
            "0.9",
        ),
        (
            "availability: 1",
            "availability: 1.5",
            "nodes[0].availability",
            "",
            "",
        ),
        (
            "commissioning: 2025-01-01",
            "commissioning: soon",
            "nodes[0].commissioning",
            "`soon` is not a date",
            "",
        ),
        (
            "magnet_material: new_magnet",
            "magnet_material: scrap",
            "nodes[0].magnet_material",
            "has role `scrap`, expected `product`",
            "",
        ),
        (
            "magnet_material: new_magnet",
            "magnet_material: nd_oxide",
            "nodes[0].magnet_material",
            "no rare earth in its composition",
            "materials.nd_oxide",
        ),
        (
            "external_feed: mountain_pass",
            "external_feed: Mountain Pass",
            "nodes[0].external_feed",
            "not a feed origin name",
            "mountain_pass",
        ),
        (
            "external_chain: {mine: us, oxide: us}",
            "external_chain: {mine: us, magnet: us}",
            "nodes[0].external_chain.magnet",
            "makes the magnets itself",
            "`mine` and `oxide`",
        ),
        (
            "external_chain: {mine: us, oxide: us}",
            "external_chain: {mines: us}",
            "nodes[0].external_chain.mines",
            "unknown stage `mines`",
            "mine",
        ),
        (
            "external_feed: mountain_pass\n    external_chain: {mine: us, oxide: us}",
            "external_chain: {mine: us}",
            "nodes[0].external_chain",
            "does not have",
            "external_feed",
        ),
        (
            "external_chain: {mine: us, oxide: us}",
            "external_chain: {mine: us}",
            "nodes[0].external_chain.oxide",
            "is needed",
            "oxide: us",
        ),
        (
            "\n    external_chain: {mine: us, oxide: us}",
            "",
            "nodes[0].external_chain",
            "is needed with `external_feed`",
            "{mine: us, oxide: us}",
        ),
        (
            "status: announced",
            "status: planned",
            "nodes[0].status",
            "planned",
            "",
        ),
    ];
    for (from, to, path, message, hint) in cases {
        let p = maker_problems(from, to);
        let found = p.iter().find(|p| p.path.starts_with(path));
        let Some(found) = found else {
            panic!("{to}: no problem at {path}: {p:?}");
        };
        assert!(found.message.contains(message), "{to}: {}", found.message);
        assert!(
            found.hint.as_deref().unwrap_or("").contains(hint),
            "{to}: {:?}",
            found.hint
        );
        assert!(found.line.is_some(), "{to}: no line for {path}");
    }
}

#[test]
fn a_misspelt_producer_field_gets_a_did_you_mean() {
    let p = maker_problems("availability: 1", "availabilty: 1");
    let all: Vec<String> = p
        .iter()
        .map(|p| format!("{} {:?}", p.message, p.hint))
        .collect();
    assert!(all.iter().any(|m| m.contains("availability")), "{all:?}");
}

#[test]
fn a_misspelt_producer_in_a_script_gets_a_did_you_mean_and_exit_2() {
    let dir = crate::common::tempdir();
    let s = dir.path().join("late.rhai");
    for (script, expected) in [
        (
            "delay_commissioning(\"mp_10\", \"1 year\");\n",
            "unknown node `mp_10` (did you mean `mp_10x`?)",
        ),
        // A producer is a plant to these acts; a market is not.
        (
            "add_capacity(\"us_market\", 1, \"2026-01-01\");\n",
            "add_capacity applies to preprocessor or station or hpms or producer",
        ),
    ] {
        std::fs::write(&s, script).unwrap();
        let o = crate::common::run_in(
            &crate::common::repo(),
            &[
                "validate",
                "models/us_magnet_network.yaml",
                "--script",
                s.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(2));
        let err = crate::common::stderr(&o);
        assert!(err.contains(expected), "{err}");
    }
}
