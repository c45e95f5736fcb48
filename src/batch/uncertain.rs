//! An experiment's uncertain inputs: the `uncertain:` block (YAML paths and distributions),
//! the `design:` that samples them, and the model each sample runs. The designs and
//! estimators themselves are pure functions in `crate::sensitivity`.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_yaml::Value;

use crate::batch::value_at;
use crate::kernel::rng::{StreamKey, stream};
use crate::model::spec::DistSpec;
use crate::sensitivity::design::{self, Matrix, SALTELLI_MAX_INPUTS};
use crate::sensitivity::quantile::Quantile;

/// One uncertain input as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Its name in samples.parquet and sensitivity.parquet (default: its first path).
    pub name: Option<String>,
    /// One YAML path, as `overrides` take them (list items by id).
    pub path: Option<String>,
    /// Several paths that take the same sampled value (e.g. both HDD sources' capture share).
    #[serde(default)]
    pub paths: Vec<String>,
    pub dist: DistSpec,
    /// The value is a number of days after this date, written into the model as a date.
    pub days_after: Option<String>,
}

/// How the inputs are sampled, as written: exactly one of the three.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    /// N points, each input's range cut into N strata holding one point each: for
    /// uncertainty bands and rank correlations.
    pub latin_hypercube: Option<LhsSpec>,
    /// N (d + 2) points from a Sobol' sequence (Saltelli 2010): first-order and total
    /// Sobol' indices.
    pub saltelli: Option<SaltelliSpec>,
    /// r trajectories of d + 1 points on a grid of `levels` levels (Morris 1991): mu*, sigma.
    pub morris: Option<MorrisSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LhsSpec {
    pub samples: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaltelliSpec {
    pub base_samples: usize,
    /// Sobol' points skipped first (default: the smallest power of two >= base_samples).
    pub skip: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MorrisSpec {
    pub trajectories: usize,
    #[serde(default = "four")]
    pub levels: usize,
}

impl DesignSpec {
    pub fn lhs(samples: usize) -> Self {
        DesignSpec {
            latin_hypercube: Some(LhsSpec { samples }),
            saltelli: None,
            morris: None,
        }
    }
}

fn four() -> usize {
    4
}

/// The design as used, for outputs and the printed table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    LatinHypercube,
    Saltelli,
    Morris { levels: usize },
}

impl Design {
    pub fn name(self) -> &'static str {
        match self {
            Design::LatinHypercube => "latin_hypercube",
            Design::Saltelli => "saltelli",
            Design::Morris { .. } => "morris",
        }
    }
}

/// How a sampled number is written into the model.
#[derive(Debug, Clone)]
pub enum Form {
    /// As a float.
    Float,
    /// Rounded to a whole number (the path held an integer in the model).
    Integer,
    /// As the date this many (rounded) days after `0`.
    Date(NaiveDate),
}

/// One validated uncertain input.
#[derive(Debug, Clone)]
pub struct Input {
    /// Its place in the `uncertain:` list.
    pub index: usize,
    pub name: String,
    pub paths: Vec<String>,
    pub dist: Quantile,
    pub form: Form,
}

impl Input {
    /// The number as it enters the model (rounded for integers and dates).
    pub fn used(&self, x: f64) -> f64 {
        match self.form {
            Form::Float => x,
            Form::Integer | Form::Date(_) => x.round(),
        }
    }

    /// The YAML value written at each path for the sampled number `x`.
    pub fn value(&self, x: f64) -> Value {
        match self.form {
            Form::Float => Value::from(x),
            Form::Integer => Value::from(x.round() as i64),
            Form::Date(d) => {
                let days = chrono::Days::new(x.round().max(0.0) as u64);
                Value::from(
                    d.checked_add_days(days)
                        .unwrap_or(d)
                        .format("%Y-%m-%d")
                        .to_string(),
                )
            }
        }
    }
}

/// The sampled inputs of an experiment.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    pub inputs: Vec<Input>,
    pub design: Design,
    /// The design's points in the unit cube, one row per sample.
    pub unit: Matrix,
    /// Each sample's value of each input (after rounding), one row per sample.
    pub values: Vec<Vec<f64>>,
}

impl Uncertainty {
    pub fn samples(&self) -> usize {
        self.values.len()
    }

    /// Writes sample `k`'s values into a model document.
    pub fn apply(&self, doc: &mut Value, k: usize) -> Result<(), String> {
        for (input, &x) in self.inputs.iter().zip(&self.values[k]) {
            for path in &input.paths {
                crate::batch::apply_override(doc, path, input.value(x))?;
            }
        }
        Ok(())
    }
}

/// The most inputs one experiment may sample (a Saltelli design takes two Sobol'
/// dimensions per input).
pub const MAX_INPUTS: usize = SALTELLI_MAX_INPUTS;

/// A problem found while reading the block: (path in the experiment file, message, hint).
pub type Found = (String, String, Option<String>);

fn quantile_of(spec: &DistSpec) -> Result<Quantile, String> {
    let q = match spec {
        DistSpec::Constant(x) => {
            return Err(format!(
                "a fixed value ({x}) is not uncertain: give a distribution, or set it with the scenario's overrides"
            ));
        }
        DistSpec::Uniform(lo, hi) => Quantile::Uniform { lo: *lo, hi: *hi },
        DistSpec::Triangular(lo, mode, hi) => Quantile::Triangular {
            lo: *lo,
            mode: *mode,
            hi: *hi,
        },
        DistSpec::Normal { mean, sd } => Quantile::Normal {
            mean: *mean,
            sd: *sd,
        },
        DistSpec::LogNormal { mean, sd } => Quantile::LogNormal {
            mean: *mean,
            sd: *sd,
        },
        DistSpec::Exponential { mean } => Quantile::Exponential { mean: *mean },
        DistSpec::Discrete { values, weights } => Quantile::new_discrete(values, weights)?,
    };
    q.check()?;
    Ok(q)
}

/// Reads the inputs against the base model document; every problem is returned.
pub fn read_inputs(specs: &[InputSpec], base: &Value) -> (Vec<Input>, Vec<Found>) {
    let mut inputs = Vec::new();
    let mut found = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut all_paths: Vec<String> = Vec::new();
    if specs.len() > MAX_INPUTS {
        found.push((
            "uncertain".into(),
            format!(
                "{} inputs; at most {MAX_INPUTS} can be sampled together",
                specs.len()
            ),
            Some("fix the less important inputs at their model values".into()),
        ));
    }
    for (i, s) in specs.iter().enumerate() {
        let p = format!("uncertain[{i}]");
        let mut paths: Vec<String> = s.path.iter().cloned().collect();
        paths.extend(s.paths.iter().cloned());
        if paths.is_empty() {
            found.push((
                p.clone(),
                "names no model value".into(),
                Some("add `path: nodes.<id>.<field>` (or `paths: [...]`)".into()),
            ));
            continue;
        }
        let mut ok = true;
        let mut form = Form::Float;
        for (k, path) in paths.iter().enumerate() {
            if all_paths.contains(path) {
                found.push((
                    format!("{p}.path"),
                    format!("`{path}` is sampled twice"),
                    Some("give each model value one uncertain input".into()),
                ));
                ok = false;
            }
            all_paths.push(path.clone());
            match value_at(base, path) {
                Ok(v) => {
                    if k == 0 && (v.is_i64() || v.is_u64()) {
                        form = Form::Integer;
                    }
                }
                Err(e) => {
                    found.push((format!("{p}.path"), e, None));
                    ok = false;
                }
            }
        }
        if let Some(d) = &s.days_after {
            match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) => form = Form::Date(date),
                Err(_) => {
                    found.push((
                        format!("{p}.days_after"),
                        format!("`{d}` is not a date"),
                        Some("write it as YYYY-MM-DD, e.g. 2027-07-01".into()),
                    ));
                    ok = false;
                }
            }
        }
        let dist = match quantile_of(&s.dist) {
            Ok(q) => Some(q),
            Err(e) => {
                found.push((format!("{p}.dist"), e, None));
                None
            }
        };
        if matches!(form, Form::Date(_))
            && let Some(q) = &dist
            && q.range().0 < 0.0
        {
            found.push((
                format!("{p}.dist"),
                format!("reaches {:.1} days, before days_after", q.range().0),
                Some("move days_after earlier so every value is >= 0 days after it".into()),
            ));
            ok = false;
        }
        let name = s.name.clone().unwrap_or_else(|| paths[0].clone());
        if names.contains(&name) {
            found.push((
                format!("{p}.name"),
                format!("`{name}` names two inputs"),
                None,
            ));
            ok = false;
        }
        names.push(name.clone());
        if let (true, Some(dist)) = (ok, dist) {
            inputs.push(Input {
                index: i,
                name,
                paths,
                dist,
                form,
            });
        }
    }
    (inputs, found)
}

/// The design's points and each sample's values. `seed` keys the random designs' stream.
pub fn sample(spec: &DesignSpec, inputs: Vec<Input>, seed: u64) -> Result<Uncertainty, Found> {
    let d = inputs.len();
    let mut rng = stream(&StreamKey {
        seed,
        replication: 0,
        entity: "experiment",
        purpose: "design",
    });
    let bad = |field: &str, msg: String, hint: &str| {
        Err((format!("design.{field}"), msg, Some(hint.to_string())))
    };
    let chosen = [
        spec.latin_hypercube.is_some(),
        spec.saltelli.is_some(),
        spec.morris.is_some(),
    ];
    if chosen.iter().filter(|&&c| c).count() != 1 {
        return Err((
            "design".into(),
            "names one design: latin_hypercube, saltelli or morris".into(),
            Some("e.g. `design: {latin_hypercube: {samples: 50}}`".into()),
        ));
    }
    let (unit, design) = if let Some(LhsSpec { samples }) = spec.latin_hypercube {
        {
            if !(2..=100_000).contains(&samples) {
                return bad(
                    "latin_hypercube.samples",
                    format!("must be from 2 to 100,000, found {samples}"),
                    "e.g. 50",
                );
            }
            (
                design::latin_hypercube(samples, d, &mut rng),
                Design::LatinHypercube,
            )
        }
    } else if let Some(SaltelliSpec { base_samples, skip }) = spec.saltelli {
        {
            if !(2..=65_536).contains(&base_samples) {
                return bad(
                    "saltelli.base_samples",
                    format!("must be from 2 to 65,536, found {base_samples}"),
                    "a power of two such as 64 (runs = base_samples x (inputs + 2) x seeds)",
                );
            }
            let skip = skip.unwrap_or_else(|| base_samples.next_power_of_two() as u64);
            match design::saltelli(base_samples, d, skip) {
                Some(m) => (m, Design::Saltelli),
                None => {
                    return bad(
                        "saltelli",
                        format!("takes 1 to {SALTELLI_MAX_INPUTS} inputs, found {d}"),
                        "fix the less important inputs at their model values",
                    );
                }
            }
        }
    } else {
        let MorrisSpec {
            trajectories,
            levels,
        } = *spec.morris.as_ref().expect("one design, checked above");
        {
            if !(2..=10_000).contains(&trajectories) {
                return bad(
                    "morris.trajectories",
                    format!("must be from 2 to 10,000, found {trajectories}"),
                    "e.g. 10 to 20",
                );
            }
            if levels < 2 || levels % 2 != 0 || levels > 100 {
                return bad(
                    "morris.levels",
                    format!("must be even, from 2 to 100, found {levels}"),
                    "4 is the usual choice",
                );
            }
            (
                design::morris(trajectories, d, levels, &mut rng),
                Design::Morris { levels },
            )
        }
    };
    let values = unit
        .rows
        .iter()
        .map(|u| {
            inputs
                .iter()
                .zip(u)
                .map(|(inp, &x)| inp.used(inp.dist.at(x)))
                .collect()
        })
        .collect();
    Ok(Uncertainty {
        inputs,
        design,
        unit,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_yaml::from_str(
            "nodes:\n  - {id: a, share: 0.5, lines: 2, when: 2027-07-01}\n  - {id: b, share: 0.5}\n",
        )
        .unwrap()
    }

    fn spec(yaml: &str) -> Vec<InputSpec> {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn inputs_find_their_paths_forms_and_problems() {
        let (inputs, found) = read_inputs(
            &spec(
                "- {name: share, paths: [nodes.a.share, nodes.b.share], dist: {uniform: [0.2, 0.6]}}\n\
                 - {path: nodes.a.lines, dist: {discrete: {values: [1, 2, 3], weights: [1, 1, 1]}}}\n\
                 - {path: nodes.a.when, days_after: 2027-07-01, dist: {uniform: [0, 540]}}\n",
            ),
            &doc(),
        );
        assert!(found.is_empty(), "{found:?}");
        assert!(matches!(inputs[0].form, Form::Float));
        assert!(matches!(inputs[1].form, Form::Integer));
        assert_eq!(inputs[1].value(2.4), Value::from(2));
        // 2027-07-01 + 184 days = 2028-01-01 (Jul 31, Aug 31, Sep 30, Oct 31, Nov 30, Dec 31).
        assert_eq!(inputs[2].value(183.6), Value::from("2028-01-01"));
        let (_, found) = read_inputs(
            &spec(
                "- {path: nodes.c.share, dist: {uniform: [0, 1]}}\n\
                 - {path: nodes.a.shar, dist: 0.3}\n",
            ),
            &doc(),
        );
        let text = format!("{found:?}");
        assert!(text.contains("no item with id `c`"), "{text}");
        assert!(text.contains("did you mean `share`"), "{text}");
        assert!(text.contains("is not uncertain"), "{text}");
        let (inputs, found) = read_inputs(
            &spec(
                "- {path: nodes.a.when, days_after: 2027-13-01, dist: {uniform: [0, 10]}}\n\
                 - {path: nodes.a.when, days_after: 2027-07-01, dist: {uniform: [-5, 10]}}\n",
            ),
            &doc(),
        );
        assert!(inputs.is_empty());
        let text = format!("{found:?}");
        assert!(
            text.contains("uncertain[0].days_after") && text.contains("YYYY-MM-DD"),
            "{text}"
        );
        // The second names the same path again, and reaches 5 days before its date.
        assert!(
            text.contains("is sampled twice") && text.contains("before days_after"),
            "{text}"
        );
    }

    #[test]
    fn a_latin_hypercube_sample_maps_each_stratum_through_the_quantile() {
        let (inputs, _) = read_inputs(
            &spec("- {path: nodes.a.share, dist: {uniform: [0.2, 0.6]}}\n"),
            &doc(),
        );
        let u = sample(&DesignSpec::lhs(10), inputs, 1).unwrap();
        // Ten strata of width 0.04 over [0.2, 0.6]: exactly one value in each.
        let mut strata: Vec<usize> = u
            .values
            .iter()
            .map(|v| ((v[0] - 0.2) / 0.04) as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
        let mut d = doc();
        u.apply(&mut d, 3).unwrap();
        assert_eq!(d["nodes"][0]["share"], Value::from(u.values[3][0]));
    }

    #[test]
    fn design_sizes_are_checked() {
        let (inputs, _) = read_inputs(
            &spec("- {path: nodes.a.share, dist: {uniform: [0, 1]}}\n"),
            &doc(),
        );
        let morris = DesignSpec {
            morris: Some(MorrisSpec {
                trajectories: 5,
                levels: 3,
            }),
            ..DesignSpec::lhs(0)
        };
        let morris = DesignSpec {
            latin_hypercube: None,
            ..morris
        };
        let e = sample(&morris, inputs.clone(), 1).unwrap_err();
        assert!(e.1.contains("must be even"), "{e:?}");
        let e = sample(&DesignSpec::lhs(1), inputs.clone(), 1).unwrap_err();
        assert_eq!(e.0, "design.latin_hypercube.samples");
        let saltelli = DesignSpec {
            latin_hypercube: None,
            saltelli: Some(SaltelliSpec {
                base_samples: 8,
                skip: None,
            }),
            morris: None,
        };
        let s = sample(&saltelli, inputs.clone(), 1).unwrap();
        assert_eq!(s.samples(), 8 * 3); // N (d + 2) = 8 * 3
        let two = DesignSpec {
            saltelli: Some(SaltelliSpec {
                base_samples: 8,
                skip: None,
            }),
            ..DesignSpec::lhs(4)
        };
        assert!(
            sample(&two, inputs, 1)
                .unwrap_err()
                .1
                .contains("names one design")
        );
    }
}
