//! `comparison.parquet`: per scenario and KPI, the mean, standard deviation and 95 %
//! confidence interval over seeds, and the paired difference against the baseline.
//!
//! Pairing: for one seed every scenario draws the same random numbers for the entities they
//! share (keyed streams), so `kpi(scenario, seed) - kpi(baseline, seed)` cancels most of
//! the noise both share, and its interval is much tighter than the two separate ones.

use std::collections::HashMap;

use polars::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::sim::{Summary, YearlyRow};

/// Reads one KPI from a run's summary (`None` where it does not apply).
pub type Kpi = fn(&Summary) -> Option<f64>;

/// The KPIs compared, by name.
pub fn kpis() -> Vec<(&'static str, Kpi)> {
    vec![
        ("drives_processed", |s| Some(s.drives_processed as f64)),
        ("demand_t", |s| Some(s.demand_t)),
        ("hpms_output_t", |s| Some(s.hpms_output_t)),
        ("sintered_magnets_t", |s| Some(s.sintered_magnets_t)),
        ("coproducts_t", |s| Some(s.coproducts_t)),
        ("oxides_t", |s| Some(s.oxides_t)),
        ("oxide_t_per_t_feed", |s| s.oxide_t_per_t_feed),
        ("lead_time_mean_days", |s| s.lead_time_mean_days),
        ("lead_time_p95_days", |s| s.lead_time_p95_days),
        ("recycled_supply_t", |s| Some(s.recycled_supply_t)),
        ("imports_t", |s| Some(s.imports_t)),
        ("domestic_share", |s| s.domestic_share),
        ("china_share", |s| s.china_share),
        ("shortfall_t", |s| Some(s.shortfall_t)),
        ("stock_draw_t", |s| Some(s.stock_draw_t)),
        ("stockpile_release_t", |s| Some(s.stockpile_release_t)),
        ("compliant_supply_t", |s| Some(s.compliant_supply_t)),
        ("compliant_share", |s| s.compliant_share),
        ("shortfall_last_year_t", |s| Some(s.shortfall_last_year_t)),
        ("recycled_supply_last_year_t", |s| {
            Some(s.recycled_supply_last_year_t)
        }),
        ("transport_cost_usd", |s| Some(s.transport_cost_usd)),
        ("co2_t", |s| Some(s.co2_t)),
        ("hpms_sintered_t_per_year", |s| s.hpms_sintered_t_per_year),
        ("hpms_coproducts_t_per_year", |s| {
            s.hpms_coproducts_t_per_year
        }),
        ("hpms_feed_t_per_year", |s| s.hpms_feed_t_per_year),
    ]
}

/// Mean, sample standard deviation and 95 % Student-t interval half-width of `xs`.
pub fn mean_ci(xs: &[f64]) -> (f64, Option<f64>, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None, None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
    (mean, Some(sd), Some(t * sd / (n as f64).sqrt()))
}

/// One completed run's KPIs: its scenario (index), seed, summary and yearly rows.
#[derive(Debug, Clone, Copy)]
pub struct RunKpis<'a> {
    pub scenario: usize,
    pub seed: u64,
    pub summary: &'a Summary,
    pub yearly: &'a [YearlyRow],
}

/// A yearly KPI's key: (year, sector, kpi).
type YearKey = (i32, String, String);

/// The columns of `comparison.parquet`, filled row by row.
#[derive(Default)]
struct Columns {
    scenario: Vec<String>,
    kpi: Vec<String>,
    year: Vec<Option<i32>>,
    sector: Vec<Option<String>>,
    n: Vec<u32>,
    mean: Vec<Option<f64>>,
    sd: Vec<Option<f64>>,
    lo: Vec<Option<f64>>,
    hi: Vec<Option<f64>>,
    pairs: Vec<u32>,
    d_mean: Vec<Option<f64>>,
    d_sd: Vec<Option<f64>>,
    d_lo: Vec<Option<f64>>,
    d_hi: Vec<Option<f64>>,
}

impl Columns {
    /// One row from a scenario's `(seed, value)` pairs and the baseline's value at a seed.
    fn push(
        &mut self,
        scenario: &str,
        kpi: &str,
        key: Option<(i32, &str)>,
        vals: &[(u64, f64)],
        baseline_at: impl Fn(u64) -> Option<f64>,
    ) {
        let xs: Vec<f64> = vals.iter().map(|v| v.1).collect();
        let (m, sdev, half) = mean_ci(&xs);
        // Paired with the baseline's value at the same seed.
        let diffs: Vec<f64> = vals
            .iter()
            .filter_map(|&(seed, v)| baseline_at(seed).map(|b| v - b))
            .collect();
        let (dm, dsd, dhalf) = mean_ci(&diffs);
        self.scenario.push(scenario.to_string());
        self.kpi.push(kpi.to_string());
        self.year.push(key.map(|k| k.0));
        self.sector.push(key.map(|k| k.1.to_string()));
        self.n.push(xs.len() as u32);
        self.mean.push((!xs.is_empty()).then_some(m));
        self.sd.push(sdev);
        self.lo.push(half.map(|h| m - h));
        self.hi.push(half.map(|h| m + h));
        self.pairs.push(diffs.len() as u32);
        self.d_mean.push((!diffs.is_empty()).then_some(dm));
        self.d_sd.push(dsd);
        self.d_lo.push(dhalf.map(|h| dm - h));
        self.d_hi.push(dhalf.map(|h| dm + h));
    }
}

/// Per scenario (in listed order): one row per whole-run KPI (`kpis()` order, `year` and
/// `sector` null), then one per yearly KPI (`yearly.parquet`'s keys in the order the runs
/// first give them: by year, sector, KPI).
pub fn comparison(names: &[&str], baseline: usize, runs: &[RunKpis]) -> PolarsResult<DataFrame> {
    let mut c = Columns::default();
    // The baseline's run at each seed (the first, should a seed repeat), found in one
    // look-up per pair: a scan per pair made the assembly quadratic in the run count.
    let mut at_seed: HashMap<u64, &RunKpis> = HashMap::new();
    for r in runs.iter().filter(|r| r.scenario == baseline) {
        at_seed.entry(r.seed).or_insert(r);
    }
    // Yearly keys in first-seen order, and each run's values by key index.
    let mut keys: Vec<YearKey> = Vec::new();
    let mut index: HashMap<YearKey, usize> = HashMap::new();
    let mut by_run: Vec<Vec<Option<f64>>> = Vec::with_capacity(runs.len());
    for r in runs {
        let mut v = vec![None; keys.len()];
        for row in r.yearly {
            let key = (row.year, row.sector.clone(), row.kpi.clone());
            let i = *index.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                keys.len() - 1
            });
            if v.len() <= i {
                v.resize(i + 1, None);
            }
            v[i] = Some(row.value).filter(|x| x.is_finite());
        }
        by_run.push(v);
    }
    let mut baseline_yearly: HashMap<u64, &[Option<f64>]> = HashMap::new();
    for (r, v) in runs.iter().zip(&by_run) {
        if r.scenario == baseline {
            baseline_yearly.entry(r.seed).or_insert(v);
        }
    }
    for (s, name) in names.iter().enumerate() {
        for (k, f) in kpis() {
            let vals: Vec<(u64, f64)> = runs
                .iter()
                .filter(|r| r.scenario == s)
                .filter_map(|r| f(r.summary).filter(|v| v.is_finite()).map(|v| (r.seed, v)))
                .collect();
            c.push(name, k, None, &vals, |seed| {
                at_seed.get(&seed).and_then(|b| f(b.summary))
            });
        }
        let mine: Vec<(u64, &Vec<Option<f64>>)> = runs
            .iter()
            .zip(&by_run)
            .filter(|(r, _)| r.scenario == s)
            .map(|(r, v)| (r.seed, v))
            .collect();
        for (i, (year, sector, kpi)) in keys.iter().enumerate() {
            let vals: Vec<(u64, f64)> = mine
                .iter()
                .filter_map(|(seed, v)| v.get(i).copied().flatten().map(|x| (*seed, x)))
                .collect();
            c.push(name, kpi, Some((*year, sector)), &vals, |seed| {
                baseline_yearly
                    .get(&seed)
                    .and_then(|v| v.get(i).copied().flatten())
            });
        }
    }
    DataFrame::new(
        c.scenario.len(),
        vec![
            Column::new("scenario".into(), c.scenario),
            Column::new("kpi".into(), c.kpi),
            Column::new("year".into(), c.year),
            Column::new("sector".into(), c.sector),
            Column::new("n".into(), c.n),
            Column::new("mean".into(), c.mean),
            Column::new("sd".into(), c.sd),
            Column::new("ci95_low".into(), c.lo),
            Column::new("ci95_high".into(), c.hi),
            Column::new("pairs".into(), c.pairs),
            Column::new("diff_mean".into(), c.d_mean),
            Column::new("diff_sd".into(), c.d_sd),
            Column::new("diff_ci95_low".into(), c.d_lo),
            Column::new("diff_ci95_high".into(), c.d_hi),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_matches_the_textbook() {
        // xs = 1..=5: mean 3, sample sd sqrt(2.5) = 1.5811; t(0.975, 4) = 2.7764;
        // half-width 2.7764 * 1.5811 / sqrt(5) = 1.9632.
        let (m, sd, half) = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(m, 3.0);
        assert!((sd.unwrap() - 1.581_138_8).abs() < 1e-6);
        assert!((half.unwrap() - 1.963_243).abs() < 1e-5, "{half:?}");
        assert_eq!(mean_ci(&[4.0]).2, None);
    }

    #[test]
    fn differences_pair_runs_of_the_same_seed() {
        let run = |co2_t| Summary {
            co2_t,
            ..Summary::default()
        };
        // Baseline co2 at seeds 1, 2, 3: 10, 20, 30; the option at seeds 3, 1 (in that
        // order; seed 2 failed): 33, 12. Differences 33 - 30 = 3 and 12 - 10 = 2: mean 2.5.
        let (b1, b2, b3, o3, o1) = (run(10.0), run(20.0), run(30.0), run(33.0), run(12.0));
        let run_of = |scenario, seed, summary| RunKpis {
            scenario,
            seed,
            summary,
            yearly: &[],
        };
        let runs = [
            run_of(0, 1, &b1),
            run_of(0, 2, &b2),
            run_of(0, 3, &b3),
            run_of(1, 3, &o3),
            run_of(1, 1, &o1),
        ];
        let df = comparison(&["base", "option"], 0, &runs).unwrap();
        let row = kpis().iter().position(|k| k.0 == "co2_t").unwrap() + kpis().len();
        let get = |c: &str| {
            df.column(c)
                .unwrap()
                .get(row)
                .unwrap()
                .try_extract::<f64>()
                .unwrap()
        };
        assert_eq!(get("pairs"), 2.0);
        assert_eq!(get("diff_mean"), 2.5);
        assert_eq!(get("mean"), 22.5);
    }

    #[test]
    fn yearly_kpis_pair_by_year_and_a_shift_in_time_shows_only_there() {
        let summary = Summary {
            recycled_supply_t: 10.0,
            ..Summary::default()
        };
        let row = |year, value| YearlyRow {
            year,
            sector: "all".into(),
            kpi: "recycled_supply_t".into(),
            value,
            unit: "t".into(),
        };
        // Baseline: 4 t in 2026 and 6 t in 2027 at both seeds; a delay moves 3 t of 2026's
        // supply into 2027 (1 t and 9 t), so the whole run is 10 t either way.
        let base = [row(2026, 4.0), row(2027, 6.0)];
        let late = [row(2026, 1.0), row(2027, 9.0)];
        let run = |scenario, seed, yearly| RunKpis {
            scenario,
            seed,
            summary: &summary,
            yearly,
        };
        let runs = [
            run(0, 1, &base[..]),
            run(0, 2, &base[..]),
            run(1, 1, &late[..]),
            run(1, 2, &late[..]),
        ];
        let df = comparison(&["base", "delay"], 0, &runs).unwrap();
        let n = kpis().len();
        // Per scenario: the whole-run KPIs, then 2026 and 2027.
        assert_eq!(df.height(), 2 * (n + 2));
        let get = |c: &str, i: usize| df.column(c).unwrap().get(i).unwrap();
        let whole = kpis()
            .iter()
            .position(|k| k.0 == "recycled_supply_t")
            .unwrap();
        // Whole run: 10 - 10 = 0 at both seeds; its year is null.
        let delay = n + 2;
        assert_eq!(
            get("diff_mean", delay + whole)
                .try_extract::<f64>()
                .unwrap(),
            0.0
        );
        assert!(get("year", delay + whole).is_null());
        // 2026: 1 - 4 = -3 at both seeds; 2027: 9 - 6 = +3.
        assert_eq!(get("year", delay + n).try_extract::<i32>().unwrap(), 2026);
        assert_eq!(
            get("diff_mean", delay + n).try_extract::<f64>().unwrap(),
            -3.0
        );
        assert_eq!(
            get("diff_mean", delay + n + 1)
                .try_extract::<f64>()
                .unwrap(),
            3.0
        );
        assert_eq!(get("pairs", delay + n + 1).try_extract::<u32>().unwrap(), 2);
    }
}
