//! Each node kind alone in a tiny network, with deterministic inputs, so every expected
//! value can be worked out by hand (the arithmetic is in the comment beside each assert).

use crate::common::{last, load, simulate, stats};

const MATERIALS: &str = "
elements: [Nd, Dy, Fe, O]
materials:
  job: {role: job}
  magnet: {role: magnet, composition: {Nd: 30, Fe: 60}}
  scrap: {role: scrap, composition: {Nd: 30, Dy: 10, Fe: 60}}
  body: {role: carrier, composition: {Fe: 50}}
  product: {role: product}
  residue: {role: scrap}
  nd_oxide: {role: product}
  dy_oxide: {role: product}
";

/// A model with a horizon of `hours` (`calendar.days`, exact to the second) and recording
/// every `record_h`.
fn net(hours: f64, record_h: f64, nodes: &str, links: &str) -> String {
    format!(
        "name: t\ncalendar: {{start: 2025-01-01, days: {}, record_every_days: {}}}\n{MATERIALS}nodes:\n{nodes}links:\n{links}",
        hours / 24.0,
        record_h / 24.0
    )
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert!(
            close($a, $b, 1e-9),
            "{} = {}, expected {}",
            stringify!($a),
            $a,
            $b
        )
    };
}

#[test]
fn a_source_releases_one_job_an_hour() {
    let y = net(
        8766.0,
        24.0,
        "  - {id: src, kind: source, material: job, interarrival_h: 1}\n  - {id: end, kind: sink}\n",
        "  - {id: l, from: src, to: end, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // Arrivals at 1 h, 2 h, ..., 8,766 h (the horizon itself is included): 8,766 jobs of 1 kg.
    assert_close!(last(&r, "end", "cumulative_output_kg"), 8766.0);
    assert_eq!(stats(&r, "end").units, 8766);
    // Every job reaches the sink the moment it is born.
    assert_close!(stats(&r, "end").mean_sojourn_h.unwrap(), 0.0);
}

#[test]
fn a_station_queues_jobs_first_in_first_out() {
    // One server, 2 h per job, a job every hour, 10 hours.
    let y = net(
        10.0,
        1.0,
        "  - {id: src, kind: source, material: job, interarrival_h: 1}
  - {id: st, kind: station, servers: 1, service_h: 2}
  - {id: end, kind: sink}\n",
        "  - {id: a, from: src, to: st, dispatch: immediate}
  - {id: b, from: st, to: end, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // Job k arrives at k h and starts at 2k-1 h (k = 1..5 start by 10 h): waits of
    // 0, 1, 2, 3, 4 h, mean 2 h.
    assert_close!(stats(&r, "st").mean_wait_h.unwrap(), 2.0);
    // Jobs 1-4 finish at 3, 5, 7, 9 h: 4 leave, with sojourns 2, 3, 4, 5 h (mean 3.5 h).
    assert_close!(last(&r, "end", "cumulative_output_kg"), 4.0);
    assert_close!(stats(&r, "end").mean_sojourn_h.unwrap(), 3.5);
    // At 10 h: job 5 in service, jobs 6-10 waiting: 6 in the system, 5 in the queue.
    assert_close!(last(&r, "st", "in_system_jobs"), 6.0);
    assert_close!(last(&r, "st", "queue_jobs"), 5.0);
    // The server is busy from 1 h on: 9 of 10 hours.
    assert_close!(stats(&r, "st").utilisation.unwrap(), 0.9);
}

#[test]
fn a_full_queue_makes_upstream_wait_and_loses_nothing() {
    // As above, but at most 2 jobs may wait at the station.
    let y = net(
        10.0,
        1.0,
        "  - {id: src, kind: source, material: job, interarrival_h: 1}
  - {id: st, kind: station, servers: 1, service_h: 2, queue_capacity_jobs: 2}
  - {id: end, kind: sink}\n",
        "  - {id: a, from: src, to: st, dispatch: immediate}
  - {id: b, from: st, to: end, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // Same service order (jobs 1-4 done, job 5 in service), but only jobs 6 and 7 fit in
    // the queue: jobs 8, 9 and 10 wait at the gate, on the link.
    assert_close!(last(&r, "end", "cumulative_output_kg"), 4.0);
    assert_close!(last(&r, "st", "queue_jobs"), 2.0);
    assert_close!(last(&r, "st", "in_system_jobs"), 3.0);
    assert_close!(last(&r, "a", "waiting_kg"), 3.0);
    // 10 jobs made = 4 delivered + 3 at the station + 3 at the gate.
    assert_close!(stats(&r, "a").inventory_kg, 3.0);
    assert_close!(stats(&r, "st").inventory_kg, 3.0);
}

#[test]
fn a_breakdown_pushes_the_job_back_by_the_repair_time() {
    // Failures every 10 h of calendar time after each repair (tbf 10 h, repair 2 h):
    // down over [10,12], [22,24], ..., [142,144] within 150 h. One job at 100 h needs 8 h.
    let y = net(
        150.0,
        1.0,
        "  - {id: src, kind: source, material: job, interarrival_h: 100}
  - id: st
    kind: station
    servers: 1
    service_h: 8
    failures: {tbf_h: 10, repair_h: 2}
  - {id: end, kind: sink}\n",
        "  - {id: a, from: src, to: st, dispatch: immediate}
  - {id: b, from: st, to: end, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // The job starts at 100 h (up since 96 h), would end at 108 h, but the failure at 106 h
    // holds it until the repair at 108 h: it ends at 110 h, 10 h after it arrived.
    assert_close!(stats(&r, "end").mean_sojourn_h.unwrap(), 10.0);
    // 12 failures (10, 22, ..., 142 h) of 2 h: availability 1 - 24/150 = 0.84.
    assert_close!(stats(&r, "st").availability.unwrap(), 0.84);
    // Busy 100-106 h and 108-110 h: 8 h of 150.
    assert_close!(stats(&r, "st").utilisation.unwrap(), 8.0 / 150.0);
}

#[test]
fn a_preprocessor_separates_magnets_from_drive_bodies() {
    // One pallet of 100 drives an hour (876,600 drives a year, regular), each with 20 g of
    // magnet (30 % Nd) and a 600 g body; one line at 10 s a drive.
    let y = net(
        8766.0,
        24.0,
        "  - id: drives
    kind: hdd_source
    drives_per_year: 876600
    pallet_drives: 100
    magnet_g_per_drive: 20
    body_g_per_drive: 600
    magnet_material: magnet
    body_material: body
    arrivals: regular
  - id: ils
    kind: preprocessor
    lines: 1
    cycle_s_per_drive: 10
    recovery_yield: 0.75
    magnet_share: 0.5
    carrier_material: body
    input_capacity_drives: 1000
    storage_capacity_kg: 100
  - {id: end, kind: sink}\n",
        "  - {id: a, from: drives, to: ils, dispatch: immediate}
  - {id: b, from: ils, to: end, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // 8,766 pallets arrive (1 h .. 8,766 h); each takes 1,000 s, so all but the last,
    // still on the line at the horizon, are done: 8,765 pallets, 876,500 drives.
    assert_eq!(stats(&r, "ils").units, 876_500);
    // Per pallet: 2 kg of magnet, 75 % recovered = 1.5 kg, with as much carrier (a 50 %
    // magnet share) = 3 kg out; 0.5 kg of magnet lost; 60 - 1.5 = 58.5 kg of body residue.
    assert_close!(last(&r, "end", "cumulative_output_kg"), 8765.0 * 3.0);
    assert_close!(stats(&r, "ils").loss_kg, 8765.0 * 0.5);
    // Nd: 30 % of 1.5 kg = 0.45 kg a pallet.
    assert_close!(last(&r, "ils", "cumulative_output_kg.Nd"), 8765.0 * 0.45);
    // In = 8,766 pallets of 62 kg; out = 8,765 x (3 + 58.5); the last pallet is inventory.
    let s = stats(&r, "ils");
    assert_close!(s.in_kg, 8766.0 * 62.0);
    assert_close!(s.out_kg, 8765.0 * 61.5);
    assert_close!(s.inventory_kg, 62.0);
    // Busy 1,000 s of every 3,600 s, 8,765 times, over 8,766 h.
    assert_close!(s.utilisation.unwrap(), 8765.0 * 1000.0 / (8766.0 * 3600.0));
}

#[test]
fn an_hpms_plant_extracts_sinters_and_passes_residue_on() {
    // 100 kg of magnet scrap an hour (876.6 t/yr, regular), one vessel, 100 kg batches of 1 h.
    let y = net(
        8766.0,
        24.0,
        "  - {id: scrap, kind: scrap_source, material: magnet, tonnes_per_year: 876.6, lot_kg: 100, arrivals: regular}
  - id: hub
    kind: hpms
    vessels: 1
    batch_kg: 100
    cycle_h: 1
    extraction_yield: 0.75
    unsuitable_share: 0.5
    commissioning: 2025-01-01
    sintered_t_per_year: 50
    magnet_material: product
    coproduct_material: product
    residue_material: residue
    input_capacity_kg: 1000
    storage_capacity_kg: 1000
    coproducts_t_per_year: 50
    co2_kg_per_kg_product: 2
  - {id: buyers, kind: sink}
  - {id: rest, kind: sink}\n",
        "  - {id: a, from: scrap, to: hub, dispatch: immediate}
  - {id: m, from: hub, port: magnets, to: buyers, dispatch: immediate}
  - {id: c, from: hub, port: coproducts, to: buyers, dispatch: immediate}
  - {id: r, from: hub, port: residue, to: rest, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // 8,765 batches finish (the last lot arrives at the horizon). Per 100 kg batch:
    // 50 % suitable = 50 kg, 75 % extracted = 37.5 kg of product (half sintered);
    // residue 50 + 12.5 = 62.5 kg. Sintered share 50 / (50 + 50) = 0.5.
    assert_close!(r.summary.hpms_output_t, 8765.0 * 0.0375);
    assert_close!(r.summary.sintered_magnets_t, 8765.0 * 0.01875);
    assert_close!(r.summary.coproducts_t, 8765.0 * 0.01875);
    assert_close!(last(&r, "rest", "cumulative_output_kg"), 8765.0 * 62.5);
    // CO2: 2 kg per kg of sintered magnet.
    assert_close!(r.summary.process_co2_t, 8765.0 * 0.01875 * 2.0);
    // Each batch runs from its lot's arrival for 1 h of every hour.
    assert_close!(stats(&r, "hub").utilisation.unwrap(), 8765.0 / 8766.0);
    // Under a year at full capacity, so the finding measures the run's last year in
    // operation: from the first record (24 h) to the horizon (8,766 h), 8,742 h. The
    // batches finishing at 25 h .. 8,766 h count: 8,742 of 37.5 kg, i.e. 37.5 kg/h or
    // 37.5 * 8,766 = 328.725 t/yr, half sintered; feed: lots arriving at 25 h .. 8,766 h,
    // 100 kg/h = 876.6 t/yr. Nameplate 100 t/yr needs 100 / (0.5 * 0.75) = 266.7 t/yr.
    let s = &r.summary;
    assert_eq!(s.hpms_measured_from.as_deref(), Some("2025-01-02"));
    assert_close!(s.hpms_measured_years.unwrap(), 8742.0 / 8766.0);
    assert_close!(s.hpms_sintered_t_per_year.unwrap(), 328.725 / 2.0);
    assert_close!(s.hpms_coproducts_t_per_year.unwrap(), 328.725 / 2.0);
    assert_close!(s.hpms_feed_t_per_year.unwrap(), 876.6);
    assert_close!(s.hpms_feed_needed_t_per_year.unwrap(), 100.0 / 0.375);
    assert_eq!(s.hpms_limit.as_deref(), Some("none"));
}

#[test]
fn an_oxide_plant_turns_rare_earths_into_oxides() {
    // 100 kg of scrap (30 % Nd, 10 % Dy, 60 % Fe) an hour; the plant takes 1 t a day
    // (365.25 t/yr), recovers 75 % of Nd and 50 % of Dy.
    let y = net(
        8766.0,
        24.0,
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
  - {id: buyers, kind: sink}\n",
        "  - {id: a, from: scrap, to: plant, dispatch: immediate}
  - {id: b, from: plant, to: buyers, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // Campaigns on days 1..365 (day 0's finds an empty input), 1 t each: 365 t of feed.
    assert_close!(r.summary.oxide_feed_t, 365.0);
    // Per t: Nd 300 kg -> 225 kg, as oxide x1.25 = 281.25 kg; Dy 100 kg -> 50 kg, x1.5 =
    // 75 kg: 356.25 kg of oxide per t of feed.
    assert_close!(r.summary.oxides_t, 365.0 * 0.35625);
    assert_close!(r.summary.oxide_t_per_t_feed.unwrap(), 0.35625);
    // Lost: 75 kg Nd + 50 kg Dy per t; the oxygen (56.25 + 25 kg per t) came in with reagents.
    let s = stats(&r, "plant");
    assert_close!(s.loss_kg, 365.0 * 125.0);
    // In: all 8,766 lots (876.6 t) plus 365 x 81.25 kg of oxygen.
    assert_close!(s.in_kg, 876_600.0 + 365.0 * 81.25);
}

#[test]
fn a_market_meets_demand_from_recycled_stock_then_imports_in_order() {
    // Demand 1 t a day; 0.5 t of recycled material arrives every day; China can supply
    // 0.25 t a day, others 0.1 t.
    let y = net(
        8766.0,
        24.0,
        "  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 182.625, lot_kg: 500, arrivals: regular}
  - id: us
    kind: market
    demand: [{sector: total, t_per_year: 365.25}]
    imports: [{origin: china, t_per_year: 91.3125}, {origin: other, t_per_year: 36.525}]\n",
        "  - {id: a, from: scrap, to: us, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    let s = &r.summary;
    // 365 market days (1 d .. 365 d), each after that day's delivery.
    assert_close!(s.demand_t, 365.0);
    assert_close!(s.recycled_supply_t, 365.0 * 0.5);
    // Imports: 0.25 + 0.1 t a day; shortfall 1 - 0.5 - 0.35 = 0.15 t a day.
    assert_close!(s.imports_t, 365.0 * 0.35);
    assert_close!(s.shortfall_t, 365.0 * 0.15);
    assert_close!(s.domestic_share.unwrap(), 0.5);
    // Daily records: day 100's imports (the last record, at 365.25 d, covers a quarter day
    // without a market day).
    assert_close!(r.timeseries.series("us", "imports_t.china")[99].1, 0.25);
    assert_close!(r.timeseries.series("us", "imports_t.other")[99].1, 0.1);
}

#[test]
fn a_full_load_link_waits_for_a_truckload() {
    // 100 kg an hour; a truck leaves with each full 1,000 kg, takes 1 day, 100 miles.
    let y = net(
        8766.0,
        24.0,
        "  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 876.6, lot_kg: 100, arrivals: regular}
  - {id: end, kind: sink}\n",
        "  - id: road
    from: scrap
    to: end
    distance_mi: 100
    transit_days: 1
    dispatch: {full_load: {load_kg: 1000}}
    truck_capacity_kg: 1000
    cost_per_mile_usd: 2
    co2_kg_per_tonne_mile: 0.1\n",
    );
    let r = simulate(&load(&y), 1);
    // 8,766 lots: 876 trucks leave (every 10 h), 6 lots stay staged.
    assert_close!(last(&r, "road", "trips"), 876.0);
    // Cost 876 x 100 mi x $2; CO2 876 x 1 t x 100 mi x 0.1 kg.
    assert_close!(r.summary.transport_cost_usd, 175_200.0);
    assert_close!(r.summary.transport_co2_t, 8.76);
    // Trucks leaving after 8,742 h are still on the road: 874 delivered, 2 in transit.
    assert_close!(last(&r, "end", "cumulative_output_kg"), 874_000.0);
    assert_close!(last(&r, "road", "in_transit_kg"), 2_000.0);
    assert_close!(last(&r, "road", "staged_kg"), 600.0);
}

#[test]
fn a_timer_link_sends_what_is_staged_in_as_many_trucks_as_needed() {
    // 100 kg an hour; every day, if at least 1.5 t is staged, everything leaves in trucks of 2 t.
    let y = net(
        8766.0,
        24.0,
        "  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 876.6, lot_kg: 100, arrivals: regular}
  - {id: end, kind: sink}\n",
        "  - id: road
    from: scrap
    to: end
    distance_mi: 10
    dispatch: {timer: {every_days: 1, min_load_kg: 1500}}
    truck_capacity_kg: 2000\n",
    );
    let r = simulate(&load(&y), 1);
    // Each day 2.4 t is staged (the 24th lot arrives before the timer at the same time):
    // two trucks (2 t + 0.4 t), 365 days.
    assert_close!(last(&r, "road", "trips"), 730.0);
    assert_close!(last(&r, "end", "cumulative_output_kg"), 365.0 * 2400.0);
}

#[test]
fn shares_split_output_exactly_and_zero_shares_get_nothing() {
    let y = net(
        8766.0,
        24.0,
        "  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 876.6, lot_kg: 100, arrivals: regular}
  - {id: x, kind: sink}
  - {id: y, kind: sink}
  - {id: z, kind: sink}\n",
        "  - {id: a, from: scrap, to: x, share: 0.25, dispatch: immediate}
  - {id: b, from: scrap, to: y, share: 0.75, dispatch: immediate}
  - {id: c, from: scrap, to: z, share: 0.0, dispatch: immediate}\n",
    );
    let r = simulate(&load(&y), 1);
    // 8,766 lots of 100 kg: 25 kg and 75 kg each (both shares are exact binary fractions).
    assert_close!(last(&r, "x", "cumulative_output_kg"), 8766.0 * 25.0);
    assert_close!(last(&r, "y", "cumulative_output_kg"), 8766.0 * 75.0);
    assert_close!(last(&r, "z", "cumulative_output_kg"), 0.0);
}
