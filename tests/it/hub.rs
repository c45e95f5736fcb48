//! The Dallas-Fort Worth HPMS hub as published: output at nameplate on ample clean feed
//! (750 t sintered + 807 t co-products a year), the five-year ramp, batches filled by magnet
//! mass (carriers separated at the gate), and the finding naming what limits the hub.

use magloop::model::{self, Overrides};

use crate::common::{last, load, simulate, stats};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr, $tol:expr) => {
        assert!(
            close($a, $b, $tol),
            "{} = {}, expected {} within {}",
            stringify!($a),
            $a,
            $b,
            $tol
        )
    };
}

/// The default model with `t` t/yr of clean rotor-magnet scrap (no growth, no cap).
fn default_with_other_scrap(t: f64) -> String {
    let yaml = model::DEFAULT_MODEL_YAML
        .replace(
            "    tonnes_per_year: 150\n",
            &format!("    tonnes_per_year: {t}\n"),
        )
        .replace(
            "    growth_per_year: 0.15\n    max_tonnes_per_year: 2000\n",
            "    growth_per_year: 0.0\n",
        );
    assert_ne!(yaml, model::DEFAULT_MODEL_YAML, "the edit must apply");
    yaml
}

#[test]
fn with_ample_clean_feed_the_hub_makes_750_t_sintered_and_807_t_co_products_a_year() {
    // 3,000 t/yr of clean magnet scrap (more than the 2,162.5 t/yr nameplate needs), so the
    // vessels set the output once ramped up (from 2032-07-01 to the horizon): 3 vessels x
    // 8,766 h / 4.8533 h mean cycle x 400 kg x (1 - 0.2) x 0.9 = 3 x 1,806.2 x 288 kg =
    // 1,560.6 t/yr, of which 750 / 1,557 = 0.4817 sintered: 751.7 t/yr sintered magnets and
    // 808.9 t/yr co-products. The published 750 + 807 t/yr, within 10 %.
    let r = simulate(&load(&default_with_other_scrap(3000.0)), 1);
    let s = &r.summary;
    assert_eq!(s.hpms_measured_from.as_deref(), Some("2032-07-01"));
    let sintered = s.hpms_sintered_t_per_year.unwrap();
    let coproducts = s.hpms_coproducts_t_per_year.unwrap();
    assert_close!(sintered, 750.0, 0.10);
    assert_close!(coproducts, 807.0, 0.10);
    // Closer than that in fact: the cycle-time arithmetic gives 751.7 and 808.9 (2 % for the
    // random cycle times over 2.5 years).
    assert_close!(sintered, 751.7, 0.02);
    assert_close!(coproducts, 808.9, 0.02);
    assert_eq!(s.hpms_limit.as_deref(), Some("none"));
    assert!(s.hpms_utilisation.unwrap() > 0.99);
    let finding = s.hpms_finding().unwrap();
    assert!(finding.contains("reaches its nameplate"), "{finding}");
}

#[test]
fn the_default_hub_ramps_up_over_five_years_from_mid_2027() {
    // Linear from 25 % at commissioning (2027-07-01) to 100 % five years later (2032-07-01):
    // share(t) = 0.25 + 0.75 t / 5 years. The record dated D is taken at D 00:00.
    let m = model::load_default(&Overrides::default()).unwrap();
    let r = simulate(&m, 1);
    let share = r.timeseries.series("dfw_hpms", "capacity_share");
    let at = |date: &str| {
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let t = (d - m.model.start).num_seconds();
        share.iter().find(|p| p.0 == t).unwrap().1
    };
    assert_eq!(at("2027-06-30"), 0.0);
    assert_eq!(at("2027-07-01"), 0.25);
    // 2030-01-01 is 915 days on, of 5 x 365.25 = 1,826.25: 0.25 + 0.75 x 915 / 1,826.25.
    assert_close!(at("2030-01-01"), 0.25 + 0.75 * 915.0 / 1826.25, 1e-12);
    assert_close!(at("2030-01-01"), 0.625, 0.001);
    // 2032-07-01 00:00 is 1,827 days on, past 1,826.25: full capacity.
    assert_close!(at("2032-06-30"), 0.25 + 0.75 * 1826.0 / 1826.25, 1e-12);
    assert_eq!(at("2032-07-01"), 1.0);
    // Full output from 2027-07-01 + 1,826.25 days = 2032-06-30 18:00.
    assert_eq!(
        r.summary.hpms_full_output_date.as_deref(),
        Some("2032-06-30")
    );
}

/// One vessel making 100 kg of product an hour at full capacity (100 kg batches of 1 h,
/// all suitable, all extracted): 876.6 t/yr. `feed_t` t/yr of clean magnet feed in 100 kg
/// lots, regular; nameplate `sintered` + `coproducts` t/yr; ramp of `ramp_years`.
fn one_vessel(years: f64, feed_t: f64, sintered: f64, coproducts: f64, ramp_years: f64) -> String {
    format!(
        "name: hub
calendar: {{start: 2025-01-01, years: {years}}}
elements: [Nd, Fe]
materials:
  magnet: {{role: magnet, composition: {{Nd: 30, Fe: 60}}}}
  sintered: {{role: product}}
  alloy: {{role: product}}
  residue: {{role: scrap}}
nodes:
  - {{id: scrap, kind: scrap_source, material: magnet, tonnes_per_year: {feed_t}, lot_kg: 100, arrivals: regular}}
  - id: hub
    kind: hpms
    vessels: 1
    batch_kg: 100
    cycle_h: 1
    extraction_yield: 1.0
    unsuitable_share: 0.0
    commissioning: 2025-01-01
    ramp_years: {ramp_years}
    initial_capacity_share: 0.25
    sintered_t_per_year: {sintered}
    coproducts_t_per_year: {coproducts}
    magnet_material: sintered
    coproduct_material: alloy
    residue_material: residue
    input_capacity_kg: 100000000
    storage_capacity_kg: 100000
  - {{id: magnet_buyers, kind: sink}}
  - {{id: alloy_buyers, kind: sink}}
  - {{id: rest, kind: sink}}
links:
  - {{id: in, from: scrap, to: hub, dispatch: immediate}}
  - {{id: m, from: hub, port: magnets, to: magnet_buyers, dispatch: immediate}}
  - {{id: c, from: hub, port: coproducts, to: alloy_buyers, dispatch: immediate}}
  - {{id: r, from: hub, port: residue, to: rest, dispatch: immediate}}
"
    )
}

#[test]
fn a_ramping_hub_runs_at_its_capacity_share_and_the_finding_says_it_is_still_ramping() {
    // Ample feed (2,000 t/yr against 876.6 t/yr of capacity), a 5-year ramp from 25 %, and a
    // 4-year horizon. A vessel rests after each batch so that its duty cycle is the share.
    let r = simulate(&load(&one_vessel(4.0, 2000.0, 438.3, 438.3, 5.0)), 1);
    let s = &r.summary;
    // Year 1: mean share 0.25 + 0.75 x 0.5 / 5 = 0.325 -> 0.325 x 876.6 = 284.9 t of product.
    let product = r.timeseries.series("hub", "product_kg");
    let year_t = |y: f64| {
        let (a, b) = ((y - 1.0) * 31_557_600.0, y * 31_557_600.0);
        product
            .iter()
            .filter(|p| p.0 as f64 > a && p.0 as f64 <= b)
            .map(|p| p.1)
            .sum::<f64>()
            / 1000.0
    };
    assert_close!(year_t(1.0), 0.325 * 876.6, 0.005);
    // Year 4: 0.25 + 0.75 x 3.5 / 5 = 0.775 -> 679.4 t.
    assert_close!(year_t(4.0), 0.775 * 876.6, 0.005);
    // Still ramping at the horizon: share 0.25 + 0.75 x 4 / 5 = 0.85; over the last year
    // (the finding's span) it averaged 0.775. Output 679 t/yr < 90 % of 876.6, vessels busy
    // at the share: the ramp limits, not the feed.
    assert_close!(s.hpms_capacity_share_end.unwrap(), 0.85, 1e-9);
    assert_close!(s.hpms_capacity_share.unwrap(), 0.775, 1e-3);
    assert_close!(s.hpms_utilisation.unwrap(), 0.775, 0.005);
    assert_eq!(s.hpms_limit.as_deref(), Some("ramp"));
    assert_eq!(s.hpms_full_output_date.as_deref(), Some("2030-01-01"));
    let finding = s.hpms_finding().unwrap();
    assert!(
        finding.contains("still ramping up: capacity share 85 % at the horizon"),
        "{finding}"
    );
    assert!(finding.contains("full output from 2030-01-01"), "{finding}");
}

#[test]
fn the_finding_names_the_feed_when_starved_and_nothing_when_fed() {
    // No ramp, 3 years, capacity 876.6 t/yr; nameplate stated as the same 438.3 + 438.3.
    // Starved: 300 t/yr of feed, all made into product (yields 1), half sintered: 150 +
    // 150 t/yr; vessels busy 300 / 876.6 = 34 % of the time; feed needed = nameplate.
    let r = simulate(&load(&one_vessel(3.0, 300.0, 438.3, 438.3, 0.0)), 1);
    let s = &r.summary;
    assert_eq!(s.hpms_limit.as_deref(), Some("feed"));
    assert_close!(s.hpms_feed_t_per_year.unwrap(), 300.0, 0.005);
    assert_close!(s.hpms_sintered_t_per_year.unwrap(), 150.0, 0.005);
    assert_close!(s.hpms_coproducts_t_per_year.unwrap(), 150.0, 0.005);
    assert_close!(s.hpms_feed_needed_t_per_year.unwrap(), 876.6, 1e-12);
    assert_close!(s.hpms_utilisation.unwrap(), 300.0 / 876.6, 0.005);
    let finding = s.hpms_finding().unwrap();
    assert!(finding.starts_with("HPMS hub is feed-limited: 150 t/yr sintered magnets + 150 t/yr co-products (34 % of 438 + 438 t/yr nameplate)"), "{finding}");
    assert!(
        finding.contains("300 t/yr of magnet feed received against the 877 t/yr nameplate needs"),
        "{finding}"
    );

    // Fed: 1,500 t/yr, so the vessel runs flat out at 876.6 t/yr = the nameplate.
    let r = simulate(&load(&one_vessel(3.0, 1500.0, 438.3, 438.3, 0.0)), 1);
    assert_eq!(r.summary.hpms_limit.as_deref(), Some("none"));
    assert_close!(r.summary.hpms_sintered_t_per_year.unwrap(), 438.3, 0.002);

    // The same vessel against a nameplate it cannot reach (1,000 + 1,000 t/yr): busy all
    // the time at 876.6 t/yr, 44 % of it: capacity-limited.
    let r = simulate(&load(&one_vessel(3.0, 2500.0, 1000.0, 1000.0, 0.0)), 1);
    assert_eq!(r.summary.hpms_limit.as_deref(), Some("capacity"));
    assert!(r.summary.hpms_utilisation.unwrap() > 0.999);
    let finding = r.summary.hpms_finding().unwrap();
    assert!(finding.starts_with("HPMS hub is capacity-limited: 438 t/yr sintered magnets + 438 t/yr co-products (44 % of 1000 + 1000 t/yr nameplate)"), "{finding}");
}

#[test]
fn a_starved_hub_is_feed_limited_even_while_ramping() {
    // 100 t/yr of feed against a 5-year ramp, 2 years: over year 2 the mean share is
    // 0.25 + 0.75 x 1.5 / 5 = 0.475, i.e. room for 0.475 x 876.6 = 416 t/yr, but the vessel
    // is busy only 100 / 876.6 = 11 % of the time: the feed limits, not the ramp (0.55 at
    // the horizon: 0.25 + 0.75 x 2 / 5).
    let r = simulate(&load(&one_vessel(2.0, 100.0, 438.3, 438.3, 5.0)), 1);
    let s = &r.summary;
    assert_eq!(s.hpms_limit.as_deref(), Some("feed"));
    assert_close!(s.hpms_capacity_share.unwrap(), 0.475, 1e-3);
    assert_close!(s.hpms_utilisation.unwrap(), 100.0 / 876.6, 0.01);
    let finding = s.hpms_finding().unwrap();
    assert!(
        finding.starts_with("HPMS hub is feed-limited, even while ramping up (capacity share 55 % at the horizon): 50 t/yr sintered magnets + 50 t/yr co-products"),
        "{finding}"
    );
}

#[test]
fn a_hub_not_yet_commissioned_says_so() {
    // Two years end on 2027-01-01, before mid-2027 commissioning.
    let m = model::load_default(&Overrides { years: Some(2.0) }).unwrap();
    let s = simulate(&m, 1).summary;
    assert_eq!(s.hpms_limit.as_deref(), Some("not_commissioned"));
    assert_eq!(s.hpms_output_t, 0.0);
    let finding = s.hpms_finding().unwrap();
    assert!(
        finding.contains("not in operation before the horizon"),
        "{finding}"
    );
    assert!(
        finding.contains("750 t/yr sintered + 807 t/yr co-products"),
        "{finding}"
    );
}

#[test]
fn carriers_are_separated_at_the_gate_and_batches_fill_with_magnet_mass() {
    // VCM assemblies as they leave ILS: 35 kg of magnet and 65 kg of steel holder an hour
    // (a 0.35 magnet share), regular, for the calendar year 2025 (8,760 h). One vessel, 100 kg batches of
    // 2 h, all suitable and extracted.
    let y = "name: vcm
calendar: {start: 2025-01-01, years: 1}
elements: [Nd, Fe]
materials:
  magnet: {role: magnet, composition: {Nd: 30, Fe: 60}}
  vcm_steel: {role: carrier, composition: {Fe: 95}}
  sintered: {role: product}
  alloy: {role: product}
  residue: {role: scrap}
nodes:
  - {id: magnets, kind: source, material: magnet, interarrival_h: 1, lot_kg: 35}
  - {id: holders, kind: source, material: vcm_steel, interarrival_h: 1, lot_kg: 65}
  - id: hub
    kind: hpms
    vessels: 1
    batch_kg: 100
    cycle_h: 2
    extraction_yield: 1.0
    unsuitable_share: 0.0
    commissioning: 2025-01-01
    sintered_t_per_year: 50
    coproducts_t_per_year: 50
    magnet_material: sintered
    coproduct_material: alloy
    residue_material: residue
    input_capacity_kg: 100000000
    storage_capacity_kg: 100000
  - {id: buyers, kind: sink}
  - {id: rest, kind: sink}
links:
  - {id: a, from: magnets, to: hub, dispatch: immediate}
  - {id: b, from: holders, to: hub, dispatch: immediate}
  - {id: m, from: hub, port: magnets, to: buyers, dispatch: immediate}
  - {id: c, from: hub, port: coproducts, to: buyers, dispatch: immediate}
  - {id: r, from: hub, port: residue, to: rest, dispatch: immediate}
";
    let r = simulate(&load(y), 1);
    let s = &r.summary;
    // Now: a batch is 100 kg of magnet, filled every 100 / 35 = 2.86 h (the 2 h vessel
    // keeps up). Batch k starts at ceil(100 k / 35) h: batch 3,065 at 8,758 h, done at
    // 8,760 h, the horizon; batch 3,066 starts at 8,760 h and is still in the vessel.
    // So 3,065 x 100 kg = 306.5 t of product, half of it sintered.
    assert_close!(s.hpms_output_t, 306.5, 1e-9);
    assert_close!(s.sintered_magnets_t, 153.25, 1e-9);
    // The old code filled batches by gross mass, steel included: 100 kg of assemblies =
    // 35 kg of magnet, one batch every 2 h (starts at 1, 3, ..., 8,763 h: 4,382 batches),
    // i.e. 4,382 x 35 kg = 153.4 t of product, half of what the magnet feed allows.
    assert!(s.hpms_output_t > 1.9 * 153.37, "{}", s.hpms_output_t);
    // Every kg of steel left at the gate as ferrous scrap: 8,760 x 65 kg (one arrival an
    // hour, the last at the horizon); what the hub holds at the end is magnet only:
    // 8,760 x 35 - 3,066 x 100 = 0 kg in the input plus the 100 kg batch in the vessel.
    let hub = stats(&r, "hub");
    assert_close!(hub.in_kg, 8760.0 * 100.0, 1e-12);
    assert_close!(hub.inventory_kg, 100.0, 1e-9);
    assert_close!(hub.out_kg, 8760.0 * 65.0 + 306_500.0, 1e-12);
    // Products left through their ports: sintered and co-products both to `buyers`.
    assert_close!(last(&r, "buyers", "cumulative_output_kg"), 306_500.0, 1e-12);
    // Feed received is the magnet only: 35 kg/h over the finding's span, the run's year
    // of 8,760 h taken as 8,760 / 8,766 of a Julian year: 35 x 8,766 kg per year.
    assert_close!(
        s.hpms_feed_t_per_year.unwrap(),
        35.0 * 8766.0 / 1000.0,
        1e-9
    );
}
