//! `timeseries.parquet`'s first row groups, encoded on a thread of their own while the
//! simulation still runs.
//!
//! `magloop run` simulates on one core; encoding the time series after the run took a
//! quarter of the default run's wall time on both. polars cuts the table into row groups by
//! its height (`height / 262,144` equal parts, the last taking the rest: [`row_groups`]),
//! known only at the end; but a run's recording steps are known beforehand (the horizon
//! over the recording interval), and a step records as many rows as the first unless a
//! policy adds entities. So the cut is predicted from the first step, each row group but
//! the last is encoded as soon as its rows are recorded, and at the end the prediction is
//! checked against the table's real cut: where they differ, everything encoded early is
//! dropped and the table is encoded as before ([`super::take_timeseries_bytes`]). Rows are
//! only appended, never changed, so a row group encoded early is encoded from the same
//! values as at the end: the same bytes (tests compare the two for every shipped model, and
//! for runs whose rows per step change). Nothing here reaches into the simulation: it reads
//! the recorded [`TimeSeries`] that [`Simulation::run_watched`](crate::sim::Simulation::run_watched)
//! lends it after each recording step.

use std::sync::mpsc;
use std::thread;

use chrono::NaiveDate;
use polars::prelude::*;

use super::coded::{Encoded, Group, Layout, row_groups};
use crate::kernel::SimTime;
use crate::sim::{RunResult, TimeSeries};

/// One row group's rows, copied out of the recorder for the encoding thread.
struct Job {
    time_s: Vec<SimTime>,
    value: Vec<f64>,
    entity: Vec<u32>,
    metric: Vec<u32>,
    /// The period columns' state at the group's first row (see [`PeriodState`]).
    period: PeriodState,
    /// The names as they stand (later steps only append to them).
    entity_names: Vec<String>,
    metric_names: Vec<(String, String)>,
}

/// The time series' encoder that starts before the run ends.
pub struct EarlyTimeseries {
    /// Recording steps the run makes.
    steps: usize,
    /// The predicted row groups but the last, (first row, rows); empty until the first step.
    plan: Vec<(usize, usize)>,
    /// Row groups sent to the encoder so far.
    sent: usize,
    /// The period state at row `scanned` (rows before it scanned).
    scanned: usize,
    period: PeriodState,
    tx: Option<mpsc::Sender<Job>>,
    worker: Option<thread::JoinHandle<Vec<PolarsResult<Encoded>>>>,
}

impl EarlyTimeseries {
    /// For a run that records `steps` times.
    pub fn new(steps: usize) -> EarlyTimeseries {
        EarlyTimeseries {
            steps,
            plan: Vec::new(),
            sent: 0,
            scanned: 0,
            period: PeriodState::default(),
            tx: None,
            worker: None,
        }
    }

    /// After a recording step: predicts the cut at the first, and hands every predicted row
    /// group whose rows are all recorded to the encoding thread.
    pub fn watch(&mut self, ts: &TimeSeries) {
        if self.tx.is_none() && self.sent == 0 && self.plan.is_empty() {
            if ts.is_empty() {
                return;
            }
            let mut plan = row_groups(ts.len().saturating_mul(self.steps));
            // The last row group is encoded at the end, with the table's real height.
            plan.pop();
            if plan.is_empty() {
                // One row group in all: nothing to start early.
                self.sent = usize::MAX;
                return;
            }
            let (tx, rx) = mpsc::channel::<Job>();
            let start = ts.start;
            let worker = thread::Builder::new()
                .name("timeseries-early".into())
                .spawn(move || rx.into_iter().map(|job| encode_job(start, job)).collect());
            match worker {
                Ok(worker) => {
                    self.plan = plan;
                    self.tx = Some(tx);
                    self.worker = Some(worker);
                }
                // No thread to be had: the whole table is encoded at the end.
                Err(_) => {
                    self.sent = usize::MAX;
                    return;
                }
            }
        }
        while let Some(&(first, rows)) = self.plan.get(self.sent) {
            let end = first + rows;
            if ts.len() < end {
                break;
            }
            self.period = self.period.after(&ts.time_s[self.scanned..first]);
            self.scanned = first;
            let job = Job {
                time_s: ts.time_s[first..end].to_vec(),
                value: ts.value[first..end].to_vec(),
                entity: ts.entity[first..end].to_vec(),
                metric: ts.metric[first..end].to_vec(),
                period: self.period,
                entity_names: ts.entity_names.clone(),
                metric_names: ts.metric_names.clone(),
            };
            self.sent += 1;
            let sent = self.tx.as_ref().is_some_and(|tx| tx.send(job).is_ok());
            if !sent {
                // The encoder has gone (it cannot, short of a panic): the end does it all.
                self.plan.clear();
                return;
            }
        }
    }

    /// Row groups handed to the encoding thread so far.
    pub fn groups_started(&self) -> usize {
        self.sent.min(self.plan.len())
    }

    /// `timeseries.parquet`'s bytes: the row groups encoded early where the table's real
    /// cut is the predicted one, then the rest; otherwise the whole table, as
    /// [`super::take_timeseries_bytes`] writes it. The times and values move out of `r`.
    pub fn finish(mut self, r: &mut RunResult) -> PolarsResult<Vec<u8>> {
        drop(self.tx.take());
        let cut = row_groups(r.timeseries.len());
        let sent = self.groups_started();
        // A wrong prediction is known before waiting for the encoder: it is left to finish
        // on its own, and what it made is dropped with it.
        let right = sent > 0 && sent < cut.len() && cut[..sent] == self.plan[..sent];
        let early: Option<Vec<Encoded>> = self
            .worker
            .take()
            .filter(|_| right)
            .and_then(|w| w.join().ok())
            .and_then(|done| done.into_iter().collect::<PolarsResult<Vec<_>>>().ok())
            .filter(|early| early.len() == sent);
        let Some(early) = early else {
            return super::take_timeseries_bytes(r);
        };
        // The rest of the table: its rows from the end of the last early row group. The
        // times and values move out of `r`, as `take_timeseries_bytes` moves them.
        let ts = &mut r.timeseries;
        let (first, rows) = cut[sent - 1];
        let rest_first = first + rows;
        let period = self.period.after(&ts.time_s[self.scanned..rest_first]);
        let time_s = std::mem::take(&mut ts.time_s).split_off(rest_first);
        let value = std::mem::take(&mut ts.value).split_off(rest_first);
        let df = super::timeseries_base_from(super::epoch_days(ts.start), time_s, value, period)?;
        let codes = super::timeseries_codes(ts);
        let layout = Layout::new(df.schema(), &codes)?;
        let groups: Vec<Group> = cut[sent..]
            .iter()
            .map(|&(first, rows)| {
                let group = df.slice((first - rest_first) as i64, rows);
                Ok(Group {
                    rows,
                    arrays: arrays_of(&group)?,
                    codes: codes
                        .iter()
                        .map(|c| &c.codes[first..first + rows])
                        .collect(),
                })
            })
            .collect::<PolarsResult<_>>()?;
        layout.write(early, &groups)
    }
}

/// Encodes one early row group (on the encoding thread).
fn encode_job(start: NaiveDate, job: Job) -> PolarsResult<Encoded> {
    let rows = job.value.len();
    let df =
        super::timeseries_base_from(super::epoch_days(start), job.time_s, job.value, job.period)?;
    let entities = job.entity_names.iter().map(String::as_str).collect();
    let codes = super::coded_columns(entities, &job.metric_names, &job.entity, &job.metric);
    let layout = Layout::new(df.schema(), &codes)?;
    layout.encode_group(&Group {
        rows,
        arrays: arrays_of(&df)?,
        codes: codes.iter().map(|c| c.codes).collect(),
    })
}

/// A one-chunk frame's columns as arrow arrays, as polars' writer takes them.
fn arrays_of(df: &DataFrame) -> PolarsResult<Vec<Box<dyn polars_arrow::array::Array>>> {
    let mut df = df.clone();
    df.rechunk_mut();
    let mut batches = df.iter_chunks(CompatLevel::newest(), false);
    let batch = batches
        .next()
        .ok_or_else(|| polars_err!(ComputeError: "a row group with no rows"))?;
    Ok(batch.into_arrays())
}

/// Where `period_start` stands at a row: the time of the step before the current one and
/// the current step's time (rows are in time order; a step's rows share its time).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct PeriodState {
    pub prev: SimTime,
    pub step: SimTime,
}

impl PeriodState {
    /// The state after the rows at `times`.
    pub fn after(mut self, times: &[SimTime]) -> PeriodState {
        for &t in times {
            self.advance(t);
        }
        self
    }

    /// Steps on to a row at `t`.
    #[inline]
    pub fn advance(&mut self, t: SimTime) {
        if t != self.step {
            self.prev = self.step;
            self.step = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_predicted_cut_is_polars_cut() {
        // polars' chunk_df_for_writing on a one-chunk frame, against `row_groups`, for
        // heights around the 262,144-row boundaries and the default model's 1,183,248.
        for height in [0, 1, 262_143, 262_144, 524_287, 524_288, 600_000, 1_183_248] {
            let mut df =
                DataFrame::new(height, vec![Column::new("x".into(), vec![0i32; height])]).unwrap();
            let chunked = polars::frame::chunk_df_for_writing(&mut df, 512 * 512).unwrap();
            let mut want = Vec::new();
            let mut first = 0;
            for batch in chunked.iter_chunks(CompatLevel::newest(), false) {
                if !batch.is_empty() {
                    want.push((first, batch.len()));
                }
                first += batch.len();
            }
            assert_eq!(row_groups(height), want, "{height} rows");
        }
    }

    #[test]
    fn the_period_state_scans_in_pieces_as_in_one() {
        let times = [0, 0, 5, 5, 5, 9, 12, 12];
        let whole = PeriodState::default().after(&times);
        let pieces = PeriodState::default().after(&times[..3]).after(&times[3..]);
        assert_eq!(whole, pieces);
        assert_eq!(whole, PeriodState { prev: 9, step: 12 });
    }
}
