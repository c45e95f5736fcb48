//! Turns a parsed model file into a validated `Model`, collecting every problem at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::error::Problem;
use crate::kernel::{Dist, SimTime, secs_from_days};
use crate::model::locate::locate;
use crate::model::network::*;
use crate::model::spec::*;
use crate::model::suggest;

/// The largest mass any capacity may hold (1e12 kg = 1e18 mg, inside i64).
const MAX_KG: f64 = 1e12;
/// The most arrivals a source may create over the horizon (about a minute of simulation).
const MAX_ARRIVALS: f64 = 2e8;
const MAX_YEARS: f64 = 200.0;
/// The most mass (t) one source may create over a run.
const MAX_SOURCE_TONNES: f64 = 1e8;
const MAX_SERVERS: u32 = 10_000;

pub(crate) struct Ctx<'a> {
    text: &'a str,
    pub problems: Vec<Problem>,
}

impl<'a> Ctx<'a> {
    pub fn new(text: &'a str) -> Self {
        Ctx {
            text,
            problems: Vec::new(),
        }
    }

    pub fn problem(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        // Placing a problem scans the file: only the problems that will be shown are placed,
        // so a file with thousands of them is still checked in linear time.
        let shown = self.problems.len() < crate::error::MAX_PROBLEMS_SHOWN;
        self.problems.push(Problem {
            path: path.to_string(),
            line: if shown { locate(self.text, path) } else { None },
            message: message.into(),
            hint,
        });
    }

    /// Reads one YAML value into its spec type; a failure becomes a problem at its exact path.
    pub fn read<T: DeserializeOwned>(&mut self, value: &Value, path: &str) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let inner = e.path().to_string();
                let mut full = path.to_string();
                if inner != "." && !inner.is_empty() {
                    if !inner.starts_with('[') && !full.is_empty() {
                        full.push('.');
                    }
                    full.push_str(&inner);
                }
                let msg = e.inner().to_string();
                let (message, hint) = explain_serde(&msg, &mut full);
                self.problem(&full, message, hint);
                None
            }
        }
    }
}

/// Rewrites serde's messages into a problem and a hint (did-you-mean for unknown fields).
fn explain_serde(msg: &str, path: &mut String) -> (String, Option<String>) {
    let msg = msg.split(" at line ").next().unwrap_or(msg).to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        if path.rsplit(['.', ']']).next() != Some(field) {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(field);
        }
        let expected: Vec<&str> = rest
            .split("expected ")
            .nth(1)
            .map(|e| e.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let hint = match suggest(field, &expected) {
            Some(s) => format!("did you mean `{s}`?"),
            None if !expected.is_empty() => format!("known fields: {}", expected.join(", ")),
            None => "remove it".to_string(),
        };
        return (format!("unknown field `{field}`"), Some(hint));
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return (
            format!("missing field `{field}`"),
            Some(format!(
                "add `{field}:` (models/README.md lists every field)"
            )),
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let variant = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest
            .split("expected ")
            .nth(1)
            .map(|e| e.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let hint = suggest(variant, &expected)
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| Some(format!("one of: {}", expected.join(", "))));
        return (format!("unknown value `{variant}`"), hint);
    }
    (msg, None)
}

/// A value as found, short: 1e308 is shown as `1e308`, not 309 digits.
fn show(v: f64) -> String {
    if v.is_finite() && v.abs() >= 1e15 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A limit as people write it: 200, 1,000,000 or 1e12.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        let digits = format!("{}", v as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:e}")
    }
}

fn finite(v: f64) -> bool {
    v.is_finite()
}

impl Ctx<'_> {
    fn share(&mut self, path: &str, v: f64) {
        if !(finite(v) && (0.0..=1.0).contains(&v)) {
            self.problem(
                path,
                format!("must be a share between 0 and 1, found {}", show(v)),
                Some("write a fraction, e.g. 0.35 for 35 %".into()),
            );
        }
    }

    fn positive(&mut self, path: &str, v: f64, max: f64) {
        if !(finite(v) && v > 0.0 && v <= max) {
            self.problem(
                path,
                format!(
                    "must be a number above 0 and at most {}, found {}",
                    num(max),
                    show(v)
                ),
                None,
            );
        }
    }

    fn non_negative(&mut self, path: &str, v: f64, max: f64) {
        if !(finite(v) && v >= 0.0 && v <= max) {
            self.problem(
                path,
                format!("must be a number from 0 to {}, found {}", num(max), show(v)),
                None,
            );
        }
    }

    fn growth(&mut self, path: &str, v: f64) {
        if !(finite(v) && v > -1.0 && v <= 1.0) {
            self.problem(
                path,
                format!(
                    "must be a yearly growth rate above -1 and at most 1, found {}",
                    show(v)
                ),
                Some("write 0.05 for +5 % a year".into()),
            );
        }
    }

    fn count(&mut self, path: &str, v: u32, max: u32) {
        if v == 0 || v > max {
            self.problem(path, format!("must be from 1 to {max}, found {v}"), None);
        }
    }

    fn dist(&mut self, path: &str, spec: &DistSpec) -> Dist {
        let d = to_dist(spec);
        if let Err(e) = d.validate() {
            self.problem(path, e.to_string(), None);
        }
        d
    }

    /// Seconds from the model's start to a `YYYY-MM-DD` date; `None` (and a problem) if it is not one.
    fn date(&mut self, path: &str, s: &str, start: NaiveDate) -> Option<SimTime> {
        match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) => Some((d - start).num_seconds()),
            Err(_) => {
                self.problem(
                    path,
                    format!("`{s}` is not a date"),
                    Some("write YYYY-MM-DD, e.g. 2027-07-01".into()),
                );
                None
            }
        }
    }

    fn material(&mut self, path: &str, name: &str, names: &[String]) -> MatId {
        match names.iter().position(|m| m == name) {
            Some(i) => i,
            None => {
                let known: Vec<&str> = names.iter().map(String::as_str).collect();
                self.problem(
                    path,
                    format!("unknown material `{name}`"),
                    Some(did_you_mean(name, &known, "declare it under `materials:`")),
                );
                // Matches no material, so role checks skip it; a model with problems is never used.
                usize::MAX
            }
        }
    }
}

fn did_you_mean(name: &str, known: &[&str], otherwise: &str) -> String {
    match suggest(name, known) {
        Some(s) => format!("did you mean `{s}`?"),
        None => otherwise.to_string(),
    }
}

pub fn to_dist(spec: &DistSpec) -> Dist {
    match spec.clone() {
        DistSpec::Constant(v) => Dist::Constant(v),
        DistSpec::Uniform(lo, hi) => Dist::Uniform { lo, hi },
        DistSpec::Triangular(lo, mode, hi) => Dist::Triangular { lo, mode, hi },
        DistSpec::Normal { mean, sd } => Dist::Normal { mean, sd },
        DistSpec::LogNormal { mean, sd } => Dist::LogNormal { mean, sd },
        DistSpec::Exponential { mean } => Dist::Exponential { mean },
        DistSpec::Discrete { values, weights } => Dist::Discrete { values, weights },
    }
}

/// Overrides the command line may apply before validation.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub years: Option<f64>,
}

/// Reads and validates the whole document. `Err` carries every problem found.
pub fn validate(text: &str, overrides: &Overrides) -> Result<Model, Vec<Problem>> {
    let mut cx = Ctx::new(text);
    let doc: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let line = e.location().map(|l| (l.line(), l.column()));
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            return Err(vec![Problem {
                path: String::new(),
                line,
                message: format!("YAML syntax error: {msg}"),
                hint: Some("check indentation and that every `key: value` has its colon".into()),
            }]);
        }
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
        Ok(model.expect("no problems means a model was built"))
    } else {
        Err(cx.problems)
    }
}

fn build(cx: &mut Ctx, raw: RawModel, ov: &Overrides) -> Option<Model> {
    if raw.name.trim().is_empty()
        || !raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        cx.problem(
            "name",
            format!("`{}` cannot name an output folder", raw.name),
            Some("use letters, digits, `_` and `-` only".into()),
        );
    }
    // Calendar.
    let cal = cx.read::<CalendarSpec>(&raw.calendar, "calendar");
    let (start, years, record_every) = match &cal {
        Some(c) => {
            let start =
                NaiveDate::parse_from_str(c.start.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
                    cx.problem(
                        "calendar.start",
                        format!("`{}` is not a date", c.start),
                        Some("write YYYY-MM-DD, e.g. 2025-01-01".into()),
                    );
                    NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date")
                });
            let years = ov.years.unwrap_or(c.years);
            cx.positive("calendar.years", years, MAX_YEARS);
            cx.positive("calendar.record_every_days", c.record_every_days, 3660.0);
            if finite(c.record_every_days) && c.record_every_days < 1.0 / 24.0 {
                cx.problem(
                    "calendar.record_every_days",
                    "must be at least one hour (1/24 day)",
                    None,
                );
            }
            (start, years, secs_from_days(c.record_every_days).max(3600))
        }
        None => (
            NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid"),
            1.0,
            86_400,
        ),
    };
    let years = if finite(years) && years > 0.0 && years <= MAX_YEARS {
        years
    } else {
        1.0
    };
    let horizon = secs_from_days(years * 365.25);

    // Elements: declared symbols, then `other`.
    let mut elements: Vec<String> = cx.read(&raw.elements, "elements").unwrap_or_default();
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
    let n_el = elements.len();

    // Materials.
    let mat_specs: BTreeMap<String, Value> =
        cx.read(&raw.materials, "materials").unwrap_or_default();
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
        materials.push(Material {
            name: name.clone(),
            role: spec.role,
            fractions,
        });
    }
    let mat_names: Vec<String> = materials.iter().map(|m| m.name.clone()).collect();

    // Node ids first, so links and kinds can be checked against them.
    let mut nodes = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    // Ids seen so far, for duplicate checks in O(log n) rather than a scan per node.
    let mut id_set: BTreeSet<String> = BTreeSet::new();
    for (i, v) in raw.nodes.iter().enumerate() {
        let path = format!("nodes[{i}]");
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = v
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // A missing id is reported by the kind's own reader ("missing field `id`").
        if !id.is_empty() && !id_set.insert(id.clone()) {
            cx.problem(
                &format!("{path}.id"),
                format!("node id `{id}` is used twice"),
                None,
            );
        }
        ids.push(id.clone());
        if kind.is_empty() {
            cx.problem(
                &path,
                "missing field `kind`",
                Some(format!("add `kind:` with one of {}", KINDS.join(", "))),
            );
            continue;
        }
        if !KINDS.contains(&kind.as_str()) {
            let hint = did_you_mean(&kind, &KINDS, &format!("one of: {}", KINDS.join(", ")));
            cx.problem(
                &format!("{path}.kind"),
                format!("unknown node kind `{kind}`"),
                Some(hint),
            );
            continue;
        }
        if let Some(k) = node_kind(
            cx, &kind, v, &path, start, years, &mat_names, &materials, &elements,
        ) {
            nodes.push(Node { id, kind: k });
        }
    }
    if raw.nodes.is_empty() {
        cx.problem("nodes", "a model needs at least one node", None);
    }

    // Links.
    let mut links = Vec::new();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    // Built nodes by id (a node with problems is not built but its id is still known).
    // The first node of an id wins, as in the YAML (a duplicate is already a problem).
    let mut built: BTreeMap<&str, NodeId> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        built.entry(n.id.as_str()).or_insert(i);
    }
    let mut link_ids: BTreeSet<String> = BTreeSet::new();
    for (i, v) in raw.links.iter().enumerate() {
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
        let dispatch = match spec.dispatch {
            DispatchSpec::Immediate => Dispatch::Immediate,
            DispatchSpec::FullLoad { load_kg } => {
                cx.positive(
                    &format!("{path}.dispatch.full_load.load_kg"),
                    load_kg,
                    MAX_KG,
                );
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
        };
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

    let model = Model {
        name: raw.name,
        description: raw.description,
        start,
        years,
        horizon,
        record_every,
        elements,
        materials,
        nodes,
        links,
    };
    if cx.problems.is_empty() {
        check_topology(cx, &model);
    }
    Some(model)
}

pub fn kg_to_mg(kg: f64) -> i64 {
    if kg.is_finite() {
        (kg * MG_PER_KG as f64)
            .round()
            .clamp(0.0, i64::MAX as f64 / 4.0) as i64
    } else {
        0
    }
}

#[allow(clippy::too_many_arguments)]
fn node_kind(
    cx: &mut Ctx,
    kind: &str,
    v: &Value,
    path: &str,
    start: NaiveDate,
    years: f64,
    mats: &[String],
    materials: &[Material],
    elements: &[String],
) -> Option<NodeKind> {
    let window = |cx: &mut Ctx, s: &Option<String>, e: &Option<String>| -> (SimTime, SimTime) {
        let a = s
            .as_ref()
            .map(|d| cx.date(&format!("{path}.start"), d, start));
        let b = e
            .as_ref()
            .map(|d| cx.date(&format!("{path}.end"), d, start));
        let (a, b) = (
            a.flatten().unwrap_or(0),
            b.flatten().unwrap_or(SimTime::MAX),
        );
        if b < a {
            cx.problem(
                &format!("{path}.end"),
                "ends before it starts",
                Some("swap start and end".into()),
            );
        }
        (a.max(0), b)
    };
    let failures = |cx: &mut Ctx, f: &Option<FailureSpec>| {
        f.as_ref().map(|f| {
            let tbf = cx.dist(&format!("{path}.failures.tbf_h"), &f.tbf_h);
            let repair = cx.dist(&format!("{path}.failures.repair_h"), &f.repair_h);
            for (field, d) in [("tbf_h", &tbf), ("repair_h", &repair)] {
                if d.validate().is_ok() && d.mean() * 3600.0 < 1.0 {
                    cx.problem(
                        &format!("{path}.failures.{field}"),
                        "must average at least one second",
                        Some("time is counted in whole seconds".into()),
                    );
                }
            }
            Failures {
                tbf_h: tbf,
                repair_h: repair,
            }
        })
    };
    let role_is = |cx: &mut Ctx, field: &str, m: MatId, want: &[MaterialRole]| {
        if let Some(mat) = materials.get(m)
            && !want.contains(&mat.role)
        {
            cx.problem(
                &format!("{path}.{field}"),
                format!(
                    "material `{}` has role `{}`, expected {}",
                    mat.name,
                    mat.role.name(),
                    want.iter()
                        .map(|r| format!("`{}`", r.name()))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                None,
            );
        }
    };
    // Guards against a model that would create more events than any run can process.
    let arrivals = |cx: &mut Ctx, field: &str, per_year: f64, growth: f64| {
        let n = per_year * years * (1.0 + growth.max(0.0)).powf(years);
        if n.is_nan() || n > MAX_ARRIVALS {
            cx.problem(
                &format!("{path}.{field}"),
                format!("would create about {n:.2e} arrivals over {years} years, more than the {MAX_ARRIVALS:.0e} a run can hold"),
                Some("use larger lots or pallets, or a shorter horizon".into()),
            );
        }
    };
    // Mass is counted in i64 milligrams: keep what a source can create over the run far
    // below that range (1e8 t = 1e17 mg; i64 holds 9.2e18).
    let mass = |cx: &mut Ctx, field: &str, t_per_year: f64, growth: f64| {
        let t = t_per_year * years * (1.0 + growth.max(0.0)).powf(years);
        if t.is_nan() || t > MAX_SOURCE_TONNES {
            cx.problem(
                &format!("{path}.{field}"),
                format!("would create about {t:.2e} t over {years} years, more than the {MAX_SOURCE_TONNES:.0e} t magloop's exact mass accounting holds"),
                Some("check the units (t/yr, kg, g per drive) or shorten the horizon".into()),
            );
        }
    };
    Some(match kind {
        "hdd_source" => {
            let s: HddSourceSpec = cx.read(v, path)?;
            cx.positive(&format!("{path}.drives_per_year"), s.drives_per_year, 1e10);
            cx.growth(&format!("{path}.growth_per_year"), s.growth_per_year);
            cx.share(&format!("{path}.capture_share"), s.capture_share);
            if s.capture_share == 0.0 {
                cx.problem(
                    &format!("{path}.capture_share"),
                    "must be above 0 (no drive would ever arrive)",
                    Some("remove the source instead".into()),
                );
            }
            cx.count(&format!("{path}.pallet_drives"), s.pallet_drives, 1_000_000);
            let magnet = cx.dist(&format!("{path}.magnet_g_per_drive"), &s.magnet_g_per_drive);
            let body = cx.dist(&format!("{path}.body_g_per_drive"), &s.body_g_per_drive);
            let mm = cx.material(&format!("{path}.magnet_material"), &s.magnet_material, mats);
            let bm = cx.material(&format!("{path}.body_material"), &s.body_material, mats);
            role_is(cx, "magnet_material", mm, &[MaterialRole::Magnet]);
            role_is(cx, "body_material", bm, &[MaterialRole::Carrier]);
            if s.pallet_drives > 0 {
                arrivals(
                    cx,
                    "pallet_drives",
                    s.drives_per_year * s.capture_share / s.pallet_drives as f64,
                    s.growth_per_year,
                );
            }
            if magnet.validate().is_ok() && body.validate().is_ok() {
                let t_per_drive = (magnet.mean() + body.mean()) / 1e6;
                mass(
                    cx,
                    "drives_per_year",
                    s.drives_per_year * s.capture_share * t_per_drive,
                    s.growth_per_year,
                );
            }
            let (start, end) = window(cx, &s.start, &s.end);
            NodeKind::HddSource(HddSource {
                drives_per_year: s.drives_per_year,
                growth_per_year: s.growth_per_year,
                capture_share: s.capture_share,
                pallet_drives: s.pallet_drives,
                magnet_g_per_drive: magnet,
                body_g_per_drive: body,
                magnet_material: mm,
                body_material: bm,
                arrivals: s.arrivals,
                start,
                end,
            })
        }
        "scrap_source" => {
            let s: ScrapSourceSpec = cx.read(v, path)?;
            cx.positive(&format!("{path}.tonnes_per_year"), s.tonnes_per_year, 1e8);
            if let Some(m) = s.max_tonnes_per_year {
                cx.positive(&format!("{path}.max_tonnes_per_year"), m, 1e8);
            }
            cx.growth(&format!("{path}.growth_per_year"), s.growth_per_year);
            let lot = cx.dist(&format!("{path}.lot_kg"), &s.lot_kg);
            if lot.validate().is_ok() && lot.mean() <= 0.0 {
                cx.problem(
                    &format!("{path}.lot_kg"),
                    "lots must weigh more than 0 kg on average",
                    None,
                );
            }
            let m = cx.material(&format!("{path}.material"), &s.material, mats);
            role_is(
                cx,
                "material",
                m,
                &[MaterialRole::Magnet, MaterialRole::Scrap],
            );
            if lot.validate().is_ok() && lot.mean() > 0.0 {
                let growth = if s.max_tonnes_per_year.is_some() {
                    0.0
                } else {
                    s.growth_per_year
                };
                let rate = s
                    .max_tonnes_per_year
                    .unwrap_or(s.tonnes_per_year)
                    .max(s.tonnes_per_year);
                arrivals(cx, "lot_kg", rate * 1000.0 / lot.mean(), growth);
                mass(cx, "tonnes_per_year", rate, growth);
            }
            let (start, end) = window(cx, &s.start, &s.end);
            NodeKind::ScrapSource(ScrapSource {
                material: m,
                tonnes_per_year: s.tonnes_per_year,
                growth_per_year: s.growth_per_year,
                max_tonnes_per_year: s.max_tonnes_per_year,
                lot_kg: lot,
                arrivals: s.arrivals,
                start,
                end,
            })
        }
        "source" => {
            let s: SourceSpec = cx.read(v, path)?;
            let ia = cx.dist(&format!("{path}.interarrival_h"), &s.interarrival_h);
            let lot = cx.dist(&format!("{path}.lot_kg"), &s.lot_kg);
            let m = cx.material(&format!("{path}.material"), &s.material, mats);
            if ia.validate().is_ok() && ia.mean() * 3600.0 < 1.0 {
                cx.problem(
                    &format!("{path}.interarrival_h"),
                    "the mean gap between arrivals must be at least one second",
                    Some("time is counted in whole seconds; use a larger mean".into()),
                );
            }
            if ia.validate().is_ok() && ia.mean() > 0.0 {
                arrivals(cx, "interarrival_h", 8766.0 / ia.mean(), 0.0);
                if lot.validate().is_ok() {
                    mass(cx, "lot_kg", 8766.0 / ia.mean() * lot.mean() / 1000.0, 0.0);
                }
            }
            let (start, end) = window(cx, &s.start, &s.end);
            NodeKind::Source(Source {
                material: m,
                interarrival_h: ia,
                lot_kg: lot,
                start,
                end,
            })
        }
        "preprocessor" => {
            let s: PreprocessorSpec = cx.read(v, path)?;
            cx.count(&format!("{path}.lines"), s.lines, MAX_SERVERS);
            let cycle = cx.dist(&format!("{path}.cycle_s_per_drive"), &s.cycle_s_per_drive);
            let f = failures(cx, &s.failures);
            cx.share(&format!("{path}.recovery_yield"), s.recovery_yield);
            cx.share(&format!("{path}.magnet_share"), s.magnet_share);
            if s.magnet_share == 0.0 {
                cx.problem(&format!("{path}.magnet_share"), "must be above 0", None);
            }
            let cm = cx.material(
                &format!("{path}.carrier_material"),
                &s.carrier_material,
                mats,
            );
            role_is(cx, "carrier_material", cm, &[MaterialRole::Carrier]);
            if s.input_capacity_drives == 0 {
                cx.problem(
                    &format!("{path}.input_capacity_drives"),
                    "must be at least 1",
                    None,
                );
            }
            cx.positive(
                &format!("{path}.storage_capacity_kg"),
                s.storage_capacity_kg,
                MAX_KG,
            );
            NodeKind::Preprocessor(Preprocessor {
                lines: s.lines,
                cycle_s_per_drive: cycle,
                failures: f,
                recovery_yield: s.recovery_yield,
                magnet_share: s.magnet_share,
                carrier_material: cm,
                input_capacity_drives: s.input_capacity_drives,
                storage_capacity_mg: kg_to_mg(s.storage_capacity_kg),
            })
        }
        "station" => {
            let s: StationSpec = cx.read(v, path)?;
            cx.count(&format!("{path}.servers"), s.servers, MAX_SERVERS);
            let service = cx.dist(&format!("{path}.service_h"), &s.service_h);
            let f = failures(cx, &s.failures);
            if s.queue_capacity_jobs == Some(0) {
                cx.problem(
                    &format!("{path}.queue_capacity_jobs"),
                    "must be at least 1",
                    Some("leave it out for an unlimited queue".into()),
                );
            }
            if let Some(c) = s.storage_capacity_kg {
                cx.positive(&format!("{path}.storage_capacity_kg"), c, MAX_KG);
            }
            NodeKind::Station(Station {
                servers: s.servers,
                service_h: service,
                failures: f,
                queue_capacity_jobs: s.queue_capacity_jobs,
                storage_capacity_mg: s.storage_capacity_kg.map(kg_to_mg),
            })
        }
        "hpms" => {
            let s: HpmsSpec = cx.read(v, path)?;
            cx.count(&format!("{path}.vessels"), s.vessels, MAX_SERVERS);
            cx.positive(&format!("{path}.batch_kg"), s.batch_kg, 1e7);
            let cycle = cx.dist(&format!("{path}.cycle_h"), &s.cycle_h);
            if cycle.validate().is_ok() && cycle.mean() * 3600.0 < 1.0 {
                cx.problem(
                    &format!("{path}.cycle_h"),
                    "a batch must take at least one second on average",
                    None,
                );
            }
            let f = failures(cx, &s.failures);
            cx.share(&format!("{path}.extraction_yield"), s.extraction_yield);
            cx.share(&format!("{path}.unsuitable_share"), s.unsuitable_share);
            cx.share(
                &format!("{path}.initial_capacity_share"),
                s.initial_capacity_share,
            );
            if s.initial_capacity_share == 0.0 {
                cx.problem(
                    &format!("{path}.initial_capacity_share"),
                    "must be above 0 (a plant at 0 % never starts its first batch)",
                    Some("use e.g. 0.2 for 20 % at commissioning".into()),
                );
            }
            cx.share(&format!("{path}.sintered_share"), s.sintered_share);
            cx.non_negative(&format!("{path}.ramp_years"), s.ramp_years, MAX_YEARS);
            let commissioning = cx
                .date(&format!("{path}.commissioning"), &s.commissioning, start)
                .unwrap_or(0);
            let mm = cx.material(&format!("{path}.magnet_material"), &s.magnet_material, mats);
            let cm = cx.material(
                &format!("{path}.coproduct_material"),
                &s.coproduct_material,
                mats,
            );
            let rm = cx.material(
                &format!("{path}.residue_material"),
                &s.residue_material,
                mats,
            );
            role_is(cx, "magnet_material", mm, &[MaterialRole::Product]);
            role_is(cx, "coproduct_material", cm, &[MaterialRole::Product]);
            role_is(cx, "residue_material", rm, &[MaterialRole::Scrap]);
            cx.positive(
                &format!("{path}.input_capacity_kg"),
                s.input_capacity_kg,
                MAX_KG,
            );
            cx.positive(
                &format!("{path}.storage_capacity_kg"),
                s.storage_capacity_kg,
                MAX_KG,
            );
            if finite(s.input_capacity_kg) && s.input_capacity_kg < s.batch_kg {
                cx.problem(
                    &format!("{path}.input_capacity_kg"),
                    format!("holds less than one batch ({} kg)", s.batch_kg),
                    Some("raise input_capacity_kg above batch_kg".into()),
                );
            }
            cx.positive(
                &format!("{path}.nameplate_output_t_per_year"),
                s.nameplate_output_t_per_year,
                1e8,
            );
            cx.non_negative(
                &format!("{path}.co2_kg_per_kg_product"),
                s.co2_kg_per_kg_product,
                1e3,
            );
            NodeKind::Hpms(Hpms {
                vessels: s.vessels,
                batch_mg: kg_to_mg(s.batch_kg),
                cycle_h: cycle,
                failures: f,
                extraction_yield: s.extraction_yield,
                unsuitable_share: s.unsuitable_share,
                commissioning: commissioning.max(0),
                ramp: secs_from_days(s.ramp_years * 365.25),
                initial_capacity_share: s.initial_capacity_share,
                sintered_share: s.sintered_share,
                magnet_material: mm,
                coproduct_material: cm,
                residue_material: rm,
                input_capacity_mg: kg_to_mg(s.input_capacity_kg),
                storage_capacity_mg: kg_to_mg(s.storage_capacity_kg),
                nameplate_output_t_per_year: s.nameplate_output_t_per_year,
                co2_kg_per_kg_product: s.co2_kg_per_kg_product,
            })
        }
        "oxide_plant" => {
            let s: OxidePlantSpec = cx.read(v, path)?;
            cx.positive(&format!("{path}.feed_t_per_year"), s.feed_t_per_year, 1e8);
            let commissioning = cx
                .date(&format!("{path}.commissioning"), &s.commissioning, start)
                .unwrap_or(0);
            let n_el = elements.len();
            let el_names: Vec<&str> = elements[..n_el - 1].iter().map(String::as_str).collect();
            let el_index = |cx: &mut Ctx, p: &str, el: &str| -> Option<usize> {
                let i = el_names.iter().position(|e| *e == el);
                if i.is_none() {
                    cx.problem(
                        p,
                        format!("element `{el}` is not declared"),
                        Some(did_you_mean(el, &el_names, "add it to `elements:`")),
                    );
                }
                i
            };
            let oxygen = elements.iter().position(|e| e == "O");
            if oxygen.is_none() {
                cx.problem(
                    &format!("{path}.products"),
                    "oxide products need element `O` for the oxygen they take up",
                    Some("add O to `elements:`".into()),
                );
            }
            let mut recovery = vec![0.0; n_el];
            for (k, pr) in s.products.iter().enumerate() {
                for el in pr.oxide_factor.keys() {
                    if !s.recovery.contains_key(el) {
                        cx.problem(
                            &format!("{path}.products[{k}].oxide_factor.{el}"),
                            format!("no recovery is given for `{el}`, so none of it would reach the product"),
                            Some(format!("add `{el}: 0.95` (or its recovery) under `recovery:`")),
                        );
                    }
                }
            }
            for (el, r) in &s.recovery {
                let p = format!("{path}.recovery.{el}");
                if let Some(i) = el_index(cx, &p, el) {
                    cx.share(&p, *r);
                    recovery[i] = *r;
                }
            }
            let mut products = Vec::new();
            let mut taken = BTreeSet::new();
            for (k, pr) in s.products.iter().enumerate() {
                let pp = format!("{path}.products[{k}]");
                let m = cx.material(&format!("{pp}.material"), &pr.material, mats);
                role_is(
                    cx,
                    &format!("products[{k}].material"),
                    m,
                    &[MaterialRole::Product],
                );
                cx.share(&format!("{pp}.purity"), pr.purity);
                let mut els = Vec::new();
                for (el, f) in &pr.oxide_factor {
                    let p = format!("{pp}.oxide_factor.{el}");
                    if let Some(i) = el_index(cx, &p, el) {
                        if !(finite(*f) && (1.0..=3.0).contains(f)) {
                            cx.problem(&p, format!("an oxide factor is oxide mass per element mass, from 1 to 3; found {}", show(*f)), None);
                        }
                        if !taken.insert(i) {
                            cx.problem(&p, format!("`{el}` already goes to another product"), None);
                        }
                        if Some(i) == oxygen {
                            cx.problem(&p, "oxygen is added to oxides, not recovered", None);
                        }
                        els.push((i, *f));
                    }
                }
                if els.is_empty() {
                    cx.problem(
                        &format!("{pp}.oxide_factor"),
                        "a product needs at least one element",
                        None,
                    );
                }
                products.push(OxideProduct {
                    material: m,
                    elements: els,
                    purity: pr.purity,
                });
            }
            for (el, r) in &s.recovery {
                if let Some(i) = el_names.iter().position(|e| e == el)
                    && *r > 0.0
                    && !taken.contains(&i)
                {
                    cx.problem(
                        &format!("{path}.recovery.{el}"),
                        format!("`{el}` is recovered but no product takes it"),
                        Some("add it to a product's oxide_factor, or remove it".into()),
                    );
                }
            }
            cx.positive(
                &format!("{path}.input_capacity_kg"),
                s.input_capacity_kg,
                MAX_KG,
            );
            cx.positive(
                &format!("{path}.storage_capacity_kg"),
                s.storage_capacity_kg,
                MAX_KG,
            );
            NodeKind::OxidePlant(OxidePlant {
                feed_t_per_year: s.feed_t_per_year,
                commissioning: commissioning.max(0),
                recovery,
                products,
                oxygen: oxygen.unwrap_or(0),
                input_capacity_mg: kg_to_mg(s.input_capacity_kg),
                storage_capacity_mg: kg_to_mg(s.storage_capacity_kg),
            })
        }
        "market" => {
            let s: MarketSpec = cx.read(v, path)?;
            let mut names = BTreeSet::new();
            for (k, d) in s.demand.iter().enumerate() {
                cx.non_negative(&format!("{path}.demand[{k}].t_per_year"), d.t_per_year, 1e8);
                cx.growth(
                    &format!("{path}.demand[{k}].growth_per_year"),
                    d.growth_per_year,
                );
                if !names.insert(d.sector.clone()) {
                    cx.problem(
                        &format!("{path}.demand[{k}].sector"),
                        format!("sector `{}` is listed twice", d.sector),
                        None,
                    );
                }
            }
            let mut origins = BTreeSet::new();
            for (k, d) in s.imports.iter().enumerate() {
                cx.non_negative(
                    &format!("{path}.imports[{k}].t_per_year"),
                    d.t_per_year,
                    1e8,
                );
                cx.growth(
                    &format!("{path}.imports[{k}].growth_per_year"),
                    d.growth_per_year,
                );
                if !origins.insert(d.origin.clone()) {
                    cx.problem(
                        &format!("{path}.imports[{k}].origin"),
                        format!("origin `{}` is listed twice", d.origin),
                        None,
                    );
                }
            }
            NodeKind::Market(Market {
                demand: s
                    .demand
                    .into_iter()
                    .map(|d| Demand {
                        sector: d.sector,
                        t_per_year: d.t_per_year,
                        growth_per_year: d.growth_per_year,
                    })
                    .collect(),
                imports: s
                    .imports
                    .into_iter()
                    .map(|d| Import {
                        origin: d.origin,
                        t_per_year: d.t_per_year,
                        growth_per_year: d.growth_per_year,
                    })
                    .collect(),
            })
        }
        "sink" => {
            let _: SinkSpec = cx.read(v, path)?;
            NodeKind::Sink
        }
        _ => return None,
    })
}

/// Checks that material can flow: every output has links whose shares add up to 1, every
/// link's node exists, and every node can reach a market or sink (or material piles up forever).
fn check_topology(cx: &mut Ctx, m: &Model) {
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
    if !m.nodes.iter().any(|n| n.kind.is_source()) {
        cx.problem(
            "nodes",
            "no source: nothing will ever happen",
            Some("add a source node".into()),
        );
    }
}

fn node_path(_m: &Model, n: NodeId) -> String {
    // Nodes are only skipped when they had problems, and topology is checked only when there
    // were none, so node indices here are the YAML's.
    format!("nodes[{n}]")
}
