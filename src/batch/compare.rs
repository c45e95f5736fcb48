//! `comparison.parquet`: per scenario and KPI, the mean, standard deviation and 95 %
//! confidence interval over seeds, and the paired difference against the baseline.
//!
//! Pairing: for one seed every scenario draws the same random numbers for the entities they
//! share (keyed streams), so `kpi(scenario, seed) - kpi(baseline, seed)` cancels most of
//! the noise both share, and its interval is much tighter than the two separate ones.

use polars::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::sim::Summary;

/// Reads one KPI from a run's summary (`None` where it does not apply).
pub type Kpi = fn(&Summary) -> Option<f64>;

/// The KPIs compared, by name.
pub fn kpis() -> Vec<(&'static str, Kpi)> {
    vec![
        ("drives_processed", |s| Some(s.drives_processed as f64)),
        ("magnets_t", |s| Some(s.magnets_t)),
        ("sintered_magnets_t", |s| Some(s.sintered_magnets_t)),
        ("oxides_t", |s| Some(s.oxides_t)),
        ("oxide_t_per_t_feed", |s| s.oxide_t_per_t_feed),
        ("lead_time_mean_days", |s| s.lead_time_mean_days),
        ("lead_time_p95_days", |s| s.lead_time_p95_days),
        ("recycled_supply_t", |s| Some(s.recycled_supply_t)),
        ("imports_t", |s| Some(s.imports_t)),
        ("domestic_share", |s| s.domestic_share),
        ("shortfall_t", |s| Some(s.shortfall_t)),
        ("shortfall_last_year_t", |s| Some(s.shortfall_last_year_t)),
        ("recycled_supply_last_year_t", |s| {
            Some(s.recycled_supply_last_year_t)
        }),
        ("transport_cost_usd", |s| Some(s.transport_cost_usd)),
        ("co2_t", |s| Some(s.co2_t)),
        ("hpms_ramped_output_t_per_year", |s| {
            s.hpms_ramped_output_t_per_year
        }),
        ("hpms_feed_gap_t_per_year", |s| s.hpms_feed_gap_t_per_year),
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

/// One row per (scenario, KPI), scenarios in listed order, KPIs in `kpis()` order.
pub fn comparison(
    names: &[&str],
    baseline: usize,
    runs: &[(usize, u64, &Summary)],
) -> PolarsResult<DataFrame> {
    let mut scenario = Vec::new();
    let mut kpi = Vec::new();
    let mut n = Vec::new();
    let mut mean = Vec::new();
    let mut sd = Vec::new();
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    let mut pairs = Vec::new();
    let mut d_mean = Vec::new();
    let mut d_sd = Vec::new();
    let mut d_lo = Vec::new();
    let mut d_hi = Vec::new();
    for (s, name) in names.iter().enumerate() {
        for (k, f) in kpis() {
            let vals: Vec<(u64, f64)> = runs
                .iter()
                .filter(|r| r.0 == s)
                .filter_map(|r| f(r.2).filter(|v| v.is_finite()).map(|v| (r.1, v)))
                .collect();
            let xs: Vec<f64> = vals.iter().map(|v| v.1).collect();
            let (m, sdev, half) = mean_ci(&xs);
            // Paired with the baseline's value at the same seed.
            let diffs: Vec<f64> = vals
                .iter()
                .filter_map(|&(seed, v)| {
                    runs.iter()
                        .find(|r| r.0 == baseline && r.1 == seed)
                        .and_then(|r| f(r.2))
                        .map(|b| v - b)
                })
                .collect();
            let (dm, dsd, dhalf) = mean_ci(&diffs);
            scenario.push(name.to_string());
            kpi.push(k);
            n.push(xs.len() as u32);
            mean.push((!xs.is_empty()).then_some(m));
            sd.push(sdev);
            lo.push(half.map(|h| m - h));
            hi.push(half.map(|h| m + h));
            pairs.push(diffs.len() as u32);
            d_mean.push((!diffs.is_empty()).then_some(dm));
            d_sd.push(dsd);
            d_lo.push(dhalf.map(|h| dm - h));
            d_hi.push(dhalf.map(|h| dm + h));
        }
    }
    DataFrame::new(
        scenario.len(),
        vec![
            Column::new("scenario".into(), scenario),
            Column::new("kpi".into(), kpi),
            Column::new("n".into(), n),
            Column::new("mean".into(), mean),
            Column::new("sd".into(), sd),
            Column::new("ci95_low".into(), lo),
            Column::new("ci95_high".into(), hi),
            Column::new("pairs".into(), pairs),
            Column::new("diff_mean".into(), d_mean),
            Column::new("diff_sd".into(), d_sd),
            Column::new("diff_ci95_low".into(), d_lo),
            Column::new("diff_ci95_high".into(), d_hi),
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
}
