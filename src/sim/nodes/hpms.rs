//! `hpms`: a hydrogen-processing (HPMS) hub such as HyProMag USA's in Dallas-Fort Worth.
//! Vessels take batches of magnet feed; suitable, extracted magnet becomes sintered
//! magnets and co-products, the rest goes on to the oxide plant as residue, and steel
//! carriers leave as ferrous scrap. Output ramps up from commissioning.

use crate::error::Result;
use crate::kernel::{DAY, EventId, SimTime, YEAR, secs_from_hours};
use crate::model::{
    self, MG_PER_KG, MG_PER_T, MaterialRole, Model, NodeKind, PORT_MAGNETS, PORT_RESIDUE,
};
use crate::sim::mass::{Ledger, Parcel, Stock, share_num};
use crate::sim::nodes::{RecordCx, failure_samplers, sampler};
use crate::sim::pool::{Job, Outputs, Pool};
use crate::sim::record::{M, Summary, Totals};
use crate::sim::{Counters, RunOptions};

pub(crate) struct Hpms<'m> {
    pub cfg: &'m model::Hpms,
    pub pool: Pool,
    /// When it was commissioned (the ramp-up counts from here); `None` before.
    pub commissioned_at: Option<SimTime>,
    /// The pending commissioning event, which a policy may move.
    pub commission_event: Option<EventId>,
    pub extraction_yield: f64,
    pub unsuitable_share: f64,
    /// (lead time in days, product mass in kg) of product made from drive magnets, per
    /// batch and source (merged lots carry their mean entry time).
    pub lead_times: Vec<(f64, f64)>,
    pub product_mass: i64,
    pub sintered_mass: i64,
    pub residue_mass: i64,
    pub co2_kg: f64,
    /// Product mass at the previous record.
    pub last_product: i64,
    /// (time, cumulative product mass, busy and active vessel-seconds) when the ramp-up ended.
    pub ramped_mark: Option<(SimTime, i64, i128, i128)>,
    /// Per model node: whether it is an HDD source (lead times count drive magnets only).
    hdd_origin: Vec<bool>,
}

impl<'m> Hpms<'m> {
    pub fn new(cfg: &'m model::Hpms, model: &Model, id: &str, opts: &RunOptions) -> Result<Self> {
        Ok(Hpms {
            cfg,
            pool: Pool::new(
                opts,
                id,
                cfg.vessels,
                sampler(&cfg.cycle_h)?,
                failure_samplers(&cfg.failures)?,
            ),
            commissioned_at: None,
            commission_event: None,
            extraction_yield: cfg.extraction_yield,
            unsuitable_share: cfg.unsuitable_share,
            lead_times: Vec::new(),
            product_mass: 0,
            sintered_mass: 0,
            residue_mass: 0,
            co2_kg: 0.0,
            last_product: 0,
            ramped_mark: None,
            hdd_origin: model
                .nodes
                .iter()
                .map(|n| matches!(n.kind, NodeKind::HddSource(_)))
                .collect(),
        })
    }

    /// A batch for an idle vessel, once commissioned and a full batch of feed is in.
    pub fn next_batch(&mut self, input: &mut Stock) -> Option<(usize, Parcel)> {
        self.commissioned_at?;
        let s = self.pool.servers.iter().position(|sv| sv.idle())?;
        if input.mass() < self.cfg.batch_mg {
            return None;
        }
        let mut batch = Parcel::new(0);
        input.take_mass_into(self.cfg.batch_mg, &mut batch);
        Some((s, batch))
    }

    pub fn cycle_time(&mut self) -> SimTime {
        let p = &mut self.pool;
        secs_from_hours(p.service.sample(&mut p.service_rng))
    }

    pub fn finish(
        &mut self,
        mut job: Job,
        now: SimTime,
        model: &Model,
        ledger: &mut Ledger,
    ) -> Outputs {
        let h = self.cfg;
        let sinter = share_num(h.sintered_share);
        let suitable = share_num(1.0 - self.unsuitable_share);
        let extract = share_num(self.extraction_yield);
        let mut products = Parcel::new(0);
        let mut residue = Parcel::new(0);
        for mut lot in job.parcel.drain_lots() {
            match model.materials[lot.material].role {
                MaterialRole::Magnet => {
                    let mut ok = lot.split_share(suitable);
                    let mut powder = ok.split_share(extract);
                    let sintered = powder.split_share(sinter).relabel(h.magnet_material);
                    let coproduct = powder.relabel(h.coproduct_material);
                    let made = sintered.mass() + coproduct.mass();
                    if self.hdd_origin[sintered.origin] && made > 0 {
                        let days = (now - sintered.born()) as f64 / DAY as f64;
                        self.lead_times.push((days, made as f64 / MG_PER_KG as f64));
                    }
                    self.sintered_mass += sintered.mass();
                    self.product_mass += made;
                    self.co2_kg +=
                        h.co2_kg_per_kg_product * sintered.mass() as f64 / MG_PER_KG as f64;
                    products.push(sintered);
                    products.push(coproduct);
                    // Unsuitable feed and unextracted magnet go on to the oxide plant.
                    residue.push(lot.relabel(h.residue_material));
                    residue.push(ok.relabel(h.residue_material));
                }
                // Steel holders and drive bodies leave as ferrous scrap.
                MaterialRole::Carrier => ledger.outflow.add(lot.elements()),
                MaterialRole::Scrap | MaterialRole::Product | MaterialRole::Job => {
                    residue.push(lot.relabel(h.residue_material))
                }
            }
        }
        self.residue_mass += residue.mass();
        let mut o = Outputs::new();
        o.push((PORT_MAGNETS, products));
        o.push((PORT_RESIDUE, residue));
        o
    }

    /// A vessel below full capacity pauses so that its duty cycle matches the ramp.
    pub fn rest_after(&self, started: SimTime, now: SimTime) -> Option<SimTime> {
        let share = self
            .cfg
            .capacity_share(self.commissioned_at.unwrap_or(now), now);
        if share >= 1.0 {
            return None;
        }
        let pause = ((now - started) as f64 * (1.0 / share.max(1e-6) - 1.0)).round() as SimTime;
        (pause > 0).then_some(pause)
    }

    pub fn record(&mut self, cx: RecordCx<'_>, c: &Counters) {
        let (now, n) = (cx.now, cx.n);
        let rec = cx.rec;
        let (busy, active) = rec.pool_rows(now, n, &self.pool, c, cx.inventory_mg, cx.storage_mg);
        let h = self.cfg;
        let share = self
            .commissioned_at
            .map_or(0.0, |c| h.capacity_share(c, now));
        if self.ramped_mark.is_none() && self.commissioned_at.is_some_and(|c| now >= c + h.ramp) {
            self.ramped_mark = Some((now, self.product_mass, busy, active));
        }
        rec.put(now, n, M::CapacityShare, share);
        rec.put(
            now,
            n,
            M::Product,
            (self.product_mass - self.last_product) as f64 / MG_PER_KG as f64,
        );
    }

    pub fn summarize(&self, s: &mut Summary, totals: &mut Totals, now: SimTime) {
        s.process_co2_t += self.co2_kg / 1000.0;
        s.hpms_nameplate_t_per_year += self.cfg.nameplate_output_t_per_year;
        totals.lead.extend(self.lead_times.iter().copied());
        totals.hpms += 1;
        if let Some((t0, m0, b0, a0)) = self.ramped_mark
            && now - t0 >= YEAR
        {
            let span = (now - t0) as f64;
            let rate = (self.product_mass - m0) as f64 / MG_PER_T as f64 / span * YEAR as f64;
            let active = (self.pool.active.area(now) - a0) as f64;
            let util = (self.pool.busy.area(now) - b0) as f64 / active.max(1.0);
            totals.ramped.push((rate, util, active / span));
        }
    }
}
