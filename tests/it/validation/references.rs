//! Names and references: elements, materials and roles, node and link ids, ports, oxide products.

use magloop::model;

use super::{LOOP, MM1, at, expect, listing, the_problem, with};
use crate::common::{load, problems};

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
    // Appended to LOOP as line 96 (links[7]).
    let p = the_problem(&format!(
        "{LOOP}  - {{id: resale, from: market, to: buyers, dispatch: immediate}}\n"
    ));
    expect(
        &p,
        "links[7].from",
        Some((96, 3)),
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
