//! Integer simulation time: seconds since the model's start, with unit constants and conversions.

/// Simulated time in whole seconds since the model's start.
///
/// Integer time keeps event ordering exact: two events computed to land at the
/// same instant compare equal, which floating-point time cannot promise.
pub type SimTime = i64;

pub const SECOND: SimTime = 1;
pub const MINUTE: SimTime = 60;
pub const HOUR: SimTime = 3_600;
pub const DAY: SimTime = 86_400;
/// The Julian year, 365.25 days, so that four years are exactly four calendar years on average.
pub const YEAR: SimTime = 31_557_600;

/// Rounds a float number of seconds to the nearest whole second.
///
/// Negative and NaN inputs clamp to 0 (time never runs backwards); values beyond
/// the range of `SimTime`, including +infinity, saturate at `SimTime::MAX`.
fn round_to_secs(secs: f64) -> SimTime {
    if secs > 0.0 {
        // `as` saturates float-to-int casts, so huge values become SimTime::MAX.
        round_i64(secs)
    } else {
        0
    }
}

/// 2^52: from here on every `f64` is a whole number.
const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;

/// `x.round() as i64`, bit for bit (halves away from zero, NaN to 0, saturating), without
/// the libm call that `f64::round` is on baseline x86-64: the fraction `x - trunc(x)` of a
/// float is exact, so comparing it with 0.5 decides the rounding exactly.
#[inline]
pub fn round_i64(x: f64) -> i64 {
    // Whole already, out of range, or NaN: `as` gives what `round`/`floor` then `as` give.
    if x.is_nan() || x.abs() >= WHOLE_FROM {
        return x as i64;
    }
    let t = x as i64;
    let frac = x - t as f64;
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// `x.floor() as i64`, bit for bit (NaN to 0, saturating), without a libm call.
#[inline]
pub fn floor_i64(x: f64) -> i64 {
    // Whole already, out of range, or NaN: `as` gives what `round`/`floor` then `as` give.
    if x.is_nan() || x.abs() >= WHOLE_FROM {
        return x as i64;
    }
    let t = x as i64;
    if t as f64 > x { t - 1 } else { t }
}

/// Seconds, given as a float, rounded to the nearest whole second.
pub fn secs_from_secs(s: f64) -> SimTime {
    round_to_secs(s)
}

/// Hours, given as a float, rounded to the nearest whole second.
pub fn secs_from_hours(h: f64) -> SimTime {
    round_to_secs(h * HOUR as f64)
}

/// Days, given as a float, rounded to the nearest whole second.
pub fn secs_from_days(d: f64) -> SimTime {
    round_to_secs(d * DAY as f64)
}

/// A time span in Julian years.
pub fn years(t: SimTime) -> f64 {
    t as f64 / YEAR as f64
}

/// A time span in days.
pub fn days(t: SimTime) -> f64 {
    t as f64 / DAY as f64
}

/// A time span in hours.
pub fn hours(t: SimTime) -> f64 {
    t as f64 / HOUR as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_constants_are_consistent() {
        assert_eq!(MINUTE, 60 * SECOND); // 60 s
        assert_eq!(HOUR, 60 * MINUTE); // 60 * 60 = 3600 s
        assert_eq!(DAY, 24 * HOUR); // 24 * 3600 = 86 400 s
        assert_eq!(YEAR * 4, DAY * (365 * 4 + 1)); // 4 Julian years = 1461 days = 126 230 400 s
    }

    #[test]
    fn conversions_round_to_nearest_second() {
        assert_eq!(secs_from_secs(1.4), 1); // 1.4 s rounds down
        assert_eq!(secs_from_secs(1.5), 2); // halves round away from zero
        assert_eq!(secs_from_hours(1.5), 5_400); // 1.5 * 3600
        assert_eq!(secs_from_hours(1.0 / 3_600.0), 1); // one second, despite float error
        assert_eq!(secs_from_days(0.25), 21_600); // 0.25 * 86 400
        assert_eq!(secs_from_days(365.25), YEAR); // one Julian year
    }

    #[test]
    fn conversions_clamp_negative_and_nan_and_saturate_huge() {
        assert_eq!(secs_from_secs(-3.0), 0); // negative clamps to 0
        assert_eq!(secs_from_hours(-0.0), 0); // negative zero too
        assert_eq!(secs_from_days(f64::NAN), 0); // NaN clamps to 0
        assert_eq!(secs_from_secs(f64::NEG_INFINITY), 0); // -inf clamps to 0
        assert_eq!(secs_from_secs(f64::INFINITY), SimTime::MAX); // +inf saturates
        assert_eq!(secs_from_days(1e300), SimTime::MAX); // 8.64e304 s is beyond i64
    }

    #[test]
    fn integer_round_and_floor_match_the_float_functions() {
        // Halves round away from zero: 2.5 -> 3, -2.5 -> -3; the largest double below 0.5
        // (0.49999999999999994) rounds to 0, where floor(x + 0.5) would give 1.
        assert_eq!(round_i64(2.5), 3);
        assert_eq!(round_i64(-2.5), -3);
        assert_eq!(round_i64(0.499_999_999_999_999_94), 0);
        assert_eq!(floor_i64(-0.5), -1);
        assert_eq!(floor_i64(-0.0), 0);
        let special = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            0.499_999_999_999_999_94,
            4_503_599_627_370_495.5,
            4_503_599_627_370_497.0,
            9.3e18,
            -9.3e18,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        // And a spread of magnitudes with fractions, from a fixed sequence.
        let mut x = 0.123_456_789_f64;
        let spread = (0..20_000).map(move |i| {
            x = (x * 3.9 * (1.0 - x / 10.0)).abs() % 10.0;
            let scale = 10f64.powi(i % 19 - 3);
            if i % 2 == 0 { x * scale } else { -x * scale }
        });
        for v in special.into_iter().chain(spread) {
            assert_eq!(round_i64(v), v.round() as i64, "round {v:e}");
            assert_eq!(floor_i64(v), v.floor() as i64, "floor {v:e}");
        }
    }

    #[test]
    fn spans_convert_back_to_float_units() {
        assert_eq!(years(YEAR), 1.0); // 31 557 600 / 31 557 600
        assert_eq!(years(YEAR / 2), 0.5); // YEAR is even, so half is exact
        assert_eq!(days(DAY * 3), 3.0); // 259 200 / 86 400
        assert_eq!(days(HOUR * 6), 0.25); // 21 600 / 86 400
        assert_eq!(hours(90 * MINUTE), 1.5); // 5400 / 3600
    }
}
