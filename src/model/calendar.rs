//! The run's calendar: horizons that end on calendar dates, and the calendar years a run
//! covers (the periods of `yearly.parquet` and of the summary's last-year KPIs).
//!
//! - `years: N` (whole) ends on the N-th anniversary of `calendar.start` at 00:00, leap
//!   days counted by the real calendar: 2025-01-01 + 10 years = 2035-01-01 (3,652 days).
//!   A start on 29 February ends on 28 February of a common year (chrono's month rule).
//! - A fractional part is that share of the following year (365 or 366 days), rounded
//!   to the nearest whole day: 2025-01-01 + 0.1 years = 37 days (0.1 x 365 = 36.5).
//!   So every `years` horizon ends at midnight and the last record is a whole interval.
//! - `days: D` ends exactly D days after the start (to the second): for short runs.
//!
//! Growth rates stay continuous (`(1 + g)^(t / 365.25 d)`, `kernel::YEAR`): they are
//! rates, not periods.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};

use crate::kernel::{DAY, SimTime};
use crate::model::Model;

/// Days from `start` to `start + years` under the rule above, or `None` past the calendar
/// chrono knows (years beyond 262,143).
pub fn days_after(start: NaiveDate, years: f64) -> Option<i64> {
    if !(years.is_finite() && years >= 0.0) {
        return None;
    }
    let whole = years.trunc();
    let end_whole = start.checked_add_months(Months::new((whole as u32).checked_mul(12)?))?;
    let next = end_whole.checked_add_months(Months::new(12))?;
    let year_len = (next - end_whole).num_days();
    let extra = ((years - whole) * year_len as f64).round() as i64;
    Some((end_whole - start).num_days() + extra)
}

/// Midnight of `start`, plus `t` seconds.
fn instant(start: NaiveDate, t: SimTime) -> NaiveDateTime {
    start.and_hms_opt(0, 0, 0).expect("midnight exists") + chrono::Duration::seconds(t)
}

impl Model {
    /// The date and time the run ends (the horizon).
    pub fn end(&self) -> NaiveDateTime {
        instant(self.start, self.horizon)
    }

    /// The calendar years the run touches, each with the time it starts in the run
    /// (0 for the first, which begins at the start), in order. The first and last may be
    /// partial when the run does not start or end on 1 January.
    pub fn calendar_years(&self) -> Vec<(i32, SimTime)> {
        let first = self.start.year();
        let mut out = vec![(first, 0)];
        for y in first + 1.. {
            let Some(jan1) = NaiveDate::from_ymd_opt(y, 1, 1) else {
                break;
            };
            let t = (jan1 - self.start).num_seconds();
            if t >= self.horizon {
                break;
            }
            out.push((y, t));
        }
        out
    }

    /// Where the run's last year begins: twelve calendar months before the horizon (0 when
    /// the run is shorter).
    pub fn last_year_start(&self) -> SimTime {
        let end = self.end();
        end.checked_sub_months(Months::new(12))
            .map_or(0, |d| (d - instant(self.start, 0)).num_seconds().max(0))
    }

    /// Whole days in the horizon (the horizon itself when it ends at midnight).
    pub fn horizon_days(&self) -> i64 {
        self.horizon / DAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn whole_years_end_on_the_anniversary() {
        // 10 x 365 + the leap days of 2028 and 2032 = 3,652 days.
        assert_eq!(days_after(d(2025, 1, 1), 10.0), Some(3_652));
        // 2028 is a leap year: 2028-01-01 + 1 year = 366 days.
        assert_eq!(days_after(d(2028, 1, 1), 1.0), Some(366));
        // 2024-02-29 + 1 year = 2025-02-28 (chrono clamps to the month's end): 365 days.
        assert_eq!(days_after(d(2024, 2, 29), 1.0), Some(365));
        // 20 years from 2025: 20 x 365 + 5 leap days (2028 .. 2044) = 7,305 = 20 x 365.25.
        assert_eq!(days_after(d(2025, 1, 1), 20.0), Some(7_305));
    }

    #[test]
    fn fractions_are_shares_of_the_next_year_in_whole_days() {
        // 0.1 x 365 = 36.5 days, rounded half away from zero: 37.
        assert_eq!(days_after(d(2025, 1, 1), 0.1), Some(37));
        // 2.5 years from 2025: 730 days + 0.5 x 365 (2027) = 912.5 -> 913.
        assert_eq!(days_after(d(2025, 1, 1), 2.5), Some(913));
        // 3.5 years from 2025: 1,095 days + 0.5 x 366 (2028) = 1,278.
        assert_eq!(days_after(d(2025, 1, 1), 3.5), Some(1_278));
        // Less than half a day rounds to nothing (validation refuses that horizon).
        assert_eq!(days_after(d(2025, 1, 1), 0.001), Some(0));
        assert_eq!(days_after(d(2025, 1, 1), f64::NAN), None);
    }
}
