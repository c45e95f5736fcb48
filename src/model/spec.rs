//! What a model YAML file says (`*Spec` types, serde, unknown fields rejected), before validation.
//!
//! Units live in field names (`_kg`, `_h`, `_days`, `_t_per_year`, ...). The validated,
//! unit-converted form is in `model::network`; `models/README.md` documents every field.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

pub use crate::model::kinds::{
    DemandSpec, HddSourceSpec, HpmsSpec, ImportSpec, MarketSpec, OxidePlantSpec, OxideProductSpec,
    PreprocessorSpec, ScrapSourceSpec, SinkSpec, SourceSpec, StationSpec,
};

/// The top level of a model file. Sections stay as YAML values here so that each node and
/// link is read on its own and every problem in the file is reported at once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub calendar: serde_yaml::Value,
    pub elements: serde_yaml::Value,
    pub materials: serde_yaml::Value,
    pub nodes: Vec<serde_yaml::Value>,
    #[serde(default)]
    pub links: Vec<serde_yaml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// First simulated day, `YYYY-MM-DD`.
    pub start: String,
    /// Horizon in calendar years (the CLI's `--years` overrides it); a fractional part is
    /// that share of the following year, rounded to whole days.
    #[serde(default)]
    pub years: Option<f64>,
    /// Horizon in days (fractions allowed, to the second), instead of `years`: for short
    /// runs measured in days or hours.
    #[serde(default)]
    pub days: Option<f64>,
    /// Recording interval in days.
    #[serde(default = "one")]
    pub record_every_days: f64,
}

pub(crate) fn one() -> f64 {
    1.0
}

/// What a material is for, which decides what each plant does with it.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MaterialRole {
    /// Sintered NdFeB magnet in scrap: HPMS can extract it.
    Magnet,
    /// Other rare-earth-bearing scrap (swarf, SmCo, residues): only an oxide plant uses it.
    Scrap,
    /// Non-rare-earth mass that travels with magnets (steel holders, drive bodies).
    Carrier,
    /// A finished product (recycled magnets, co-products, oxides).
    Product,
    /// A generic unit of work in a plain queueing network.
    Job,
}

impl MaterialRole {
    /// The name written in YAML.
    pub fn name(self) -> &'static str {
        match self {
            MaterialRole::Magnet => "magnet",
            MaterialRole::Scrap => "scrap",
            MaterialRole::Carrier => "carrier",
            MaterialRole::Product => "product",
            MaterialRole::Job => "job",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialSpec {
    pub role: MaterialRole,
    /// Element -> wt%. The rest of the mass is `other`.
    #[serde(default)]
    pub composition: BTreeMap<String, f64>,
    /// Origin tags by stage (`mine`, `oxide`, `magnet`) of lots a source makes of it.
    #[serde(default)]
    pub origin: crate::model::origins::TagsSpec,
}

/// A distribution as written in YAML: a plain number, or one of
/// `{constant: x}`, `{uniform: [lo, hi]}`, `{triangular: [lo, mode, hi]}`,
/// `{normal: {mean, sd}}`, `{lognormal: {mean, sd}}`, `{exponential: {mean}}`,
/// `{discrete: {values: [...], weights: [...]}}`.
#[derive(Debug, Clone, PartialEq)]
pub enum DistSpec {
    Constant(f64),
    Uniform(f64, f64),
    Triangular(f64, f64, f64),
    Normal { mean: f64, sd: f64 },
    LogNormal { mean: f64, sd: f64 },
    Exponential { mean: f64 },
    Discrete { values: Vec<f64>, weights: Vec<f64> },
}

const DIST_FORMS: &str = "a number, or one of {constant: x}, {uniform: [lo, hi]}, \
{triangular: [lo, mode, hi]}, {normal: {mean: m, sd: s}}, {lognormal: {mean: m, sd: s}}, \
{exponential: {mean: m}}, {discrete: {values: [...], weights: [...]}}";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeanSd {
    mean: f64,
    sd: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeanOnly {
    mean: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscreteSpec {
    values: Vec<f64>,
    weights: Vec<f64>,
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_yaml::Value;
        let value = Value::deserialize(d)?;
        let bad =
            |what: String| D::Error::custom(format!("{what}; a distribution is {DIST_FORMS}"));
        let map = match &value {
            Value::Number(n) => {
                return n
                    .as_f64()
                    .map(DistSpec::Constant)
                    .ok_or_else(|| bad(format!("`{n:?}` is not a number")));
            }
            Value::Mapping(m) if m.len() == 1 => m,
            other => return Err(bad(format!("found {}", describe(other)))),
        };
        let (key, inner) = map.iter().next().expect("len checked");
        let key = key.as_str().unwrap_or("");
        let nums = |v: &Value, n: usize| -> Result<Vec<f64>, D::Error> {
            let list: Vec<f64> = serde_yaml::from_value(v.clone())
                .map_err(|_| bad(format!("`{key}` takes a list of {n} numbers")))?;
            if list.len() != n {
                return Err(bad(format!(
                    "`{key}` takes {n} numbers, found {}",
                    list.len()
                )));
            }
            Ok(list)
        };
        let sub = |e: serde_yaml::Error| bad(format!("in `{key}`: {e}"));
        Ok(match key {
            "constant" => DistSpec::Constant(nums(&Value::Sequence(vec![inner.clone()]), 1)?[0]),
            "uniform" => {
                let v = nums(inner, 2)?;
                DistSpec::Uniform(v[0], v[1])
            }
            "triangular" => {
                let v = nums(inner, 3)?;
                DistSpec::Triangular(v[0], v[1], v[2])
            }
            "normal" => {
                let p: MeanSd = serde_yaml::from_value(inner.clone()).map_err(sub)?;
                DistSpec::Normal {
                    mean: p.mean,
                    sd: p.sd,
                }
            }
            "lognormal" => {
                let p: MeanSd = serde_yaml::from_value(inner.clone()).map_err(sub)?;
                DistSpec::LogNormal {
                    mean: p.mean,
                    sd: p.sd,
                }
            }
            "exponential" => {
                let p: MeanOnly = serde_yaml::from_value(inner.clone()).map_err(sub)?;
                DistSpec::Exponential { mean: p.mean }
            }
            "discrete" => {
                let p: DiscreteSpec = serde_yaml::from_value(inner.clone()).map_err(sub)?;
                DistSpec::Discrete {
                    values: p.values,
                    weights: p.weights,
                }
            }
            other => {
                let known = [
                    "constant",
                    "uniform",
                    "triangular",
                    "normal",
                    "lognormal",
                    "exponential",
                    "discrete",
                ];
                let hint = crate::model::suggest(other, &known)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(bad(format!("unknown distribution `{other}`{hint}")));
            }
        })
    }
}

fn describe(v: &serde_yaml::Value) -> &'static str {
    use serde_yaml::Value;
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping with several keys",
        Value::Tagged(_) => "a tagged value",
    }
}

/// How arrivals are spaced in time.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// Exponential gaps at the current rate (a Poisson process).
    #[default]
    Poisson,
    /// Equal gaps at the current rate.
    Regular,
}

/// Line or vessel breakdowns: time between failures and repair time, both in hours.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FailureSpec {
    pub tbf_h: DistSpec,
    pub repair_h: DistSpec,
}

/// When a link's trucks leave.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchSpec {
    /// Every lot leaves as soon as it is staged (conveyor, same site, or a queueing network).
    Immediate,
    /// A truck leaves once `load_kg` is staged.
    FullLoad { load_kg: f64 },
    /// Every `every_days`, a truck leaves if at least `min_load_kg` is staged.
    Timer { every_days: f64, min_load_kg: f64 },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullLoadSpec {
    load_kg: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimerSpec {
    every_days: f64,
    min_load_kg: f64,
}

const DISPATCH_FORMS: &str =
    "`immediate`, {full_load: {load_kg: N}} or {timer: {every_days: D, min_load_kg: N}}";

impl<'de> Deserialize<'de> for DispatchSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_yaml::Value;
        let value = Value::deserialize(d)?;
        let bad = |what: String| D::Error::custom(format!("{what}; dispatch is {DISPATCH_FORMS}"));
        let (key, inner) = match &value {
            Value::String(s) => (s.as_str(), None),
            Value::Mapping(m) if m.len() == 1 => {
                let (k, v) = m.iter().next().expect("len checked");
                (k.as_str().unwrap_or(""), Some(v))
            }
            other => return Err(bad(format!("found {}", describe(other)))),
        };
        let sub = |e: serde_yaml::Error| bad(format!("in `{key}`: {e}"));
        match (key, inner) {
            ("immediate", None) => Ok(DispatchSpec::Immediate),
            ("full_load" | "timer", None) => Err(bad(format!("`{key}` needs its parameters"))),
            ("immediate", Some(_)) => Err(bad("`immediate` takes no parameters".into())),
            ("full_load", Some(v)) => {
                let p: FullLoadSpec = serde_yaml::from_value(v.clone()).map_err(sub)?;
                Ok(DispatchSpec::FullLoad { load_kg: p.load_kg })
            }
            ("timer", Some(v)) => {
                let p: TimerSpec = serde_yaml::from_value(v.clone()).map_err(sub)?;
                Ok(DispatchSpec::Timer {
                    every_days: p.every_days,
                    min_load_kg: p.min_load_kg,
                })
            }
            (other, _) => {
                let hint = crate::model::suggest(other, &["immediate", "full_load", "timer"])
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                Err(bad(format!("unknown dispatch rule `{other}`{hint}")))
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    pub id: String,
    pub from: String,
    /// Output port of `from`; may be left out when the node has one.
    pub port: Option<String>,
    pub to: String,
    /// Share of the port's output sent on this link (shares of one port add up to 1).
    #[serde(default = "one")]
    pub share: f64,
    #[serde(default)]
    pub distance_mi: f64,
    #[serde(default = "zero_dist")]
    pub transit_days: DistSpec,
    pub dispatch: DispatchSpec,
    /// Most a truck carries; loads above it leave as several trucks.
    #[serde(default = "truck_kg")]
    pub truck_capacity_kg: f64,
    #[serde(default)]
    pub cost_per_mile_usd: f64,
    #[serde(default)]
    pub co2_kg_per_tonne_mile: f64,
}

fn zero_dist() -> DistSpec {
    DistSpec::Constant(0.0)
}

fn truck_kg() -> f64 {
    20_000.0
}
