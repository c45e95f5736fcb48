//! Every model error, with its message, place and exit code.
//!
//! Each test takes a small valid model (`MM1` or `LOOP`, here), breaks one thing with a
//! string replacement, and checks the problem magloop reports: its YAML path, its line and
//! column (worked out by hand from the numbered listings here), its message and its hint.
//! A test expects exactly one problem unless it says why a mistake causes several. The tests
//! are in one module per kind of mistake (README.md lists them); the helpers are here.

mod all_at_once;
mod bases;
mod binary;
mod distributions;
mod fields;
mod ranges;
mod references;
mod syntax;
mod topology;

use magloop::error::Problem;

use crate::common::problems;

/// A plain M/M/1 queue (the shape of `models/mm1.yaml`). Lines, for the expected places:
///
/// ```text
///  1 name            10 nodes:               19     service_h
///  2 calendar:       11   - id: arrivals     20   - id: departures (nodes[2])
///  3   start         12     kind: source     21     kind: sink
///  4   years         13     material         22 links:
///  5   record_every  14     interarrival_h   23   - {arrivals_to_server}   (links[0])
///  6 elements: []    15     lot_kg           24   - {server_to_departures} (links[1])
///  7 materials:      16   - id: server (nodes[1])
///  8   job:          17     kind: station
///  9     role: job   18     servers: 1
/// ```
///
/// Top-level keys sit in column 1, calendar keys in column 3, list items' dashes in
/// column 3 and the keys of a node in column 5.
const MM1: &str = "\
name: mm1
calendar:
  start: 2025-01-01
  years: 1
  record_every_days: 1
elements: []
materials:
  job:
    role: job
nodes:
  - id: arrivals
    kind: source
    material: job
    interarrival_h: {exponential: {mean: 1}}
    lot_kg: {constant: 1}
  - id: server
    kind: station
    servers: 1
    service_h: {exponential: {mean: 0.5}}
  - id: departures
    kind: sink
links:
  - {id: arrivals_to_server, from: arrivals, to: server, dispatch: immediate}
  - {id: server_to_departures, from: server, to: departures, dispatch: immediate}
";

/// A small magnet loop with one node of every other kind. Lines, for the expected places:
///
/// ```text
///  1 name: loop                     46   - id: hub (nodes[3], hpms)
///  2 calendar:                      48     vessels          55 magnet_material
///  3   start                        49     batch_kg         56 coproduct_material
///  4   years                        50     cycle_h          57 residue_material
///  5 elements: [Nd, Pr, Fe, O]      51     extraction_yield 58 input_capacity_kg
///  6 materials:                     52     unsuitable_share 59 storage_capacity_kg
///  7   magnet: (8 role, 9 comp.)    53     commissioning    60 coproducts_t_per_year
///  10  body: (11 role, 12 comp.)    54     sintered_t_per_year
///  23 nodes:                        61   - id: separator (nodes[4], oxide_plant)
///  24   - id: drives (nodes[0])     63     feed_t_per_year  67 - material (col 9)
///  26     drives_per_year           64     commissioning    68   oxide_factor (col 9)
///  27     pallet_drives             65     recovery         69   purity (col 9)
///  28     magnet_g_per_drive        66     products:        70 input_capacity_kg
///  29     body_g_per_drive          72   - id: market (nodes[5])
///  30     magnet_material           74     demand: 75 - {sector: ev ...} (col 7)
///  31     body_material             76     imports: 77 - {origin: china ...} (col 7)
///  32   - id: rotors (nodes[1])     78   - id: buyers (nodes[6], sink)
///  34     material                  80 links:
///  35     tonnes_per_year           81   - {drives_to_ils}  82 - {rotors_to_hub}
///  36     lot_kg                    83   - id: ils_to_hub (links[2], block style)
///  37   - id: ils (nodes[2])        86     distance_mi  87 truck_capacity_kg
///  39     lines                     88     cost_per_mile_usd  89 co2_kg_per_tonne_mile
///  40     cycle_s_per_drive         90     transit_days  91 dispatch
///  41     recovery_yield            92   - {hub_magnets}  (links[3])
///  42     magnet_share              93   - {hub_residue}  (links[4], timer dispatch)
///  43     carrier_material          94   - {oxides_out}   (links[5])
///  44     input_capacity_drives
///  45     storage_capacity_kg        95   - {hub_coproducts} (links[6])
/// ```
const LOOP: &str = "\
name: loop
calendar:
  start: 2025-01-01
  years: 2
elements: [Nd, Pr, Fe, O]
materials:
  magnet:
    role: magnet
    composition: {Nd: 25, Pr: 5, Fe: 65}
  body:
    role: carrier
    composition: {Fe: 30}
  steel:
    role: carrier
  sintered:
    role: product
  coproduct:
    role: product
  residue:
    role: scrap
  oxide:
    role: product
nodes:
  - id: drives
    kind: hdd_source
    drives_per_year: 100000
    pallet_drives: 300
    magnet_g_per_drive: {triangular: [15, 20, 25]}
    body_g_per_drive: 600
    magnet_material: magnet
    body_material: body
  - id: rotors
    kind: scrap_source
    material: magnet
    tonnes_per_year: 50
    lot_kg: {uniform: [200, 800]}
  - id: ils
    kind: preprocessor
    lines: 1
    cycle_s_per_drive: 2
    recovery_yield: 0.95
    magnet_share: 0.35
    carrier_material: steel
    input_capacity_drives: 10000
    storage_capacity_kg: 60000
  - id: hub
    kind: hpms
    vessels: 2
    batch_kg: 400
    cycle_h: {triangular: [4, 5, 6]}
    extraction_yield: 0.9
    unsuitable_share: 0.2
    commissioning: 2025-06-01
    sintered_t_per_year: 50
    magnet_material: sintered
    coproduct_material: coproduct
    residue_material: residue
    input_capacity_kg: 100000
    storage_capacity_kg: 100000
    coproducts_t_per_year: 50
  - id: separator
    kind: oxide_plant
    feed_t_per_year: 100
    commissioning: 2025-01-01
    recovery: {Nd: 0.95, Pr: 0.95}
    products:
      - material: oxide
        oxide_factor: {Nd: 1.1664, Pr: 1.2082}
        purity: 0.998
    input_capacity_kg: 200000
    storage_capacity_kg: 10000
  - id: market
    kind: market
    demand:
      - {sector: ev, t_per_year: 100, growth_per_year: 0.05}
    imports:
      - {origin: china, t_per_year: 100}
  - id: buyers
    kind: sink
links:
  - {id: drives_to_ils, from: drives, to: ils, dispatch: immediate}
  - {id: rotors_to_hub, from: rotors, to: hub, dispatch: immediate}
  - id: ils_to_hub
    from: ils
    to: hub
    distance_mi: 1000
    truck_capacity_kg: 20000
    cost_per_mile_usd: 2.26
    co2_kg_per_tonne_mile: 0.19
    transit_days: {triangular: [1.8, 2.0, 2.5]}
    dispatch: {full_load: {load_kg: 19000}}
  - {id: hub_magnets, from: hub, port: magnets, to: market, dispatch: immediate}
  - {id: hub_residue, from: hub, port: residue, to: separator, dispatch: {timer: {every_days: 30, min_load_kg: 500}}}
  - {id: oxides_out, from: separator, to: buyers, dispatch: immediate}
  - {id: hub_coproducts, from: hub, port: coproducts, to: buyers, dispatch: immediate}
";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `base` with the one occurrence of `from` replaced by `to` (a mutation that matched
/// nothing, or matched twice, would test something else than it says).
#[track_caller]
fn with(base: &str, from: &str, to: &str) -> String {
    let n = base.matches(from).count();
    assert_eq!(n, 1, "`{from}` occurs {n} times in the base model");
    base.replacen(from, to, 1)
}

/// Every problem, one rendered line each, for failure messages.
fn listing(ps: &[Problem]) -> String {
    ps.iter()
        .map(|p| format!("\n  {}", p.render("bad.yaml")))
        .collect()
}

/// The single problem of `yaml`; fails listing all of them when there are several.
#[track_caller]
fn the_problem(yaml: &str) -> Problem {
    let ps = problems(yaml);
    assert_eq!(ps.len(), 1, "expected one problem, got:{}", listing(&ps));
    ps.into_iter().next().expect("one problem")
}

/// The problem at `path` among `ps`.
#[track_caller]
fn at<'a>(ps: &'a [Problem], path: &str) -> &'a Problem {
    ps.iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no problem at `{path}` among:{}", listing(ps)))
}

/// Checks one problem: its path, its place, a part of its message and, when given, a part
/// of its hint (`None` leaves the hint unchecked).
#[track_caller]
fn expect(
    p: &Problem,
    path: &str,
    place: Option<(usize, usize)>,
    message: &str,
    hint: Option<&str>,
) {
    let shown = p.render("bad.yaml");
    assert_eq!(p.path, path, "path of: {shown}");
    assert_eq!(p.line, place, "line and column of: {shown}");
    assert!(
        p.message.contains(message),
        "message of: {shown}\n  should contain: {message}"
    );
    if let Some(h) = hint {
        let got = p.hint.as_deref().unwrap_or("");
        assert!(got.contains(h), "hint of: {shown}\n  should contain: {h}");
    }
}

/// One broken model and what it must report. `at` is (line, column) in the mutated text.
struct Case {
    from: &'static str,
    to: &'static str,
    path: &'static str,
    at: (usize, usize),
    message: &'static str,
    /// Why this is the expected problem and place.
    why: &'static str,
}

/// Runs each case against `base`, expecting exactly the one problem described.
#[track_caller]
fn check_cases(base: &str, cases: &[Case]) {
    for c in cases {
        let ps = problems(&with(base, c.from, c.to));
        assert_eq!(
            ps.len(),
            1,
            "`{}` -> `{}` ({}): expected one problem, got:{}",
            c.from,
            c.to,
            c.why,
            listing(&ps)
        );
        let p = &ps[0];
        let shown = p.render("bad.yaml");
        assert_eq!(p.path, c.path, "path ({}): {shown}", c.why);
        assert_eq!(p.line, Some(c.at), "place ({}): {shown}", c.why);
        assert!(
            p.message.contains(c.message),
            "message ({}): {shown}\n  should contain: {}",
            c.why,
            c.message
        );
    }
}

/// MM1 with five independent mistakes. Lines: years 4, interarrival_h 14, servers 18, the
/// sink's new `capacity` 22 (inserted after line 21), so the links move to 24 and 25.
fn five_mistakes() -> String {
    let y = with(MM1, "years: 1", "years: -1");
    let y = with(&y, "{exponential: {mean: 1}}", "{uniform: [2, 1]}");
    let y = with(&y, "servers: 1", "servers: 0");
    let y = with(&y, "    kind: sink\n", "    kind: sink\n    capacity: 5\n");
    with(&y, "to: departures", "to: departure")
}
