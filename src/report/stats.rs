//! The aggregations a report embeds: calendar months, sums and end-of-month levels of a
//! recorded series, and quantiles over replications.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

/// A calendar month, `(year, month 1..=12)`.
pub type Month = (i32, u32);

pub fn month_of(d: NaiveDate) -> Month {
    (d.year(), d.month())
}

/// Every month from `first` to `last`, both included.
pub fn months_between(first: Month, last: Month) -> Vec<Month> {
    let mut out = Vec::new();
    let (mut y, mut m) = first;
    while (y, m) <= last {
        out.push((y, m));
        if m == 12 {
            y += 1;
            m = 1;
        } else {
            m += 1;
        }
    }
    out
}

pub fn month_start(m: Month) -> NaiveDate {
    NaiveDate::from_ymd_opt(m.0, m.1, 1).unwrap_or_default()
}

/// One recorded row: the interval `[start, end)` it covers and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub value: f64,
}

/// Per month, the sum of the interval values of rows that start in it (an interval metric
/// such as `shortfall_t`: a row covering a day belongs to that day's month). A month without
/// rows is 0.
pub fn monthly_sum(rows: &[Row], months: &[Month]) -> Vec<f64> {
    monthly_total(rows, months, |r| r.value)
}

/// Per month, the sum of `of(row)` over the rows that start in it; 0 for a month without.
fn monthly_total(rows: &[Row], months: &[Month], of: impl Fn(&Row) -> f64) -> Vec<f64> {
    let mut by: BTreeMap<Month, f64> = BTreeMap::new();
    for r in rows {
        *by.entry(month_of(r.start)).or_default() += of(r);
    }
    months
        .iter()
        .map(|m| by.get(m).copied().unwrap_or(0.0))
        .collect()
}

/// Per month, the level at the month's last recording (a level metric such as
/// `storage_kg`); `None` for a month with no recording.
pub fn monthly_last(rows: &[Row], months: &[Month]) -> Vec<Option<f64>> {
    let mut by: BTreeMap<Month, (NaiveDate, f64)> = BTreeMap::new();
    for r in rows {
        let e = by.entry(month_of(r.start)).or_insert((r.end, r.value));
        if r.end >= e.0 {
            *e = (r.end, r.value);
        }
    }
    months.iter().map(|m| by.get(m).map(|e| e.1)).collect()
}

/// Per month, the mean of the values weighted by the days each row covers (a share such
/// as `capacity_share`); `None` for a month with no recording.
pub fn monthly_mean(rows: &[Row], months: &[Month]) -> Vec<Option<f64>> {
    let mut by: BTreeMap<Month, (f64, f64)> = BTreeMap::new();
    for r in rows {
        let days = (r.end - r.start).num_days().max(1) as f64;
        let e = by.entry(month_of(r.start)).or_default();
        e.0 += r.value * days;
        e.1 += days;
    }
    months
        .iter()
        .map(|m| by.get(m).map(|(s, d)| s / d))
        .collect()
}

/// Per month, the days its rows cover (for turning a month's sum into a rate).
pub fn monthly_days(rows: &[Row], months: &[Month]) -> Vec<f64> {
    monthly_total(rows, months, |r| (r.end - r.start).num_days() as f64)
}

/// The `p`-quantile (0..=1) of `values` with linear interpolation between order statistics
/// (Hyndman and Fan type 7, numpy's and R's default): h = (n - 1) p, the value at h.
/// NaNs are ignored; `None` when nothing is left.
pub fn quantile(values: &[f64], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    Some(v[lo] + (h - lo as f64) * (v[hi] - v[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn daily(y: i32, m: u32, day: u32, value: f64) -> Row {
        let start = d(y, m, day);
        Row {
            start,
            end: start.succ_opt().unwrap(),
            value,
        }
    }

    #[test]
    fn months_run_across_a_year_end() {
        assert_eq!(
            months_between((2025, 11), (2026, 2)),
            vec![(2025, 11), (2025, 12), (2026, 1), (2026, 2)]
        );
    }

    #[test]
    fn a_month_sums_the_days_that_start_in_it() {
        // 31 Jan (2 t) belongs to January though it ends on 1 Feb; 1 Feb (3 t) and 28 Feb
        // (4 t) to February: Jan 1 + 2 = 3, Feb 3 + 4 = 7, Mar none = 0.
        let rows = [
            daily(2025, 1, 1, 1.0),
            daily(2025, 1, 31, 2.0),
            daily(2025, 2, 1, 3.0),
            daily(2025, 2, 28, 4.0),
        ];
        let months = months_between((2025, 1), (2025, 3));
        assert_eq!(monthly_sum(&rows, &months), vec![3.0, 7.0, 0.0]);
        // Days covered: January 2, February 2, March 0.
        assert_eq!(monthly_days(&rows, &months), vec![2.0, 2.0, 0.0]);
    }

    #[test]
    fn a_level_is_the_months_last_record_and_a_share_its_day_weighted_mean() {
        // Levels 5 then 9 in January (recorded out of order), 2 in February: Jan 9, Feb 2.
        let rows = [
            daily(2025, 1, 20, 9.0),
            daily(2025, 1, 3, 5.0),
            daily(2025, 2, 10, 2.0),
        ];
        let months = months_between((2025, 1), (2025, 3));
        assert_eq!(
            monthly_last(&rows, &months),
            vec![Some(9.0), Some(2.0), None]
        );
        // A 10-day row at 0.2 and a 30-day row at 0.6 starting in one month:
        // (0.2 x 10 + 0.6 x 30) / 40 = 20 / 40 = 0.5.
        let share = [
            Row {
                start: d(2025, 1, 1),
                end: d(2025, 1, 11),
                value: 0.2,
            },
            Row {
                start: d(2025, 1, 11),
                end: d(2025, 2, 10),
                value: 0.6,
            },
        ];
        let m = monthly_mean(&share, &[(2025, 1)])[0].unwrap();
        assert!((m - 0.5).abs() < 1e-12, "{m}");
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        // 1..=5 unsorted: h = 4 p. p50: h = 2 -> 3. p5: h = 0.2 -> 1 + 0.2 x (2 - 1) = 1.2.
        // p95: h = 3.8 -> 4 + 0.8 x (5 - 4) = 4.8 (numpy.quantile gives the same).
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert!((quantile(&v, 0.05).unwrap() - 1.2).abs() < 1e-12);
        assert!((quantile(&v, 0.95).unwrap() - 4.8).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.95), Some(7.0));
        assert_eq!(quantile(&[f64::NAN], 0.5), None);
    }
}
