//! What a batch derives from its runs' KPIs beyond the comparison: `samples.parquet` (the
//! sampled inputs), `sensitivity.parquet` (indices per scenario, KPI and input) with the
//! printed ranking, and `attribution.parquet` (each shock's Shapley share of a combined
//! scenario's effect). The estimators are `crate::sensitivity`'s pure functions.

use polars::prelude::*;

use crate::batch::Experiment;
use crate::batch::compare::{kpis, mean_ci};
use crate::batch::uncertain::{Design, Uncertainty};
use crate::kernel::rng::{StreamKey, stream};
use crate::sensitivity::design::morris_delta;
use crate::sensitivity::estimators::{
    morris_indices, rank_correlations, seed_share, sobol_indices,
};
use crate::sensitivity::shapley::{one_at_a_time, shapley};
use crate::sim::{Summary, YearlyRow};

/// The seeds' share of a KPI's variance from which the printed ranking leaves the KPI out:
/// above a half, the sampled inputs explain less of it than the runs' randomness.
const NOISE_SHARE: f64 = 0.5;
/// A completed run's KPIs and its place: scenario, sample, and seed position.
pub struct Done<'a> {
    pub scenario: usize,
    pub sample: usize,
    pub seed_index: usize,
    pub summary: &'a Summary,
    pub yearly: &'a [YearlyRow],
}

/// A KPI analysed: a whole-run KPI (year `None`) or a yearly one over all sectors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub kpi: String,
    pub year: Option<i32>,
}

/// Every run's value of every KPI key (NaN where a run has none), keys in a fixed order:
/// the whole-run KPIs as `compare::kpis()` lists them, then yearly ones by year and name.
pub struct KpiTable {
    keys: Vec<Key>,
    /// `values[run][key]`
    values: Vec<Vec<f64>>,
}

impl KpiTable {
    /// The table of `done`, built once for the sensitivity and the attribution.
    pub fn of(done: &[Done]) -> Self {
        let whole = kpis();
        let mut yearly: std::collections::BTreeSet<(i32, &str)> = Default::default();
        for d in done {
            for r in d.yearly.iter().filter(|r| r.sector == "all") {
                yearly.insert((r.year, r.kpi.as_str()));
            }
        }
        let mut keys: Vec<Key> = whole
            .iter()
            .map(|(k, _)| Key {
                kpi: k.to_string(),
                year: None,
            })
            .collect();
        let first_yearly = keys.len();
        let index: std::collections::BTreeMap<(i32, &str), usize> = yearly
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, first_yearly + i))
            .collect();
        keys.extend(yearly.iter().map(|&(year, kpi)| Key {
            kpi: kpi.to_string(),
            year: Some(year),
        }));
        let values = done
            .iter()
            .map(|d| {
                let mut v = vec![f64::NAN; keys.len()];
                for (i, (_, f)) in whole.iter().enumerate() {
                    v[i] = f(d.summary).unwrap_or(f64::NAN);
                }
                for r in d.yearly.iter().filter(|r| r.sector == "all") {
                    v[index[&(r.year, r.kpi.as_str())]] = r.value;
                }
                v
            })
            .collect();
        KpiTable { keys, values }
    }
}

/// Bootstrap resamples behind each interval.
const RESAMPLES: usize = 200;

/// The KPIs ranked in the printed table.
const HEADLINE: [&str; 4] = [
    "shortfall_t",
    "recycled_supply_t",
    "sintered_magnets_t",
    "china_share",
];

/// `samples.parquet`: one row per sample, the value of every input as the model used it.
pub fn samples_frame(u: &Uncertainty) -> PolarsResult<DataFrame> {
    let mut cols = vec![Column::new(
        "sample".into(),
        (0..u.samples() as u32).collect::<Vec<_>>(),
    )];
    for (j, input) in u.inputs.iter().enumerate() {
        cols.push(Column::new(
            input.name.as_str().into(),
            u.values.iter().map(|v| v[j]).collect::<Vec<f64>>(),
        ));
    }
    DataFrame::new(u.samples(), cols)
}

/// `grid[sample][seed]` of KPI `key` in one scenario; `None` unless every run has a
/// finite value.
fn grid_of(
    done: &[Done],
    t: &KpiTable,
    key: usize,
    scenario: usize,
    samples: usize,
    seeds: usize,
) -> Option<Vec<Vec<f64>>> {
    let mut g = vec![vec![f64::NAN; seeds]; samples];
    for (d, v) in done
        .iter()
        .zip(&t.values)
        .filter(|(d, _)| d.scenario == scenario)
    {
        g[d.sample][d.seed_index] = v[key];
    }
    g.iter().flatten().all(|v| v.is_finite()).then_some(g)
}

#[derive(Default)]
struct Rows {
    scenario: Vec<String>,
    kpi: Vec<String>,
    year: Vec<Option<i32>>,
    input: Vec<Option<String>>,
    index: Vec<&'static str>,
    value: Vec<f64>,
    lo: Vec<Option<f64>>,
    hi: Vec<Option<f64>>,
}

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        scenario: &str,
        kpi: &Key,
        input: Option<&str>,
        index: &'static str,
        value: f64,
        ci: Option<(f64, f64)>,
    ) {
        self.scenario.push(scenario.to_string());
        self.kpi.push(kpi.kpi.clone());
        self.year.push(kpi.year);
        self.input.push(input.map(String::from));
        self.index.push(index);
        self.value.push(value);
        self.lo.push(ci.map(|c| c.0));
        self.hi.push(ci.map(|c| c.1));
    }
}

/// `sensitivity.parquet` and the printed ranking. Per scenario (not those attribution
/// adds) and KPI: each sample's output is its mean over the seeds; the design's estimator
/// gives per input S1 and ST (Saltelli), mu, mu* and sigma (Morris), or Spearman's rho
/// (Latin hypercube); `seed_share` is the share of the KPI's variance over all runs that
/// the seeds cause. KPIs missing from some run, or equal in every run, get no rows.
pub fn sensitivity(
    exp: &Experiment,
    done: &[Done],
    t: &KpiTable,
    report_year: Option<i32>,
) -> PolarsResult<(DataFrame, String)> {
    let u = exp
        .uncertainty
        .as_ref()
        .expect("called for sampled experiments");
    let (samples, seeds) = (u.samples(), exp.seeds.len());
    let d = u.inputs.len();
    let mut rows = Rows::default();
    let mut ranking = String::new();
    for (s, sc) in exp.scenarios.iter().enumerate() {
        if sc.subset_of.is_some() {
            continue;
        }
        for (ki, k) in t.keys.iter().enumerate() {
            let Some(g) = grid_of(done, t, ki, s, samples, seeds) else {
                continue;
            };
            // A KPI that no input or seed moves (e.g. the hub's output before it opens)
            // has no indices to give.
            if g.iter().flatten().all(|&v| v == g[0][0]) {
                continue;
            }
            let ybar: Vec<f64> = g
                .iter()
                .map(|r| r.iter().sum::<f64>() / seeds as f64)
                .collect();
            let label = match k.year {
                None => k.kpi.clone(),
                Some(y) => format!("{} {y}", k.kpi),
            };
            let mut rng = stream(&StreamKey {
                seed: exp.seeds[0],
                replication: 0,
                entity: &label,
                purpose: "sensitivity bootstrap",
            });
            let mut ranked: Vec<(f64, String)> = Vec::new();
            match u.design {
                Design::Saltelli => {
                    if let Some(ix) = sobol_indices(&ybar, d, RESAMPLES, 0.95, &mut rng) {
                        for (input, x) in u.inputs.iter().zip(ix) {
                            let n = Some(input.name.as_str());
                            rows.push(
                                &sc.name,
                                k,
                                n,
                                "S1",
                                x.s1,
                                Some((x.s1 - x.s1_conf, x.s1 + x.s1_conf)),
                            );
                            rows.push(
                                &sc.name,
                                k,
                                n,
                                "ST",
                                x.st,
                                Some((x.st - x.st_conf, x.st + x.st_conf)),
                            );
                            ranked.push((
                                x.st,
                                format!(
                                    "{} ST {:.2} [{:.2}, {:.2}], S1 {:.2}",
                                    input.name,
                                    x.st,
                                    x.st - x.st_conf,
                                    x.st + x.st_conf,
                                    x.s1
                                ),
                            ));
                        }
                    }
                }
                Design::Morris { levels } => {
                    if let Some(ix) = morris_indices(
                        &u.unit.rows,
                        &ybar,
                        morris_delta(levels),
                        RESAMPLES,
                        0.95,
                        &mut rng,
                    ) {
                        for (input, x) in u.inputs.iter().zip(ix) {
                            let n = Some(input.name.as_str());
                            rows.push(&sc.name, k, n, "mu", x.mu, None);
                            let ci = (x.mu_star - x.mu_star_conf, x.mu_star + x.mu_star_conf);
                            rows.push(&sc.name, k, n, "mu_star", x.mu_star, Some(ci));
                            rows.push(&sc.name, k, n, "sigma", x.sigma, None);
                            ranked.push((
                                x.mu_star,
                                format!(
                                    "{} mu* {:.4} (+- {:.4}), sigma {:.4}",
                                    input.name, x.mu_star, x.mu_star_conf, x.sigma
                                ),
                            ));
                        }
                    }
                }
                Design::LatinHypercube => {
                    if let Some(ix) = rank_correlations(&u.unit.rows, &ybar, 0.95) {
                        for (input, (rho, lo, hi)) in u.inputs.iter().zip(ix) {
                            let n = Some(input.name.as_str());
                            rows.push(&sc.name, k, n, "spearman_rho", rho, Some((lo, hi)));
                            ranked.push((
                                rho.abs(),
                                format!("{} rho {rho:+.2} [{lo:+.2}, {hi:+.2}]", input.name),
                            ));
                        }
                    }
                }
            }
            let share = seed_share(&g);
            if let Some(share) = share {
                rows.push(&sc.name, k, None, "seed_share", share, None);
            }
            let headline =
                HEADLINE.contains(&k.kpi.as_str()) && (k.year.is_none() || k.year == report_year);
            // Where the seeds cause most of a KPI's variance, the sampled inputs move it less
            // than the noise does, and their estimates are noise too: say so, do not rank.
            let noise = share.filter(|&s| s >= NOISE_SHARE);
            if headline && !ranked.is_empty() && noise.is_some() {
                ranking.push_str(&format!(
                    "  {label} ({}): the seeds cause {:.1} % of its variance, the sampled inputs less than the noise: not ranked (indices in sensitivity.parquet)\n",
                    sc.name,
                    100.0 * noise.unwrap_or(0.0)
                ));
            } else if headline && !ranked.is_empty() {
                ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
                ranking.push_str(&format!("  {label} ({}):\n", sc.name));
                for (i, (_, line)) in ranked.iter().enumerate() {
                    ranking.push_str(&format!("    {}. {line}\n", i + 1));
                }
                if let Some(share) = share {
                    ranking.push_str(&format!(
                        "    seeds: {:.1} % of the variance\n",
                        100.0 * share
                    ));
                }
            }
        }
    }
    let n = rows.scenario.len();
    let df = DataFrame::new(
        n,
        vec![
            Column::new("scenario".into(), rows.scenario),
            Column::new("kpi".into(), rows.kpi),
            Column::new("year".into(), rows.year),
            Column::new("input".into(), rows.input),
            Column::new("index".into(), rows.index),
            Column::new("value".into(), rows.value),
            Column::new("ci95_low".into(), rows.lo),
            Column::new("ci95_high".into(), rows.hi),
        ],
    )?;
    Ok((df, ranking))
}

/// `attribution.parquet`, when a scenario has `attribution: shapley`: per such scenario,
/// KPI and shock, the shock's Shapley share of the scenario's paired difference against
/// the baseline (mean over pairs with a 95 % t interval), its effect alone, the combined
/// difference and that of the scenario without its shocks (0 when it is the baseline's
/// model): the shares add up to `combined_diff - none_diff`. Pairs are runs of the same
/// sample and seed.
pub fn attribution(
    exp: &Experiment,
    done: &[Done],
    t: &KpiTable,
) -> PolarsResult<Option<DataFrame>> {
    let parents: Vec<usize> = (0..exp.scenarios.len())
        .filter(|&s| !exp.scenarios[s].shocks.is_empty())
        .collect();
    if parents.is_empty() {
        return Ok(None);
    }
    let pairs = exp.samples() * exp.seeds.len();
    let slot = |d: &Done| d.sample * exp.seeds.len() + d.seed_index;
    let mut at: Vec<Vec<Option<&[f64]>>> = vec![vec![None; pairs]; exp.scenarios.len()];
    for (d, v) in done.iter().zip(&t.values) {
        at[d.scenario][slot(d)] = Some(v.as_slice());
    }
    let value = |v: Option<&[f64]>, k: usize| v.map(|v| v[k]).filter(|x| x.is_finite());
    let (mut scen, mut kpi, mut year, mut shock) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut share, mut lo, mut hi, mut alone, mut combined, mut none, mut npairs) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for &p in &parents {
        let k = exp.scenarios[p].shocks.len();
        let full = (1u32 << k) - 1;
        // Scenario of each subset mask.
        let mut of_mask = vec![p; 1 << k];
        for (s, sc) in exp.scenarios.iter().enumerate() {
            if let Some((parent, mask)) = sc.subset_of
                && parent == p
            {
                of_mask[mask as usize] = s;
            }
        }
        debug_assert_eq!(of_mask[full as usize], p);
        for (ki, key) in t.keys.iter().enumerate() {
            // Per pair: v[mask] = KPI(subset) - KPI(baseline).
            let mut phis: Vec<Vec<f64>> = vec![Vec::new(); k];
            let mut oats: Vec<Vec<f64>> = vec![Vec::new(); k];
            let (mut comb, mut empty) = (Vec::new(), Vec::new());
            for (j, &base) in at[exp.baseline].iter().enumerate() {
                let Some(b) = value(base, ki) else {
                    continue;
                };
                let v: Option<Vec<f64>> = of_mask
                    .iter()
                    .map(|&s| value(at[s][j], ki).map(|x| x - b))
                    .collect();
                let Some(v) = v else { continue };
                let phi = shapley(&v).expect("2^k values, k checked at load");
                for (i, x) in phi.into_iter().enumerate() {
                    phis[i].push(x);
                }
                for (i, x) in one_at_a_time(&v).into_iter().enumerate() {
                    oats[i].push(x);
                }
                comb.push(v[full as usize]);
                empty.push(v[0]);
            }
            if comb.is_empty() {
                continue;
            }
            let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
            for i in 0..k {
                let (m, _, half) = mean_ci(&phis[i]);
                scen.push(exp.scenarios[p].name.clone());
                kpi.push(key.kpi.clone());
                year.push(key.year);
                shock.push(exp.scenarios[p].shocks[i].clone());
                share.push(m);
                lo.push(half.map(|h| m - h));
                hi.push(half.map(|h| m + h));
                alone.push(mean(&oats[i]));
                combined.push(mean(&comb));
                none.push(mean(&empty));
                npairs.push(comb.len() as u32);
            }
        }
    }
    let n = scen.len();
    DataFrame::new(
        n,
        vec![
            Column::new("scenario".into(), scen),
            Column::new("kpi".into(), kpi),
            Column::new("year".into(), year),
            Column::new("shock".into(), shock),
            Column::new("share".into(), share),
            Column::new("share_ci95_low".into(), lo),
            Column::new("share_ci95_high".into(), hi),
            Column::new("one_at_a_time".into(), alone),
            Column::new("combined_diff".into(), combined),
            Column::new("none_diff".into(), none),
            Column::new("pairs".into(), npairs),
        ],
    )
    .map(Some)
}
