//! Property tests: small random networks, with random capacities (so storage fills and
//! upstream waits), dispatch rules, yields, breakdowns and commissioning dates, must
//! conserve every element at every node and link to the milligram. The run itself checks
//! in = out + inventory + losses per node, link and element and fails otherwise; these
//! tests add the network-wide sum and determinism.

use proptest::prelude::*;

use crate::common::load;
use magloop::sim::{self, RunOptions};

#[derive(Debug, Clone)]
struct Net {
    drives_per_year: f64,
    pallet: u32,
    lines: u32,
    recovery: f64,
    magnet_share: f64,
    pre_storage_kg: f64,
    input_drives: u64,
    vessels: u32,
    batch_kg: f64,
    cycle_h: f64,
    extraction: f64,
    unsuitable: f64,
    commission_day: u32,
    hub_input_kg: f64,
    hub_storage_kg: f64,
    oxide_t_per_year: f64,
    oxide_storage_kg: f64,
    dispatch: [u8; 3],
    transit_days: f64,
    share: f64,
    failures: bool,
    scrap_t_per_year: f64,
}

fn dispatch(kind: u8, load: f64) -> String {
    match kind % 3 {
        0 => "immediate".into(),
        1 => format!("{{full_load: {{load_kg: {load}}}}}"),
        _ => "{timer: {every_days: 2, min_load_kg: 50}}".into(),
    }
}

fn yaml(n: &Net) -> String {
    let failures = if n.failures {
        "\n    failures: {tbf_h: {exponential: {mean: 30}}, repair_h: {uniform: [1, 8]}}"
    } else {
        ""
    };
    format!(
        r#"name: prop
calendar: {{start: 2025-01-01, years: 0.2}}
elements: [Nd, Pr, Dy, Sm, Fe, O]
materials:
  mag: {{role: magnet, composition: {{Nd: 24.7, Pr: 4.1, Dy: 1.2, Fe: 65}}}}
  body: {{role: carrier, composition: {{Fe: 30}}}}
  smco: {{role: scrap, composition: {{Sm: 25, Fe: 16}}}}
  prod: {{role: product}}
  res: {{role: scrap}}
  ox: {{role: product}}
nodes:
  - {{id: drives, kind: hdd_source, drives_per_year: {dpy}, pallet_drives: {pallet}, magnet_g_per_drive: {{triangular: [15, 20, 25]}}, body_g_per_drive: 600, magnet_material: mag, body_material: body}}
  - {{id: scrap, kind: scrap_source, material: smco, tonnes_per_year: {scrap}, lot_kg: {{uniform: [10, 90]}}}}
  - id: ils
    kind: preprocessor
    lines: {lines}
    cycle_s_per_drive: {{uniform: [1, 4]}}{failures}
    recovery_yield: {recovery}
    magnet_share: {share_m}
    carrier_material: body
    input_capacity_drives: {input_drives}
    storage_capacity_kg: {pre_storage}
  - id: hub
    kind: hpms
    vessels: {vessels}
    batch_kg: {batch}
    cycle_h: {{triangular: [{c0}, {cycle}, {c1}]}}
    extraction_yield: {extraction}
    unsuitable_share: {unsuitable}
    commissioning: 2025-01-{cday:02}
    ramp_years: 0.05
    initial_capacity_share: 0.3
    sintered_t_per_year: 50
    magnet_material: prod
    coproduct_material: prod
    residue_material: res
    input_capacity_kg: {hub_in}
    storage_capacity_kg: {hub_store}
    coproducts_t_per_year: 50
  - id: plant
    kind: oxide_plant
    feed_t_per_year: {oxide}
    commissioning: 2025-01-05
    recovery: {{Nd: 0.9, Pr: 0.9, Dy: 0.8, Sm: 0.95}}
    products:
      - {{material: ox, oxide_factor: {{Nd: 1.1664, Pr: 1.2082}}, purity: 0.99}}
      - {{material: ox, oxide_factor: {{Dy: 1.1477}}, purity: 0.99}}
      - {{material: ox, oxide_factor: {{Sm: 1.1596}}, purity: 0.99}}
    input_capacity_kg: 100000
    storage_capacity_kg: {ox_store}
  - {{id: market, kind: market, demand: [{{sector: total, t_per_year: 50}}], imports: [{{origin: x, t_per_year: 10}}]}}
  - {{id: sink_a, kind: sink}}
  - {{id: sink_b, kind: sink}}
links:
  - {{id: a, from: drives, to: ils, dispatch: immediate}}
  - {{id: b, from: ils, to: hub, distance_mi: 100, transit_days: {transit}, dispatch: {d0}, truck_capacity_kg: 2000}}
  - {{id: c1, from: hub, port: magnets, to: market, share: {split}, dispatch: immediate}}
  - {{id: c2, from: hub, port: magnets, to: sink_a, share: {rest}, dispatch: {d1}, truck_capacity_kg: 2000}}
  - {{id: d, from: hub, port: residue, to: plant, transit_days: {transit}, dispatch: {d2}, truck_capacity_kg: 2000}}
  - {{id: cp, from: hub, port: coproducts, to: sink_a, transit_days: {transit}, dispatch: {d1}, truck_capacity_kg: 2000}}
  - {{id: e, from: scrap, to: plant, dispatch: immediate}}
  - {{id: f, from: plant, to: sink_b, dispatch: immediate}}
"#,
        dpy = n.drives_per_year,
        pallet = n.pallet,
        scrap = n.scrap_t_per_year,
        lines = n.lines,
        recovery = n.recovery,
        share_m = n.magnet_share,
        input_drives = n.input_drives,
        pre_storage = n.pre_storage_kg,
        vessels = n.vessels,
        batch = n.batch_kg,
        c0 = n.cycle_h * 0.8,
        cycle = n.cycle_h,
        c1 = n.cycle_h * 1.2,
        extraction = n.extraction,
        unsuitable = n.unsuitable,
        cday = n.commission_day,
        hub_in = n.hub_input_kg.max(n.batch_kg),
        hub_store = n.hub_storage_kg,
        oxide = n.oxide_t_per_year,
        ox_store = n.oxide_storage_kg,
        transit = n.transit_days,
        d0 = dispatch(n.dispatch[0], 1500.0),
        d1 = dispatch(n.dispatch[1], 300.0),
        d2 = dispatch(n.dispatch[2], 400.0),
        split = n.share,
        rest = 1.0 - n.share,
        failures = failures,
    )
}

fn net() -> impl Strategy<Value = Net> {
    (
        (
            2e5..3e6f64,
            20u32..400,
            1u32..3,
            0.0..=1.0f64,
            0.05..=1.0f64,
            1.0..5000.0f64,
            1u64..20_000,
        ),
        (
            1u32..4,
            50.0..800.0f64,
            0.5..8.0f64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            1u32..28,
            1.0..50_000.0f64,
        ),
        (
            1.0..50_000.0f64,
            10.0..2000.0f64,
            1.0..5000.0f64,
            any::<[u8; 3]>(),
            0.0..3.0f64,
            0.0..=1.0f64,
            any::<bool>(),
            1.0..200.0f64,
        ),
    )
        .prop_map(|(a, b, c)| Net {
            drives_per_year: a.0,
            pallet: a.1,
            lines: a.2,
            recovery: a.3,
            magnet_share: a.4,
            pre_storage_kg: a.5,
            input_drives: a.6,
            vessels: b.0,
            batch_kg: b.1,
            cycle_h: b.2,
            extraction: b.3,
            unsuitable: b.4,
            commission_day: b.5,
            hub_input_kg: b.6,
            hub_storage_kg: c.0,
            oxide_t_per_year: c.1,
            oxide_storage_kg: c.2,
            dispatch: c.3,
            transit_days: c.4,
            share: c.5,
            failures: c.6,
            scrap_t_per_year: c.7,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_networks_conserve_every_element(n in net(), seed in 0u64..1000) {
        let m = load(&yaml(&n));
        let opts = RunOptions { seed, replication: 0, trace: false };
        // simulate fails if any node or link, for any element, breaks
        // in = out + inventory + losses by a single milligram.
        let r = sim::simulate(&m.model, opts.clone(), |_| {}).map_err(|e| TestCaseError::fail(format!("{e}\n{}", yaml(&n))))?;
        // Network-wide: what sources made plus oxygen taken up = what left the network
        // (sinks, market, by-products) + losses + everything still held. Node in/out sums
        // telescope over links, so this holds iff the per-entity balances do.
        let total = |f: fn(&sim::record::EntityStats) -> f64| r.entities.iter().map(f).sum::<f64>();
        let lhs = total(|e| e.in_kg) - total(|e| e.out_kg);
        let rhs = total(|e| e.loss_kg) + total(|e| e.inventory_kg);
        prop_assert!((lhs - rhs).abs() <= 1e-6 * total(|e| e.in_kg).max(1.0), "lhs {lhs} rhs {rhs}");
        // Same seed, same run.
        let again = sim::simulate(&m.model, opts, |_| {}).unwrap();
        prop_assert_eq!(r.timeseries.value, again.timeseries.value);
    }
}
