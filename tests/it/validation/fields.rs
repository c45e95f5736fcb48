//! Fields: unknown, missing, misspelt or of the wrong type.

use super::{LOOP, MM1, at, expect, listing, the_problem, with};
use crate::common::problems;

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
