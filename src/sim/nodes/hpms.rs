//! `hpms`: a hydrogen-processing (HPMS) hub such as HyProMag USA's in Dallas-Fort Worth.
//! Steel carriers are separated from the feed on arrival and leave as ferrous scrap, so
//! vessel batches are filled by magnet (alloy) mass. Suitable, extracted magnet becomes
//! sintered magnets (port `magnets`) and co-products (port `coproducts`); the rest goes on
//! to the oxide plant as residue. Output ramps up from commissioning.

use crate::error::Result;
use crate::kernel::{DAY, EventId, SimTime, YEAR, secs_from_hours};
use crate::model::origins::HOME;
use crate::model::{
    self, MG_PER_KG, MG_PER_T, MaterialRole, Model, NodeKind, PORT_COPRODUCTS, PORT_MAGNETS,
    PORT_RESIDUE,
};
use crate::sim::mass::{Ledger, Parcel, Stage, Stock, share_num};
use crate::sim::nodes::{RecordCx, failure_samplers, sampler};
use crate::sim::pool::{Job, Outputs, Pool};
use crate::sim::record::{HubSpan, M, Summary, Totals};
use crate::sim::{Counters, RunOptions};

/// What the hub had made and received by a recording step: the start of the span its
/// finding measures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pub t: SimTime,
    pub sintered_mg: i64,
    pub coproduct_mg: i64,
    pub feed_mg: i64,
    /// Busy and active vessel-seconds so far.
    pub busy: i128,
    pub active: i128,
}

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
    pub sintered_mass: i64,
    pub coproduct_mass: i64,
    pub residue_mass: i64,
    /// Magnet (alloy) feed received: every delivered mg but its carriers.
    pub feed_mass: i64,
    /// Carriers (steel holders) separated on arrival, sent off as ferrous scrap.
    pub carrier_mass: i64,
    pub co2_kg: f64,
    /// Product mass (sintered and co-products) at the previous record.
    pub last_product: i64,
    /// The first record at or after the end of the ramp-up (boxed: set once a run, and
    /// the node kinds stay small).
    pub ramped_mark: Option<Box<Mark>>,
    /// The first record in operation at or after the horizon less a year.
    pub last_year_mark: Option<Box<Mark>>,
    horizon: SimTime,
    /// Per model node: whether it is an HDD source (lead times count drive magnets only).
    hdd_origin: Vec<bool>,
    /// Per material: whether it is a carrier, separated on arrival.
    carrier: Vec<bool>,
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
            sintered_mass: 0,
            coproduct_mass: 0,
            residue_mass: 0,
            feed_mass: 0,
            carrier_mass: 0,
            co2_kg: 0.0,
            last_product: 0,
            ramped_mark: None,
            last_year_mark: None,
            horizon: model.horizon,
            hdd_origin: model
                .nodes
                .iter()
                .map(|n| matches!(n.kind, NodeKind::HddSource(_)))
                .collect(),
            carrier: model
                .materials
                .iter()
                .map(|m| m.role == MaterialRole::Carrier)
                .collect(),
        })
    }

    /// Sintered magnets and co-products made so far, mg.
    pub fn product_mass(&self) -> i64 {
        self.sintered_mass + self.coproduct_mass
    }

    /// A delivery arrives: its carriers (the steel of VCM assemblies) are separated at the
    /// gate and leave as ferrous scrap; the magnet feed goes into the input.
    pub fn receive(&mut self, mut p: Parcel, input: &mut Stock, ledger: &mut Ledger) {
        if p.lots().iter().any(|l| self.carrier[l.material]) {
            let mut feed = Parcel::new(p.units);
            for lot in p.drain_lots() {
                if self.carrier[lot.material] {
                    self.carrier_mass += lot.mass();
                    ledger.outflow.add(lot.elements());
                } else {
                    feed.push(lot);
                }
            }
            p = feed;
        }
        self.feed_mass += p.mass();
        if !p.is_empty() {
            input.push(p);
        }
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
        let mut magnets = Parcel::new(0);
        let mut coproducts = Parcel::new(0);
        let mut residue = Parcel::new(0);
        for mut lot in job.parcel.drain_lots() {
            match model.materials[lot.material].role {
                MaterialRole::Magnet => {
                    let mut ok = lot.split_share(suitable);
                    let mut powder = ok.split_share(extract);
                    // Made into magnets here: the magnet stage is the model's own (`us`).
                    let sintered = powder
                        .split_share(sinter)
                        .relabel(h.magnet_material)
                        .stamped(Stage::Magnet, HOME);
                    let coproduct = powder.relabel(h.coproduct_material);
                    let made = sintered.mass() + coproduct.mass();
                    if self.hdd_origin[sintered.origin] && made > 0 {
                        let days = (now - sintered.born()) as f64 / DAY as f64;
                        self.lead_times.push((days, made as f64 / MG_PER_KG as f64));
                    }
                    self.sintered_mass += sintered.mass();
                    self.coproduct_mass += coproduct.mass();
                    self.co2_kg +=
                        h.co2_kg_per_kg_product * sintered.mass() as f64 / MG_PER_KG as f64;
                    magnets.push(sintered);
                    coproducts.push(coproduct);
                    // Unsuitable feed and unextracted magnet go on to the oxide plant.
                    residue.push(lot.relabel(h.residue_material));
                    residue.push(ok.relabel(h.residue_material));
                }
                // Carriers are separated on arrival (`receive`); any that reach a batch
                // leave as ferrous scrap all the same.
                MaterialRole::Carrier => ledger.outflow.add(lot.elements()),
                MaterialRole::Scrap | MaterialRole::Product | MaterialRole::Job => {
                    residue.push(lot.relabel(h.residue_material))
                }
            }
        }
        self.residue_mass += residue.mass();
        let mut o = Outputs::new();
        o.push((PORT_MAGNETS, magnets));
        o.push((PORT_RESIDUE, residue));
        o.push((PORT_COPRODUCTS, coproducts));
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

    fn mark(&self, now: SimTime, busy: i128, active: i128) -> Box<Mark> {
        Box::new(Mark {
            t: now,
            sintered_mg: self.sintered_mass,
            coproduct_mg: self.coproduct_mass,
            feed_mg: self.feed_mass,
            busy,
            active,
        })
    }

    pub fn record(&mut self, cx: RecordCx<'_>, c: &Counters) {
        let (now, n) = (cx.now, cx.n);
        let rec = cx.rec;
        let (busy, active) = rec.pool_rows(now, n, &self.pool, c, cx.inventory_mg, cx.storage_mg);
        let h = self.cfg;
        let share = self
            .commissioned_at
            .map_or(0.0, |c| h.capacity_share(c, now));
        if let Some(c) = self.commissioned_at {
            if self.ramped_mark.is_none() && now >= c + h.ramp {
                self.ramped_mark = Some(self.mark(now, busy, active));
            }
            if self.last_year_mark.is_none() && now >= self.horizon - YEAR {
                self.last_year_mark = Some(self.mark(now, busy, active));
            }
        }
        rec.put(now, n, M::CapacityShare, share);
        rec.put(
            now,
            n,
            M::Product,
            (self.product_mass() - self.last_product) as f64 / MG_PER_KG as f64,
        );
    }

    /// The span the hub's finding measures: from the end of the ramp-up when a year or
    /// more of full capacity was simulated, else the run's last year (or what of it the
    /// hub was in operation); `None` when it was never in operation.
    fn span_mark(&self, now: SimTime) -> Option<&Mark> {
        match (&self.ramped_mark, &self.last_year_mark) {
            (Some(m), _) if now - m.t >= YEAR => Some(m),
            (_, Some(m)) if now > m.t => Some(m),
            _ => None,
        }
    }

    pub fn summarize(&self, s: &mut Summary, totals: &mut Totals, now: SimTime) {
        // The whole-run output (hpms_output_t, sintered, co-products) is the sum of the
        // yearly rows (record.rs), which `on_done` adds to batch by batch.
        let h = self.cfg;
        s.process_co2_t += self.co2_kg / 1000.0;
        s.hpms_nameplate_t_per_year += h.nameplate_output_t_per_year();
        s.hpms_nameplate_sintered_t_per_year += h.sintered_t_per_year;
        totals.lead.extend(self.lead_times.iter().copied());
        totals.hpms += 1;
        let (Some(commissioned), Some(m)) = (self.commissioned_at, self.span_mark(now)) else {
            return;
        };
        let years = (now - m.t) as f64 / YEAR as f64;
        let per_year = |mg: i64| mg as f64 / MG_PER_T as f64 / years;
        totals.spans.push(HubSpan {
            from: m.t,
            to: now,
            sintered_t_per_year: per_year(self.sintered_mass - m.sintered_mg),
            coproducts_t_per_year: per_year(self.coproduct_mass - m.coproduct_mg),
            feed_t_per_year: per_year(self.feed_mass - m.feed_mg),
            feed_needed_t_per_year: h
                .feed_needed_t_per_year(self.unsuitable_share, self.extraction_yield),
            busy: (self.pool.busy.area(now) - m.busy) as f64,
            active: (self.pool.active.area(now) - m.active) as f64,
            nameplate_t_per_year: h.nameplate_output_t_per_year(),
            share_mean: h.mean_capacity_share(commissioned, m.t, now),
            share_end: h.capacity_share(commissioned, now),
            full_output_at: commissioned + h.ramp,
        });
    }
}
