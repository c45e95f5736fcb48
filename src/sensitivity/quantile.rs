//! The quantile functions (inverse CDFs) that turn a design's unit-cube coordinate into an
//! uncertain input's value, for the model's own distribution forms. Unlike the kernel's
//! samplers these do not truncate at 0: an uncertain input may be a growth rate, and the
//! model's validation at the distribution's extremes decides what is allowed.

use statrs::distribution::{ContinuousCDF, Normal};

/// An uncertain input's distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantile {
    Uniform {
        lo: f64,
        hi: f64,
    },
    Triangular {
        lo: f64,
        mode: f64,
        hi: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// Given by the mean and sd of the variable itself, as in models.
    LogNormal {
        mean: f64,
        sd: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Values in ascending order with their probabilities (summing to 1).
    Discrete {
        values: Vec<f64>,
        probs: Vec<f64>,
    },
}

/// The probability levels at which an unbounded distribution's range is checked against
/// the model: 0.1 % and 99.9 %.
pub const TAIL: f64 = 0.001;

impl Quantile {
    /// Checks the parameters; the message says what to change.
    pub fn new_discrete(values: &[f64], weights: &[f64]) -> Result<Self, String> {
        if values.is_empty() || values.len() != weights.len() {
            return Err(format!(
                "discrete needs as many weights as values (found {} values, {} weights), at least one",
                values.len(),
                weights.len()
            ));
        }
        let total: f64 = weights.iter().sum();
        if !(total.is_finite() && total > 0.0) || weights.iter().any(|w| w.is_nan() || *w < 0.0) {
            return Err("discrete weights must be non-negative and add up to more than 0".into());
        }
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .copied()
            .zip(weights.iter().copied())
            .collect();
        if pairs.iter().any(|p| !p.0.is_finite()) {
            return Err("discrete values must be finite numbers".into());
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(Quantile::Discrete {
            values: pairs.iter().map(|p| p.0).collect(),
            probs: pairs.iter().map(|p| p.1 / total).collect(),
        })
    }

    /// Checks a continuous distribution's parameters.
    pub fn check(&self) -> Result<(), String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Quantile::Uniform { lo, hi } if !finite(&[lo, hi]) || lo >= hi => Err(format!(
                "uniform needs finite lo < hi, found [{lo}, {hi}] (a fixed value is not uncertain: leave the input out)"
            )),
            Quantile::Triangular { lo, mode, hi }
                if !finite(&[lo, mode, hi]) || lo >= hi || mode < lo || mode > hi =>
            {
                Err(format!(
                    "triangular needs finite lo <= mode <= hi with lo < hi, found [{lo}, {mode}, {hi}]"
                ))
            }
            Quantile::Normal { mean, sd } if !finite(&[mean, sd]) || sd <= 0.0 => Err(format!(
                "normal needs a finite mean and sd > 0, found mean {mean}, sd {sd}"
            )),
            Quantile::LogNormal { mean, sd }
                if !finite(&[mean, sd]) || mean <= 0.0 || sd <= 0.0 =>
            {
                Err(format!(
                    "lognormal needs mean > 0 and sd > 0, found mean {mean}, sd {sd}"
                ))
            }
            Quantile::Exponential { mean } if !(mean.is_finite() && mean > 0.0) => {
                Err(format!("exponential needs mean > 0, found {mean}"))
            }
            _ => Ok(()),
        }
    }

    /// The value at probability `u` in [0, 1] (clamped to [1e-12, 1 - 1e-12] for the
    /// unbounded forms, so a design's corner point stays finite).
    pub fn at(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let open = u.clamp(1e-12, 1.0 - 1e-12);
        let std_normal = || Normal::new(0.0, 1.0).map_or(f64::NAN, |n| n.inverse_cdf(open));
        match self {
            Quantile::Uniform { lo, hi } => lo + (hi - lo) * u,
            Quantile::Triangular { lo, mode, hi } => {
                let (a, c, b) = (*lo, *mode, *hi);
                let fc = (c - a) / (b - a);
                if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Quantile::Normal { mean, sd } => mean + sd * std_normal(),
            Quantile::LogNormal { mean, sd } => {
                // sigma^2 = ln(1 + sd^2 / mean^2), mu = ln(mean) - sigma^2 / 2.
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                (mean.ln() - s2 / 2.0 + s2.sqrt() * std_normal()).exp()
            }
            Quantile::Exponential { mean } => -mean * (1.0 - open).ln(),
            Quantile::Discrete { values, probs } => {
                let mut cum = 0.0;
                for (v, p) in values.iter().zip(probs) {
                    cum += p;
                    if u <= cum {
                        return *v;
                    }
                }
                *values.last().expect("checked non-empty")
            }
        }
    }

    /// The lowest and highest values the input can take, or its 0.1 % and 99.9 % quantiles
    /// where the distribution is unbounded: where the model is checked.
    pub fn range(&self) -> (f64, f64) {
        match self {
            Quantile::Uniform { lo, hi } | Quantile::Triangular { lo, hi, .. } => (*lo, *hi),
            Quantile::Discrete { values, .. } => (values[0], values[values.len() - 1]),
            Quantile::Exponential { .. } => (0.0, self.at(1.0 - TAIL)),
            Quantile::Normal { .. } | Quantile::LogNormal { .. } => {
                (self.at(TAIL), self.at(1.0 - TAIL))
            }
        }
    }

    /// Whether the range is the distribution's own (true) or its tail quantiles (false).
    pub fn bounded(&self) -> bool {
        matches!(
            self,
            Quantile::Uniform { .. } | Quantile::Triangular { .. } | Quantile::Discrete { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_closed_forms() {
        let u = Quantile::Uniform { lo: 0.2, hi: 0.65 };
        assert!((u.at(0.5) - 0.425).abs() < 1e-15); // 0.2 + 0.45 / 2
        let t = Quantile::Triangular {
            lo: 0.0,
            mode: 1.0,
            hi: 4.0,
        };
        // F(mode) = 1/4; at u = 1/4 the mode; at u = 1/16: sqrt(1/16 * 4 * 1) = 0.5;
        // at u = 1 - 9/48 = 0.8125: 4 - sqrt(0.1875 * 4 * 3) = 4 - 1.5 = 2.5.
        assert!((t.at(0.25) - 1.0).abs() < 1e-12);
        assert!((t.at(1.0 / 16.0) - 0.5).abs() < 1e-12);
        assert!((t.at(0.8125) - 2.5).abs() < 1e-12);
        let n = Quantile::Normal {
            mean: 10.0,
            sd: 2.0,
        };
        assert!((n.at(0.5) - 10.0).abs() < 1e-9);
        assert!((n.at(0.975) - (10.0 + 2.0 * 1.959_963_985)).abs() < 1e-6);
        // Log-normal with mean 1, sd 0.5: sigma^2 = ln 1.25, median exp(-sigma^2/2) = 1.25^-0.5.
        let l = Quantile::LogNormal { mean: 1.0, sd: 0.5 };
        assert!((l.at(0.5) - 1.25f64.powf(-0.5)).abs() < 1e-9);
        let e = Quantile::Exponential { mean: 2.0 };
        assert!((e.at(0.5) - 2.0 * 2f64.ln()).abs() < 1e-12); // median = mean ln 2
    }

    #[test]
    fn discrete_values_are_sorted_and_stepped() {
        let d = Quantile::new_discrete(&[3.0, 1.0, 2.0], &[1.0, 1.0, 2.0]).unwrap();
        // Sorted: 1 (p 1/4), 2 (p 1/2), 3 (p 1/4).
        assert_eq!(d.at(0.0), 1.0);
        assert_eq!(d.at(0.25), 1.0);
        assert_eq!(d.at(0.26), 2.0);
        assert_eq!(d.at(0.75), 2.0);
        assert_eq!(d.at(0.76), 3.0);
        assert_eq!(d.range(), (1.0, 3.0));
        assert!(Quantile::new_discrete(&[1.0], &[0.0]).is_err());
        assert!(Quantile::new_discrete(&[1.0, 2.0], &[1.0]).is_err());
    }

    #[test]
    fn ranges_are_bounds_or_tail_quantiles() {
        assert_eq!(Quantile::Uniform { lo: 1.0, hi: 2.0 }.range(), (1.0, 2.0));
        let (lo, hi) = Quantile::Normal { mean: 0.0, sd: 1.0 }.range();
        assert!((lo + 3.090_232).abs() < 1e-5 && (hi - 3.090_232).abs() < 1e-5); // z(0.999)
        assert!(Quantile::Uniform { lo: 1.0, hi: 1.0 }.check().is_err());
        assert!(
            Quantile::Triangular {
                lo: 0.0,
                mode: 2.0,
                hi: 1.0
            }
            .check()
            .is_err()
        );
        assert!(
            Quantile::LogNormal {
                mean: -1.0,
                sd: 1.0
            }
            .check()
            .is_err()
        );
    }
}
