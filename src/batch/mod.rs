//! Batch experiments: a scenario x seed grid from an experiment file, run in parallel,
//! resumable and shardable, written as one hive-partitioned Parquet dataset.

pub mod analysis;
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
    /// Uncertain model inputs, sampled by `design`; each sample runs every scenario with
    /// every seed (common random numbers across samples and scenarios).
    #[serde(default)]
    pub uncertain: Vec<uncertain::InputSpec>,
    pub design: Option<uncertain::DesignSpec>,
    /// Keys the random designs (Latin hypercube, Morris); default 1.
    #[serde(default = "one")]
    pub design_seed: u64,
    /// The most runs the experiment may start without `batch --yes` (default 5,000).
    pub max_runs: Option<u64>,
    /// The year whose yearly KPIs the printed sensitivity ranking shows beside the
    /// whole-run ones (e.g. 2030).
    pub report_year: Option<i32>,
}

/// Runs an experiment may start without `--yes` unless it says `max_runs`.
pub const MAX_RUNS: u64 = 5_000;

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
    /// `shapley`: attribute this scenario's effect to its scripts (its shocks), running
    /// every subset of them (2^k - 1 more scenarios, k <= 6) with the same seeds.
    pub attribution: Option<AttributionSpec>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AttributionSpec {
    Shapley,
}

/// One scenario, ready to run: its model (with overrides) and compiled scripts.
#[derive(Clone)]
pub struct Scenario {
    pub name: String,
    pub model: LoadedModel,
    pub scripts: Vec<Script>,
    /// The model document with the scenario's overrides, which samples are written into.
    pub doc: Value,
    /// For a scenario added to attribute another: (that scenario, bit mask of its shocks run).
    pub subset_of: Option<(usize, u32)>,
    /// For a scenario with `attribution`: its shocks' names (script file stems).
    pub shocks: Vec<String>,
}

/// A validated experiment.
pub struct Experiment {
    pub name: String,
    /// The experiment's horizon override, applied to every sample's model too.
    pub years: Option<f64>,
    pub file: PathBuf,
    pub scenarios: Vec<Scenario>,
    pub baseline: usize,
    pub seeds: Vec<u64>,
    /// What the scripts of each run may use.
    pub script_budget: script::Budget,
    /// SHA-256 over the experiment file, its model and scripts: a resumed batch must match.
    pub fingerprint: String,
    /// The sampled inputs, when the experiment has an `uncertain:` block.
    pub uncertainty: Option<uncertain::Uncertainty>,
    /// See `ExperimentSpec::report_year`.
    pub report_year: Option<i32>,
}

/// One run of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId {
    pub scenario: usize,
    /// The sample of the uncertain inputs (0 when there are none).
    pub sample: usize,
    pub seed: u64,
    /// Position in the grid (scenario-major), which sharding divides.
    pub index: usize,
}

impl Experiment {
    /// Every run, scenario by scenario, sample by sample, seed by seed.
    pub fn grid(&self) -> Vec<RunId> {
        let mut out = Vec::new();
        for s in 0..self.scenarios.len() {
            for sample in 0..self.samples() {
                for &seed in &self.seeds {
                    out.push(RunId {
                        scenario: s,
                        sample,
                        seed,
                        index: out.len(),
                    });
                }
            }
        }
        out
    }

    /// Samples of the uncertain inputs (1 when there are none: the model as written).
    pub fn samples(&self) -> usize {
        self.uncertainty.as_ref().map_or(1, |u| u.samples())
    }

    /// Whether runs are keyed by sample as well as scenario and seed.
    pub fn sampled(&self) -> bool {
        self.uncertainty.is_some()
    }

    /// The model a run uses: the scenario's, with the run's sample written in.
    pub fn model_for(&self, run: &RunId) -> Result<std::borrow::Cow<'_, LoadedModel>> {
        let sc = &self.scenarios[run.scenario];
        let Some(u) = &self.uncertainty else {
            return Ok(std::borrow::Cow::Borrowed(&sc.model));
        };
        let mut doc = sc.doc.clone();
        let origin = format!("{} (sample {})", sc.model.origin, run.sample);
        u.apply(&mut doc, run.sample).map_err(|e| Error::Model {
            file: origin.clone(),
            problems: vec![Problem {
                path: String::new(),
                line: None,
                message: e,
                hint: None,
            }],
        })?;
        let text = serde_yaml::to_string(&doc).unwrap_or_default();
        let m = model::load_str(&text, &origin, &Overrides { years: self.years })?;
        Ok(std::borrow::Cow::Owned(m))
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
    load_with(path, false)
}

/// As `load`; with `yes`, a design larger than the run limit is accepted.
pub fn load_with(path: &Path, yes: bool) -> Result<Experiment> {
    let file = path.display().to_string();
    let text = crate::files::read_text(path)?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let mut cx = model::validate::Ctx::new(&text);
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| Error::Model {
        file: file.clone(),
        problems: vec![model::validate::parse_problem(&e)],
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
    let uncertainty = read_uncertainty(&spec, &base_doc, &model_origin, &overrides, &mut cx);
    let sampled_paths: Vec<&str> = uncertainty
        .iter()
        .flat_map(|u| {
            u.inputs
                .iter()
                .flat_map(|i| i.paths.iter().map(String::as_str))
        })
        .collect();
    let mut scenarios = Vec::new();
    // Scenarios added to attribute a scenario to its shocks, after the listed ones.
    let mut subsets = Vec::new();
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
            if sampled_paths.contains(&path.as_str()) {
                cx.problem(
                    &format!("{p}.overrides.{path}"),
                    "is an uncertain input: the samples set it",
                    Some("drop the override, or the input from `uncertain`".into()),
                );
                ok = false;
            }
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
                let mut shocks = Vec::new();
                if sc.attribution.is_some() {
                    let k = compiled.len();
                    if !(1..=crate::sensitivity::shapley::MAX_SHOCKS).contains(&k) {
                        cx.problem(
                            &format!("{p}.attribution"),
                            format!(
                                "attributes a scenario's effect to its scripts (its shocks): it needs 1 to {} scripts, found {k}",
                                crate::sensitivity::shapley::MAX_SHOCKS
                            ),
                            Some(
                                "every subset of k shocks is run (2^k scenarios): combine small shocks into one script"
                                    .into(),
                            ),
                        );
                        continue;
                    }
                    shocks = shock_names(&sc.scripts);
                    let parent = scenarios.len();
                    for mask in 0..(1u32 << k) - 1 {
                        let label = if mask == 0 {
                            "none".to_string()
                        } else {
                            (0..k)
                                .filter(|i| mask >> i & 1 == 1)
                                .map(|i| shocks[i].as_str())
                                .collect::<Vec<_>>()
                                .join("+")
                        };
                        subsets.push(Scenario {
                            name: format!("{}__{label}", sc.name),
                            model: m.clone(),
                            scripts: (0..k)
                                .filter(|i| mask >> i & 1 == 1)
                                .map(|i| compiled[i].clone())
                                .collect(),
                            doc: doc.clone(),
                            subset_of: Some((parent, mask)),
                            shocks: Vec::new(),
                        });
                    }
                }
                scenarios.push(Scenario {
                    name: sc.name,
                    model: m,
                    scripts: compiled,
                    doc,
                    subset_of: None,
                    shocks,
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
    for sub in &subsets {
        if names.contains(&sub.name) {
            cx.problem(
                "scenarios",
                format!(
                    "scenario `{}` has the name of a scenario that attribution adds",
                    sub.name
                ),
                Some("rename it (names with `__` are attribution's)".into()),
            );
        }
    }
    scenarios.append(&mut subsets);
    let baseline = names.iter().position(|n| *n == spec.baseline);
    let samples = uncertainty.as_ref().map_or(1, |u| u.samples()) as u64;
    let runs = scenarios.len() as u64 * samples * u64::from(spec.replications.count);
    let limit = spec.max_runs.unwrap_or(MAX_RUNS);
    if runs > limit && !yes {
        cx.problem(
            if spec.design.is_some() { "design" } else { "replications.count" },
            format!(
                "needs {runs} runs ({} scenarios x {samples} samples x {} seeds), more than the limit of {limit}",
                scenarios.len(),
                spec.replications.count
            ),
            Some(format!(
                "pass --yes to run them all, raise `max_runs`, or use fewer samples or seeds (a default-model 10-year run takes about {:.1} s of one core)",
                0.8
            )),
        );
    }
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
        uncertainty,
        years: spec.years,
        report_year: spec.report_year,
    })
}

/// Script file stems, made unique with a number where two scripts share one.
fn shock_names(scripts: &[String]) -> Vec<String> {
    let stems: Vec<String> = scripts
        .iter()
        .map(|s| {
            Path::new(s)
                .file_stem()
                .and_then(|x| x.to_str())
                .unwrap_or("shock")
                .to_string()
        })
        .collect();
    stems
        .iter()
        .enumerate()
        .map(|(i, st)| {
            if stems.iter().filter(|x| *x == st).count() > 1 {
                format!("{st}{}", i + 1)
            } else {
                st.clone()
            }
        })
        .collect()
}

/// Reads the `uncertain:` block and `design:`, checks each input's range against the
/// model (the model with the input at its lowest and at its highest value must be valid),
/// and samples the design. Problems go to `cx`.
fn read_uncertainty(
    spec: &ExperimentSpec,
    base: &Value,
    origin: &str,
    overrides: &Overrides,
    cx: &mut model::validate::Ctx,
) -> Option<uncertain::Uncertainty> {
    match (&spec.design, spec.uncertain.is_empty()) {
        (None, true) => return None,
        (None, false) => {
            cx.problem(
                "uncertain",
                "uncertain inputs need a `design:` to sample them",
                Some(
                    "add e.g. `design: {latin_hypercube: {samples: 50}}`, `{saltelli: {base_samples: 64}}` or `{morris: {trajectories: 10}}`"
                        .into(),
                ),
            );
            return None;
        }
        (Some(_), true) => {
            cx.problem(
                "design",
                "a design samples the `uncertain:` inputs, and there are none",
                Some("add an `uncertain:` list, or drop `design:`".into()),
            );
            return None;
        }
        (Some(_), false) => {}
    }
    let (inputs, found) = uncertain::read_inputs(&spec.uncertain, base);
    // Inputs that read well are still checked against the model, so that every problem
    // is listed at once.
    let mut range_ok = found.is_empty();
    for (path, msg, hint) in found {
        cx.problem(&path, msg, hint);
    }
    for input in &inputs {
        let i = input.index;
        let (lo, hi) = input.dist.range();
        let what = |end: &str| {
            if input.dist.bounded() {
                format!("its {end} value")
            } else if end == "lowest" {
                "its 0.1 % quantile".to_string()
            } else {
                "its 99.9 % quantile".to_string()
            }
        };
        for (end, x) in [("lowest", lo), ("highest", hi)] {
            let mut doc = base.clone();
            for p in &input.paths {
                let _ = apply_override(&mut doc, p, input.value(x));
            }
            let text = serde_yaml::to_string(&doc).unwrap_or_default();
            if let Err(e) = model::load_str(&text, origin, overrides) {
                let detail = match &e {
                    Error::Model { problems, .. } => problems
                        .iter()
                        .map(|p| format!("{}: {}", p.path, p.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                };
                cx.problem(
                    &format!("uncertain[{i}].dist"),
                    format!(
                        "at {} ({}) the model is not valid: {detail}",
                        what(end),
                        input.used(x)
                    ),
                    Some("keep the distribution inside the field's valid range".into()),
                );
                range_ok = false;
            }
        }
    }
    if !range_ok {
        return None;
    }
    match uncertain::sample(
        spec.design.as_ref().expect("matched above"),
        inputs,
        spec.design_seed,
    ) {
        Ok(u) => Some(u),
        Err((path, msg, hint)) => {
            cx.problem(&path, msg, hint);
            None
        }
    }
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
                sample: 0,
                seed: 1,
                index: i,
            };
            assert_eq!(shards.iter().filter(|s| s.takes(&run)).count(), 1);
        }
        assert!("4/4".parse::<Shard>().is_err());
        assert!("1-4".parse::<Shard>().is_err());
    }
}
