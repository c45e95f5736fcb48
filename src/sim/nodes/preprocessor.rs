//! `preprocessor`: an ILS site's Inserma lines. A job is a pallet of drives; a line cuts
//! out the voice-coil-motor assemblies, recovering a share of the magnet mass and sending
//! it on with the steel carrier it sits in; the rest of the drive leaves the loop.

use crate::error::Result;
use crate::kernel::{SimTime, secs_from_secs};
use crate::model::{self, MaterialRole, Model};
use crate::sim::mass::{Ledger, Lot, Parcel, Stock, share_num};
use crate::sim::nodes::{RecordCx, failure_samplers, sampler};
use crate::sim::pool::{Job, Outputs, Pool};
use crate::sim::record::M;
use crate::sim::{Counters, RunOptions};

pub(crate) struct Preprocessor<'m> {
    pub cfg: &'m model::Preprocessor,
    pub pool: Pool,
    /// Share of magnet mass recovered (policy-adjustable).
    pub recovery_yield: f64,
}

impl<'m> Preprocessor<'m> {
    pub fn new(cfg: &'m model::Preprocessor, id: &str, opts: &RunOptions) -> Result<Self> {
        Ok(Preprocessor {
            cfg,
            pool: Pool::new(
                opts,
                id,
                cfg.lines,
                sampler(&cfg.cycle_s_per_drive)?,
                failure_samplers(&cfg.failures)?,
            ),
            recovery_yield: cfg.recovery_yield,
        })
    }

    /// A pallet's processing time: the sum of its drives' cycle times.
    pub fn cycle_time(&mut self, job: &Parcel) -> SimTime {
        let drives = job.units.max(1);
        let p = &mut self.pool;
        secs_from_secs(p.service.sample_sum(&mut p.service_rng, drives))
    }

    pub fn finish(
        &mut self,
        job: Job,
        model: &Model,
        ledger: &mut Ledger,
        c: &mut Counters,
    ) -> Outputs {
        let rec = share_num(self.recovery_yield);
        let share = self.cfg.magnet_share;
        let carrier_material = self.cfg.carrier_material;
        let drives = job.parcel.units;
        let is = |lot: &Lot, role: MaterialRole| model.materials[lot.material].role == role;
        // The pallet's lots are worked in place (one lot per kind: a parcel merges them).
        let out = job.parcel.consume_lots(|lots| {
            let mut out = Parcel::new(0);
            let mut body_mass = 0;
            for lot in lots.iter_mut() {
                match model.materials[lot.material].role {
                    MaterialRole::Magnet => {
                        let r = lot.split_share(rec);
                        // Chipped and missed magnet is lost.
                        ledger.loss.add(lot.elements());
                        out.push(r);
                    }
                    MaterialRole::Carrier => body_mass += lot.mass(),
                    MaterialRole::Scrap | MaterialRole::Product | MaterialRole::Job => {
                        out.push(*lot)
                    }
                }
            }
            // Carrier that travels with the recovered magnets, from the drive bodies.
            let rec_mass: i64 = out
                .lots()
                .iter()
                .filter(|l| is(l, MaterialRole::Magnet))
                .map(|l| l.mass())
                .sum();
            let carrier_needed = (rec_mass as f64 * (1.0 - share) / share).round() as i64;
            let take = carrier_needed.min(body_mass);
            for b in lots.iter_mut().filter(|l| is(l, MaterialRole::Carrier)) {
                let carrier = b.split(take, body_mass);
                out.push(carrier.relabel(carrier_material));
                // The rest of the drive leaves the loop as e-waste (steel, aluminium, boards).
                ledger.outflow.add(b.elements());
            }
            out
        });
        c.units += drives;
        c.units_total += drives;
        let mut o = Outputs::new();
        o.push((0, out));
        o
    }

    pub fn record(&self, cx: RecordCx<'_>, c: &Counters, input: &Stock) {
        let (now, n) = (cx.now, cx.n);
        let rec = cx.rec;
        rec.pool_rows(now, n, &self.pool, c, cx.inventory_mg, cx.storage_mg);
        rec.put(now, n, M::QueueDrives, input.units() as f64);
        rec.put(now, n, M::Drives, c.units as f64);
    }
}
