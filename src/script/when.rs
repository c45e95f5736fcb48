//! Calendar dates and durations as scripts write them ("2025-04-04", "18 months", "2 weeks"),
//! turned into simulation time against the model's start date.

use chrono::{Months, NaiveDate};

use crate::kernel::{DAY, HOUR, MINUTE, SimTime};

/// A duration: calendar months (months and years) or a fixed number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Months(u32),
    Seconds(SimTime),
}

const UNITS: &str = "seconds, minutes, hours, days, weeks, months or years";

/// Parses `"N unit"` (`"1 month"`, `"18 months"`, `"3 days"`, `"0.5 days"`, `"2 weeks"`, `"1 year"`).
pub fn parse_span(text: &str) -> Result<Span, String> {
    let bad = || {
        format!(
            "`{text}` is not a duration; write a number and a unit, e.g. \"18 months\" or \"3 days\" ({UNITS})"
        )
    };
    let mut parts = text.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let n: f64 = n.parse().map_err(|_| bad())?;
    if !(n.is_finite() && (0.0..=1.0e6).contains(&n)) {
        return Err(format!("`{text}`: the number must be from 0 to 1,000,000"));
    }
    let unit = unit.trim_end_matches('s');
    let seconds = |per: SimTime| Ok(Span::Seconds((n * per as f64).round() as SimTime));
    let whole = |what: &str| -> Result<u32, String> {
        if n.fract() == 0.0 {
            Ok(n as u32)
        } else {
            Err(format!(
                "`{text}`: {what} must be whole; use days for fractions"
            ))
        }
    };
    match unit {
        "second" => seconds(1),
        "minute" => seconds(MINUTE),
        "hour" => seconds(HOUR),
        "day" => seconds(DAY),
        "week" => seconds(7 * DAY),
        "month" => Ok(Span::Months(whole("months")?)),
        "year" => Ok(Span::Months(whole("years")? * 12)),
        _ => Err(format!("`{text}`: unknown unit `{unit}`; use {UNITS}")),
    }
}

/// Parses a repeat period for `every`: a duration of at least an hour.
pub fn parse_period(text: &str) -> Result<Span, String> {
    let span = parse_span(text)?;
    if matches!(span, Span::Seconds(s) if s < HOUR) || span == Span::Months(0) {
        return Err("the period must be at least 1 hour".into());
    }
    Ok(span)
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. \"2025-04-04\""))
}

/// Converts between simulation time and the calendar for one run.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    pub start: NaiveDate,
    pub horizon: SimTime,
}

impl Calendar {
    pub fn time_of(&self, d: NaiveDate) -> SimTime {
        (d - self.start).num_seconds()
    }

    /// Midnight of the day holding `t` (or `t` itself when it is past midnight).
    pub fn date_of(&self, t: SimTime) -> NaiveDate {
        self.start + chrono::Duration::seconds(t)
    }

    pub fn label(&self, t: SimTime) -> String {
        self.date_of(t).format("%Y-%m-%d").to_string()
    }

    /// A date inside the run, as simulation time.
    pub fn at(&self, text: &str) -> Result<SimTime, String> {
        let d = parse_date(text)?;
        let t = self.time_of(d);
        if t < 0 {
            return Err(format!(
                "{text} is before the run starts ({})",
                self.label(0)
            ));
        }
        if t > self.horizon {
            return Err(format!(
                "{text} is after the run ends ({}); run longer with --years, or move the date",
                self.label(self.horizon)
            ));
        }
        Ok(t)
    }

    /// `t` plus a duration (months counted on the calendar), capped far past the horizon.
    pub fn after(&self, t: SimTime, span: Span) -> SimTime {
        match span {
            Span::Seconds(s) => t.saturating_add(s),
            Span::Months(m) => {
                let from = self.date_of(t);
                let secs_into_day = t - self.time_of(from);
                match from.checked_add_months(Months::new(m)) {
                    Some(d) => self.time_of(d) + secs_into_day,
                    None => SimTime::MAX / 4,
                }
            }
        }
    }

    /// The k-th occurrence of a period counted from `anchor` (k = 0 is the anchor).
    pub fn nth(&self, anchor: SimTime, span: Span, k: u32) -> SimTime {
        match span {
            Span::Seconds(s) => anchor.saturating_add(s.saturating_mul(k as SimTime)),
            Span::Months(m) => self.after(anchor, Span::Months(m.saturating_mul(k))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        Calendar {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            horizon: 10 * 31_557_600,
        }
    }

    #[test]
    fn spans() {
        assert_eq!(parse_span("18 months"), Ok(Span::Months(18)));
        assert_eq!(parse_span("1 year"), Ok(Span::Months(12)));
        assert_eq!(parse_span("2 weeks"), Ok(Span::Seconds(14 * 86_400)));
        assert_eq!(parse_span("0.5 day"), Ok(Span::Seconds(43_200)));
        assert!(parse_span("1.5 months").unwrap_err().contains("whole"));
        assert!(
            parse_span("3 fortnights")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_span("soon").is_err());
        assert!(parse_span("-1 days").is_err());
        assert_eq!(parse_period("1 hour"), Ok(Span::Seconds(3_600)));
        assert!(
            parse_period("59 minutes")
                .unwrap_err()
                .contains("at least 1 hour")
        );
        assert!(parse_period("0 months").is_err());
    }

    #[test]
    fn months_follow_the_calendar() {
        let c = cal();
        // 2025-01-31 + 1 month = 2025-02-28 (chrono clamps to the month's end).
        let jan31 = c.at("2025-01-31").unwrap();
        assert_eq!(c.label(c.after(jan31, Span::Months(1))), "2025-02-28");
        // The 3rd monthly occurrence from 2025-01-15 is 2025-04-15.
        let anchor = c.at("2025-01-15").unwrap();
        assert_eq!(c.label(c.nth(anchor, Span::Months(1), 3)), "2025-04-15");
    }

    #[test]
    fn dates_outside_the_run_are_refused() {
        let c = cal();
        assert!(
            c.at("2024-12-31")
                .unwrap_err()
                .contains("before the run starts")
        );
        assert!(
            c.at("2040-01-01")
                .unwrap_err()
                .contains("after the run ends")
        );
        assert_eq!(c.at("2025-01-02"), Ok(86_400));
    }
}
