//! Sample designs in the unit hypercube: Latin hypercube, Saltelli's (from a Sobol'
//! sequence) and Morris trajectories. Each is a pure function of its size, dimension and
//! (for the random ones) a seeded generator, so the same experiment file always gives the
//! same matrix.

use rand::RngExt as _;

use super::sobol_seq::{MAX_DIMS, Sobol};
use crate::kernel::rng::Rng;

/// Points in `[0, 1)^d`, one row per point.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub dims: usize,
    pub rows: Vec<Vec<f64>>,
}

/// Latin hypercube of `n` points in `d` dimensions (McKay, Beckman and Conover 1979): in
/// every dimension each of the `n` strata `[k/n, (k+1)/n)` holds exactly one point, placed
/// uniformly within it; the strata are paired across dimensions by independent random
/// permutations.
pub fn latin_hypercube(n: usize, d: usize, rng: &mut Rng) -> Matrix {
    let mut rows = vec![vec![0.0; d]; n];
    for j in 0..d {
        let mut strata: Vec<usize> = (0..n).collect();
        // Fisher-Yates, drawing from the design's own stream.
        for i in (1..n).rev() {
            let k = rng.random_range(0..=i);
            strata.swap(i, k);
        }
        for (row, &k) in rows.iter_mut().zip(&strata) {
            let u: f64 = rng.random();
            row[j] = (k as f64 + u) / n as f64;
        }
    }
    Matrix { dims: d, rows }
}

/// Rows per base point of a Saltelli design: A, AB_1 .. AB_d, B.
pub fn saltelli_block(d: usize) -> usize {
    d + 2
}

/// Saltelli's design (Saltelli 2002; Saltelli et al. 2010) for first-order and total
/// indices: base points from a `2d`-dimensional Sobol' sequence after skipping `skip`
/// points; for each, row A (its first `d` coordinates), rows AB_i (A with coordinate i
/// taken from B), then row B (its last `d` coordinates). `n (d + 2)` rows in all, in the
/// order of SALib's `sobol.sample(..., calc_second_order=False, scramble=False,
/// skip_values=skip)`. `None` when `2d` exceeds the direction-number table.
pub fn saltelli(n: usize, d: usize, skip: u64) -> Option<Matrix> {
    if d == 0 || 2 * d > MAX_DIMS {
        return None;
    }
    let mut seq = Sobol::new(2 * d)?;
    seq.skip(skip);
    let mut base = vec![0.0; 2 * d];
    let mut rows = Vec::with_capacity(n * saltelli_block(d));
    for _ in 0..n {
        seq.next_point(&mut base);
        let (a, b) = base.split_at(d);
        rows.push(a.to_vec());
        for i in 0..d {
            let mut ab = a.to_vec();
            ab[i] = b[i];
            rows.push(ab);
        }
        rows.push(b.to_vec());
    }
    Some(Matrix { dims: d, rows })
}

/// The largest number of inputs a Saltelli design can take.
pub const SALTELLI_MAX_INPUTS: usize = MAX_DIMS / 2;

/// The Morris step for `levels` grid levels: `levels / (2 (levels - 1))` (Morris 1991;
/// Saltelli et al. 2008, Global Sensitivity Analysis, ch. 3), e.g. 2/3 for 4 levels.
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `r` Morris trajectories on a grid of `levels` (even, at least 2) levels in `d`
/// dimensions: each starts at a random grid point and moves one input at a time, in a
/// random order, by +/- delta, so it has `d + 1` rows and every input changes exactly
/// once (Morris 1991, with the grid and step of Saltelli et al. 2008).
pub fn morris(r: usize, d: usize, levels: usize, rng: &mut Rng) -> Matrix {
    let delta = morris_delta(levels);
    let step = 1.0 / (levels as f64 - 1.0);
    // Base values x* on the grid {0, 1/(p-1), ..., 1 - delta}, so that x* + delta <= 1.
    let base_levels = levels / 2;
    let mut rows = Vec::with_capacity(r * (d + 1));
    for _ in 0..r {
        let mut x: Vec<f64> = (0..d)
            .map(|_| rng.random_range(0..base_levels) as f64 * step)
            .collect();
        let up: Vec<bool> = (0..d).map(|_| rng.random::<bool>()).collect();
        // An input that steps down starts a step up.
        for (xi, &u) in x.iter_mut().zip(&up) {
            if !u {
                *xi += delta;
            }
        }
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            let k = rng.random_range(0..=i);
            order.swap(i, k);
        }
        rows.push(x.clone());
        for &i in &order {
            x[i] += if up[i] { delta } else { -delta };
            rows.push(x.clone());
        }
    }
    Matrix { dims: d, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::rng::{StreamKey, stream};

    fn rng() -> Rng {
        stream(&StreamKey {
            seed: 7,
            replication: 0,
            entity: "design",
            purpose: "test",
        })
    }

    #[test]
    fn latin_hypercube_strata_hold_one_point_each() {
        let (n, d) = (50, 6);
        let m = latin_hypercube(n, d, &mut rng());
        assert_eq!(m.rows.len(), n);
        for j in 0..d {
            let mut count = vec![0; n];
            for row in &m.rows {
                assert!((0.0..1.0).contains(&row[j]));
                count[(row[j] * n as f64) as usize] += 1;
            }
            assert!(count.iter().all(|&c| c == 1), "dimension {j}: {count:?}");
        }
    }

    #[test]
    fn latin_hypercube_is_reproducible_and_seed_dependent() {
        assert_eq!(
            latin_hypercube(10, 3, &mut rng()),
            latin_hypercube(10, 3, &mut rng())
        );
        let mut other = stream(&StreamKey {
            seed: 8,
            replication: 0,
            entity: "design",
            purpose: "test",
        });
        assert_ne!(
            latin_hypercube(10, 3, &mut rng()),
            latin_hypercube(10, 3, &mut other)
        );
    }

    #[test]
    fn saltelli_rows_follow_the_published_construction() {
        let (n, d) = (8, 3);
        let m = saltelli(n, d, 8).unwrap();
        assert_eq!(m.rows.len(), n * (d + 2)); // 8 * 5 = 40 rows
        let mut seq = Sobol::new(2 * d).unwrap();
        seq.skip(8);
        let mut base = vec![0.0; 2 * d];
        for block in m.rows.chunks(d + 2) {
            seq.next_point(&mut base);
            let (a, b) = (&block[0], &block[d + 1]);
            assert_eq!(a.as_slice(), &base[..d]);
            assert_eq!(b.as_slice(), &base[d..]);
            for i in 0..d {
                // AB_i is A with column i from B.
                for j in 0..d {
                    let want = if j == i { b[j] } else { a[j] };
                    assert_eq!(block[1 + i][j], want);
                }
            }
        }
    }

    #[test]
    fn saltelli_refuses_too_many_inputs() {
        assert!(saltelli(4, SALTELLI_MAX_INPUTS, 0).is_some());
        assert!(saltelli(4, SALTELLI_MAX_INPUTS + 1, 0).is_none());
        assert!(saltelli(4, 0, 0).is_none());
    }

    #[test]
    fn morris_trajectories_move_each_input_once_by_delta_on_the_grid() {
        let (r, d, p) = (20, 5, 4);
        let delta = morris_delta(p);
        assert!((delta - 2.0 / 3.0).abs() < 1e-15); // 4 / (2 * 3)
        let m = morris(r, d, p, &mut rng());
        assert_eq!(m.rows.len(), r * (d + 1));
        for t in m.rows.chunks(d + 1) {
            let mut moved = vec![0; d];
            for w in t.windows(2) {
                let changed: Vec<usize> = (0..d).filter(|&j| w[0][j] != w[1][j]).collect();
                assert_eq!(changed.len(), 1);
                let j = changed[0];
                assert!(((w[1][j] - w[0][j]).abs() - delta).abs() < 1e-12);
                moved[j] += 1;
            }
            assert!(moved.iter().all(|&k| k == 1));
            for row in t {
                for &x in row {
                    // On the grid {0, 1/3, 2/3, 1}.
                    let k = x * 3.0;
                    assert!((k - k.round()).abs() < 1e-12 && (-1e-12..=1.0 + 1e-12).contains(&x));
                }
            }
        }
    }
}
