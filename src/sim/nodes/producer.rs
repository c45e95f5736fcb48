//! `producer`: a domestic primary magnet maker (MP Materials, e-VAC, Noveon, USA Rare
//! Earth). Each day, once commissioned and not in an outage, it makes
//! `lines x line_t_per_year x ramp share x availability` of magnets per year, a day's worth
//! (the ramp share of the day's start), of its magnet material's composition.
//!
//! The element masses its magnets carry come first from recycled feed in its input (oxides
//! from an oxide plant, alloy from an HPMS hub), FIFO, as much of it as the day's make can
//! use; the rest of each rare earth comes from its external feed (Mountain Pass oxide,
//! imported oxide), and iron, boron and the other additions are bought: both are inflows
//! to its ledger, so mass balance stays exact. What the feed carries and the magnets do
//! not (the oxides' oxygen, released on reduction; elements the grade has none of) leaves
//! as by-product. A producer without external feed makes only what its recycled feed's
//! rare earths allow.

use crate::kernel::{DAY, EventId, SimTime, YEAR};
use crate::model::origins::HOME;
use crate::model::{self, MAX_ELEMENTS, MG_PER_KG, MG_PER_T, Model};
use crate::sim::Counters;
use crate::sim::mass::{Chain, Elements, Ledger, Lot, Parcel, Stage, Stock};
use crate::sim::nodes::RecordCx;
use crate::sim::pool::Outputs;
use crate::sim::record::M;

/// One day's make, mg: what the yearly KPIs add.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Made {
    pub magnets_mg: i64,
    /// Recycled feed taken from the input.
    pub recycled_feed_mg: i64,
    /// Rare earths brought in from the external feed.
    pub external_mg: i64,
    pub cost_usd: f64,
}

pub(crate) struct Producer<'m> {
    pub cfg: &'m model::Producer,
    pub commissioned_at: Option<SimTime>,
    pub commission_event: Option<EventId>,
    /// Reasons it is down (policy outages): runs when 0.
    pub down: u32,
    /// Lines in service (scripts add and retire them).
    pub lines: i64,
    pub total: Made,
    /// Recycled feed taken since the last recording step, mg.
    pub feed_interval: i64,
    /// Magnet composition by element (`other` last).
    fractions: [f64; MAX_ELEMENTS],
    rare: [bool; MAX_ELEMENTS],
    n_elements: usize,
}

impl<'m> Producer<'m> {
    pub fn new(cfg: &'m model::Producer, model: &Model) -> Self {
        let mut fractions = [0.0; MAX_ELEMENTS];
        let f = &model.materials[cfg.magnet_material].fractions;
        fractions[..f.len()].copy_from_slice(f);
        let rare = model.rare_earth_mask();
        Producer {
            cfg,
            commissioned_at: None,
            commission_event: None,
            down: 0,
            lines: cfg.lines as i64,
            total: Made::default(),
            feed_interval: 0,
            fractions,
            rare,
            n_elements: model.elements.len(),
        }
    }

    /// Capacity now, t/yr: lines in service times the ramp share (0 before commissioning).
    pub fn capacity_t_per_year(&self, now: SimTime) -> f64 {
        let share = self
            .commissioned_at
            .map_or(0.0, |c| self.cfg.capacity_share(c, now));
        self.lines as f64 * self.cfg.line_t_per_year * share
    }

    /// A day's make at full feed, mg: capacity now x availability, a day's worth.
    pub fn day_target_mg(&self, now: SimTime) -> i64 {
        let t = self.capacity_t_per_year(now) * self.cfg.availability;
        (t * MG_PER_T as f64 * DAY as f64 / YEAR as f64).round() as i64
    }

    /// Retires (`delta < 0`) or adds lines; returns how many it could not retire.
    pub fn change_lines(&mut self, delta: i64) -> i64 {
        let short = (-delta - self.lines).max(0);
        self.lines = (self.lines + delta).max(0);
        short
    }

    /// One day's make, if the plant is up: its magnets on port 0, and the day's figures.
    pub fn day(
        &mut self,
        n: usize,
        now: SimTime,
        input: &mut Stock,
        ledger: &mut Ledger,
    ) -> Option<(Outputs, Made)> {
        if self.down > 0 {
            return None;
        }
        let n_el = self.n_elements;
        let f = &self.fractions[..n_el];
        let have = *input.elements();
        let external = self.cfg.external_feed.is_some();
        let mut target = self.day_target_mg(now) as f64;
        if !external {
            // Only what the recycled feed's rare earths allow (each element the grade needs).
            for (e, &fe) in f.iter().enumerate() {
                if self.rare[e] && fe > 0.0 {
                    target = target.min(have.get(e) as f64 / fe);
                }
            }
        }
        if target < 1.0 {
            return None;
        }
        let mut need = Elements::ZERO;
        for (e, &fe) in f.iter().enumerate() {
            need.set(e, (target * fe).floor() as i64);
        }
        // The share of the input the day can use: no element of it beyond what is needed.
        let mut r: f64 = 1.0;
        for (e, &fe) in f.iter().enumerate() {
            if fe > 0.0 && have.get(e) > 0 {
                r = r.min(need.get(e) as f64 / have.get(e) as f64);
            }
        }
        let mut feed = Parcel::new(0);
        input.take_mass_into((r * input.mass() as f64).floor() as i64, &mut feed);
        let mut got = Elements::ZERO;
        feed.add_elements(&mut got);
        let (mut magnet, mut bought, mut byproduct) =
            (Elements::ZERO, Elements::ZERO, Elements::ZERO);
        let mut external_mg = 0;
        for (e, &fe) in f.iter().enumerate() {
            let g = got.get(e);
            if fe == 0.0 {
                byproduct.set(e, g);
                continue;
            }
            let m = if self.rare[e] && !external {
                g
            } else {
                g.max(need.get(e))
            };
            magnet.set(e, m);
            bought.set(e, m - g);
            if self.rare[e] {
                external_mg += m - g;
            }
        }
        ledger.inflow.add(&bought);
        ledger.outflow.add(&byproduct);
        let magnets_mg = magnet.total();
        if magnets_mg == 0 {
            return None;
        }
        let made = Made {
            magnets_mg,
            recycled_feed_mg: feed.mass(),
            external_mg,
            cost_usd: magnets_mg as f64 / MG_PER_KG as f64 * self.cfg.cost_usd_per_kg,
        };
        self.total.magnets_mg += made.magnets_mg;
        self.total.recycled_feed_mg += made.recycled_feed_mg;
        self.total.external_mg += made.external_mg;
        self.total.cost_usd += made.cost_usd;
        self.feed_interval += made.recycled_feed_mg;
        // Origins by stage: what the recycled feed carried, and the external feed's tags if
        // it bought rare earths; the magnets are made here.
        let mut chain = feed
            .lots()
            .iter()
            .fold(Chain::NONE, |c, l| c.union(l.chain));
        // A milligram or so of rounding per element is not a purchase.
        if made.external_mg > MAX_ELEMENTS as i64 {
            chain = chain.union(self.cfg.external_chain);
        }
        let mut out = Parcel::new(0);
        out.push(
            Lot::of_elements(self.cfg.magnet_material, magnet, now, n)
                .with_chain(chain)
                .stamped(Stage::Magnet, HOME),
        );
        let mut o = Outputs::new();
        o.push((0, out));
        Some((o, made))
    }

    pub fn record(&self, cx: RecordCx<'_>, c: &Counters) {
        let (now, n, rec) = (cx.now, cx.n, cx.rec);
        let kg = |mg: i64| mg as f64 / MG_PER_KG as f64;
        rec.put(now, n, M::Inventory, kg(cx.inventory_mg));
        rec.put(now, n, M::Storage, kg(cx.storage_mg));
        rec.put(now, n, M::FeedProcessed, kg(self.feed_interval));
        let share = self
            .commissioned_at
            .map_or(0.0, |c| self.cfg.capacity_share(c, now));
        rec.put(now, n, M::CapacityShare, share);
        rec.output_rows(now, n, c);
    }
}
