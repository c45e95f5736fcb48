//! The `links:` section: ids, the nodes and ports each link joins, its ranges and its
//! dispatch rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::nodes::Nodes;
use super::{Ctx, MAX_KG, did_you_mean, finite, kg_to_mg};
use crate::kernel::secs_from_days;
use crate::model::network::{Dispatch, Link, NodeId};
use crate::model::spec::{DispatchSpec, LinkSpec};

/// Reads every link against the nodes read before.
pub(super) fn links(cx: &mut Ctx, specs: &[Value], nodes: &Nodes) -> Vec<Link> {
    let Nodes {
        built: nodes,
        ids,
        id_set,
    } = nodes;
    let mut links = Vec::new();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    // Built nodes by id (a node with problems is not built but its id is still known).
    // The first node of an id wins, as in the YAML (a duplicate is already a problem).
    let mut built: BTreeMap<&str, NodeId> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        built.entry(n.id.as_str()).or_insert(i);
    }
    let mut link_ids: BTreeSet<String> = BTreeSet::new();
    for (i, v) in specs.iter().enumerate() {
        let path = format!("links[{i}]");
        let Some(spec) = cx.read::<LinkSpec>(v, &path) else {
            continue;
        };
        if id_set.contains(&spec.id) || !link_ids.insert(spec.id.clone()) {
            cx.problem(
                &format!("{path}.id"),
                format!("id `{}` is used twice", spec.id),
                None,
            );
        }
        let resolve = |cx: &mut Ctx, field: &str, name: &str| -> Option<NodeId> {
            let found = built.get(name).copied();
            if found.is_none() && !id_set.contains(name) {
                cx.problem(
                    &format!("{path}.{field}"),
                    format!("no node named `{name}`"),
                    Some(did_you_mean(
                        name,
                        &id_refs,
                        "declare the node under `nodes:`",
                    )),
                );
            }
            found
        };
        let from = resolve(cx, "from", &spec.from);
        let to = resolve(cx, "to", &spec.to);
        let mut port = 0;
        if let Some(f) = from {
            let ports = nodes[f].kind.ports();
            match (&spec.port, ports.len()) {
                (_, 0) => cx.problem(
                    &format!("{path}.from"),
                    format!(
                        "a {} has no output; links cannot leave it",
                        nodes[f].kind.name()
                    ),
                    None,
                ),
                (None, 1) => {}
                (None, _) => cx.problem(
                    &format!("{path}.port"),
                    format!("`{}` has several outputs; say which", spec.from),
                    Some(format!("add `port:` with one of {}", ports.join(", "))),
                ),
                (Some(p), _) => match ports.iter().position(|x| x == p) {
                    Some(ix) => port = ix,
                    None => cx.problem(
                        &format!("{path}.port"),
                        format!("`{}` has no port `{p}`", spec.from),
                        Some(did_you_mean(
                            p,
                            ports,
                            &format!("ports: {}", ports.join(", ")),
                        )),
                    ),
                },
            }
        }
        if let Some(t) = to {
            if nodes[t].kind.is_source() {
                cx.problem(
                    &format!("{path}.to"),
                    format!("`{}` is a source; nothing can be delivered to it", spec.to),
                    None,
                );
            }
            if from == Some(t) {
                cx.problem(
                    &format!("{path}.to"),
                    "a link cannot return to its own node",
                    None,
                );
            }
        }
        cx.share(&format!("{path}.share"), spec.share);
        cx.non_negative(&format!("{path}.distance_mi"), spec.distance_mi, 1e5);
        let transit = cx.dist(&format!("{path}.transit_days"), &spec.transit_days);
        cx.positive(
            &format!("{path}.truck_capacity_kg"),
            spec.truck_capacity_kg,
            MAX_KG,
        );
        at_least_a_gram(
            cx,
            &format!("{path}.truck_capacity_kg"),
            spec.truck_capacity_kg,
        );
        cx.non_negative(
            &format!("{path}.cost_per_mile_usd"),
            spec.cost_per_mile_usd,
            1e6,
        );
        cx.non_negative(
            &format!("{path}.co2_kg_per_tonne_mile"),
            spec.co2_kg_per_tonne_mile,
            1e3,
        );
        let dispatch = dispatch(cx, &path, &spec);
        if let (Some(from), Some(to)) = (from, to) {
            links.push(Link {
                id: spec.id,
                from,
                port,
                to,
                share: spec.share,
                distance_mi: spec.distance_mi,
                transit_days: transit,
                dispatch,
                truck_capacity_mg: kg_to_mg(spec.truck_capacity_kg),
                cost_per_mile_usd: spec.cost_per_mile_usd,
                co2_kg_per_tonne_mile: spec.co2_kg_per_tonne_mile,
            });
        }
    }
    links
}

/// The smallest truck and full load: 1 g. Material is split to the milligram, one
/// element at a time, so a load of a few milligrams could take nothing from a parcel of
/// several elements, and a truck of none would never leave.
const MIN_LOAD_KG: f64 = 0.001;

/// A truck's capacity or load of `kg` (already checked positive) is at least [`MIN_LOAD_KG`].
fn at_least_a_gram(cx: &mut Ctx, path: &str, kg: f64) {
    if finite(kg) && kg > 0.0 && kg < MIN_LOAD_KG {
        cx.problem(
            path,
            format!("a truck load of {kg} kg is under the smallest, 1 g (0.001 kg)"),
            Some("write a load of at least 0.001 kg".into()),
        );
    }
}

/// The link's dispatch rule, its parameters checked and converted.
fn dispatch(cx: &mut Ctx, path: &str, spec: &LinkSpec) -> Dispatch {
    match spec.dispatch {
        DispatchSpec::Immediate => Dispatch::Immediate,
        DispatchSpec::FullLoad { load_kg } => {
            cx.positive(
                &format!("{path}.dispatch.full_load.load_kg"),
                load_kg,
                MAX_KG,
            );
            at_least_a_gram(cx, &format!("{path}.dispatch.full_load.load_kg"), load_kg);
            if finite(load_kg) && load_kg > spec.truck_capacity_kg {
                cx.problem(
                    &format!("{path}.dispatch.full_load.load_kg"),
                    format!(
                        "a full load of {load_kg} kg is more than the truck carries ({} kg)",
                        spec.truck_capacity_kg
                    ),
                    Some("lower load_kg or raise truck_capacity_kg".into()),
                );
            }
            Dispatch::FullLoad {
                load_mg: kg_to_mg(load_kg),
            }
        }
        DispatchSpec::Timer {
            every_days,
            min_load_kg,
        } => {
            cx.positive(
                &format!("{path}.dispatch.timer.every_days"),
                every_days,
                3660.0,
            );
            if finite(every_days) && every_days < 1.0 / 24.0 {
                cx.problem(
                    &format!("{path}.dispatch.timer.every_days"),
                    "must be at least one hour (1/24 day)",
                    None,
                );
            }
            cx.non_negative(
                &format!("{path}.dispatch.timer.min_load_kg"),
                min_load_kg,
                MAX_KG,
            );
            Dispatch::Timer {
                every: secs_from_days(every_days).max(3600),
                min_load_mg: kg_to_mg(min_load_kg),
            }
        }
    }
}
