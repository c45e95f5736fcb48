//! Experiments with uncertain inputs (`uncertain:` and `design:`) and Shapley attribution
//! (`attribution: shapley`), on a tiny market whose KPIs are known functions of the inputs,
//! so the indices and shares can be worked out by hand.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::common::{repo, run_in, stderr, stdout, tempdir};

/// One year of a market fed by regular scrap (deterministic: no seed moves any KPI).
/// Demand: sectors `a` 500 t/yr and `b` 1,000 t/yr; China supplies 300 t/yr.
const MODEL: &str = "name: tiny_market
calendar: {start: 2025-01-01, years: 1, record_every_days: 30}
elements: [Nd, Fe]
materials:
  scrap: {role: scrap, composition: {Nd: 30, Fe: 60}}
nodes:
  - {id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 150, lot_kg: 500, arrivals: regular}
  - id: us
    kind: market
    demand: [{sector: a, t_per_year: 500}, {sector: b, t_per_year: 1000}]
    imports: [{origin: china, t_per_year: 300}]
links:
  - {id: l, from: scrap, to: us, dispatch: immediate}
";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn batch(exp: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "batch",
        exp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_in(&repo(), &args)
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// The `index` value of `input` for `kpi` in sensitivity.parquet.
fn index(df: &DataFrame, kpi: &str, input: Option<&str>, index: &str) -> f64 {
    let col = |c: &str| df.column(c).unwrap().as_materialized_series().clone();
    let (k, i, x, v) = (col("kpi"), col("input"), col("index"), col("value"));
    (0..df.height())
        .find(|&r| {
            k.str().unwrap().get(r) == Some(kpi)
                && i.str().unwrap().get(r) == input
                && x.str().unwrap().get(r) == Some(index)
        })
        .and_then(|r| v.f64().unwrap().get(r))
        .unwrap_or_else(|| panic!("no {index} of {input:?} for {kpi} in {df}"))
}

#[test]
fn saltelli_indices_of_a_linear_kpi_are_its_variance_shares() {
    // demand_t over the year = d_a + d_b (365.25 days of daily demand), with
    // d_a ~ U(0, 1000) and d_b ~ U(0, 2000): Var = 1000^2/12 + 2000^2/12, so
    // S_a = ST_a = 1/5 = 0.2 and S_b = ST_b = 4/5 = 0.8 (no interaction). 32 base points
    // of the Sobol' sequence (skipping 32): the estimate is within 0.05.
    let dir = tempdir();
    let model = write(dir.path(), "m.yaml", MODEL);
    let exp = write(
        dir.path(),
        "e.yaml",
        &format!(
            "name: lin\nmodel: {}\nreplications: {{count: 2}}\nbaseline: base\nscenarios: [{{name: base}}]
uncertain:
  - {{name: d_a, path: nodes.us.demand.0.t_per_year, dist: {{uniform: [0, 1000]}}}}
  - {{name: d_b, path: nodes.us.demand.1.t_per_year, dist: {{uniform: [0, 2000]}}}}
design: {{saltelli: {{base_samples: 32}}}}\n",
            model.display()
        ),
    );
    let out = dir.path().join("out");
    let o = batch(&exp, &out, &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 32 x (2 + 2) = 128 samples x 2 seeds = 256 runs.
    assert!(
        stdout(&o).contains("256 runs in the grid"),
        "{}",
        stdout(&o)
    );
    let samples = read(&out.join("samples.parquet"));
    assert_eq!(samples.height(), 128);
    let s = read(&out.join("sensitivity.parquet"));
    for (input, want) in [("d_a", 0.2), ("d_b", 0.8)] {
        for ix in ["S1", "ST"] {
            let got = index(&s, "demand_t", Some(input), ix);
            assert!((got - want).abs() < 0.05, "{ix} {input}: {got} vs {want}");
        }
    }
    // Regular arrivals and no random draw in the market: the seeds explain nothing.
    assert_eq!(index(&s, "demand_t", None, "seed_share"), 0.0);
    // The printed ranking puts the wider input first.
    let text = stdout(&o);
    assert!(text.contains("inputs ranked per headline KPI"), "{text}");
    // Runs are keyed by sample in the hive layout.
    assert!(
        out.join("summary/scenario=base/sample=127/seed=2/part-0.parquet")
            .exists()
    );
}

#[test]
fn a_latin_hypercube_gives_rank_correlations_and_is_the_same_whatever_the_jobs_or_shards() {
    // recycled_supply_t rises with the scrap rate and nothing else (all scrap is sold:
    // demand 1,500 t/yr is far above it), so Spearman's rho of the rate is 1 and of the
    // demand input, whose rank order is unrelated, well below.
    let dir = tempdir();
    let model = write(dir.path(), "m.yaml", MODEL);
    let exp = write(
        dir.path(),
        "e.yaml",
        &format!(
            "name: lhs\nmodel: {}\nreplications: {{count: 2}}\nbaseline: base\nscenarios: [{{name: base}}]
uncertain:
  - {{name: scrap_rate, path: nodes.scrap.tonnes_per_year, dist: {{uniform: [100, 200]}}}}
  - {{name: d_a, path: nodes.us.demand.0.t_per_year, dist: {{triangular: [400, 500, 700]}}}}
design: {{latin_hypercube: {{samples: 12}}}}\n",
            model.display()
        ),
    );
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    assert!(batch(&exp, &one, &["--jobs", "1", "-q"]).status.success());
    assert!(batch(&exp, &two, &["--jobs", "2", "-q"]).status.success());
    for f in [
        "samples.parquet",
        "sensitivity.parquet",
        "summary.parquet",
        "comparison.parquet",
    ] {
        assert_eq!(
            fs::read(one.join(f)).unwrap(),
            fs::read(two.join(f)).unwrap(),
            "{f}"
        );
    }
    let s = read(&one.join("sensitivity.parquet"));
    assert_eq!(
        index(&s, "recycled_supply_t", Some("scrap_rate"), "spearman_rho"),
        1.0
    );
    assert!(index(&s, "recycled_supply_t", Some("d_a"), "spearman_rho").abs() < 0.9);
    // Every stratum of each input holds one sample: 12 strata of [100, 200].
    let rates = read(&one.join("samples.parquet"));
    let mut strata: Vec<i64> = rates
        .column("scrap_rate")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .map(|v| ((v - 100.0) / (100.0 / 12.0)) as i64)
        .collect();
    strata.sort();
    assert_eq!(strata, (0..12).collect::<Vec<_>>());
}

#[test]
fn shapley_shares_split_an_interaction_evenly_and_add_up() {
    // Two overlapping shocks on sector b (1,000 t/yr): `set_demand` sets b's multiplier,
    // to 2 (shock A) or to 3 (shock B, applied second, so it wins when both run). Alone they
    // add 1,000 and 2,000 t of demand; together 2,000 t. Shapley:
    // phi_A = 1/2 (v{A} - v{}) + 1/2 (v{A,B} - v{B}) = 1/2 1,000 + 1/2 0 = 500;
    // phi_B = 1/2 (v{B} - v{}) + 1/2 (v{A,B} - v{A}) = 1/2 2,000 + 1/2 1,000 = 1,500;
    // they add up to 2,000, the combined difference; the one-at-a-time effects are
    // 1,000 and 2,000, so the overlap (-1,000) shows as shares below the effects alone.
    let dir = tempdir();
    let model = write(dir.path(), "m.yaml", MODEL);
    let s2 = write(
        dir.path(),
        "double_b.rhai",
        "set_demand(\"b\", 2.0, \"2025-01-01\");\n",
    );
    let s3 = write(
        dir.path(),
        "triple_b.rhai",
        "set_demand(\"b\", 3.0, \"2025-01-01\");\n",
    );
    let exp = write(
        dir.path(),
        "e.yaml",
        &format!(
            "name: attr\nmodel: {}\nreplications: {{count: 3}}\nbaseline: base
scenarios:
  - {{name: base}}
  - {{name: both, scripts: [{}, {}], attribution: shapley}}\n",
            model.display(),
            s2.display(),
            s3.display()
        ),
    );
    let out = dir.path().join("out");
    let o = batch(&exp, &out, &["-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let a = read(&out.join("attribution.parquet"));
    // The whole-run rows (year null); yearly rows (2025) stand beside them.
    let mask = a.column("kpi").unwrap().str().unwrap().equal("demand_t")
        & a.column("year").unwrap().is_null();
    let rows = a.filter(&mask).unwrap();
    assert_eq!(rows.height(), 2, "{rows}");
    let f = |c: &str| -> Vec<f64> {
        rows.column(c)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    };
    let (share, alone, comb, none) = (
        f("share"),
        f("one_at_a_time"),
        f("combined_diff"),
        f("none_diff"),
    );
    // Demand is summed over 365 market days of 1/365.25 of a year: 365/365.25 of a year.
    let year = 365.0 / 365.25;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * b.abs().max(1.0);
    assert!(
        close(share[0], 500.0 * year) && close(share[1], 1500.0 * year),
        "{share:?}"
    );
    assert!(
        close(alone[0], 1000.0 * year) && close(alone[1], 2000.0 * year),
        "{alone:?}"
    );
    assert!(close(comb[0], 2000.0 * year) && none[0] == 0.0);
    assert!((share[0] + share[1] - (comb[0] - none[0])).abs() < 1e-9 * comb[0]);
    // The subsets ran as scenarios of their own, with the same seeds.
    assert!(
        out.join("summary/scenario=both__double_b/seed=3/part-0.parquet")
            .exists()
    );
    assert!(
        out.join("summary/scenario=both__none/seed=1/part-0.parquet")
            .exists()
    );
}

#[test]
fn bad_uncertain_blocks_are_listed_together_and_nothing_runs() {
    let dir = tempdir();
    let model = write(dir.path(), "m.yaml", MODEL);
    let scripts: Vec<String> = (0..7)
        .map(|i| {
            write(dir.path(), &format!("s{i}.rhai"), "note(\"x\");\n")
                .display()
                .to_string()
        })
        .collect();
    let exp = write(
        dir.path(),
        "e.yaml",
        &format!(
            "name: bad\nmodel: {}\nreplications: {{count: 2}}\nbaseline: base
scenarios:
  - {{name: base}}
  - {{name: many, scripts: [{}], attribution: shapley}}
uncertain:
  - {{path: nodes.scrap.tonnes_per_yeer, dist: {{uniform: [1, 2]}}}}
  - {{path: nodes.us.demand.0.t_per_year, dist: {{uniform: [-100, 100]}}}}
design: {{saltelli: {{base_samples: 4096}}}}\n",
            model.display(),
            scripts.join(", ")
        ),
    );
    let out = dir.path().join("out");
    let o = batch(&exp, &out, &["-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("did you mean `tonnes_per_year`"), "{e}");
    assert!(
        e.contains("uncertain[1].dist: at its lowest value (-100) the model is not valid"),
        "{e}"
    );
    assert!(e.contains("needs 1 to 6 scripts, found 7"), "{e}");
    assert!(!out.exists(), "nothing is written");
    // A design over the run limit needs --yes.
    let big = write(
        dir.path(),
        "big.yaml",
        &format!(
            "name: big\nmodel: {}\nreplications: {{count: 10}}\nbaseline: base\nscenarios: [{{name: base}}]
uncertain:
  - {{path: nodes.scrap.tonnes_per_year, dist: {{uniform: [100, 200]}}}}
design: {{latin_hypercube: {{samples: 600}}}}\n",
            model.display()
        ),
    );
    let o = batch(&big, &out, &["-q"]);
    assert_eq!(o.status.code(), Some(2));
    // 1 scenario x 600 samples x 10 seeds = 6,000 runs > 5,000.
    assert!(
        stderr(&o).contains(
            "needs 6000 runs (1 scenarios x 600 samples x 10 seeds), more than the limit of 5000"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("pass --yes"));
    assert!(!out.exists());
}

#[test]
fn a_kpi_the_seeds_move_more_than_the_inputs_is_not_ranked() {
    // Scrap arrives as a Poisson process (the seeds move recycled supply, 150 t/yr of 500 kg
    // lots: ~300 lots a year, a standard deviation of ~5.8 % between seeds), while the one
    // sampled input, demand of sector b, moves it not at all (the market takes all the scrap
    // whatever b wants): the seeds cause ~100 % of recycled supply's variance, and the
    // ranking says so instead of ranking noise. Shortfall (demand less supply) moves with b:
    // it is ranked.
    let dir = tempdir();
    let model = write(
        dir.path(),
        "m.yaml",
        &MODEL.replace("arrivals: regular", "arrivals: poisson"),
    );
    let exp = write(
        dir.path(),
        "e.yaml",
        &format!(
            "name: noise\nmodel: {}\nreplications: {{count: 3}}\nbaseline: base\nscenarios: [{{name: base}}]
uncertain:
  - {{name: d_b, path: nodes.us.demand.1.t_per_year, dist: {{uniform: [1000, 2000]}}}}
design: {{saltelli: {{base_samples: 8}}}}\n",
            model.display()
        ),
    );
    let out = dir.path().join("out");
    let o = batch(&exp, &out, &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("  recycled_supply_t (base): the seeds cause 100.0 % of its variance, the sampled inputs less than the noise: not ranked"),
        "{text}"
    );
    assert!(
        text.contains("  shortfall_t (base):\n    1. d_b ST"),
        "{text}"
    );
}
