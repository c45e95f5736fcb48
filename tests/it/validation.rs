//! Every model error, with its message, place and exit code.
//!
//! Each test takes a small valid model (`MM1` or `LOOP` below), breaks one thing with a
//! string replacement, and checks the problem magloop reports: its YAML path, its line and
//! column (worked out by hand from the numbered listings below), its message and its hint.
//! A test expects exactly one problem unless it says why a mistake causes several.

use std::fs;

use magloop::error::Problem;
use magloop::model::{self, Overrides};

use crate::common::{load, problems, repo, run_in, stderr, stdout, tempdir};

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
///  7   magnet: (8 role, 9 comp.)    53     commissioning    60 nameplate_output
///  10  body: (11 role, 12 comp.)    54     sintered_share
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
///  45     storage_capacity_kg
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
    sintered_share: 0.5
    magnet_material: sintered
    coproduct_material: coproduct
    residue_material: residue
    input_capacity_kg: 100000
    storage_capacity_kg: 100000
    nameplate_output_t_per_year: 100
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

// ---------------------------------------------------------------------------------------
// The bases are valid, so every problem below comes from the one thing broken
// ---------------------------------------------------------------------------------------

#[test]
fn base_models_are_valid() {
    let m = load(MM1);
    assert_eq!(m.model.nodes.len(), 3);
    let l = load(LOOP);
    // drives, rotors, ils, hub, separator, market, buyers.
    assert_eq!(l.model.nodes.len(), 7);
    assert_eq!(l.model.links.len(), 6);
}

#[test]
fn shipped_models_load() {
    for file in ["models/mm1.yaml", "models/us_magnet_network.yaml"] {
        let path = repo().join(file);
        if let Err(e) = model::load_file(&path, &Overrides::default()) {
            panic!("{file} should be valid:\n{e}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Syntax: files that are not YAML, not text, or not a model at all
// ---------------------------------------------------------------------------------------

#[test]
fn a_tab_in_the_indentation_is_a_syntax_error_with_line_and_column() {
    // YAML forbids tabs for indentation; the tab replaces the 4 spaces before `servers`
    // on line 18, so the scanner stops at its first column.
    let p = the_problem(&with(MM1, "    servers: 1", "\tservers: 1"));
    expect(
        &p,
        "",
        Some((18, 1)),
        "YAML syntax error",
        Some("indentation"),
    );
    assert!(
        p.render("bad.yaml")
            .starts_with("bad.yaml:18:1: YAML syntax error")
    );
}

#[test]
fn an_unclosed_bracket_is_a_syntax_error_with_line_and_column() {
    // The last link (line 24) loses its `}`: the flow mapping is still open when the file
    // ends, which libyaml reports where the text ends: line 25 (after the final newline),
    // column 1.
    let p = the_problem(&with(
        MM1,
        "to: departures, dispatch: immediate}",
        "to: departures, dispatch: immediate",
    ));
    expect(&p, "", Some((25, 1)), "YAML syntax error", None);
}

#[test]
fn an_empty_file_is_reported_as_empty() {
    for text in ["", "\n\n", "# only a comment\n"] {
        let p = the_problem(text);
        expect(
            &p,
            "",
            None,
            "the model file is empty",
            Some("models/us_magnet_network.yaml"),
        );
    }
}

#[test]
fn a_file_that_is_not_a_mapping_is_rejected() {
    // A list and a bare word are valid YAML but not a model; there is no path to place.
    for text in ["- name: mm1\n- nodes: []\n", "hello\n"] {
        let p = the_problem(text);
        expect(&p, "", None, "must be a YAML mapping", Some("start from"));
    }
}

#[test]
fn a_duplicated_key_is_a_syntax_error() {
    // `Nd` twice in one composition (line 9) cannot be read as a mapping at all.
    let p = the_problem(&with(
        LOOP,
        "{Nd: 25, Pr: 5, Fe: 65}",
        "{Nd: 25, Pr: 5, Nd: 65}",
    ));
    assert!(
        p.message.contains("YAML syntax error"),
        "{}",
        p.render("bad.yaml")
    );
    assert!(
        p.message.contains("Nd"),
        "names the key: {}",
        p.render("bad.yaml")
    );
    assert_eq!(p.line.map(|l| l.0), Some(9), "{}", p.render("bad.yaml"));
}

#[test]
fn non_utf8_bytes_are_reported_with_their_offset() {
    // `name: mm` is 8 bytes, so the 0xFF byte that follows is at offset 8.
    let dir = tempdir();
    let path = dir.path().join("latin1.yaml");
    let mut bytes = MM1.as_bytes().to_vec();
    bytes[8] = 0xFF;
    fs::write(&path, &bytes).unwrap();
    match model::load_file(&path, &Overrides::default()) {
        Err(e @ magloop::Error::Model { .. }) => {
            assert_eq!(e.exit_code(), 2);
            let magloop::Error::Model { file, problems } = &e else {
                unreachable!()
            };
            assert!(file.ends_with("latin1.yaml"), "{file}");
            assert_eq!(problems.len(), 1, "{}", listing(problems));
            expect(
                &problems[0],
                "",
                None,
                "not UTF-8 text (invalid byte at offset 8)",
                Some("YAML text"),
            );
        }
        Err(e) => panic!("expected model problems, got: {e}"),
        Ok(_) => panic!("non-UTF-8 bytes should be rejected"),
    }
}

#[test]
fn a_missing_file_is_a_read_error_with_exit_code_2() {
    let dir = tempdir();
    match model::load_file(&dir.path().join("nope.yaml"), &Overrides::default()) {
        Err(e @ magloop::Error::Read { .. }) => assert_eq!(e.exit_code(), 2),
        Err(e) => panic!("expected a read error, got: {e}"),
        Ok(_) => panic!("a missing file cannot load"),
    }
    let out = run_in(dir.path(), &["validate", "nope.yaml"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read nope.yaml"),
        "stderr: {}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

// ---------------------------------------------------------------------------------------
// Fields: unknown, missing, misspelt or of the wrong type
// ---------------------------------------------------------------------------------------

#[test]
fn unknown_top_level_field_suggests_the_close_one() {
    // Line 2 is `calendar:`; reading the top level stops at the first unknown key.
    let p = the_problem(&with(MM1, "calendar:", "calender:"));
    expect(
        &p,
        "calender",
        Some((2, 1)),
        "unknown field `calender`",
        Some("did you mean `calendar`?"),
    );
}

#[test]
fn unknown_top_level_field_with_no_close_name_lists_the_known_ones() {
    // Appended after line 24, so it is line 25.
    let p = the_problem(&format!("{MM1}scenario: high\n"));
    expect(
        &p,
        "scenario",
        Some((25, 1)),
        "unknown field `scenario`",
        Some("known fields: name, description"),
    );
}

#[test]
fn unknown_field_in_an_hpms_node_suggests_vessels() {
    // `vessels` is line 48 of LOOP, a key of nodes[3] in column 5. The misspelt node is
    // skipped, and the links into `hub` are not reported again: the id is declared.
    let p = the_problem(&with(LOOP, "vessels: 2", "vesels: 2"));
    expect(
        &p,
        "nodes[3].vesels",
        Some((48, 5)),
        "unknown field `vesels`",
        Some("did you mean `vessels`?"),
    );
}

#[test]
fn unknown_field_in_a_station_renders_like_the_readme_example() {
    // `servers` is line 18, column 5.
    let p = the_problem(&with(MM1, "servers: 1", "servrs: 1"));
    assert_eq!(
        p.render("bad.yaml"),
        "bad.yaml:18:5: nodes[1].servrs: unknown field `servrs` (did you mean `servers`?)"
    );
}

#[test]
fn unknown_field_in_a_block_link_is_placed_on_its_line() {
    // links[2] is written in block style: `distance_mi` is line 86, column 5.
    let p = the_problem(&with(LOOP, "distance_mi: 1000", "distnce_mi: 1000"));
    expect(
        &p,
        "links[2].distnce_mi",
        Some((86, 5)),
        "unknown field `distnce_mi`",
        Some("did you mean `distance_mi`?"),
    );
}

#[test]
fn unknown_field_in_a_flow_link_is_placed_on_the_link() {
    // links[0] is a flow mapping on line 23; the locator does not read inside `{...}`, so
    // it points at the list item (its dash, column 3).
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch",
        "to: server, shar: 0.5, dispatch",
    ));
    expect(
        &p,
        "links[0].shar",
        Some((23, 3)),
        "unknown field `shar`",
        Some("did you mean `share`?"),
    );
}

#[test]
fn unknown_field_in_a_nested_block_is_placed_on_its_line() {
    // A block `failures:` inserted after line 19 takes lines 20-22; `repair` is on line 22
    // in column 7 (two deeper than the node's keys).
    let yaml = with(
        MM1,
        "    service_h: {exponential: {mean: 0.5}}\n",
        "    service_h: {exponential: {mean: 0.5}}\n    failures:\n      tbf_h: 10\n      repair: 1\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[1].failures.repair",
        Some((22, 7)),
        "unknown field `repair`",
        Some("did you mean `repair_h`?"),
    );
}

#[test]
fn missing_required_field_is_placed_at_its_node_with_a_hint() {
    // Without line 18 the station (line 16, its dash in column 3) has no `servers`.
    let p = the_problem(&with(MM1, "    servers: 1\n", ""));
    expect(
        &p,
        "nodes[1]",
        Some((16, 3)),
        "missing field `servers`",
        Some("add `servers:`"),
    );
}

#[test]
fn missing_calendar_start_is_placed_at_the_calendar() {
    // Without line 3, the problem is placed at `calendar:` on line 2.
    let p = the_problem(&with(MM1, "  start: 2025-01-01\n", ""));
    expect(
        &p,
        "calendar",
        Some((2, 1)),
        "missing field `start`",
        Some("add `start:`"),
    );
}

#[test]
fn missing_top_level_section_is_reported() {
    // Without `materials:` (lines 7-9) the document lacks a required key; the whole file
    // is the place, so there is no line.
    let p = the_problem(&with(MM1, "materials:\n  job:\n    role: job\n", ""));
    expect(
        &p,
        "",
        None,
        "missing field `materials`",
        Some("add `materials:`"),
    );
}

#[test]
fn unknown_node_kind_suggests_the_close_one() {
    // `kind` of nodes[1] is line 17. The node is skipped, but its id is known, so the
    // links naming `server` are not reported again.
    let p = the_problem(&with(MM1, "kind: station", "kind: stattion"));
    expect(
        &p,
        "nodes[1].kind",
        Some((17, 5)),
        "unknown node kind `stattion`",
        Some("did you mean `station`?"),
    );
}

#[test]
fn unknown_node_kind_with_no_close_name_lists_the_kinds() {
    let p = the_problem(&with(MM1, "kind: station", "kind: teleporter"));
    expect(
        &p,
        "nodes[1].kind",
        Some((17, 5)),
        "unknown node kind `teleporter`",
        Some("one of: hdd_source, scrap_source"),
    );
}

#[test]
fn unknown_role_suggests_the_close_one() {
    // `role` is line 9, column 5. The material cannot be read, so the source that uses it
    // (line 13) also reports it as unknown, as models/README.md says.
    let ps = problems(&with(MM1, "role: job", "role: jobs"));
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    expect(
        at(&ps, "materials.job.role"),
        "materials.job.role",
        Some((9, 5)),
        "unknown value `jobs`",
        Some("did you mean `job`?"),
    );
    expect(
        at(&ps, "nodes[0].material"),
        "nodes[0].material",
        Some((13, 5)),
        "unknown material `job`",
        None,
    );
}

#[test]
fn unknown_arrivals_value_suggests_poisson() {
    // Inserted after `pallet_drives` (line 27), `arrivals` is line 28.
    let p = the_problem(&with(
        LOOP,
        "    pallet_drives: 300\n",
        "    pallet_drives: 300\n    arrivals: possion\n",
    ));
    expect(
        &p,
        "nodes[0].arrivals",
        Some((28, 5)),
        "unknown value `possion`",
        Some("did you mean `poisson`?"),
    );
    // With nothing close, the hint lists the values.
    let p = the_problem(&with(
        LOOP,
        "    pallet_drives: 300\n",
        "    pallet_drives: 300\n    arrivals: random\n",
    ));
    expect(
        &p,
        "nodes[0].arrivals",
        Some((28, 5)),
        "unknown value `random`",
        Some("one of: poisson, regular"),
    );
}

#[test]
fn wrong_types_are_reported_at_the_field() {
    // `elements` (line 6 of MM1) is a list, even when empty.
    let p = the_problem(&with(MM1, "elements: []", "elements: none"));
    expect(&p, "elements", Some((6, 1)), "invalid type", None);
    // `servers` (line 18) is a whole number of servers, neither a word nor negative.
    let p = the_problem(&with(MM1, "servers: 1", "servers: two"));
    expect(&p, "nodes[1].servers", Some((18, 5)), "invalid type", None);
    let p = the_problem(&with(MM1, "servers: 1", "servers: -1"));
    expect(
        &p,
        "nodes[1].servers",
        Some((18, 5)),
        "invalid value: integer `-1`",
        None,
    );
    // `input_capacity_drives` (line 44 of LOOP) counts drives.
    let p = the_problem(&with(
        LOOP,
        "input_capacity_drives: 10000",
        "input_capacity_drives: -1",
    ));
    expect(
        &p,
        "nodes[2].input_capacity_drives",
        Some((44, 5)),
        "invalid value: integer `-1`",
        None,
    );
}

#[test]
fn a_name_that_cannot_name_a_folder_is_rejected() {
    let p = the_problem(&with(MM1, "name: mm1", "name: my model"));
    expect(
        &p,
        "name",
        Some((1, 1)),
        "`my model` cannot name an output folder",
        Some("letters, digits"),
    );
    let p = the_problem(&with(MM1, "name: mm1", "name: ../up"));
    expect(
        &p,
        "name",
        Some((1, 1)),
        "`../up` cannot name an output folder",
        None,
    );
}

// ---------------------------------------------------------------------------------------
// Distributions and dispatch rules (the custom parsers in spec.rs)
// ---------------------------------------------------------------------------------------

#[test]
fn unknown_distribution_suggests_the_close_one() {
    // `interarrival_h` is line 14. The did-you-mean is part of the parser's message.
    let p = the_problem(&with(
        MM1,
        "{exponential: {mean: 1}}",
        "{exponentail: {mean: 1}}",
    ));
    expect(
        &p,
        "nodes[0].interarrival_h",
        Some((14, 5)),
        "unknown distribution `exponentail` (did you mean `exponential`?)",
        None,
    );
    // The message also lists the forms a distribution may take.
    assert!(p.message.contains("{uniform: [lo, hi]}"), "{}", p.message);
}

#[test]
fn malformed_distributions_are_reported_at_their_field() {
    // Each replaces the station's `service_h` (line 19, column 5) and is the only problem.
    let cases = [
        ("{uniform: [1]}", "`uniform` takes 2 numbers, found 1"),
        (
            "{triangular: [1, 2]}",
            "`triangular` takes 3 numbers, found 2",
        ),
        ("{uniform: [a, b]}", "`uniform` takes a list of 2 numbers"),
        (
            "{uniform: [2, 1]}",
            "uniform needs lo <= hi, got lo = 2, hi = 1",
        ),
        (
            "{triangular: [1, 3, 2]}",
            "triangular needs lo <= mode <= hi",
        ),
        ("{constant: -1}", "constant parameter value must be >= 0"),
        ("-0.5", "constant parameter value must be >= 0"),
        (
            "{normal: {mean: -1, sd: 1}}",
            "normal parameter mean must be >= 0",
        ),
        (
            "{exponential: {mean: .nan}}",
            "exponential parameter mean must be a finite number, got NaN",
        ),
        (
            "{exponential: {mean: .inf}}",
            "exponential parameter mean must be a finite number, got inf",
        ),
        (
            "{exponential: {mean: 0}}",
            "exponential needs mean > 0, got 0",
        ),
        (
            "{lognormal: {mean: 0, sd: 1}}",
            "lognormal needs mean > 0, got 0",
        ),
        ("{normal: {mean: 1}}", "in `normal`: missing field `sd`"),
        (
            "{exponential: {mean: 1, sd: 1}}",
            "in `exponential`: unknown field `sd`",
        ),
        (
            "{discrete: {values: [1, 2], weights: [1]}}",
            "one weight per value, got 2 values and 1 weights",
        ),
        (
            "{discrete: {values: [], weights: []}}",
            "discrete needs at least one value",
        ),
        (
            "{discrete: {values: [1], weights: [0]}}",
            "weights must add up to a positive finite number, got 0",
        ),
        (
            "{uniform: [1, 2], constant: 1}",
            "found a mapping with several keys",
        ),
        ("fast", "found a string"),
        ("[1, 2]", "found a list"),
    ];
    for (dist, message) in cases {
        let yaml = with(MM1, "{exponential: {mean: 0.5}}", dist);
        let ps = problems(&yaml);
        assert_eq!(ps.len(), 1, "service_h: {dist}:{}", listing(&ps));
        expect(&ps[0], "nodes[1].service_h", Some((19, 5)), message, None);
    }
}

#[test]
fn unknown_dispatch_rule_suggests_the_close_one() {
    // links[0] is a flow mapping on line 23: placed at the item.
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch: immediate",
        "to: server, dispatch: imediate",
    ));
    expect(
        &p,
        "links[0].dispatch",
        Some((23, 3)),
        "unknown dispatch rule `imediate` (did you mean `immediate`?)",
        None,
    );
    // links[2] of LOOP is block style: `dispatch` is line 91, column 5.
    let p = the_problem(&with(
        LOOP,
        "{full_load: {load_kg: 19000}}",
        "{full_lod: {load_kg: 19000}}",
    ));
    expect(
        &p,
        "links[2].dispatch",
        Some((91, 5)),
        "unknown dispatch rule `full_lod` (did you mean `full_load`?)",
        None,
    );
    // A rule missing a parameter names the rule.
    let p = the_problem(&with(
        LOOP,
        "{timer: {every_days: 30, min_load_kg: 500}}",
        "{timer: {every_days: 30}}",
    ));
    expect(
        &p,
        "links[4].dispatch",
        Some((93, 3)),
        "in `timer`: missing field `min_load_kg`",
        None,
    );
}

#[test]
fn a_dispatch_rule_without_its_parameters_says_what_it_needs() {
    // `dispatch: full_load` (line 91) is the right rule written without `{load_kg: N}`;
    // the message should say that, not call the rule unknown.
    let p = the_problem(&with(
        LOOP,
        "dispatch: {full_load: {load_kg: 19000}}",
        "dispatch: full_load",
    ));
    expect(
        &p,
        "links[2].dispatch",
        Some((91, 5)),
        "`full_load` needs its parameters",
        None,
    );
    // The forms listed after it show what the parameters are.
    assert!(
        p.message.contains("{full_load: {load_kg: N}}"),
        "{}",
        p.render("bad.yaml")
    );
    assert!(
        !p.message.contains("unknown dispatch rule"),
        "{}",
        p.render("bad.yaml")
    );
    // And the other way round: `immediate` takes none (links[0] of MM1, line 23).
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch: immediate",
        "to: server, dispatch: {immediate: {load_kg: 1}}",
    ));
    expect(
        &p,
        "links[0].dispatch",
        Some((23, 3)),
        "`immediate` takes no parameters",
        None,
    );
}

// ---------------------------------------------------------------------------------------
// Ranges, node kind by node kind
// ---------------------------------------------------------------------------------------

#[test]
fn calendar_ranges() {
    check_cases(
        MM1,
        &[
            Case {
                from: "start: 2025-01-01",
                to: "start: yesterday",
                path: "calendar.start",
                at: (3, 3),
                message: "`yesterday` is not a date",
                why: "a start that is not YYYY-MM-DD",
            },
            Case {
                from: "start: 2025-01-01",
                to: "start: 2025-02-30",
                path: "calendar.start",
                at: (3, 3),
                message: "`2025-02-30` is not a date",
                why: "February has no 30th",
            },
            Case {
                from: "years: 1",
                to: "years: 1e9",
                path: "calendar.years",
                at: (4, 3),
                message: "must be a number above 0 and at most",
                why: "a horizon of a billion years is above the 200-year limit",
            },
            Case {
                from: "years: 1",
                to: "years: 0",
                path: "calendar.years",
                at: (4, 3),
                message: "found 0",
                why: "a horizon must be above 0",
            },
            Case {
                from: "years: 1",
                to: "years: -3",
                path: "calendar.years",
                at: (4, 3),
                message: "found -3",
                why: "a negative horizon",
            },
            Case {
                from: "record_every_days: 1",
                to: "record_every_days: 0.01",
                path: "calendar.record_every_days",
                at: (5, 3),
                message: "must be at least one hour (1/24 day)",
                why: "0.01 day is 14.4 minutes, below one hour",
            },
            Case {
                from: "record_every_days: 1",
                to: "record_every_days: 5000",
                path: "calendar.record_every_days",
                at: (5, 3),
                message: "found 5000",
                why: "at most 3660 days (ten years)",
            },
        ],
    );
}

#[test]
fn a_years_override_is_checked_like_the_file() {
    // `--years` is parsed by the CLI, but batches pass overrides straight to the loader.
    let err = model::load_str(MM1, "mm1.yaml", &Overrides { years: Some(1e9) }).err();
    let Some(magloop::Error::Model { problems, .. }) = err else {
        panic!("a billion-year override should be rejected")
    };
    assert_eq!(problems.len(), 1, "{}", listing(&problems));
    expect(
        &problems[0],
        "calendar.years",
        Some((4, 3)),
        "found 1000000000",
        None,
    );
}

#[test]
fn range_limits_are_written_as_plain_numbers() {
    // models/README.md says "above 0, at most 200" and "at most 3660"; the messages use the
    // same numbers (with thousands separators), not `2e2` and `3.66e3`.
    let p = the_problem(&with(MM1, "years: 1", "years: 1e9"));
    expect(
        &p,
        "calendar.years",
        Some((4, 3)),
        "at most 200, found 1000000000",
        None,
    );
    let p = the_problem(&with(
        MM1,
        "record_every_days: 1",
        "record_every_days: 5000",
    ));
    expect(
        &p,
        "calendar.record_every_days",
        Some((5, 3)),
        "at most 3,660, found 5000",
        None,
    );
    // Limits of a billion and more stay in exponent form: 1e10 drives a year (line 26).
    let p = the_problem(&with(LOOP, "drives_per_year: 100000", "drives_per_year: 0"));
    expect(
        &p,
        "nodes[0].drives_per_year",
        Some((26, 5)),
        "at most 1e10, found 0",
        None,
    );
}

#[test]
fn source_ranges() {
    check_cases(
        MM1,
        &[
            Case {
                from: "interarrival_h: {exponential: {mean: 1}}",
                to: "interarrival_h: {exponential: {mean: 0.0001}}",
                path: "nodes[0].interarrival_h",
                at: (14, 5),
                message: "the mean gap between arrivals must be at least one second",
                why: "0.0001 h is 0.36 s; time is counted in whole seconds",
            },
            Case {
                from: "lot_kg: {constant: 1}",
                to: "lot_kg: {uniform: [5, 1]}",
                path: "nodes[0].lot_kg",
                at: (15, 5),
                message: "uniform needs lo <= hi",
                why: "lot_kg's distribution is checked like any other",
            },
        ],
    );
}

#[test]
fn unknown_material_suggests_the_declared_one() {
    // `material` of nodes[0] is line 13.
    let p = the_problem(&with(MM1, "material: job", "material: jobs"));
    expect(
        &p,
        "nodes[0].material",
        Some((13, 5)),
        "unknown material `jobs`",
        Some("did you mean `job`?"),
    );
    let p = the_problem(&with(MM1, "material: job", "material: widgets"));
    expect(
        &p,
        "nodes[0].material",
        Some((13, 5)),
        "unknown material `widgets`",
        Some("declare it under `materials:`"),
    );
}

#[test]
fn too_many_arrivals_from_a_source_are_refused() {
    // A gap of 0.001 h (3.6 s, above the one-second floor) over 50 years:
    // 8,766 h / 0.001 h = 8,766,000 arrivals a year, * 50 = 4.38e8 > 2e8.
    let yaml = with(MM1, "years: 1", "years: 50");
    let p = the_problem(&with(
        &yaml,
        "{exponential: {mean: 1}}",
        "{exponential: {mean: 0.001}}",
    ));
    expect(
        &p,
        "nodes[0].interarrival_h",
        Some((14, 5)),
        "would create about 4.38e8 arrivals over 50 years, more than the 2e8 a run can hold",
        Some("use larger lots"),
    );
}

#[test]
fn too_many_arrivals_from_scrap_and_drives_are_refused() {
    // Scrap: 50 t/yr in 0.1 kg lots over 2 years = 50,000 kg / 0.1 kg * 2 = 1.00e6 lots:
    // fine; in 0.0001 kg lots it is 5e8 * 2 = 1.00e9 > 2e8, placed at `lot_kg` (line 36).
    let p = the_problem(&with(
        LOOP,
        "lot_kg: {uniform: [200, 800]}",
        "lot_kg: {constant: 0.0001}",
    ));
    expect(
        &p,
        "nodes[1].lot_kg",
        Some((36, 5)),
        "would create about 1.00e9 arrivals over 2 years",
        None,
    );
    // Drives: 1e9 drives a year one per pallet over 2 years = 2.00e9 pallets, placed at
    // `pallet_drives` (line 27).
    let yaml = with(
        LOOP,
        "drives_per_year: 100000",
        "drives_per_year: 1000000000",
    );
    let p = the_problem(&with(&yaml, "pallet_drives: 300", "pallet_drives: 1"));
    expect(
        &p,
        "nodes[0].pallet_drives",
        Some((27, 5)),
        "would create about 2.00e9 arrivals over 2 years",
        None,
    );
}

#[test]
fn an_end_before_the_start_is_refused() {
    // Inserted after `lot_kg` (line 15): start is line 16, end line 17.
    let yaml = with(
        MM1,
        "    lot_kg: {constant: 1}\n",
        "    lot_kg: {constant: 1}\n    start: 2025-06-01\n    end: 2025-03-01\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[0].end",
        Some((17, 5)),
        "ends before it starts",
        Some("swap start and end"),
    );
    let yaml = with(
        MM1,
        "    lot_kg: {constant: 1}\n",
        "    lot_kg: {constant: 1}\n    start: soon\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[0].start",
        Some((16, 5)),
        "`soon` is not a date",
        Some("YYYY-MM-DD"),
    );
}

#[test]
fn an_end_that_is_not_a_date_is_reported_once() {
    // start on line 16 is fine; end on line 17 is not a date, and that is all that is
    // wrong: the bad date must not also read as "ends before it starts".
    let yaml = with(
        MM1,
        "    lot_kg: {constant: 1}\n",
        "    lot_kg: {constant: 1}\n    start: 2025-06-01\n    end: later\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[0].end",
        Some((17, 5)),
        "`later` is not a date",
        Some("YYYY-MM-DD"),
    );
}

#[test]
fn station_ranges() {
    check_cases(
        MM1,
        &[
            Case {
                from: "servers: 1",
                to: "servers: 0",
                path: "nodes[1].servers",
                at: (18, 5),
                message: "must be from 1 to 10000, found 0",
                why: "a station without servers never serves",
            },
            Case {
                from: "servers: 1",
                to: "servers: 20000",
                path: "nodes[1].servers",
                at: (18, 5),
                message: "found 20000",
                why: "at most 10,000 servers",
            },
            Case {
                from: "    servers: 1\n",
                to: "    servers: 1\n    storage_capacity_kg: -1\n",
                path: "nodes[1].storage_capacity_kg",
                at: (19, 5),
                message: "must be a number above 0 and at most 1e12, found -1",
                why: "a negative capacity (the optional field, inserted as line 19)",
            },
        ],
    );
}

#[test]
fn a_zero_queue_capacity_is_refused_with_a_hint() {
    // Inserted after `servers` (line 18), it is line 19.
    let p = the_problem(&with(
        MM1,
        "    servers: 1\n",
        "    servers: 1\n    queue_capacity_jobs: 0\n",
    ));
    expect(
        &p,
        "nodes[1].queue_capacity_jobs",
        Some((19, 5)),
        "must be at least 1",
        Some("leave it out for an unlimited queue"),
    );
}

#[test]
fn failures_must_average_at_least_one_second() {
    // A flow `failures` inserted as line 20; the locator places its fields at the key.
    // 0.0001 h = 0.36 s.
    let yaml = with(
        MM1,
        "    service_h: {exponential: {mean: 0.5}}\n",
        "    service_h: {exponential: {mean: 0.5}}\n    failures: {tbf_h: 0.0001, repair_h: 1}\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[1].failures.tbf_h",
        Some((20, 5)),
        "must average at least one second",
        Some("whole seconds"),
    );
    let yaml = with(
        MM1,
        "    service_h: {exponential: {mean: 0.5}}\n",
        "    service_h: {exponential: {mean: 0.5}}\n    failures: {tbf_h: 10, repair_h: {uniform: [3, 1]}}\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[1].failures.repair_h",
        Some((20, 5)),
        "uniform needs lo <= hi",
        None,
    );
}

#[test]
fn hdd_source_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "drives_per_year: 100000",
                to: "drives_per_year: 0",
                path: "nodes[0].drives_per_year",
                at: (26, 5),
                message: "must be a number above 0 and at most 1e10, found 0",
                why: "no drives",
            },
            Case {
                from: "    drives_per_year: 100000\n",
                to: "    drives_per_year: 100000\n    growth_per_year: 1.5\n",
                path: "nodes[0].growth_per_year",
                at: (27, 5),
                message: "must be a yearly growth rate above -1 and at most 1, found 1.5",
                why: "+150 % a year is above the limit (inserted as line 27)",
            },
            Case {
                from: "    drives_per_year: 100000\n",
                to: "    drives_per_year: 100000\n    capture_share: 1.2\n",
                path: "nodes[0].capture_share",
                at: (27, 5),
                message: "must be a share between 0 and 1, found 1.2",
                why: "more than every drive cannot be captured",
            },
            Case {
                from: "pallet_drives: 300",
                to: "pallet_drives: 0",
                path: "nodes[0].pallet_drives",
                at: (27, 5),
                message: "must be from 1 to 1000000, found 0",
                why: "an empty pallet",
            },
            Case {
                from: "{triangular: [15, 20, 25]}",
                to: "{triangular: [25, 20, 15]}",
                path: "nodes[0].magnet_g_per_drive",
                at: (28, 5),
                message: "triangular needs lo <= mode <= hi",
                why: "the bounds are swapped",
            },
            Case {
                from: "body_g_per_drive: 600",
                to: "body_g_per_drive: -600",
                path: "nodes[0].body_g_per_drive",
                at: (29, 5),
                message: "must be >= 0",
                why: "a negative mass",
            },
            Case {
                from: "body_material: body",
                to: "body_material: magnet",
                path: "nodes[0].body_material",
                at: (31, 5),
                message: "material `magnet` has role",
                why: "a drive body must be a carrier",
            },
        ],
    );
}

#[test]
fn an_unknown_material_is_not_also_a_wrong_role() {
    // `magnet_material` of `drives` is line 30. `magnets` is not declared, and that is all
    // that is wrong; `body` is not even named there.
    let p = the_problem(&with(
        LOOP,
        "magnet_material: magnet",
        "magnet_material: magnets",
    ));
    expect(
        &p,
        "nodes[0].magnet_material",
        Some((30, 5)),
        "unknown material `magnets`",
        Some("did you mean `magnet`?"),
    );
    // The same on the HPMS plant (line 55): the role of `body` is beside the point.
    let p = the_problem(&with(
        LOOP,
        "magnet_material: sintered",
        "magnet_material: sinterd",
    ));
    expect(
        &p,
        "nodes[3].magnet_material",
        Some((55, 5)),
        "unknown material `sinterd`",
        None,
    );
}

#[test]
fn enormous_drive_counts_are_refused() {
    // 1e30 drives a year is above the 1e10 limit (line 26); with it the arrival guard
    // also fires at `pallet_drives` (line 27): 1e30 / 300 * 2 years is far above 2e8; and
    // the mass guard at `drives_per_year`: 1e30 drives of ~0.6 kg is far above 1e8 t.
    let ps = problems(&with(
        LOOP,
        "drives_per_year: 100000",
        "drives_per_year: 1e30",
    ));
    assert_eq!(ps.len(), 3, "{}", listing(&ps));
    assert!(
        ps.iter().any(|p| p.path == "nodes[0].drives_per_year"
            && p.message.contains("magloop's exact mass accounting holds")),
        "{}",
        listing(&ps)
    );
    expect(
        at(&ps, "nodes[0].drives_per_year"),
        "nodes[0].drives_per_year",
        Some((26, 5)),
        "at most 1e10",
        None,
    );
    expect(
        at(&ps, "nodes[0].pallet_drives"),
        "nodes[0].pallet_drives",
        Some((27, 5)),
        "arrivals over 2 years",
        None,
    );
}

#[test]
fn a_zero_capture_share_is_refused_with_a_hint() {
    // 0 is a valid share, but no drive would ever arrive (inserted as line 27).
    let p = the_problem(&with(
        LOOP,
        "    drives_per_year: 100000\n",
        "    drives_per_year: 100000\n    capture_share: 0\n",
    ));
    expect(
        &p,
        "nodes[0].capture_share",
        Some((27, 5)),
        "must be above 0 (no drive would ever arrive)",
        Some("remove the source instead"),
    );
}

#[test]
fn scrap_source_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "tonnes_per_year: 50",
                to: "tonnes_per_year: 0",
                path: "nodes[1].tonnes_per_year",
                at: (35, 5),
                message: "must be a number above 0 and at most 100,000,000, found 0",
                why: "no scrap",
            },
            Case {
                from: "    tonnes_per_year: 50\n",
                to: "    tonnes_per_year: 50\n    max_tonnes_per_year: -5\n",
                path: "nodes[1].max_tonnes_per_year",
                at: (36, 5),
                message: "found -5",
                why: "a negative ceiling (inserted as line 36)",
            },
            Case {
                from: "    tonnes_per_year: 50\n",
                to: "    tonnes_per_year: 50\n    growth_per_year: -1\n",
                path: "nodes[1].growth_per_year",
                at: (36, 5),
                message: "above -1",
                why: "-100 % a year is not above -1",
            },
            Case {
                from: "lot_kg: {uniform: [200, 800]}",
                to: "lot_kg: {uniform: [0, 0]}",
                path: "nodes[1].lot_kg",
                at: (36, 5),
                message: "lots must weigh more than 0 kg on average",
                why: "a valid distribution whose mean is 0",
            },
            Case {
                from: "material: magnet\n    tonnes",
                to: "material: body\n    tonnes",
                path: "nodes[1].material",
                at: (34, 5),
                message: "material `body` has role",
                why: "scrap sources carry magnet or scrap, not carrier",
            },
        ],
    );
}

#[test]
fn preprocessor_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "lines: 1",
                to: "lines: 0",
                path: "nodes[2].lines",
                at: (39, 5),
                message: "must be from 1 to 10000, found 0",
                why: "no separation line",
            },
            Case {
                from: "cycle_s_per_drive: 2",
                to: "cycle_s_per_drive: {exponential: {mean: 0}}",
                path: "nodes[2].cycle_s_per_drive",
                at: (40, 5),
                message: "exponential needs mean > 0",
                why: "an exponential of mean 0",
            },
            Case {
                from: "recovery_yield: 0.95",
                to: "recovery_yield: 1.5",
                path: "nodes[2].recovery_yield",
                at: (41, 5),
                message: "must be a share between 0 and 1, found 1.5",
                why: "a yield above 1 would create magnet",
            },
            Case {
                from: "magnet_share: 0.35",
                to: "magnet_share: 0",
                path: "nodes[2].magnet_share",
                at: (42, 5),
                message: "must be above 0",
                why: "an output stream with no magnet",
            },
            Case {
                from: "carrier_material: steel",
                to: "carrier_material: magnet",
                path: "nodes[2].carrier_material",
                at: (43, 5),
                message: "material `magnet` has role",
                why: "the carrier label must be a carrier",
            },
            Case {
                from: "input_capacity_drives: 10000",
                to: "input_capacity_drives: 0",
                path: "nodes[2].input_capacity_drives",
                at: (44, 5),
                message: "must be at least 1",
                why: "an input that holds no drive",
            },
            Case {
                from: "storage_capacity_kg: 60000",
                to: "storage_capacity_kg: -60000",
                path: "nodes[2].storage_capacity_kg",
                at: (45, 5),
                message: "must be a number above 0 and at most 1e12, found -60000",
                why: "a negative capacity",
            },
        ],
    );
}

#[test]
fn hpms_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "vessels: 2",
                to: "vessels: 0",
                path: "nodes[3].vessels",
                at: (48, 5),
                message: "must be from 1 to 10000, found 0",
                why: "no vessel",
            },
            Case {
                from: "batch_kg: 400",
                to: "batch_kg: 0",
                path: "nodes[3].batch_kg",
                at: (49, 5),
                message: "must be a number above 0 and at most 10,000,000, found 0",
                why: "an empty batch",
            },
            Case {
                from: "cycle_h: {triangular: [4, 5, 6]}",
                to: "cycle_h: {constant: 0.0001}",
                path: "nodes[3].cycle_h",
                at: (50, 5),
                message: "a batch must take at least one second on average",
                why: "0.0001 h is 0.36 s",
            },
            Case {
                from: "extraction_yield: 0.9",
                to: "extraction_yield: .nan",
                path: "nodes[3].extraction_yield",
                at: (51, 5),
                message: "must be a share between 0 and 1, found NaN",
                why: "NaN is no share",
            },
            Case {
                from: "unsuitable_share: 0.2",
                to: "unsuitable_share: -0.1",
                path: "nodes[3].unsuitable_share",
                at: (52, 5),
                message: "found -0.1",
                why: "a negative share",
            },
            Case {
                from: "commissioning: 2025-06-01",
                to: "commissioning: 2027-13-01",
                path: "nodes[3].commissioning",
                at: (53, 5),
                message: "`2027-13-01` is not a date",
                why: "there is no 13th month",
            },
            Case {
                from: "    commissioning: 2025-06-01\n",
                to: "    commissioning: 2025-06-01\n    ramp_years: -1\n",
                path: "nodes[3].ramp_years",
                at: (54, 5),
                message: "found -1",
                why: "a negative ramp (inserted as line 54)",
            },
            Case {
                from: "sintered_share: 0.5",
                to: "sintered_share: 2",
                path: "nodes[3].sintered_share",
                at: (54, 5),
                message: "must be a share between 0 and 1, found 2",
                why: "more than all the powder",
            },
            Case {
                from: "magnet_material: sintered",
                to: "magnet_material: residue",
                path: "nodes[3].magnet_material",
                at: (55, 5),
                message: "material `residue` has role",
                why: "HPMS magnets must be a product",
            },
            Case {
                from: "residue_material: residue",
                to: "residue_material: sintered",
                path: "nodes[3].residue_material",
                at: (57, 5),
                message: "material `sintered` has role",
                why: "HPMS residue must be scrap",
            },
            Case {
                from: "input_capacity_kg: 100000",
                to: "input_capacity_kg: 300",
                path: "nodes[3].input_capacity_kg",
                at: (58, 5),
                message: "holds less than one batch (400 kg)",
                why: "300 kg of room never fills a 400 kg batch",
            },
            Case {
                from: "storage_capacity_kg: 100000",
                to: "storage_capacity_kg: 0",
                path: "nodes[3].storage_capacity_kg",
                at: (59, 5),
                message: "found 0",
                why: "no room for output",
            },
            Case {
                from: "nameplate_output_t_per_year: 100",
                to: "nameplate_output_t_per_year: 0",
                path: "nodes[3].nameplate_output_t_per_year",
                at: (60, 5),
                message: "found 0",
                why: "a nameplate of 0 t/yr",
            },
            Case {
                from: "    nameplate_output_t_per_year: 100\n",
                to: "    nameplate_output_t_per_year: 100\n    co2_kg_per_kg_product: -1\n",
                path: "nodes[3].co2_kg_per_kg_product",
                at: (61, 5),
                message: "found -1",
                why: "negative emissions (inserted as line 61)",
            },
        ],
    );
}

#[test]
fn hpms_input_capacity_below_one_batch_has_a_hint() {
    let p = the_problem(&with(
        LOOP,
        "input_capacity_kg: 100000",
        "input_capacity_kg: 300",
    ));
    expect(
        &p,
        "nodes[3].input_capacity_kg",
        Some((58, 5)),
        "holds less than one batch (400 kg)",
        Some("raise input_capacity_kg above batch_kg"),
    );
}

#[test]
fn a_zero_initial_capacity_share_is_refused_with_a_hint() {
    // 0 is a valid share, but a plant at 0 % never starts (inserted as line 54).
    let p = the_problem(&with(
        LOOP,
        "    commissioning: 2025-06-01\n",
        "    commissioning: 2025-06-01\n    initial_capacity_share: 0\n",
    ));
    expect(
        &p,
        "nodes[3].initial_capacity_share",
        Some((54, 5)),
        "must be above 0",
        Some("0.2 for 20 %"),
    );
}

#[test]
fn shares_and_yields_have_a_hint() {
    let p = the_problem(&with(LOOP, "recovery_yield: 0.95", "recovery_yield: 1.5"));
    expect(
        &p,
        "nodes[2].recovery_yield",
        Some((41, 5)),
        "found 1.5",
        Some("write a fraction, e.g. 0.35 for 35 %"),
    );
}

#[test]
fn oxide_plant_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "feed_t_per_year: 100",
                to: "feed_t_per_year: 0",
                path: "nodes[4].feed_t_per_year",
                at: (63, 5),
                message: "found 0",
                why: "no feed capacity",
            },
            Case {
                from: "commissioning: 2025-01-01",
                to: "commissioning: 2027/01/01",
                path: "nodes[4].commissioning",
                at: (64, 5),
                message: "`2027/01/01` is not a date",
                why: "slashes are not YYYY-MM-DD",
            },
            Case {
                from: "recovery: {Nd: 0.95, Pr: 0.95}",
                to: "recovery: {Nd: 0.95, Pr: 1.5}",
                path: "nodes[4].recovery.Pr",
                at: (65, 5),
                message: "must be a share between 0 and 1, found 1.5",
                why: "a recovery above 1 (placed at `recovery`, a flow mapping)",
            },
            Case {
                from: "recovery: {Nd: 0.95, Pr: 0.95}",
                to: "recovery: {Nd: 0.95, Pr: 0.95, Dy: 0.9}",
                path: "nodes[4].recovery.Dy",
                at: (65, 5),
                message: "element `Dy` is not declared",
                why: "Dy is not in `elements:`",
            },
            Case {
                from: "material: oxide",
                to: "material: magnet",
                path: "nodes[4].products[0].material",
                at: (67, 9),
                message: "material `magnet` has role",
                why: "an oxide must be a product",
            },
            Case {
                from: "oxide_factor: {Nd: 1.1664, Pr: 1.2082}",
                to: "oxide_factor: {Nd: 0.5, Pr: 1.2082}",
                path: "nodes[4].products[0].oxide_factor.Nd",
                at: (68, 9),
                message: "from 1 to 3; found 0.5",
                why: "an oxide weighs more than its metal",
            },
            Case {
                from: "purity: 0.998",
                to: "purity: 1.5",
                path: "nodes[4].products[0].purity",
                at: (69, 9),
                message: "must be a share between 0 and 1, found 1.5",
                why: "purity above 100 %",
            },
            Case {
                from: "storage_capacity_kg: 10000\n",
                to: "storage_capacity_kg: 1e13\n",
                path: "nodes[4].storage_capacity_kg",
                at: (71, 5),
                message: "at most 1e12",
                why: "above the largest mass a capacity may hold",
            },
        ],
    );
}

#[test]
fn market_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "growth_per_year: 0.05}",
                to: "growth_per_year: -1.5}",
                path: "nodes[5].demand[0].growth_per_year",
                at: (75, 7),
                message: "must be a yearly growth rate above -1 and at most 1, found -1.5",
                why: "demand cannot shrink by more than all of it",
            },
            Case {
                from: "{sector: ev, t_per_year: 100,",
                to: "{sector: ev, t_per_year: -100,",
                path: "nodes[5].demand[0].t_per_year",
                at: (75, 7),
                message: "must be a number from 0 to 100,000,000, found -100",
                why: "negative demand",
            },
            Case {
                from: "{origin: china, t_per_year: 100}",
                to: "{origin: china, t_per_year: 100, growth_per_year: 2}",
                path: "nodes[5].imports[0].growth_per_year",
                at: (77, 7),
                message: "found 2",
                why: "+200 % a year is above the limit",
            },
        ],
    );
}

#[test]
fn growth_has_a_hint() {
    let p = the_problem(&with(
        LOOP,
        "growth_per_year: 0.05}",
        "growth_per_year: -1.5}",
    ));
    expect(
        &p,
        "nodes[5].demand[0].growth_per_year",
        Some((75, 7)),
        "found -1.5",
        Some("write 0.05 for +5 % a year"),
    );
}

#[test]
fn link_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "distance_mi: 1000",
                to: "distance_mi: -1",
                path: "links[2].distance_mi",
                at: (86, 5),
                message: "must be a number from 0 to 100,000, found -1",
                why: "a negative distance",
            },
            Case {
                from: "truck_capacity_kg: 20000",
                to: "truck_capacity_kg: 2e12",
                path: "links[2].truck_capacity_kg",
                at: (87, 5),
                message: "at most 1e12",
                why: "a truck above the largest mass",
            },
            Case {
                from: "cost_per_mile_usd: 2.26",
                to: "cost_per_mile_usd: -2.26",
                path: "links[2].cost_per_mile_usd",
                at: (88, 5),
                message: "found -2.26",
                why: "a negative cost",
            },
            Case {
                from: "co2_kg_per_tonne_mile: 0.19",
                to: "co2_kg_per_tonne_mile: 2000",
                path: "links[2].co2_kg_per_tonne_mile",
                at: (89, 5),
                message: "found 2000",
                why: "at most 1000 kg per tonne-mile",
            },
            Case {
                from: "{triangular: [1.8, 2.0, 2.5]}",
                to: "{triangular: [2.5, 2.0, 1.8]}",
                path: "links[2].transit_days",
                at: (90, 5),
                message: "triangular needs lo <= mode <= hi",
                why: "swapped bounds",
            },
            Case {
                from: "{load_kg: 19000}",
                to: "{load_kg: 0}",
                path: "links[2].dispatch.full_load.load_kg",
                at: (91, 5),
                message: "found 0",
                why: "a full load of nothing (placed at `dispatch`, a flow mapping)",
            },
            Case {
                from: "every_days: 30,",
                to: "every_days: 0.01,",
                path: "links[4].dispatch.timer.every_days",
                at: (93, 3),
                message: "must be at least one hour (1/24 day)",
                why: "0.01 day is 14.4 minutes (placed at the flow link's dash)",
            },
            Case {
                from: "min_load_kg: 500}",
                to: "min_load_kg: -500}",
                path: "links[4].dispatch.timer.min_load_kg",
                at: (93, 3),
                message: "found -500",
                why: "a negative minimum load",
            },
        ],
    );
}

#[test]
fn a_nan_share_is_refused() {
    // links[0] of MM1 is a flow mapping on line 23.
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch",
        "to: server, share: .nan, dispatch",
    ));
    expect(
        &p,
        "links[0].share",
        Some((23, 3)),
        "must be a share between 0 and 1, found NaN",
        Some("write a fraction"),
    );
}

#[test]
fn a_full_load_above_the_truck_is_refused_with_a_hint() {
    // 25,000 kg does not fit a 20,000 kg truck (links[2], `dispatch` on line 91).
    let p = the_problem(&with(LOOP, "{load_kg: 19000}", "{load_kg: 25000}"));
    expect(
        &p,
        "links[2].dispatch.full_load.load_kg",
        Some((91, 5)),
        "a full load of 25000 kg is more than the truck carries (20000 kg)",
        Some("lower load_kg or raise truck_capacity_kg"),
    );
}

// ---------------------------------------------------------------------------------------
// Names and references
// ---------------------------------------------------------------------------------------

#[test]
fn a_link_to_a_missing_node_suggests_the_close_one() {
    // links[1] is line 24 (flow: placed at the dash).
    let p = the_problem(&with(MM1, "to: departures", "to: departure"));
    expect(
        &p,
        "links[1].to",
        Some((24, 3)),
        "no node named `departure`",
        Some("did you mean `departures`?"),
    );
    let p = the_problem(&with(MM1, "to: departures", "to: nowhere"));
    expect(
        &p,
        "links[1].to",
        Some((24, 3)),
        "no node named `nowhere`",
        Some("declare the node under `nodes:`"),
    );
    // The same for `from` (links[2] of LOOP, line 84 in block style).
    let p = the_problem(&with(LOOP, "    from: ils\n", "    from: ills\n"));
    expect(
        &p,
        "links[2].from",
        Some((84, 5)),
        "no node named `ills`",
        Some("did you mean `ils`?"),
    );
}

#[test]
fn links_cannot_leave_a_sink_or_a_market() {
    // Appended as line 25 (links[2]).
    let p = the_problem(&format!(
        "{MM1}  - {{id: back, from: departures, to: server, dispatch: immediate}}\n"
    ));
    expect(
        &p,
        "links[2].from",
        Some((25, 3)),
        "a sink has no output; links cannot leave it",
        None,
    );
    // Appended to LOOP as line 95 (links[6]).
    let p = the_problem(&format!(
        "{LOOP}  - {{id: resale, from: market, to: buyers, dispatch: immediate}}\n"
    ));
    expect(
        &p,
        "links[6].from",
        Some((95, 3)),
        "a market has no output",
        None,
    );
}

#[test]
fn links_cannot_enter_a_source() {
    let p = the_problem(&format!(
        "{MM1}  - {{id: recycle, from: server, to: arrivals, dispatch: immediate}}\n"
    ));
    expect(
        &p,
        "links[2].to",
        Some((25, 3)),
        "`arrivals` is a source; nothing can be delivered to it",
        None,
    );
}

#[test]
fn a_link_cannot_return_to_its_own_node() {
    let p = the_problem(&format!(
        "{MM1}  - {{id: rework, from: server, to: server, dispatch: immediate}}\n"
    ));
    expect(
        &p,
        "links[2].to",
        Some((25, 3)),
        "a link cannot return to its own node",
        None,
    );
}

#[test]
fn a_multi_port_node_needs_a_port() {
    // links[3] (line 92) leaves `hub` without saying which of its two outputs.
    let p = the_problem(&with(LOOP, "from: hub, port: magnets,", "from: hub,"));
    expect(
        &p,
        "links[3].port",
        Some((92, 3)),
        "`hub` has several outputs; say which",
        Some("add `port:` with one of magnets, residue"),
    );
}

#[test]
fn an_unknown_port_suggests_the_close_one() {
    let p = the_problem(&with(LOOP, "port: magnets", "port: magnet"));
    expect(
        &p,
        "links[3].port",
        Some((92, 3)),
        "`hub` has no port `magnet`",
        Some("did you mean `magnets`?"),
    );
    // A single-port node names its one port when nothing is close.
    let p = the_problem(&with(
        MM1,
        "from: server, to",
        "from: server, port: left, to",
    ));
    expect(
        &p,
        "links[1].port",
        Some((24, 3)),
        "`server` has no port `left`",
        Some("ports: out"),
    );
}

#[test]
fn ids_must_be_unique() {
    // A second node named `server`, appended to the nodes as lines 22-23, so the links
    // move to lines 24-26; its id is on line 22, column 5.
    let yaml = with(
        MM1,
        "    kind: sink\n",
        "    kind: sink\n  - id: server\n    kind: sink\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[3].id",
        Some((22, 5)),
        "node id `server` is used twice",
        None,
    );
    // A link may not share a node's id either (links[0], line 23).
    let p = the_problem(&with(MM1, "id: arrivals_to_server", "id: server"));
    expect(
        &p,
        "links[0].id",
        Some((23, 3)),
        "id `server` is used twice",
        None,
    );
    // Nor another link's (links[1], line 24).
    let p = the_problem(&with(
        MM1,
        "id: server_to_departures",
        "id: arrivals_to_server",
    ));
    expect(
        &p,
        "links[1].id",
        Some((24, 3)),
        "id `arrivals_to_server` is used twice",
        None,
    );
}

#[test]
fn material_roles_are_checked_where_used_and_named_as_in_the_yaml() {
    // `body_material` (line 31) must be a carrier; `magnet` is a magnet. The roles are
    // written as in the file (`role: magnet`), not as Rust names.
    let p = the_problem(&with(LOOP, "body_material: body", "body_material: magnet"));
    expect(
        &p,
        "nodes[0].body_material",
        Some((31, 5)),
        "material `magnet` has role `magnet`, expected `carrier`",
        None,
    );
    // A scrap source accepts two roles, and says so (`material` is line 34).
    let p = the_problem(&with(
        LOOP,
        "material: magnet\n    tonnes",
        "material: body\n    tonnes",
    ));
    expect(
        &p,
        "nodes[1].material",
        Some((34, 5)),
        "material `body` has role `carrier`, expected `magnet` or `scrap`",
        None,
    );
}

#[test]
fn composition_elements_must_be_declared() {
    // `composition` of `magnet` is line 9, column 5 (a flow mapping). A lower-case `nd`
    // is a likely typo of `Nd` (the suggestion ignores case).
    let p = the_problem(&with(
        LOOP,
        "{Nd: 25, Pr: 5, Fe: 65}",
        "{nd: 25, Pr: 5, Fe: 65}",
    ));
    expect(
        &p,
        "materials.magnet.composition.nd",
        Some((9, 5)),
        "element `nd` is not declared",
        Some("did you mean `Nd`?"),
    );
    let p = the_problem(&with(
        LOOP,
        "composition: {Fe: 30}",
        "composition: {Fe: 30, Al: 40}",
    ));
    expect(
        &p,
        "materials.body.composition.Al",
        Some((12, 5)),
        "element `Al` is not declared",
        Some("add it to `elements:`"),
    );
}

#[test]
fn other_in_a_composition_says_it_is_the_balance() {
    // `other` is the balance of every composition, never written (line 12); the hint must
    // not send the user to `elements:`, where `other` is an error too.
    let p = the_problem(&with(
        LOOP,
        "composition: {Fe: 30}",
        "composition: {Fe: 30, other: 70}",
    ));
    expect(
        &p,
        "materials.body.composition.other",
        Some((12, 5)),
        "`other` is the balance up to 100 wt% and is not written",
        Some("remove it"),
    );
}

#[test]
fn compositions_are_percentages_adding_to_at_most_100() {
    // 25 + 5 + 75 = 105 wt%.
    let p = the_problem(&with(
        LOOP,
        "{Nd: 25, Pr: 5, Fe: 65}",
        "{Nd: 25, Pr: 5, Fe: 75}",
    ));
    expect(
        &p,
        "materials.magnet.composition",
        Some((9, 5)),
        "adds up to 105 wt%, more than 100",
        Some("the balance up to 100 % is `other`"),
    );
    // One figure above 100 is reported by itself (and not added to the total).
    let p = the_problem(&with(
        LOOP,
        "composition: {Fe: 30}",
        "composition: {Fe: 130}",
    ));
    expect(
        &p,
        "materials.body.composition.Fe",
        Some((12, 5)),
        "must be a wt% from 0 to 100, found 130",
        None,
    );
    let p = the_problem(&with(
        LOOP,
        "composition: {Fe: 30}",
        "composition: {Fe: -3}",
    ));
    expect(
        &p,
        "materials.body.composition.Fe",
        Some((12, 5)),
        "found -3",
        None,
    );
}

#[test]
fn elements_are_listed_once_and_without_other() {
    // `elements` is a flow list on line 5: both are placed at its key.
    let p = the_problem(&with(LOOP, "[Nd, Pr, Fe, O]", "[Nd, Pr, Fe, O, Nd]"));
    expect(
        &p,
        "elements[4]",
        Some((5, 1)),
        "`Nd` is listed twice",
        None,
    );
    let p = the_problem(&with(LOOP, "[Nd, Pr, Fe, O]", "[Nd, Pr, Fe, O, other]"));
    expect(
        &p,
        "elements[4]",
        Some((5, 1)),
        "`other` is implicit",
        Some("remove it"),
    );
}

#[test]
fn at_most_eleven_elements_are_listed_as_other_takes_the_twelfth_place() {
    // Eleven listed + `other` = 12 = MAX_ELEMENTS: still a valid model.
    let eleven = "[Nd, Pr, Fe, O, Dy, Tb, Sm, Co, B, Cu, Al]";
    let m = load(&with(LOOP, "[Nd, Pr, Fe, O]", eleven));
    assert_eq!(m.model.elements.len(), model::MAX_ELEMENTS);
    assert_eq!(m.model.elements.last().map(String::as_str), Some("other"));
    // Twelve listed + `other` = 13: one problem, at the `elements` key on line 5.
    let twelve = "[Nd, Pr, Fe, O, Dy, Tb, Sm, Co, B, Cu, Al, Ga]";
    let p = the_problem(&with(LOOP, "[Nd, Pr, Fe, O]", twelve));
    expect(
        &p,
        "elements",
        Some((5, 1)),
        "12 elements are listed; with the implicit `other` that makes 13, more than the 12",
        Some("list at most 11 elements"),
    );
}

#[test]
fn market_sectors_and_origins_are_listed_once() {
    // A second `ev` sector inserted after line 75 is demand[1] on line 76 (column 7).
    let p = the_problem(&with(
        LOOP,
        "growth_per_year: 0.05}\n",
        "growth_per_year: 0.05}\n      - {sector: ev, t_per_year: 5}\n",
    ));
    expect(
        &p,
        "nodes[5].demand[1].sector",
        Some((76, 7)),
        "sector `ev` is listed twice",
        None,
    );
    // A second `china` inserted after line 77 is imports[1] on line 78.
    let p = the_problem(&with(
        LOOP,
        "{origin: china, t_per_year: 100}\n",
        "{origin: china, t_per_year: 100}\n      - {origin: china, t_per_year: 5}\n",
    ));
    expect(
        &p,
        "nodes[5].imports[1].origin",
        Some((78, 7)),
        "origin `china` is listed twice",
        None,
    );
}

#[test]
fn an_oxide_plant_needs_oxygen() {
    // Without O among the elements, the oxides have no oxygen to take up; placed at
    // `products` (line 66).
    let p = the_problem(&with(LOOP, "[Nd, Pr, Fe, O]", "[Nd, Pr, Fe]"));
    expect(
        &p,
        "nodes[4].products",
        Some((66, 5)),
        "oxide products need element `O`",
        Some("add O to `elements:`"),
    );
}

#[test]
fn a_product_element_needs_a_recovery() {
    // Pr is in the product (line 68) but not in `recovery`, so none would reach it.
    let p = the_problem(&with(
        LOOP,
        "recovery: {Nd: 0.95, Pr: 0.95}",
        "recovery: {Nd: 0.95}",
    ));
    expect(
        &p,
        "nodes[4].products[0].oxide_factor.Pr",
        Some((68, 9)),
        "no recovery is given for `Pr`",
        Some("add `Pr: 0.95`"),
    );
}

#[test]
fn a_recovered_element_needs_a_product() {
    // Fe is recovered (line 65) but no product takes it.
    let p = the_problem(&with(
        LOOP,
        "recovery: {Nd: 0.95, Pr: 0.95}",
        "recovery: {Nd: 0.95, Pr: 0.95, Fe: 0.5}",
    ));
    expect(
        &p,
        "nodes[4].recovery.Fe",
        Some((65, 5)),
        "`Fe` is recovered but no product takes it",
        Some("add it to a product's oxide_factor"),
    );
}

#[test]
fn an_element_goes_to_one_product_only() {
    // A second product taking Nd, appended after line 69: products[1] is line 70 and its
    // oxide_factor line 71 (column 9).
    let p = the_problem(&with(
        LOOP,
        "        purity: 0.998\n",
        "        purity: 0.998\n      - material: sintered\n        oxide_factor: {Nd: 1.1664}\n        purity: 0.99\n",
    ));
    expect(
        &p,
        "nodes[4].products[1].oxide_factor.Nd",
        Some((71, 9)),
        "`Nd` already goes to another product",
        None,
    );
}

#[test]
fn oxygen_is_never_a_product_element() {
    // O recovered and listed in the product's oxide_factor (line 68).
    let yaml = with(
        LOOP,
        "recovery: {Nd: 0.95, Pr: 0.95}",
        "recovery: {Nd: 0.95, Pr: 0.95, O: 0.5}",
    );
    let p = the_problem(&with(
        &yaml,
        "{Nd: 1.1664, Pr: 1.2082}",
        "{Nd: 1.1664, Pr: 1.2082, O: 1.5}",
    ));
    expect(
        &p,
        "nodes[4].products[0].oxide_factor.O",
        Some((68, 9)),
        "oxygen is added to oxides, not recovered",
        None,
    );
}

#[test]
fn a_product_element_must_be_declared() {
    // Dy is not among the elements. Besides "not declared" at the product's oxide_factor
    // (line 68), the missing recovery for Dy is reported there too (it is not in
    // `recovery` either); only the first is checked here.
    let ps = problems(&with(
        LOOP,
        "{Nd: 1.1664, Pr: 1.2082}",
        "{Nd: 1.1664, Pr: 1.2082, Dy: 1.1477}",
    ));
    let p = ps
        .iter()
        .find(|p| p.message.contains("is not declared"))
        .unwrap_or_else(|| panic!("no undeclared element among:{}", listing(&ps)));
    expect(
        p,
        "nodes[4].products[0].oxide_factor.Dy",
        Some((68, 9)),
        "element `Dy` is not declared",
        Some("add it to `elements:`"),
    );
}

#[test]
fn a_product_needs_an_element() {
    // An empty oxide_factor (and nothing recovered, so nothing else is wrong).
    let yaml = with(LOOP, "recovery: {Nd: 0.95, Pr: 0.95}", "recovery: {}");
    let p = the_problem(&with(&yaml, "{Nd: 1.1664, Pr: 1.2082}", "{}"));
    expect(
        &p,
        "nodes[4].products[0].oxide_factor",
        Some((68, 9)),
        "a product needs at least one element",
        None,
    );
}

#[test]
fn a_node_without_an_id_is_reported_once() {
    // nodes[2] (the sink, line 20) without its id: one problem at the node, and the link
    // to `departures` (links[1], now line 23) names no node.
    let ps = problems(&with(
        MM1,
        "  - id: departures\n    kind: sink\n",
        "  - kind: sink\n",
    ));
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    expect(
        at(&ps, "nodes[2]"),
        "nodes[2]",
        Some((20, 3)),
        "missing field `id`",
        Some("add `id:`"),
    );
    expect(
        at(&ps, "links[1].to"),
        "links[1].to",
        Some((23, 3)),
        "no node named `departures`",
        None,
    );
}

#[test]
fn a_node_without_a_kind_says_it_is_missing() {
    // The station (nodes[1], its dash on line 16) without line 17: not "unknown kind ``".
    let p = the_problem(&with(MM1, "    kind: station\n", ""));
    expect(
        &p,
        "nodes[1]",
        Some((16, 3)),
        "missing field `kind`",
        Some("add `kind:` with one of hdd_source, scrap_source"),
    );
}

#[test]
fn a_model_needs_nodes() {
    // `nodes: []` on line 10, with no links.
    let yaml = &MM1[..MM1.find("nodes:").unwrap()];
    let p = the_problem(&format!("{yaml}nodes: []\n"));
    expect(
        &p,
        "nodes",
        Some((10, 1)),
        "a model needs at least one node",
        None,
    );
}

// ---------------------------------------------------------------------------------------
// Topology: checked once nothing else is wrong
// ---------------------------------------------------------------------------------------

#[test]
fn an_output_with_no_link_is_reported_and_what_feeds_it_cannot_drain() {
    // Without links[1] the station's `out` leads nowhere (nodes[1], line 16), and so the
    // source feeding it (nodes[0], line 11) can never reach the sink either.
    let ps = problems(&with(
        MM1,
        "  - {id: server_to_departures, from: server, to: departures, dispatch: immediate}\n",
        "",
    ));
    assert_eq!(ps.len(), 2, "{}", listing(&ps));
    expect(
        at(&ps, "nodes[1]"),
        "nodes[1]",
        Some((16, 3)),
        "output `out` of `server` has no link, so what it makes can never leave",
        Some("add a link with `from: server`"),
    );
    expect(
        at(&ps, "nodes[0]"),
        "nodes[0]",
        Some((11, 3)),
        "material at `arrivals` can never reach a market or sink",
        None,
    );
}

#[test]
fn an_hpms_port_with_no_link_names_the_port() {
    // Without hub_residue (line 93), hub's `residue` has no link. Everything upstream of
    // the hub then cannot drain either; only the port's own problem is checked here.
    let ps = problems(&with(
        LOOP,
        "  - {id: hub_residue, from: hub, port: residue, to: separator, dispatch: {timer: {every_days: 30, min_load_kg: 500}}}\n",
        "",
    ));
    let p = ps
        .iter()
        .find(|p| p.message.contains("has no link"))
        .unwrap_or_else(|| panic!("no unlinked output among:{}", listing(&ps)));
    expect(
        p,
        "nodes[3]",
        Some((46, 3)),
        "output `residue` of `hub` has no link",
        Some("`from: hub` and `port: residue`"),
    );
}

#[test]
fn shares_of_a_port_must_add_up_to_one() {
    // Two links leave `server`: 0.5 + 0.25 = 0.75. Placed at the first (links[1], line 24).
    let yaml = with(
        MM1,
        "  - {id: server_to_departures, from: server, to: departures, dispatch: immediate}\n",
        "  - {id: half, from: server, to: departures, share: 0.5, dispatch: immediate}\n  \
         - {id: quarter, from: server, to: departures, share: 0.25, dispatch: immediate}\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "links[1].share",
        Some((24, 3)),
        "the shares of the links leaving `server` through `out` add up to 0.75, not 1",
        Some("make the shares of these links add up to 1"),
    );
    // Two links that both default to a share of 1 add up to 2.
    let yaml =
        format!("{MM1}  - {{id: again, from: server, to: departures, dispatch: immediate}}\n");
    let p = the_problem(&yaml);
    expect(
        &p,
        "links[1].share",
        Some((24, 3)),
        "add up to 2, not 1",
        None,
    );
}

#[test]
fn a_cycle_with_no_exit_can_never_drain() {
    // server -> second -> server, and nothing reaches the sink. `second` is appended as
    // nodes[3] (lines 22-25); each node with links is reported at its dash.
    let yaml = with(
        MM1,
        "    kind: sink\n",
        "    kind: sink\n  - id: second\n    kind: station\n    servers: 1\n    service_h: 1\n",
    );
    let yaml = with(
        &yaml,
        "  - {id: server_to_departures, from: server, to: departures, dispatch: immediate}\n",
        "  - {id: there, from: server, to: second, dispatch: immediate}\n  \
         - {id: back, from: second, to: server, dispatch: immediate}\n",
    );
    let ps = problems(&yaml);
    assert_eq!(ps.len(), 3, "{}", listing(&ps));
    for (path, line, id) in [
        ("nodes[0]", 11, "arrivals"),
        ("nodes[1]", 16, "server"),
        ("nodes[3]", 22, "second"),
    ] {
        expect(
            at(&ps, path),
            path,
            Some((line, 3)),
            &format!(
                "material at `{id}` can never reach a market or sink, so the network can never drain"
            ),
            Some("link every output"),
        );
    }
}

#[test]
fn a_share_zero_lane_counts_as_a_way_out() {
    // server sends everything (share 1) to `second`, which sends it back; the lane to the
    // sink has share 0. It still counts as a way out, as models/README.md words the rule
    // ("every port leads ... to a market or sink"): share-0 lanes are how the default model
    // keeps diversion routes that a scenario or script may open.
    let yaml = with(
        MM1,
        "    kind: sink\n",
        "    kind: sink\n  - id: second\n    kind: station\n    servers: 1\n    service_h: 1\n",
    );
    let yaml = with(
        &yaml,
        "  - {id: server_to_departures, from: server, to: departures, dispatch: immediate}\n",
        "  - {id: server_to_departures, from: server, to: departures, share: 0, dispatch: immediate}\n  \
         - {id: there, from: server, to: second, share: 1, dispatch: immediate}\n  \
         - {id: back, from: second, to: server, dispatch: immediate}\n",
    );
    load(&yaml);
}

#[test]
fn a_model_needs_a_source() {
    // Without the source (lines 11-15) and its link, nothing ever happens; placed at
    // `nodes:` (line 10).
    let yaml = with(
        MM1,
        "  - id: arrivals\n    kind: source\n    material: job\n    interarrival_h: {exponential: {mean: 1}}\n    lot_kg: {constant: 1}\n",
        "",
    );
    let yaml = with(
        &yaml,
        "  - {id: arrivals_to_server, from: arrivals, to: server, dispatch: immediate}\n",
        "",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes",
        Some((10, 1)),
        "no source: nothing will ever happen",
        Some("add a source node"),
    );
}

// ---------------------------------------------------------------------------------------
// Several problems in one file are reported together
// ---------------------------------------------------------------------------------------

/// MM1 with five independent mistakes. Lines: years 4, interarrival_h 14, servers 18, the
/// sink's new `capacity` 22 (inserted after line 21), so the links move to 24 and 25.
fn five_mistakes() -> String {
    let y = with(MM1, "years: 1", "years: -1");
    let y = with(&y, "{exponential: {mean: 1}}", "{uniform: [2, 1]}");
    let y = with(&y, "servers: 1", "servers: 0");
    let y = with(&y, "    kind: sink\n", "    kind: sink\n    capacity: 5\n");
    with(&y, "to: departures", "to: departure")
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let ps = problems(&five_mistakes());
    assert_eq!(ps.len(), 5, "{}", listing(&ps));
    expect(
        at(&ps, "calendar.years"),
        "calendar.years",
        Some((4, 3)),
        "found -1",
        None,
    );
    expect(
        at(&ps, "nodes[0].interarrival_h"),
        "nodes[0].interarrival_h",
        Some((14, 5)),
        "uniform needs lo <= hi",
        None,
    );
    expect(
        at(&ps, "nodes[1].servers"),
        "nodes[1].servers",
        Some((18, 5)),
        "found 0",
        None,
    );
    expect(
        at(&ps, "nodes[2].capacity"),
        "nodes[2].capacity",
        Some((22, 5)),
        "unknown field `capacity`",
        Some("known fields: id, kind"),
    );
    expect(
        at(&ps, "links[1].to"),
        "links[1].to",
        Some((25, 3)),
        "no node named `departure`",
        Some("did you mean `departures`?"),
    );
}

// ---------------------------------------------------------------------------------------
// Through the binary, as a user runs it
// ---------------------------------------------------------------------------------------

#[test]
fn validate_lists_every_problem_on_stderr_and_exits_2() {
    let dir = tempdir();
    fs::write(dir.path().join("bad.yaml"), five_mistakes()).unwrap();
    let out = run_in(dir.path(), &["validate", "bad.yaml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(stdout(&out), "", "nothing on stdout when the model is bad");
    // One line per problem, in `file:line:col:` form (the first behind `error: `), then
    // the count.
    for place in [
        "bad.yaml:4:3: ",
        "bad.yaml:14:5: ",
        "bad.yaml:18:5: ",
        "bad.yaml:22:5: ",
        "bad.yaml:25:3: ",
    ] {
        assert!(
            err.lines()
                .any(|l| l.trim_start_matches("error: ").starts_with(place)),
            "no line at {place} in:\n{err}"
        );
    }
    assert!(
        err.contains(
            "bad.yaml:25:3: links[1].to: no node named `departure` (did you mean `departures`?)"
        ),
        "{err}"
    );
    assert_eq!(err.lines().last(), Some("5 problems in bad.yaml"), "{err}");
}

#[test]
fn validate_accepts_the_shipped_models() {
    for file in ["models/us_magnet_network.yaml", "models/mm1.yaml"] {
        let out = run_in(&repo(), &["validate", file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(&format!("{file}: ok (")),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn run_refuses_a_bad_model_before_writing_anything() {
    let dir = tempdir();
    fs::write(
        dir.path().join("bad.yaml"),
        with(MM1, "servers: 1", "servers: 0"),
    )
    .unwrap();
    fs::create_dir(dir.path().join("out")).unwrap();
    let out = run_in(dir.path(), &["run", "bad.yaml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("bad.yaml:18:5: nodes[1].servers"),
        "{}",
        stderr(&out)
    );
    // The output folder is still empty, and nothing else (no `outputs/`) was created.
    assert_eq!(fs::read_dir(dir.path().join("out")).unwrap().count(), 0);
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.yaml", "out"]);
}
