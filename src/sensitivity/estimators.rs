//! Sensitivity estimators: pure functions of a design's outputs (and, for Morris, its
//! inputs). The formulas are SALib's, so the peer test can compare the two on the same
//! matrices (`tests/peer/salib_peer.py`).

use rand::RngExt as _;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::kernel::rng::Rng;

/// First-order and total Sobol' indices of one input, with the half-widths of their
/// bootstrap confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    pub s1: f64,
    pub s1_conf: f64,
    pub st: f64,
    pub st_conf: f64,
}

/// Morris screening measures of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect (Campolongo, Cariboni and Saltelli 2007).
    pub mu_star: f64,
    /// Standard deviation of the elementary effects (n - 1 denominator): interactions
    /// and non-linearity.
    pub sigma: f64,
    /// Half-width of the bootstrap confidence interval of `mu_star`.
    pub mu_star_conf: f64,
}

/// The standard normal quantile for a two-sided interval at `level` (1.96 at 0.95).
fn z(level: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(f64::NAN, |n| n.inverse_cdf(0.5 + level / 2.0))
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Sample standard deviation (n - 1 denominator).
fn sd(xs: &[f64]) -> f64 {
    let m = mean(xs.iter().copied());
    let n = xs.len();
    if n < 2 {
        return f64::NAN;
    }
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
}

/// The outputs of a Saltelli design split into its parts: f(A), f(B) and f(AB_i), one
/// value per base point.
struct Parts<'a> {
    y: &'a [f64],
    d: usize,
}

impl Parts<'_> {
    fn a(&self, j: usize) -> f64 {
        self.y[j * (self.d + 2)]
    }
    fn b(&self, j: usize) -> f64 {
        self.y[j * (self.d + 2) + self.d + 1]
    }
    fn ab(&self, j: usize, i: usize) -> f64 {
        self.y[j * (self.d + 2) + 1 + i]
    }

    /// (S_i, ST_i) of every input over the base points `idx` (a bootstrap resample, or
    /// all of them): S_i = mean(f(B) (f(AB_i) - f(A))) / V (Saltelli et al. 2010, table
    /// 2 (b)); ST_i = mean((f(A) - f(AB_i))^2) / 2V (Jansen 1999; Saltelli et al. 2010 (f));
    /// V the population variance of f(A) and f(B) together (as SALib), computed once.
    fn indices(&self, idx: &[usize]) -> Vec<(f64, f64)> {
        let ys = idx.iter().flat_map(|&j| [self.a(j), self.b(j)]);
        let m = mean(ys.clone());
        let var = mean(ys.map(|y| (y - m).powi(2)));
        if var.is_nan() || var <= f64::EPSILON {
            return vec![(0.0, 0.0); self.d];
        }
        (0..self.d)
            .map(|i| {
                let s1 = mean(idx.iter().map(|&j| self.b(j) * (self.ab(j, i) - self.a(j)))) / var;
                let st = 0.5 * mean(idx.iter().map(|&j| (self.a(j) - self.ab(j, i)).powi(2))) / var;
                (s1, st)
            })
            .collect()
    }
}

/// First-order and total indices of each of `d` inputs from the outputs `y` of a Saltelli
/// design (`n (d + 2)` values in `design::saltelli`'s row order), with bootstrap intervals
/// from `resamples` resamples of the base points at confidence `level` (SALib's form:
/// z times the bootstrap standard deviation). `None` if `y` is not whole blocks; all zeros
/// if `y` is constant.
pub fn sobol_indices(
    y: &[f64],
    d: usize,
    resamples: usize,
    level: f64,
    rng: &mut Rng,
) -> Option<Vec<SobolIndex>> {
    let block = d + 2;
    if d == 0 || y.is_empty() || y.len() % block != 0 {
        return None;
    }
    let n = y.len() / block;
    // Centred and scaled over the whole design first, as SALib does: the first-order
    // estimator is biased for outputs far from zero mean (Saltelli et al. 2010, sec. 3).
    let m = mean(y.iter().copied());
    let s = mean(y.iter().map(|v| (v - m).powi(2))).sqrt();
    if s.is_nan() || s <= f64::EPSILON {
        let zero = SobolIndex {
            s1: 0.0,
            s1_conf: 0.0,
            st: 0.0,
            st_conf: 0.0,
        };
        return Some(vec![zero; d]);
    }
    let y: Vec<f64> = y.iter().map(|v| (v - m) / s).collect();
    let parts = Parts { y: &y, d };
    let all: Vec<usize> = (0..n).collect();
    let zq = z(level);
    // One set of resamples for every input, drawn in a fixed order.
    let boots: Vec<Vec<usize>> = (0..resamples)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect();
    let point = parts.indices(&all);
    let boot: Vec<Vec<(f64, f64)>> = boots.iter().map(|idx| parts.indices(idx)).collect();
    Some(
        point
            .into_iter()
            .enumerate()
            .map(|(i, (s1, st))| {
                let (b1, bt): (Vec<f64>, Vec<f64>) = boot.iter().map(|b| b[i]).unzip();
                SobolIndex {
                    s1,
                    s1_conf: zq * sd(&b1),
                    st,
                    st_conf: zq * sd(&bt),
                }
            })
            .collect(),
    )
}

/// Morris measures of each input from `r` trajectories (`x`: the design's unit-cube rows,
/// `d + 1` per trajectory; `y`: one output per row), with grid step `delta`. The
/// elementary effect of the input that changes between two rows is
/// `(y_after - y_before) / delta` when it stepped up and the opposite when it stepped
/// down, i.e. always `(f(x + delta e_i) - f(x)) / delta`. `None` when the shapes do not
/// match or a step changes other than one input.
pub fn morris_indices(
    x: &[Vec<f64>],
    y: &[f64],
    delta: f64,
    resamples: usize,
    level: f64,
    rng: &mut Rng,
) -> Option<Vec<MorrisIndex>> {
    let d = x.first()?.len();
    if d == 0 || x.len() != y.len() || x.len() % (d + 1) != 0 {
        return None;
    }
    let mut ee = vec![Vec::new(); d];
    for (xt, yt) in x.chunks(d + 1).zip(y.chunks(d + 1)) {
        for k in 0..d {
            let (x0, x1) = (&xt[k], &xt[k + 1]);
            let mut changed = (0..d).filter(|&j| x0[j] != x1[j]);
            let i = changed.next()?;
            if changed.next().is_some() {
                return None;
            }
            let dy = yt[k + 1] - yt[k];
            ee[i].push(if x1[i] > x0[i] { dy } else { -dy } / delta);
        }
    }
    let zq = z(level);
    Some(
        ee.iter()
            .map(|e| {
                let n = e.len();
                let abs: Vec<f64> = e.iter().map(|v| v.abs()).collect();
                let boot: Vec<f64> = (0..resamples)
                    .map(|_| mean((0..n).map(|_| abs[rng.random_range(0..n)])))
                    .collect();
                MorrisIndex {
                    mu: mean(e.iter().copied()),
                    mu_star: mean(abs.iter().copied()),
                    sigma: sd(e),
                    mu_star_conf: zq * sd(&boot),
                }
            })
            .collect(),
    )
}

/// The share of an output's variance due to the random seed, from `y[sample][seed]`
/// (every sample run with the same seeds): the mean within-sample variance over the total
/// variance of all runs (law of total variance; both in population form, so with equal
/// seeds per sample the within and between parts add up exactly, and a model with no seed
/// noise gives exactly 0). `None` with fewer than two seeds or no variance.
pub fn seed_share(y: &[Vec<f64>]) -> Option<f64> {
    let r = y.first()?.len();
    if r < 2 || y.iter().any(|s| s.len() != r) {
        return None;
    }
    let all: Vec<f64> = y.iter().flatten().copied().collect();
    let m = mean(all.iter().copied());
    let total = mean(all.iter().map(|v| (v - m).powi(2)));
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let within = mean(y.iter().map(|s| {
        let ms = mean(s.iter().copied());
        mean(s.iter().map(|v| (v - ms).powi(2)))
    }));
    Some((within / total).clamp(0.0, 1.0))
}

/// Mean ranks (1-based; ties share the mean of their ranks).
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let mean_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = mean_rank;
        }
        i = j + 1;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a.iter().copied()), mean(b.iter().copied()));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va > 0.0 && vb > 0.0 {
        cov / (va * vb).sqrt()
    } else {
        0.0
    }
}

/// Spearman's rank correlation of each input (a column of `x`) with the output `y`, for a
/// Latin hypercube (or any random) design, with its confidence interval at `level` from
/// Fisher's z with sd 1.06 / sqrt(n - 3) (Fieller, Hartley and Pearson 1957): (rho, low,
/// high). `None` with fewer than 4 points or mismatched shapes.
pub fn rank_correlations(x: &[Vec<f64>], y: &[f64], level: f64) -> Option<Vec<(f64, f64, f64)>> {
    let n = y.len();
    let d = x.first()?.len();
    if n < 4 || x.len() != n || x.iter().any(|r| r.len() != d) {
        return None;
    }
    let ry = ranks(y);
    let half = z(level) * 1.06 / ((n - 3) as f64).sqrt();
    Some(
        (0..d)
            .map(|j| {
                let col: Vec<f64> = x.iter().map(|r| r[j]).collect();
                let rho = pearson(&ranks(&col), &ry);
                let zr = rho.clamp(-0.999_999_999, 0.999_999_999).atanh();
                (rho, (zr - half).tanh(), (zr + half).tanh())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rng::{StreamKey, stream};
    use crate::sensitivity::design::{morris, morris_delta, saltelli};
    use std::f64::consts::PI;

    fn rng() -> Rng {
        stream(&StreamKey {
            seed: 1,
            replication: 0,
            entity: "estimators",
            purpose: "test",
        })
    }

    /// Runs `f` on a Saltelli design of 2^13 base points (skipping as many, as Saltelli
    /// et al. 2010 and SALib advise) and returns the indices.
    fn sobol_of(d: usize, f: impl Fn(&[f64]) -> f64) -> Vec<SobolIndex> {
        let n = 1 << 13;
        let m = saltelli(n, d, n as u64).unwrap();
        let y: Vec<f64> = m.rows.iter().map(|x| f(x)).collect();
        sobol_indices(&y, d, 100, 0.95, &mut rng()).unwrap()
    }

    #[test]
    fn linear_model_indices_are_the_squared_coefficient_shares() {
        // Y = 1 X1 + 2 X2 + 3 X3, X_i ~ U(0,1) independent: V_i = a_i^2 / 12, no interactions,
        // so S_i = ST_i = a_i^2 / sum a^2 = 1/14, 4/14, 9/14 = 0.0714, 0.2857, 0.6429.
        let s = sobol_of(3, |x| x[0] + 2.0 * x[1] + 3.0 * x[2]);
        for (i, want) in [1.0 / 14.0, 4.0 / 14.0, 9.0 / 14.0].into_iter().enumerate() {
            assert!((s[i].s1 - want).abs() < 0.01, "S{i} {} vs {want}", s[i].s1);
            assert!((s[i].st - want).abs() < 0.01, "ST{i} {} vs {want}", s[i].st);
            // The bootstrap treats the quasi-random points as random, so its interval is
            // wider than the error above (S1 of x3: 0.0806 at 2^13 points).
            assert!(s[i].s1_conf > 0.0 && s[i].s1_conf < 0.15, "{:?}", s[i]);
        }
    }

    #[test]
    fn ishigami_indices_match_the_closed_form() {
        // Ishigami and Homma (1990), a = 7, b = 0.1, X_i ~ U(-pi, pi):
        // V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.8446;
        // V1 = b pi^4/5 + b^2 pi^8/50 + 1/2 = 4.3459, V2 = a^2/8 = 6.125, V3 = 0,
        // V13 = b^2 pi^8 (1/18 - 1/50) = 3.3737.
        // S = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
        let (a, b) = (7.0, 0.1);
        let s = sobol_of(3, |x| {
            let x: Vec<f64> = x.iter().map(|u| -PI + 2.0 * PI * u).collect();
            x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
        });
        let v = a * a / 8.0 + b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 18.0 + 0.5;
        let v1 = b * PI.powi(4) / 5.0 + b * b * PI.powi(8) / 50.0 + 0.5;
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let want_s = [v1 / v, v2 / v, 0.0];
        let want_t = [(v1 + v13) / v, v2 / v, v13 / v];
        assert!((want_s[0] - 0.3139).abs() < 1e-4 && (want_t[2] - 0.2437).abs() < 1e-4);
        for i in 0..3 {
            // Tolerance 0.02: the Saltelli estimator's error at 2^13 base points is ~0.01.
            assert!(
                (s[i].s1 - want_s[i]).abs() < 0.02,
                "S{i} {} vs {}",
                s[i].s1,
                want_s[i]
            );
            assert!(
                (s[i].st - want_t[i]).abs() < 0.02,
                "ST{i} {} vs {}",
                s[i].st,
                want_t[i]
            );
        }
    }

    #[test]
    fn g_function_indices_match_the_closed_form() {
        // Sobol' g-function, a = (0, 1, 4.5, 9, 99): V_i = 1 / (3 (1 + a_i)^2),
        // V = prod(1 + V_i) - 1, S_i = V_i / V, ST_i = V_i prod_{j != i}(1 + V_j) / V.
        let a = [0.0, 1.0, 4.5, 9.0, 99.0];
        let s = sobol_of(a.len(), |x| {
            x.iter()
                .zip(&a)
                .map(|(x, a)| ((4.0 * x - 2.0).abs() + a) / (1.0 + a))
                .product()
        });
        let vi: Vec<f64> = a
            .iter()
            .map(|a| 1.0 / (3.0 * (1.0 + a) * (1.0 + a)))
            .collect();
        let v = vi.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
        for i in 0..a.len() {
            let others: f64 = (0..a.len())
                .filter(|&j| j != i)
                .map(|j| 1.0 + vi[j])
                .product();
            let (ws, wt) = (vi[i] / v, vi[i] * others / v);
            assert!((s[i].s1 - ws).abs() < 0.02, "S{i} {} vs {ws}", s[i].s1);
            assert!((s[i].st - wt).abs() < 0.02, "ST{i} {} vs {wt}", s[i].st);
        }
        // The first input (a = 0) dominates: S1 = 0.7165 by the formula above.
        assert!(s[0].s1 > 0.65);
    }

    #[test]
    fn a_constant_output_has_zero_indices() {
        let s = sobol_of(2, |_| 5.0);
        assert!(s.iter().all(|x| x.s1 == 0.0 && x.st == 0.0));
    }

    #[test]
    fn ragged_outputs_are_refused() {
        assert!(sobol_indices(&[1.0; 7], 2, 10, 0.95, &mut rng()).is_none()); // 7 % 4 != 0
        assert!(sobol_indices(&[], 2, 10, 0.95, &mut rng()).is_none());
    }

    #[test]
    fn morris_on_a_linear_model_gives_the_coefficients() {
        // Y = 2 x1 - 3 x2 + 0 x3: every elementary effect of x_i is exactly a_i, so
        // mu = a, mu* = |a|, sigma = 0, and the bootstrap interval is 0.
        let (r, d, p) = (30, 3, 4);
        let m = morris(r, d, p, &mut rng());
        let y: Vec<f64> = m.rows.iter().map(|x| 2.0 * x[0] - 3.0 * x[1]).collect();
        let s = morris_indices(&m.rows, &y, morris_delta(p), 100, 0.95, &mut rng()).unwrap();
        for (i, a) in [2.0, -3.0, 0.0].into_iter().enumerate() {
            assert!((s[i].mu - a).abs() < 1e-9, "mu{i} {}", s[i].mu);
            assert!((s[i].mu_star - f64::abs(a)).abs() < 1e-9);
            assert!(s[i].sigma.abs() < 1e-9 && s[i].mu_star_conf.abs() < 1e-9);
        }
    }

    #[test]
    fn morris_sees_interaction_as_sigma() {
        // Y = x1 x2: the effect of x1 depends on x2, so sigma(x1) > 0; x3 is inert.
        let (r, d, p) = (40, 3, 4);
        let m = morris(r, d, p, &mut rng());
        let y: Vec<f64> = m.rows.iter().map(|x| x[0] * x[1]).collect();
        let s = morris_indices(&m.rows, &y, morris_delta(p), 100, 0.95, &mut rng()).unwrap();
        assert!(s[0].sigma > 0.1 && s[1].sigma > 0.1);
        assert_eq!(s[2].mu_star, 0.0);
    }

    #[test]
    fn rank_correlation_of_monotone_and_inert_inputs() {
        // y = exp(x1) - x2 on a Latin hypercube: monotone in x1 (increasing) and x2
        // (decreasing), but not linear; x3 is inert. Spearman's rho of a strictly monotone
        // one-input function is exactly +-1; with two inputs of comparable spread they share it.
        let m = crate::sensitivity::design::latin_hypercube(200, 3, &mut rng());
        let only: Vec<f64> = m.rows.iter().map(|x| x[0].exp()).collect();
        let r = rank_correlations(&m.rows, &only, 0.95).unwrap();
        assert!((r[0].0 - 1.0).abs() < 1e-12 && r[0].1 <= 1.0);
        assert!(
            r[1].0.abs() < 0.2 && r[1].1 < 0.0 && r[1].2 > 0.0,
            "{:?}",
            r[1]
        );
        let y: Vec<f64> = m.rows.iter().map(|x| x[0].exp() - x[1]).collect();
        let r = rank_correlations(&m.rows, &y, 0.95).unwrap();
        assert!(r[0].0 > 0.5 && r[1].0 < -0.4 && r[2].0.abs() < 0.2, "{r:?}");
        // Ties share their mean rank: ranks of [5, 1, 5, 3] are [3.5, 1, 3.5, 2].
        assert_eq!(ranks(&[5.0, 1.0, 5.0, 3.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn seed_share_splits_the_variance() {
        // Two samples x two seeds: y = [[0, 2], [10, 12]]. Overall mean 6, population
        // variance (36 + 16 + 16 + 36) / 4 = 26; within-sample variances 1 and 1 (population
        // form), mean 1: share 1/26.
        let share = seed_share(&[vec![0.0, 2.0], vec![10.0, 12.0]]).unwrap();
        assert!((share - 1.0 / 26.0).abs() < 1e-15);
        // No seed noise: exactly 0.
        assert_eq!(seed_share(&[vec![1.0, 1.0], vec![3.0, 3.0]]), Some(0.0));
        assert_eq!(seed_share(&[vec![1.0]]), None);
    }
}
