//! Running statistics: time-weighted levels (for utilisation and Little's L) and tallies.

use crate::kernel::SimTime;

/// A quantity that changes at events, with its integral over time.
#[derive(Debug, Clone, Default)]
pub struct Level {
    value: i64,
    since: SimTime,
    /// Integral of `value` dt since the start, in value-seconds.
    area: i128,
}

impl Level {
    /// A level at `value` from time 0.
    pub fn with_value(value: i64) -> Self {
        Level {
            value,
            since: 0,
            area: 0,
        }
    }

    pub fn value(&self) -> i64 {
        self.value
    }

    pub fn set(&mut self, now: SimTime, value: i64) {
        self.area += self.value as i128 * (now - self.since) as i128;
        self.since = now;
        self.value = value;
    }

    pub fn add(&mut self, now: SimTime, delta: i64) {
        let v = self.value + delta;
        self.set(now, v);
    }

    /// Integral up to `now`.
    pub fn area(&self, now: SimTime) -> i128 {
        self.area + self.value as i128 * (now - self.since) as i128
    }
}

/// Sum and count of observations, for means over an interval and over the run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub sum: f64,
    pub weight: f64,
}

impl Tally {
    pub fn add(&mut self, x: f64, w: f64) {
        self.sum += x * w;
        self.weight += w;
    }

    /// Adds observations given as their weighted sum and total weight.
    pub fn add_sum(&mut self, weighted_sum: f64, w: f64) {
        self.sum += weighted_sum;
        self.weight += w;
    }

    pub fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.sum / self.weight)
    }
}

/// Weighted quantile of (value, weight) samples; `q` in [0, 1].
pub fn weighted_quantile(samples: &mut [(f64, f64)], q: f64) -> Option<f64> {
    let total: f64 = samples.iter().map(|s| s.1).sum();
    if samples.is_empty() || total <= 0.0 {
        return None;
    }
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let target = q * total;
    let mut acc = 0.0;
    for &(v, w) in samples.iter() {
        acc += w;
        if acc >= target {
            return Some(v);
        }
    }
    samples.last().map(|s| s.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_integrates_a_step_function() {
        // 0 for 10 s, 2 for 5 s, 1 for 5 s: area = 0 + 10 + 5 = 15.
        let mut l = Level::default();
        l.set(10, 2);
        l.set(15, 1);
        assert_eq!(l.area(20), 15);
    }

    #[test]
    fn weighted_p95() {
        // Weights 90 on 1.0 and 10 on 5.0: the 95 % point lies in the heavier tail value 5.0,
        // while the 90 % point is still 1.0.
        let mut s = vec![(5.0, 10.0), (1.0, 90.0)];
        assert_eq!(weighted_quantile(&mut s, 0.95), Some(5.0));
        assert_eq!(weighted_quantile(&mut s, 0.90), Some(1.0));
    }
}
