//! Batch experiments: a scenario x seed grid from an experiment file, run in parallel,
//! resumable and shardable, written as one hive-partitioned Parquet dataset.

pub mod compare;
pub mod exec;
pub mod uncertain;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::error::{Error, Problem, Result};
use crate::model::{self, LoadedModel, Overrides, sha256_hex};
use crate::script::{self, Script};

/// What an experiment file says.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Model file, relative to the experiment file; the embedded default when absent.
    pub model: Option<String>,
    /// Horizon in years (the model's own when absent).
    pub years: Option<f64>,
    /// Rhai operations the scripts of each run may use (`--script-budget` of `run`).
    pub script_budget: Option<u64>,
    pub replications: ReplicationSpec,
    /// The scenario the others are compared with.
    pub baseline: String,
    pub scenarios: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationSpec {
    pub count: u32,
    #[serde(default = "one")]
    pub base_seed: u64,
}

fn one() -> u64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Policy scripts, relative to the experiment file, applied in order.
    #[serde(default)]
    pub scripts: Vec<String>,
    /// Model values to change, by YAML path: `nodes.dfw_hpms.vessels: 4` (list items are
    /// found by `id`, or by index).
    #[serde(default)]
    pub overrides: BTreeMap<String, Value>,
}

/// One scenario, ready to run: its model (with overrides) and compiled scripts.
#[derive(Clone)]
pub struct Scenario {
    pub name: String,
    pub model: LoadedModel,
    pub scripts: Vec<Script>,
}

/// A validated experiment.
pub struct Experiment {
    pub name: String,
    pub file: PathBuf,
    pub scenarios: Vec<Scenario>,
    pub baseline: usize,
    pub seeds: Vec<u64>,
    /// What the scripts of each run may use.
    pub script_budget: script::Budget,
    /// SHA-256 over the experiment file, its model and scripts: a resumed batch must match.
    pub fingerprint: String,
}

/// One run of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId {
    pub scenario: usize,
    pub seed: u64,
    /// Position in the grid (scenario-major), which sharding divides.
    pub index: usize,
}

impl Experiment {
    /// Every run, scenario by scenario, seed by seed.
    pub fn grid(&self) -> Vec<RunId> {
        let mut out = Vec::new();
        for s in 0..self.scenarios.len() {
            for &seed in &self.seeds {
                out.push(RunId {
                    scenario: s,
                    seed,
                    index: out.len(),
                });
            }
        }
        out
    }
}

/// `K/N`: the K-th (0-based) of N slices of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || {
            format!(
                "`{s}` is not a shard; write K/N with 0 <= K < N, e.g. 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || k >= n || n > 100_000 {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    pub fn takes(&self, run: &RunId) -> bool {
        run.index % self.n == self.k
    }
}

fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Applies `path: value` to a model document. Sequence items are found by `id`, then by
/// index; a missing last key of a mapping is added.
pub fn apply_override(
    doc: &mut Value,
    path: &str,
    value: Value,
) -> std::result::Result<(), String> {
    *navigate(doc, path, true)? = value;
    Ok(())
}

/// The value at `path` in a model document, which must exist (as `apply_override` finds it).
pub fn value_at(doc: &Value, path: &str) -> std::result::Result<Value, String> {
    navigate(&mut doc.clone(), path, false).map(|v| v.clone())
}

/// The value at `path`; with `add_last`, a missing last key of a mapping is added (null).
fn navigate<'a>(
    doc: &'a mut Value,
    path: &str,
    add_last: bool,
) -> std::result::Result<&'a mut Value, String> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "`{path}` is not a YAML path; write keys joined by dots, e.g. nodes.dfw_hpms.vessels"
        ));
    }
    let mut cur = doc;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let here = segs[..=i].join(".");
        cur = match cur {
            Value::Mapping(m) => {
                let key = Value::String(seg.to_string());
                if !m.contains_key(&key) {
                    if last && add_last {
                        m.insert(key.clone(), Value::Null);
                        return Ok(m.get_mut(&key).expect("inserted"));
                    }
                    let keys: Vec<String> = m
                        .keys()
                        .filter_map(|k| k.as_str().map(String::from))
                        .collect();
                    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
                    let hint = model::suggest(seg, &refs)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return Err(format!("`{here}` does not exist in the model{hint}"));
                }
                m.get_mut(&key).expect("checked above")
            }
            Value::Sequence(items) => {
                let pos = items
                    .iter()
                    .position(|it| it.get("id").and_then(Value::as_str) == Some(seg))
                    .or_else(|| seg.parse::<usize>().ok().filter(|&i| i < items.len()));
                let Some(pos) = pos else {
                    let ids: Vec<&str> = items
                        .iter()
                        .filter_map(|it| it.get("id").and_then(Value::as_str))
                        .collect();
                    let hint = model::suggest(seg, &ids)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return Err(format!(
                        "`{here}`: no item with id `{seg}` (or index) in the list{hint}"
                    ));
                };
                &mut items[pos]
            }
            _ => {
                return Err(format!(
                    "`{here}` is inside a value that is not a mapping or list"
                ));
            }
        };
    }
    Ok(cur)
}

/// Reads and validates an experiment file: every problem at once, with its place.
pub fn load(path: &Path) -> Result<Experiment> {
    let file = path.display().to_string();
    let text = crate::files::read_text(path)?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let mut cx = model::validate::Ctx::new(&text);
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| Error::Model {
        file: file.clone(),
        problems: vec![Problem {
            path: String::new(),
            line: e.location().map(|l| (l.line(), l.column())),
            message: format!(
                "YAML syntax error: {}",
                e.to_string().split(" at line ").next().unwrap_or("")
            ),
            hint: None,
        }],
    })?;
    let Some(spec) = cx.read::<ExperimentSpec>(&doc, "") else {
        return Err(Error::Model {
            file,
            problems: cx.problems,
        });
    };
    if !safe_name(&spec.name) {
        cx.problem(
            "name",
            format!("`{}` cannot name a folder", spec.name),
            Some("use letters, digits, `_` and `-`".into()),
        );
    }
    if spec
        .replications
        .base_seed
        .checked_add(u64::from(spec.replications.count))
        .is_none()
    {
        cx.problem(
            "replications.base_seed",
            format!(
                "base_seed + count goes past the largest seed ({})",
                u64::MAX
            ),
            Some("use a smaller base_seed".into()),
        );
    }
    if spec.replications.count == 0 || spec.replications.count > 100_000 {
        cx.problem(
            "replications.count",
            format!(
                "must be from 1 to 100,000, found {}",
                spec.replications.count
            ),
            None,
        );
    }
    if let Some(y) = spec.years
        && !(y.is_finite() && y > 0.0 && y <= 200.0)
    {
        cx.problem(
            "years",
            format!("must be above 0 and at most 200, found {y}"),
            None,
        );
    }
    let budget = match spec.script_budget.map(script::Budget::new) {
        None => script::Budget::default(),
        Some(Ok(b)) => b,
        Some(Err(e)) => {
            cx.problem(
                "script_budget",
                e,
                Some(format!(
                    "leave it out for the default, {}",
                    script::Budget::default()
                )),
            );
            script::Budget::default()
        }
    };
    // The base model text.
    let (model_text, model_origin) = match &spec.model {
        None => (
            model::DEFAULT_MODEL_YAML.to_string(),
            model::DEFAULT_MODEL_NAME.to_string(),
        ),
        Some(m) => {
            let p = base_dir.join(m);
            match crate::files::read_text(&p) {
                Ok(t) => (t, p.display().to_string()),
                Err(e) => {
                    cx.problem(
                        "model",
                        format!("cannot read {}: {e}", p.display()),
                        Some("the path is relative to the experiment file".into()),
                    );
                    return Err(Error::Model {
                        file,
                        problems: cx.problems,
                    });
                }
            }
        }
    };
    let base_doc: Value = match serde_yaml::from_str(&model_text) {
        Ok(v) => v,
        Err(e) => {
            cx.problem(
                "model",
                format!("{model_origin} is not valid YAML: {e}"),
                Some(format!("run `magloop validate {model_origin}`")),
            );
            return Err(Error::Model {
                file,
                problems: cx.problems,
            });
        }
    };
    let overrides = Overrides { years: spec.years };
    let mut scenarios = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut fingerprint = text.clone();
    fingerprint.push_str(&model_text);
    for (i, v) in spec.scenarios.iter().enumerate() {
        let p = format!("scenarios[{i}]");
        let Some(sc) = cx.read::<ScenarioSpec>(v, &p) else {
            continue;
        };
        if !safe_name(&sc.name) {
            cx.problem(
                &format!("{p}.name"),
                format!("`{}` cannot name a folder", sc.name),
                Some("use letters, digits, `_` and `-`".into()),
            );
        }
        if names.contains(&sc.name) {
            cx.problem(
                &format!("{p}.name"),
                format!("scenario `{}` is named twice", sc.name),
                None,
            );
        }
        names.push(sc.name.clone());
        let mut doc = base_doc.clone();
        let mut ok = true;
        for (path, value) in &sc.overrides {
            if let Err(e) = apply_override(&mut doc, path, value.clone()) {
                cx.problem(&format!("{p}.overrides.{path}"), e, None);
                ok = false;
            }
        }
        let mut compiled = Vec::new();
        for (k, s) in sc.scripts.iter().enumerate() {
            let sp = base_dir.join(s);
            match script::compile(std::slice::from_ref(&sp)) {
                Ok(mut c) => {
                    fingerprint.push_str(&c[0].text);
                    compiled.append(&mut c);
                }
                Err(e) => {
                    cx.problem(
                        &format!("{p}.scripts[{k}]"),
                        e.to_string(),
                        Some("script paths are relative to the experiment file".into()),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let text = serde_yaml::to_string(&doc).unwrap_or_default();
        let origin = format!("{model_origin} (scenario `{}`)", sc.name);
        match model::load_str(&text, &origin, &overrides) {
            Ok(m) => {
                if let Err(e) = script::check_with_budget(&m.model, &compiled, budget) {
                    cx.problem(&format!("{p}.scripts"), e.to_string(), None);
                    continue;
                }
                fingerprint.push_str(&text);
                scenarios.push(Scenario {
                    name: sc.name,
                    model: m,
                    scripts: compiled,
                });
            }
            Err(e) => cx.problem(
                &format!("{p}.overrides"),
                format!("the model with these overrides is not valid:\n{e}"),
                None,
            ),
        }
    }
    if spec.scenarios.is_empty() {
        cx.problem(
            "scenarios",
            "an experiment needs at least one scenario",
            None,
        );
    }
    let baseline = names.iter().position(|n| *n == spec.baseline);
    if baseline.is_none() {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = model::suggest(&spec.baseline, &refs)
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("one of: {}", refs.join(", ")));
        cx.problem(
            "baseline",
            format!("no scenario named `{}`", spec.baseline),
            Some(hint),
        );
    }
    if !cx.problems.is_empty() {
        return Err(Error::Model {
            file,
            problems: cx.problems,
        });
    }
    let base = spec.replications.base_seed;
    Ok(Experiment {
        name: spec.name,
        file: path.to_path_buf(),
        scenarios,
        baseline: baseline.expect("checked above"),
        seeds: (0..spec.replications.count as u64)
            .map(|r| base.wrapping_add(r))
            .collect(),
        script_budget: budget,
        fingerprint: sha256_hex(fingerprint.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_find_list_items_by_id_then_index() {
        let mut doc: Value =
            serde_yaml::from_str("nodes:\n  - {id: a, vessels: 3}\n  - {id: b, lines: 1}\n")
                .unwrap();
        apply_override(&mut doc, "nodes.a.vessels", Value::from(4)).unwrap();
        apply_override(&mut doc, "nodes.1.lines", Value::from(2)).unwrap();
        assert_eq!(doc["nodes"][0]["vessels"], Value::from(4));
        assert_eq!(doc["nodes"][1]["lines"], Value::from(2));
        let err = apply_override(&mut doc, "nodes.aa.vessels", Value::from(1)).unwrap_err();
        assert!(err.contains("no item with id `aa`"), "{err}");
        let err = apply_override(&mut doc, "nodez.a", Value::from(1)).unwrap_err();
        assert!(err.contains("did you mean `nodes`"), "{err}");
    }

    #[test]
    fn shards_split_the_grid_without_overlap() {
        let shards: Vec<Shard> = (0..4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        for i in 0..20 {
            let run = RunId {
                scenario: 0,
                seed: 1,
                index: i,
            };
            assert_eq!(shards.iter().filter(|s| s.takes(&run)).count(), 1);
        }
        assert!("4/4".parse::<Shard>().is_err());
        assert!("1-4".parse::<Shard>().is_err());
    }
}
