//! The validator's working state: problems collected with their places, serde errors
//! rewritten with a hint, the range checks every section uses, and unit conversion.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::error::Problem;
use crate::kernel::{Dist, SimTime};
use crate::model::locate::locate;
use crate::model::network::{MG_PER_KG, MatId};
use crate::model::spec::DistSpec;
use crate::model::suggest;

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
pub(crate) fn show(v: f64) -> String {
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

pub(crate) fn finite(v: f64) -> bool {
    v.is_finite()
}

impl Ctx<'_> {
    pub(crate) fn share(&mut self, path: &str, v: f64) {
        if !(finite(v) && (0.0..=1.0).contains(&v)) {
            self.problem(
                path,
                format!("must be a share between 0 and 1, found {}", show(v)),
                Some("write a fraction, e.g. 0.35 for 35 %".into()),
            );
        }
    }

    pub(crate) fn positive(&mut self, path: &str, v: f64, max: f64) {
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

    pub(crate) fn non_negative(&mut self, path: &str, v: f64, max: f64) {
        if !(finite(v) && v >= 0.0 && v <= max) {
            self.problem(
                path,
                format!("must be a number from 0 to {}, found {}", num(max), show(v)),
                None,
            );
        }
    }

    pub(crate) fn growth(&mut self, path: &str, v: f64) {
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

    pub(crate) fn count(&mut self, path: &str, v: u32, max: u32) {
        if v == 0 || v > max {
            self.problem(path, format!("must be from 1 to {max}, found {v}"), None);
        }
    }

    pub(crate) fn dist(&mut self, path: &str, spec: &DistSpec) -> Dist {
        let d = to_dist(spec);
        if let Err(e) = d.validate() {
            self.problem(path, e.to_string(), None);
        }
        d
    }

    /// Seconds from the model's start to a `YYYY-MM-DD` date; `None` (and a problem) if it is not one.
    pub(crate) fn date(&mut self, path: &str, s: &str, start: NaiveDate) -> Option<SimTime> {
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

    pub(crate) fn material(&mut self, path: &str, name: &str, names: &[String]) -> MatId {
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

pub(crate) fn did_you_mean(name: &str, known: &[&str], otherwise: &str) -> String {
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

pub fn kg_to_mg(kg: f64) -> i64 {
    if kg.is_finite() {
        (kg * MG_PER_KG as f64)
            .round()
            .clamp(0.0, i64::MAX as f64 / 4.0) as i64
    } else {
        0
    }
}
