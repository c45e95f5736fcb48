//! Turns a parsed model file into a validated `Model`, collecting every problem at once.
//!
//! Each section is read on its own, in this order: name, calendar, elements, materials, nodes
//! (each kind's own check in `model::kinds`), links, and last the topology once nothing else is wrong.

mod context;
mod links;
mod nodes;
mod topology;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_yaml::Value;

use crate::error::Problem;
use crate::kernel::{DAY, SimTime, YEAR, secs_from_days};
use crate::model::calendar;
use crate::model::network::{MAX_ELEMENTS, Material, Model};
use crate::model::spec::{CalendarSpec, MaterialSpec, RawModel};

pub(crate) use context::Ctx;
pub(crate) use context::{did_you_mean, finite, show};
pub use context::{kg_to_mg, to_dist};
pub(crate) use nodes::NodeCx;

/// The largest mass any capacity may hold (1e12 kg = 1e18 mg, inside i64).
pub(crate) const MAX_KG: f64 = 1e12;
/// The most arrivals a source may create over the horizon (about a minute of simulation).
pub(crate) const MAX_ARRIVALS: f64 = 2e8;
pub(crate) const MAX_YEARS: f64 = 200.0;
/// The most mass (t) one source may create over a run.
pub(crate) const MAX_SOURCE_TONNES: f64 = 1e8;
/// The most lines, servers or vessels a node may have.
pub(crate) const MAX_SERVERS: u32 = 10_000;

/// Overrides the command line may apply before validation.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub years: Option<f64>,
}

/// The problem a YAML document that cannot be read as a whole has: a syntax error, or a
/// whole number beyond 64 bits (well-formed YAML that serde_yaml cannot hold; it names the
/// place in its own words, `nodes[1].servers: invalid type: integer `N` as u128, ...`).
pub(crate) fn parse_problem(e: &serde_yaml::Error) -> Problem {
    let line = e.location().map(|l| (l.line(), l.column()));
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg);
    let beyond_64_bits = msg
        .split_once("invalid type: integer `")
        .and_then(|(place, rest)| {
            let (number, kind) = rest.split_once("` as ")?;
            (kind.starts_with("u128") || kind.starts_with("i128"))
                .then(|| (place.trim_end_matches(": ").to_string(), number.to_string()))
        });
    match beyond_64_bits {
        Some((path, number)) => {
            let (size, fix) = if number.starts_with('-') {
                ("small", "use a number nearer 0")
            } else {
                ("large", "use a smaller number")
            };
            Problem {
                path,
                line,
                message: format!(
                    "`{number}` is too {size} a number: whole numbers here lie between {} and {}",
                    i64::MIN,
                    u64::MAX
                ),
                hint: Some(fix.into()),
            }
        }
        None => Problem {
            path: String::new(),
            line,
            message: format!("YAML syntax error: {msg}"),
            hint: Some("check indentation and that every `key: value` has its colon".into()),
        },
    }
}

/// Reads and validates the whole document. `Err` carries every problem found.
pub fn validate(text: &str, overrides: &Overrides) -> Result<Model, Vec<Problem>> {
    let mut cx = Ctx::new(text);
    let doc: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(vec![parse_problem(&e)]),
    };
    if doc.is_null() {
        return Err(vec![Problem {
            path: String::new(),
            line: None,
            message: "the model file is empty".into(),
            hint: Some("start from models/us_magnet_network.yaml".into()),
        }]);
    }
    if !doc.is_mapping() {
        cx.problem(
            "",
            "a model file must be a YAML mapping with `name`, `calendar`, `elements`, `materials`, `nodes` and `links`",
            Some("start from models/us_magnet_network.yaml".into()),
        );
        return Err(cx.problems);
    }
    let Some(raw) = cx.read::<RawModel>(&doc, "") else {
        return Err(cx.problems);
    };
    let model = build(&mut cx, raw, overrides);
    if cx.problems.is_empty() {
        Ok(model)
    } else {
        Err(cx.problems)
    }
}

/// Checks every section; the model it returns is only used when no problem was found.
fn build(cx: &mut Ctx, raw: RawModel, ov: &Overrides) -> Model {
    check_name(cx, &raw.name);
    let cal = calendar(cx, &raw.calendar, ov);
    let elements = elements(cx, &raw.elements);
    let (mut materials, chains) = materials(cx, &raw.materials, &elements);
    let mut nodes = nodes::nodes(cx, &raw.nodes, &cal, &materials, &elements);
    let links = links::links(cx, &raw.links, &nodes);
    let origins = origin_table(cx, &mut materials, &chains, &mut nodes.built);
    let model = Model {
        name: raw.name,
        description: raw.description,
        start: cal.start,
        years: cal.years,
        horizon: cal.horizon,
        record_every: cal.record_every,
        elements,
        materials,
        nodes: nodes.built,
        links,
        origins,
    };
    if cx.problems.is_empty() {
        topology::check_topology(cx, &model);
    }
    model
}

/// The model's name names its output folder.
fn check_name(cx: &mut Ctx, name: &str) {
    if name.trim().is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        cx.problem(
            "name",
            format!("`{name}` cannot name an output folder"),
            Some("use letters, digits, `_` and `-` only".into()),
        );
    }
}

/// The `calendar:` section, checked and converted to seconds.
struct Calendar {
    start: NaiveDate,
    /// The horizon in years as given (1 when the file's figure is out of range; for a
    /// `days` horizon, its length in Julian years).
    years: f64,
    horizon: SimTime,
    record_every: SimTime,
}

fn calendar(cx: &mut Ctx, value: &Value, ov: &Overrides) -> Calendar {
    let cal = cx.read::<CalendarSpec>(value, "calendar");
    let fallback = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date");
    let Some(c) = &cal else {
        return Calendar {
            start: fallback,
            years: 1.0,
            horizon: 365 * DAY,
            record_every: DAY,
        };
    };
    let start = NaiveDate::parse_from_str(c.start.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
        cx.problem(
            "calendar.start",
            format!("`{}` is not a date", c.start),
            Some("write YYYY-MM-DD, e.g. 2025-01-01".into()),
        );
        fallback
    });
    cx.positive("calendar.record_every_days", c.record_every_days, 3660.0);
    if finite(c.record_every_days) && c.record_every_days < 1.0 / 24.0 {
        cx.problem(
            "calendar.record_every_days",
            "must be at least one hour (1/24 day)",
            None,
        );
    }
    let record_every = secs_from_days(c.record_every_days).max(3600);
    // `--years` overrides either field; otherwise exactly one of them.
    let (years, horizon) = match (ov.years.or(c.years), c.days) {
        (Some(_), Some(_)) if ov.years.is_none() => {
            cx.problem(
                "calendar.days",
                "`years` and `days` both give the horizon",
                Some("keep one of them".into()),
            );
            (1.0, 365 * DAY)
        }
        (Some(years), _) => {
            let path = "calendar.years";
            cx.positive(path, years, MAX_YEARS);
            let ok = finite(years) && years > 0.0 && years <= MAX_YEARS;
            match calendar::days_after(start, years).filter(|_| ok) {
                Some(0) => {
                    cx.problem(
                        path,
                        format!("{} years is less than half a day", show(years)),
                        Some(
                            "give at least a day (1/365 year), or `days:` for a shorter run".into(),
                        ),
                    );
                    (1.0, 365 * DAY)
                }
                Some(days) => (years, days * DAY),
                None => (1.0, 365 * DAY),
            }
        }
        (None, Some(days)) => {
            cx.positive("calendar.days", days, MAX_YEARS * 366.0);
            if finite(days) && days > 0.0 && days <= MAX_YEARS * 366.0 {
                let horizon = secs_from_days(days).max(1);
                (horizon as f64 / YEAR as f64, horizon)
            } else {
                (1.0, 365 * DAY)
            }
        }
        (None, None) => {
            cx.problem(
                "calendar",
                "no horizon: `years` (or `days`) is missing",
                Some("add `years: 10`, or `days: 30` for a short run".into()),
            );
            (1.0, 365 * DAY)
        }
    };
    Calendar {
        start,
        years,
        horizon,
        record_every,
    }
}

/// The `elements:` list: declared symbols, then `other`.
fn elements(cx: &mut Ctx, value: &Value) -> Vec<String> {
    let mut elements: Vec<String> = cx.read(value, "elements").unwrap_or_default();
    // `other` is appended below, so it takes one of the places.
    let tracked = elements.len() + 1;
    if tracked > MAX_ELEMENTS {
        cx.problem(
            "elements",
            format!(
                "{} elements are listed; with the implicit `other` that makes {tracked}, more than the {MAX_ELEMENTS} a model can track",
                elements.len()
            ),
            Some(format!(
                "list at most {} elements; the mass of those left out counts as `other`",
                MAX_ELEMENTS - 1
            )),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, e) in elements.iter().enumerate() {
        if !seen.insert(e.clone()) {
            cx.problem(
                &format!("elements[{i}]"),
                format!("`{e}` is listed twice"),
                None,
            );
        }
        if e == "other" {
            cx.problem(
                &format!("elements[{i}]"),
                "`other` is implicit (the balance of every composition)",
                Some("remove it".into()),
            );
        }
    }
    elements.push("other".to_string());
    elements
}

/// The model's origin table (`us`, `recycled`, then the names materials and markets give)
/// and every material's and import's origin tags over it.
fn origin_table(
    cx: &mut Ctx,
    materials: &mut [Material],
    chains: &[crate::model::origins::ChainNames],
    nodes: &mut [crate::model::network::Node],
) -> Vec<String> {
    use crate::model::origins::{MAX_ORIGINS, chain_of, table};
    let mut lists: Vec<&crate::model::origins::ChainNames> = chains.iter().collect();
    for n in nodes.iter() {
        // Only markets' imports and producers' external feeds carry their own tags.
        if let crate::model::NodeKind::Market(m) = &n.kind {
            lists.extend(m.imports.iter().map(|i| &i.chain_names));
        }
        if let crate::model::NodeKind::Producer(p) = &n.kind {
            lists.push(&p.external_chain_names);
        }
    }
    let t = table(lists);
    if t.len() > MAX_ORIGINS {
        cx.problem(
            "materials",
            format!(
                "origin tags name {} origins ({}), more than the {MAX_ORIGINS} a model may track",
                t.len(),
                t.join(", ")
            ),
            Some("group minor origins under one name, e.g. `other`".into()),
        );
        return t;
    }
    for (m, names) in materials.iter_mut().zip(chains) {
        m.chain = chain_of(names, &t);
    }
    for n in nodes.iter_mut() {
        if let crate::model::NodeKind::Market(m) = &mut n.kind {
            for i in &mut m.imports {
                i.chain = chain_of(&i.chain_names, &t);
            }
        }
        if let crate::model::NodeKind::Producer(p) = &mut n.kind {
            p.external_chain = chain_of(&p.external_chain_names, &t);
        }
    }
    t
}

/// The `materials:` section: each composition in mass fractions per element, `other` last.
fn materials(
    cx: &mut Ctx,
    value: &Value,
    elements: &[String],
) -> (Vec<Material>, Vec<crate::model::origins::ChainNames>) {
    let n_el = elements.len();
    let mut chains = Vec::new();
    let mat_specs: BTreeMap<String, Value> = cx.read(value, "materials").unwrap_or_default();
    let mut materials = Vec::new();
    for (name, v) in &mat_specs {
        let path = format!("materials.{name}");
        let Some(spec) = cx.read::<MaterialSpec>(v, &path) else {
            continue;
        };
        let mut fractions = vec![0.0; n_el];
        let mut total = 0.0;
        for (el, pct) in &spec.composition {
            let p = format!("{path}.composition.{el}");
            match elements.iter().position(|e| e == el) {
                Some(i) if i + 1 < n_el => {
                    if !(finite(*pct) && (0.0..=100.0).contains(pct)) {
                        cx.problem(
                            &p,
                            format!("must be a wt% from 0 to 100, found {}", show(*pct)),
                            None,
                        );
                    } else {
                        fractions[i] = pct / 100.0;
                        total += pct;
                    }
                }
                _ if el == "other" => cx.problem(
                    &p,
                    "`other` is the balance up to 100 wt% and is not written",
                    Some("remove it".into()),
                ),
                _ => {
                    let known: Vec<&str> =
                        elements[..n_el - 1].iter().map(String::as_str).collect();
                    cx.problem(
                        &p,
                        format!("element `{el}` is not declared"),
                        Some(did_you_mean(el, &known, "add it to `elements:`")),
                    );
                }
            }
        }
        if total > 100.0 + 1e-9 {
            cx.problem(
                &format!("{path}.composition"),
                format!("adds up to {total} wt%, more than 100"),
                Some("the balance up to 100 % is `other`; lower the figures".into()),
            );
        }
        fractions[n_el - 1] = ((100.0 - total) / 100.0).max(0.0);
        let (names, problems) = crate::model::origins::read_tags(&spec.origin);
        for (place, msg, fix) in problems {
            cx.problem(&format!("{path}.origin.{place}"), msg, Some(fix));
        }
        chains.push(names);
        materials.push(Material {
            name: name.clone(),
            role: spec.role,
            fractions,
            chain: crate::model::origins::Chain::NONE,
        });
    }
    (materials, chains)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> Problem {
        parse_problem(&serde_yaml::from_str::<Value>(text).unwrap_err())
    }

    #[test]
    fn numbers_beyond_64_bits_are_named_with_their_place_not_called_syntax_errors() {
        // u64::MAX + 1 and i64::MIN - 1: the first whole numbers serde_yaml cannot hold.
        let big = problem("nodes:\n  - servers: 18446744073709551616\n");
        assert_eq!(big.path, "nodes[0].servers");
        assert_eq!(big.line, Some((2, 14)));
        assert!(
            big.message
                .starts_with("`18446744073709551616` is too large a number")
        );
        assert_eq!(big.hint.as_deref(), Some("use a smaller number"));
        let small = problem("a: {b: -9223372036854775809}\n");
        assert_eq!(small.path, "a.b");
        assert!(
            small
                .message
                .starts_with("`-9223372036854775809` is too small a number")
        );
        // A real syntax error keeps its label and hint.
        let broken = problem("a: [1, 2\n");
        assert!(
            broken.message.starts_with("YAML syntax error"),
            "{broken:?}"
        );
        assert!(broken.hint.unwrap().contains("indentation"));
    }
}
