//! The last check, once nothing else is wrong: every output is linked with shares adding
//! up to 1, every node can drain to a market or sink, and something is a source.

use super::Ctx;
use crate::model::network::{Model, NodeId, NodeKind};

/// Checks that material can flow: every output has links whose shares add up to 1, every
/// link's node exists, and every node can reach a market or sink (or material piles up forever).
pub(super) fn check_topology(cx: &mut Ctx, m: &Model) {
    for (n, node) in m.nodes.iter().enumerate() {
        for (p, port) in node.kind.ports().iter().enumerate() {
            let links = m.links_from(n, p);
            let path = node_path(m, n);
            if links.is_empty() {
                cx.problem(
                    &path,
                    format!(
                        "output `{port}` of `{}` has no link, so what it makes can never leave",
                        node.id
                    ),
                    Some(format!(
                        "add a link with `from: {}`{}",
                        node.id,
                        if node.kind.ports().len() > 1 {
                            format!(" and `port: {port}`")
                        } else {
                            String::new()
                        }
                    )),
                );
                continue;
            }
            let total: f64 = links.iter().map(|&l| m.links[l].share).sum();
            if (total - 1.0).abs() > 1e-9 {
                let first = links[0];
                cx.problem(
                    &format!("links[{first}].share"),
                    format!("the shares of the links leaving `{}` through `{port}` add up to {total}, not 1", node.id),
                    Some("make the shares of these links add up to 1".into()),
                );
            }
        }
    }
    // Every node must reach a terminal (market or sink) along links.
    let n = m.nodes.len();
    let mut drains = vec![false; n];
    for (i, node) in m.nodes.iter().enumerate() {
        drains[i] = node.kind.is_terminal();
    }
    loop {
        let mut changed = false;
        for l in &m.links {
            if drains[l.to] && !drains[l.from] {
                // A node drains if every one of its ports has a draining link.
                let node = &m.nodes[l.from];
                let all = (0..node.kind.ports().len()).all(|p| {
                    m.links_from(l.from, p)
                        .iter()
                        .any(|&k| drains[m.links[k].to])
                });
                if all {
                    drains[l.from] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (i, &drains) in drains.iter().enumerate() {
        if !drains && !m.nodes[i].kind.ports().is_empty() && m.links.iter().any(|l| l.from == i) {
            cx.problem(
                &node_path(m, i),
                format!("material at `{}` can never reach a market or sink, so the network can never drain", m.nodes[i].id),
                Some("link every output, directly or through other nodes, to a `market` or `sink`".into()),
            );
        }
    }
    // A producer with an external feed brings its own material in.
    let brings_in = |k: &NodeKind| {
        k.is_source() || matches!(k, NodeKind::Producer(p) if p.external_feed.is_some())
    };
    if !m.nodes.iter().any(|n| brings_in(&n.kind)) {
        cx.problem(
            "nodes",
            "no source: nothing will ever happen",
            Some("add a source node (or a producer with `external_feed`)".into()),
        );
    }
}

fn node_path(_m: &Model, n: NodeId) -> String {
    // Nodes are only skipped when they had problems, and topology is checked only when there
    // were none, so node indices here are the YAML's.
    format!("nodes[{n}]")
}
