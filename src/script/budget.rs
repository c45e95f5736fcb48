//! The run-wide budget of script work. Each call of a script is held to its own limits
//! (`limits` in `mod.rs`), but a short hook called often can still keep a run busy for
//! hours, so all the calls of a run share one budget of Rhai operations: deterministic, so
//! whether a run stays within it is the same on every machine. Some operations are each
//! costly (sorting or searching a 10,000-item array, copying a 1 MiB string), so script time
//! is capped too, as a backstop, at 1 µs an operation of the budget (10 to 20 times the
//! usual cost of one).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine};

/// Operations all the scripts of a run may use, unless `--script-budget` or an experiment's
/// `script_budget` says otherwise: about 5 to 10 s of script work. The shipped scripts use at
/// most a few thousand over a default 10-year run; a daily `on_record` hook over the longest
/// run (200 years, 73,050 calls) may use about 1,300 operations a call.
pub const DEFAULT_OPERATIONS: u64 = 100_000_000;

/// The largest budget that may be given (a time cap of about 31 years).
pub const MAX_OPERATIONS: u64 = 1_000_000_000_000_000;

/// Script time allowed for each operation of the budget, in nanoseconds (1 µs).
const NS_PER_OPERATION: u64 = 1000;

/// Script time always allowed, whatever the budget.
const MIN_TIME: Duration = Duration::from_secs(1);

/// How often (in operations) a call checks the clock.
const CLOCK_EVERY: u64 = 256;

/// What the scripts of one run may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub operations: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            operations: DEFAULT_OPERATIONS,
        }
    }
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.operations)
    }
}

impl Budget {
    /// A budget of `operations`, or the message saying why not.
    pub fn new(operations: u64) -> Result<Budget, String> {
        if (1..=MAX_OPERATIONS).contains(&operations) {
            Ok(Budget { operations })
        } else {
            Err(format!(
                "a script budget must be from 1 to {MAX_OPERATIONS} operations, found {operations}"
            ))
        }
    }

    /// Script time the run may use.
    pub fn time_limit(&self) -> Duration {
        Duration::from_nanos(self.operations.saturating_mul(NS_PER_OPERATION)).max(MIN_TIME)
    }
}

/// Parses `--script-budget`: a whole number of operations, digits optionally grouped with
/// `_` (`100_000_000`).
pub fn parse_budget(text: &str) -> Result<Budget, String> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "`{text}` is not a number of operations; write a whole number, e.g. 500000000 or 500_000_000"
        ));
    }
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is more than the largest budget, {MAX_OPERATIONS} operations")
    })?;
    Budget::new(n)
}

/// What a run's engine and its policy share while a call runs: the engine's progress
/// callback counts the call's operations here and stops the call when the run's budget or
/// its time is spent.
pub(crate) struct Meter {
    origin: Instant,
    /// Operations of the call under way (Rhai counts from 0 in each call).
    call_ops: AtomicU64,
    /// Operations the call under way may use before the run's budget is spent.
    allowance: AtomicU64,
    /// When (nanoseconds after `origin`) the call under way must stop: the time backstop.
    deadline_ns: AtomicU64,
    /// Operations the run has used, for [`Usage`].
    total_ops: AtomicU64,
}

impl Meter {
    /// A meter counting the operations of every call `engine` makes.
    pub(crate) fn install(engine: &mut Engine) -> Arc<Meter> {
        let meter = Arc::new(Meter {
            origin: Instant::now(),
            call_ops: AtomicU64::new(0),
            allowance: AtomicU64::new(u64::MAX),
            deadline_ns: AtomicU64::new(u64::MAX),
            total_ops: AtomicU64::new(0),
        });
        let m = meter.clone();
        // Called at every operation: a store, a load and a compare, and the clock now and then.
        engine.on_progress(move |ops| {
            m.call_ops.store(ops, Relaxed);
            let over = ops > m.allowance.load(Relaxed)
                || (ops % CLOCK_EVERY == 0 && m.now_ns() > m.deadline_ns.load(Relaxed));
            // The token is not read: the policy knows from the meter what ran out.
            over.then_some(Dynamic::UNIT)
        });
        meter
    }

    fn now_ns(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Before a call: it may use `allowance` operations and `time` of script time.
    pub(crate) fn begin(&self, allowance: u64, time: Duration) {
        self.call_ops.store(0, Relaxed);
        self.allowance.store(allowance, Relaxed);
        let time_ns = u64::try_from(time.as_nanos()).unwrap_or(u64::MAX);
        self.deadline_ns
            .store(self.now_ns().saturating_add(time_ns), Relaxed);
    }

    /// Operations the last call used.
    pub(crate) fn call_ops(&self) -> u64 {
        self.call_ops.load(Relaxed)
    }

    pub(crate) fn set_total(&self, ops: u64) {
        self.total_ops.store(ops, Relaxed);
    }
}

/// What a run's scripts used, readable after the policy has gone into the simulation.
#[derive(Clone)]
pub struct Usage {
    pub(crate) meter: Arc<Meter>,
    pub budget: Budget,
}

impl Usage {
    /// Operations all the scripts of the run have used so far.
    pub fn operations(&self) -> u64 {
        self.meter.total_ops.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_with_underscores_and_refuse_zero_and_words() {
        assert_eq!(parse_budget("100_000_000"), Ok(Budget::default()));
        assert_eq!(parse_budget("5"), Ok(Budget { operations: 5 }));
        assert!(parse_budget("0").unwrap_err().contains("from 1 to"));
        assert!(parse_budget("1e9").unwrap_err().contains("whole number"));
        assert!(parse_budget("-3").is_err());
        assert!(parse_budget("").is_err());
        assert!(
            parse_budget("99999999999999999999")
                .unwrap_err()
                .contains("largest")
        );
    }

    #[test]
    fn the_time_cap_is_a_microsecond_an_operation_and_at_least_a_second() {
        assert_eq!(Budget::default().time_limit(), Duration::from_secs(100));
        assert_eq!(
            Budget { operations: 1000 }.time_limit(),
            Duration::from_secs(1)
        );
        assert_eq!(
            Budget {
                operations: MAX_OPERATIONS
            }
            .time_limit(),
            Duration::from_micros(MAX_OPERATIONS)
        );
    }

    #[test]
    fn the_meter_stops_a_call_past_its_allowance_with_the_count_so_far() {
        let mut e = Engine::new();
        let m = Meter::install(&mut e);
        m.begin(1000, Duration::from_secs(60));
        let r = e.run("let s = 0; loop { s += 1; }");
        assert!(
            matches!(
                r.as_ref().map_err(|e| e.unwrap_inner()),
                Err(rhai::EvalAltResult::ErrorTerminated(..))
            ),
            "{r:?}"
        );
        assert_eq!(m.call_ops(), 1001);
        // A fresh allowance for the next call: counts restart from 0.
        m.begin(1_000_000, Duration::from_secs(60));
        e.run("let s = 0; for i in 0..10 { s += i; }").unwrap();
        assert!((10..1000).contains(&m.call_ops()), "{}", m.call_ops());
    }

    #[test]
    fn the_meter_stops_a_call_past_its_time() {
        let mut e = Engine::new();
        let m = Meter::install(&mut e);
        m.begin(u64::MAX, Duration::ZERO);
        let r = e.run("let s = 0; loop { s += 1; }");
        assert!(r.is_err());
        // Stopped at the first clock check.
        assert_eq!(m.call_ops(), CLOCK_EVERY);
    }
}
