//! The `nodes:` section: ids and kinds, each node handed to its kind's check, and `NodeCx`, what every check shares.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_yaml::Value;

use super::{Calendar, Ctx, MAX_ARRIVALS, MAX_KG, MAX_SOURCE_TONNES, did_you_mean, kg_to_mg};
use crate::kernel::{Dist, SimTime};
use crate::model::network::{Failures, KINDS, Kind, MatId, Material, MaterialRole, Node};
use crate::model::spec::{DistSpec, FailureSpec};

/// The nodes that could be built, with every node's id (in YAML order, and as a set) for
/// the links: a link may name a node that had problems without a second problem.
pub(super) struct Nodes {
    pub built: Vec<Node>,
    pub ids: Vec<String>,
    pub id_set: BTreeSet<String>,
}

/// Reads every node: its id, its kind, then the kind's own check.
pub(super) fn nodes(
    cx: &mut Ctx,
    specs: &[Value],
    cal: &Calendar,
    materials: &[Material],
    elements: &[String],
) -> Nodes {
    let mat_names: Vec<String> = materials.iter().map(|m| m.name.clone()).collect();
    let mut nodes = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    // Ids seen so far, for duplicate checks in O(log n) rather than a scan per node.
    let mut id_set: BTreeSet<String> = BTreeSet::new();
    for (i, v) in specs.iter().enumerate() {
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
        let Some(kind) = Kind::from_name(&kind) else {
            let hint = did_you_mean(&kind, &KINDS, &format!("one of: {}", KINDS.join(", ")));
            cx.problem(
                &format!("{path}.kind"),
                format!("unknown node kind `{kind}`"),
                Some(hint),
            );
            continue;
        };
        let mut n = NodeCx {
            cx,
            value: v,
            path: &path,
            start: cal.start,
            years: cal.years,
            mat_names: &mat_names,
            materials,
            elements,
        };
        if let Some(k) = kind.validate(&mut n) {
            nodes.push(Node { id, kind: k });
        }
    }
    if specs.is_empty() {
        cx.problem("nodes", "a model needs at least one node", None);
    }
    Nodes {
        built: nodes,
        ids,
        id_set,
    }
}

/// One node being checked: the problems, the node's YAML and path, and what the rest of the
/// model already settled (calendar, materials, elements). Its checks take a field name and
/// report at `<node path>.<field>`.
pub(crate) struct NodeCx<'n, 't> {
    pub cx: &'n mut Ctx<'t>,
    /// The node's YAML.
    pub value: &'n Value,
    /// `nodes[i]`.
    pub path: &'n str,
    /// The model's start date.
    pub start: NaiveDate,
    /// The horizon in years (already checked).
    pub years: f64,
    /// Material names, by `MatId`.
    pub mat_names: &'n [String],
    pub materials: &'n [Material],
    /// Declared elements, then `other`.
    pub elements: &'n [String],
}

impl NodeCx<'_, '_> {
    /// The path of one of the node's fields.
    pub fn at(&self, field: &str) -> String {
        format!("{}.{field}", self.path)
    }

    /// Reads the node into its kind's spec type.
    pub fn read<T: DeserializeOwned>(&mut self) -> Option<T> {
        self.cx.read(self.value, self.path)
    }

    pub fn problem(&mut self, field: &str, message: impl Into<String>, hint: Option<String>) {
        let path = self.at(field);
        self.cx.problem(&path, message, hint);
    }

    pub fn share(&mut self, field: &str, v: f64) {
        let path = self.at(field);
        self.cx.share(&path, v);
    }

    pub fn positive(&mut self, field: &str, v: f64, max: f64) {
        let path = self.at(field);
        self.cx.positive(&path, v, max);
    }

    pub fn non_negative(&mut self, field: &str, v: f64, max: f64) {
        let path = self.at(field);
        self.cx.non_negative(&path, v, max);
    }

    pub fn growth(&mut self, field: &str, v: f64) {
        let path = self.at(field);
        self.cx.growth(&path, v);
    }

    pub fn count(&mut self, field: &str, v: u32, max: u32) {
        let path = self.at(field);
        self.cx.count(&path, v, max);
    }

    pub fn dist(&mut self, field: &str, spec: &DistSpec) -> Dist {
        let path = self.at(field);
        self.cx.dist(&path, spec)
    }

    /// Seconds from the model's start to a date field; `None` (and a problem) if it is not one.
    pub fn date(&mut self, field: &str, s: &str) -> Option<SimTime> {
        let path = self.at(field);
        self.cx.date(&path, s, self.start)
    }

    pub fn material(&mut self, field: &str, name: &str) -> MatId {
        let path = self.at(field);
        self.cx.material(&path, name, self.mat_names)
    }

    /// A capacity in kg, checked like every other capacity, in mg.
    pub fn capacity(&mut self, field: &str, kg: f64) -> i64 {
        self.positive(field, kg, MAX_KG);
        kg_to_mg(kg)
    }

    /// A plant's `input_capacity_kg` and `storage_capacity_kg`, checked in that order, in mg.
    pub fn input_and_storage(&mut self, input_kg: f64, storage_kg: f64) -> (i64, i64) {
        let input = self.capacity("input_capacity_kg", input_kg);
        let storage = self.capacity("storage_capacity_kg", storage_kg);
        (input, storage)
    }

    /// The `start`/`end` window of a source, in seconds from the model's start.
    pub fn window(&mut self, s: &Option<String>, e: &Option<String>) -> (SimTime, SimTime) {
        let a = s.as_ref().map(|d| self.date("start", d));
        let b = e.as_ref().map(|d| self.date("end", d));
        let (a, b) = (
            a.flatten().unwrap_or(0),
            b.flatten().unwrap_or(SimTime::MAX),
        );
        if b < a {
            self.problem(
                "end",
                "ends before it starts",
                Some("swap start and end".into()),
            );
        }
        (a.max(0), b)
    }

    pub fn failures(&mut self, f: &Option<FailureSpec>) -> Option<Failures> {
        f.as_ref().map(|f| {
            let tbf = self.dist("failures.tbf_h", &f.tbf_h);
            let repair = self.dist("failures.repair_h", &f.repair_h);
            for (field, d) in [("tbf_h", &tbf), ("repair_h", &repair)] {
                if d.validate().is_ok() && d.mean() * 3600.0 < 1.0 {
                    self.problem(
                        &format!("failures.{field}"),
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
    }

    /// A problem if material `m` (when known) has none of the roles in `want`.
    pub fn role_is(&mut self, field: &str, m: MatId, want: &[MaterialRole]) {
        if let Some(mat) = self.materials.get(m)
            && !want.contains(&mat.role)
        {
            let message = format!(
                "material `{}` has role `{}`, expected {}",
                mat.name,
                mat.role.name(),
                want.iter()
                    .map(|r| format!("`{}`", r.name()))
                    .collect::<Vec<_>>()
                    .join(" or ")
            );
            self.problem(field, message, None);
        }
    }

    /// Guards against a model that would create more events than any run can process.
    pub fn arrivals(&mut self, field: &str, per_year: f64, growth: f64) {
        let years = self.years;
        let n = per_year * years * (1.0 + growth.max(0.0)).powf(years);
        if n.is_nan() || n > MAX_ARRIVALS {
            self.problem(
                field,
                format!("would create about {n:.2e} arrivals over {years} years, more than the {MAX_ARRIVALS:.0e} a run can hold"),
                Some("use larger lots or pallets, or a shorter horizon".into()),
            );
        }
    }

    /// Mass is counted in i64 milligrams: keep what a source can create over the run far
    /// below that range (1e8 t = 1e17 mg; i64 holds 9.2e18).
    pub fn mass(&mut self, field: &str, t_per_year: f64, growth: f64) {
        let years = self.years;
        let t = t_per_year * years * (1.0 + growth.max(0.0)).powf(years);
        if t.is_nan() || t > MAX_SOURCE_TONNES {
            self.problem(
                field,
                format!("would create about {t:.2e} t over {years} years, more than the {MAX_SOURCE_TONNES:.0e} t magloop's exact mass accounting holds"),
                Some("check the units (t/yr, kg, g per drive) or shorten the horizon".into()),
            );
        }
    }
}
