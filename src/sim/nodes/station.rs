//! `station`: a plain multi-server queue (jobs in, the same jobs out), used for queueing
//! checks against theory and for generic process steps.

use crate::error::Result;
use crate::kernel::{SimTime, secs_from_hours};
use crate::model;
use crate::sim::mass::Stock;
use crate::sim::nodes::{RecordCx, failure_samplers, sampler};
use crate::sim::pool::{Job, Outputs, Pool};
use crate::sim::record::M;
use crate::sim::stats::Level;
use crate::sim::{Counters, RunOptions};

pub(crate) struct Station<'m> {
    pub cfg: &'m model::Station,
    pub pool: Pool,
    /// Jobs at the station: waiting, in service or blocked.
    pub in_system: Level,
}

impl<'m> Station<'m> {
    pub fn new(cfg: &'m model::Station, id: &str, opts: &RunOptions) -> Result<Self> {
        Ok(Station {
            cfg,
            pool: Pool::new(
                opts,
                id,
                cfg.servers,
                sampler(&cfg.service_h)?,
                failure_samplers(&cfg.failures)?,
            ),
            in_system: Level::default(),
        })
    }

    pub fn service_time(&mut self) -> SimTime {
        let p = &mut self.pool;
        secs_from_hours(p.service.sample(&mut p.service_rng))
    }

    /// A job leaves as it came.
    pub fn finish(job: Job, c: &mut Counters) -> Outputs {
        c.units += job.parcel.units;
        c.units_total += job.parcel.units;
        let mut o = Outputs::new();
        o.push((0, job.parcel));
        o
    }

    pub fn record(&self, cx: RecordCx<'_>, c: &Counters, input: &Stock) {
        let (now, n, dt) = (cx.now, cx.n, cx.dt);
        let rec = cx.rec;
        rec.pool_rows(now, n, &self.pool, c, cx.inventory_mg, cx.storage_mg);
        let area = self.in_system.area(now);
        let mean = rec.interval_mean(n, area, dt);
        rec.put(now, n, M::QueueJobs, input.len() as f64);
        rec.put(now, n, M::InSystem, self.in_system.value() as f64);
        rec.put(now, n, M::MeanInSystem, mean);
    }
}
