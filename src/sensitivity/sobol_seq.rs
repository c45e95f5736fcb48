//! Sobol' low-discrepancy sequence, unscrambled, in Gray-code order: the same points as
//! SciPy's `scipy.stats.qmc.Sobol(d, scramble=False)` (30 bits), which SALib's Saltelli
//! sampler draws from, so a design here and SALib's with `scramble=False` are the same
//! matrix (checked by the peer test in `tests/peer/`).
//!
//! Direction numbers: Joe and Kuo (2008), "Constructing Sobol sequences with better
//! two-dimensional projections", SIAM J. Sci. Comput. 30:2635, file `new-joe-kuo-6.21201`,
//! first 40 dimensions (as shipped in SciPy's `_sobol_direction_numbers.npz`): for each
//! dimension, the primitive polynomial (its bits, leading and trailing 1 included) and the
//! initial direction integers m_1..m_s.

/// The most dimensions the table holds (a Saltelli design needs two per input).
pub const MAX_DIMS: usize = 40;

const BITS: u32 = 30;

#[rustfmt::skip]
const JOE_KUO: [(u32, &[u32]); MAX_DIMS] = [
    (1, &[]),
    (3, &[1]),
    (7, &[1, 3]),
    (11, &[1, 3, 1]),
    (13, &[1, 1, 1]),
    (19, &[1, 1, 3, 3]),
    (25, &[1, 3, 5, 13]),
    (37, &[1, 1, 5, 5, 17]),
    (41, &[1, 1, 5, 5, 5]),
    (47, &[1, 1, 7, 11, 19]),
    (55, &[1, 1, 5, 1, 1]),
    (59, &[1, 1, 1, 3, 11]),
    (61, &[1, 3, 5, 5, 31]),
    (67, &[1, 3, 3, 9, 7, 49]),
    (91, &[1, 1, 1, 15, 21, 21]),
    (97, &[1, 3, 1, 13, 27, 49]),
    (103, &[1, 1, 1, 15, 7, 5]),
    (109, &[1, 3, 1, 15, 13, 25]),
    (115, &[1, 1, 5, 5, 19, 61]),
    (131, &[1, 3, 7, 11, 23, 15, 103]),
    (137, &[1, 3, 7, 13, 13, 15, 69]),
    (143, &[1, 1, 3, 13, 7, 35, 63]),
    (145, &[1, 3, 5, 9, 1, 25, 53]),
    (157, &[1, 3, 1, 13, 9, 35, 107]),
    (167, &[1, 3, 1, 5, 27, 61, 31]),
    (171, &[1, 1, 5, 11, 19, 41, 61]),
    (185, &[1, 3, 5, 3, 3, 13, 69]),
    (191, &[1, 1, 7, 13, 1, 19, 1]),
    (193, &[1, 3, 7, 5, 13, 19, 59]),
    (203, &[1, 1, 3, 9, 25, 29, 41]),
    (211, &[1, 3, 5, 13, 23, 1, 55]),
    (213, &[1, 3, 7, 3, 13, 59, 17]),
    (229, &[1, 3, 1, 3, 5, 53, 69]),
    (239, &[1, 1, 5, 5, 23, 33, 13]),
    (241, &[1, 1, 7, 7, 1, 61, 123]),
    (247, &[1, 1, 7, 9, 13, 61, 49]),
    (253, &[1, 3, 3, 5, 3, 55, 33]),
    (285, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (299, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (301, &[1, 3, 1, 11, 11, 11, 77, 249]),
];

/// Points of the sequence in `dims` dimensions, in order, from the first.
pub struct Sobol {
    /// Direction numbers, `BITS` per dimension, already shifted into place.
    v: Vec<[u32; BITS as usize]>,
    state: Vec<u32>,
    index: u64,
}

impl Sobol {
    /// The sequence in `dims` dimensions (1 to `MAX_DIMS`).
    pub fn new(dims: usize) -> Option<Self> {
        if dims == 0 || dims > MAX_DIMS {
            return None;
        }
        let mut v = vec![[0u32; BITS as usize]; dims];
        for (d, row) in v.iter_mut().enumerate() {
            let (poly, init) = JOE_KUO[d];
            if d == 0 {
                // The first dimension is van der Corput's: every m_k = 1.
                row.fill(1);
            } else {
                let s = init.len();
                row[..s].copy_from_slice(init);
                // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^s m_{k-s} ^ m_{k-s}
                // (Bratley and Fox 1988), a_i the polynomial's inner bits.
                for k in s..BITS as usize {
                    let mut m = row[k - s];
                    for i in 0..s {
                        if (poly >> (s - 1 - i)) & 1 == 1 {
                            m ^= row[k - i - 1] << (i + 1);
                        }
                    }
                    row[k] = m;
                }
            }
            // v_k = m_k / 2^k as a BITS-bit integer.
            for (k, x) in row.iter_mut().enumerate() {
                *x <<= BITS - 1 - k as u32;
            }
        }
        Some(Sobol {
            v,
            state: vec![0; dims],
            index: 0,
        })
    }

    /// Skips `n` points (SALib's `skip_values`).
    pub fn skip(&mut self, n: u64) {
        for _ in 0..n {
            self.advance();
        }
    }

    fn advance(&mut self) {
        // Gray code (Antonov and Saleev 1979): point i+1 differs from point i by the
        // direction number at the lowest zero bit of i.
        let c = self.index.trailing_ones() as usize;
        for (x, v) in self.state.iter_mut().zip(&self.v) {
            *x ^= v[c];
        }
        self.index += 1;
    }

    /// The next point, each coordinate in [0, 1).
    pub fn next_point(&mut self, out: &mut [f64]) {
        let scale = 1.0 / (1u64 << BITS) as f64;
        for (o, &x) in out.iter_mut().zip(&self.state) {
            *o = f64::from(x) * scale;
        }
        self.advance();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(dims: usize, n: usize) -> Vec<Vec<f64>> {
        let mut s = Sobol::new(dims).unwrap();
        (0..n)
            .map(|_| {
                let mut p = vec![0.0; dims];
                s.next_point(&mut p);
                p
            })
            .collect()
    }

    #[test]
    fn first_points_are_the_published_ones() {
        // The unscrambled sequence in 3 dimensions starts (Bratley and Fox 1988, and
        // SciPy's qmc.Sobol(3, scramble=False)):
        // (0,0,0), (1/2,1/2,1/2), (3/4,1/4,1/4), (1/4,3/4,3/4), (3/8,3/8,5/8), (7/8,7/8,1/8).
        let p = points(3, 6);
        let want = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
        ];
        for (got, want) in p.iter().zip(want) {
            assert_eq!(got.as_slice(), want.as_slice());
        }
    }

    #[test]
    fn each_dimension_fills_every_dyadic_interval_once() {
        // The first 2^m points of every dimension put exactly one point in each interval
        // [k/2^m, (k+1)/2^m): the (0, m, 1)-net property of each one-dimensional projection.
        let m = 6;
        let n = 1usize << m;
        let p = points(MAX_DIMS, n);
        for d in 0..MAX_DIMS {
            let mut seen = vec![false; n];
            for row in &p {
                let k = (row[d] * n as f64) as usize;
                assert!(!seen[k], "dimension {d}: two points in interval {k}");
                seen[k] = true;
            }
        }
    }

    #[test]
    fn skipping_is_drawing_and_discarding() {
        let mut a = Sobol::new(5).unwrap();
        a.skip(16);
        let mut pa = vec![0.0; 5];
        a.next_point(&mut pa);
        assert_eq!(pa, points(5, 17)[16]);
    }

    #[test]
    fn dimensions_outside_the_table_are_refused() {
        assert!(Sobol::new(0).is_none());
        assert!(Sobol::new(MAX_DIMS + 1).is_none());
    }
}
