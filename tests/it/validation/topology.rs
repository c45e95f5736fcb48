//! Topology: checked once nothing else is wrong.

use super::{LOOP, MM1, at, expect, listing, the_problem, with};
use crate::common::{load, problems};

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
