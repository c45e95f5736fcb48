//! Shapley attribution of a combined scenario's effect to its shocks (Shapley 1953; for
//! scenario decomposition see e.g. Owen 2014, "Sobol' indices and Shapley value").
//!
//! With `k` shocks, `v(S)` is the effect (a KPI's paired difference against the baseline)
//! of the scenario made of the shocks in `S`, so `v(empty) = 0` and `v(all)` is the
//! combined scenario's effect. Shock `i`'s share is
//! `phi_i = sum over S not holding i of |S|! (k - |S| - 1)! / k! (v(S + i) - v(S))`,
//! and the shares add up to `v(all)` (efficiency).

/// The most shocks an attribution takes: 2^6 = 64 scenarios per seed.
pub const MAX_SHOCKS: usize = 6;

/// `n!` as a float (n <= 20 is exact).
fn factorial(n: usize) -> f64 {
    (1..=n).map(|i| i as f64).product()
}

/// Each shock's Shapley share from `v`, indexed by subset bit mask (bit `i` set: shock `i`
/// is in; `v[0]` is the baseline's own effect, normally 0). `None` unless
/// `v.len() == 2^k` for some `k` in 1..=MAX_SHOCKS.
pub fn shapley(v: &[f64]) -> Option<Vec<f64>> {
    let k = v.len().trailing_zeros() as usize;
    if !v.len().is_power_of_two() || k == 0 || k > MAX_SHOCKS {
        return None;
    }
    let kf = factorial(k);
    let weight: Vec<f64> = (0..k)
        .map(|s| factorial(s) * factorial(k - s - 1) / kf)
        .collect();
    Some(
        (0..k)
            .map(|i| {
                let bit = 1usize << i;
                (0..v.len())
                    .filter(|s| s & bit == 0)
                    .map(|s| weight[s.count_ones() as usize] * (v[s | bit] - v[s]))
                    .sum()
            })
            .collect(),
    )
}

/// The effect of each shock alone, `v({i}) - v(empty)`, beside which a share shows the
/// interactions: the two differ exactly when the shock's effect depends on the others.
pub fn one_at_a_time(v: &[f64]) -> Vec<f64> {
    let k = v.len().trailing_zeros() as usize;
    (0..k).map(|i| v[1 << i] - v[0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_effects_are_their_own_shares() {
        // v(S) = sum of a_i over S with a = (3, -1, 5): no interaction, phi = a.
        let a = [3.0, -1.0, 5.0];
        let v: Vec<f64> = (0..8usize)
            .map(|s| (0..3).filter(|i| s >> i & 1 == 1).map(|i| a[i]).sum())
            .collect();
        assert_eq!(shapley(&v).unwrap(), a.to_vec());
        assert_eq!(one_at_a_time(&v), a.to_vec());
    }

    #[test]
    fn an_interaction_is_split_evenly_and_shares_add_up() {
        // Two shocks, each alone 1, together 6: interaction 4, split 2/2, so phi = (3, 3);
        // worked by hand: phi_1 = 1/2 (v{1} - v{}) + 1/2 (v{1,2} - v{2}) = 1/2 + 5/2 = 3.
        let v = [0.0, 1.0, 1.0, 6.0];
        let phi = shapley(&v).unwrap();
        assert_eq!(phi, vec![3.0, 3.0]);
        assert_eq!(phi.iter().sum::<f64>(), v[3]);
        assert_eq!(one_at_a_time(&v), vec![1.0, 1.0]);
    }

    #[test]
    fn three_shock_shares_worked_by_hand() {
        // v: {}=0, {1}=1, {2}=2, {1,2}=4, {3}=0, {1,3}=1, {2,3}=3, {1,2,3}=6 (bit 0 = shock 1).
        // phi_1 = 1/3 (1-0) + 1/6 (4-2) + 1/6 (1-0) + 1/3 (6-3) = 1/3 + 1/3 + 1/6 + 1 = 11/6
        // phi_2 = 1/3 (2-0) + 1/6 (4-1) + 1/6 (3-0) + 1/3 (6-1) = 2/3 + 1/2 + 1/2 + 5/3 = 10/3
        // phi_3 = 1/3 (0-0) + 1/6 (1-1) + 1/6 (3-2) + 1/3 (6-4) = 0 + 0 + 1/6 + 2/3 = 5/6
        // and 11/6 + 20/6 + 5/6 = 36/6 = 6 = v(all).
        let v = [0.0, 1.0, 2.0, 4.0, 0.0, 1.0, 3.0, 6.0];
        let phi = shapley(&v).unwrap();
        for (got, want) in phi.iter().zip([11.0 / 6.0, 10.0 / 3.0, 5.0 / 6.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!((phi.iter().sum::<f64>() - 6.0).abs() < 1e-12);
    }

    #[test]
    fn efficiency_holds_for_six_shocks() {
        // Any v with v(empty) = 0: the shares add up to v(all) up to rounding.
        let v: Vec<f64> = (0..64u32)
            .map(|s| {
                if s == 0 {
                    0.0
                } else {
                    (s as f64).sin() * 10.0 + s.count_ones() as f64
                }
            })
            .collect();
        let phi = shapley(&v).unwrap();
        assert!((phi.iter().sum::<f64>() - v[63]).abs() < 1e-10);
    }

    #[test]
    fn sizes_that_are_not_a_power_of_two_or_too_many_shocks_are_refused() {
        assert!(shapley(&[0.0; 3]).is_none());
        assert!(shapley(&[0.0; 1]).is_none()); // k = 0
        assert!(shapley(&[0.0; 128]).is_none()); // k = 7 > MAX_SHOCKS
    }
}
