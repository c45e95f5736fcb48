//! `oxide_plant`: leach-and-separate plant such as USSM / Ionic Technologies in
//! Fredericktown. Each day it takes up to a day's feed, recovers each product's elements
//! as oxides (oxygen from the reagents added to the products' mass), loses the rest of the
//! rare earths, and sends non-rare-earth mass out of the loop as by-product.

use crate::kernel::{DAY, EventId, SimTime, YEAR};
use crate::model::origins::HOME;
use crate::model::{self, MAX_ELEMENTS, MG_PER_KG, MG_PER_T, Model};
use crate::sim::Counters;
use crate::sim::mass::{Chain, Elements, Ledger, Lot, Parcel, Stage, Stock, share_num, share_of};
use crate::sim::nodes::RecordCx;
use crate::sim::pool::Outputs;
use crate::sim::record::M;

pub(crate) struct OxidePlant<'m> {
    pub cfg: &'m model::OxidePlant,
    pub commissioned: bool,
    pub commission_event: Option<EventId>,
    /// Reasons it is down (policy outages): runs when 0.
    pub down: u32,
    /// Recovery per element (policy-adjustable).
    pub recovery: Vec<f64>,
    pub feed_total: i64,
    pub feed_interval: i64,
    pub oxide_total: i64,
    pub oxygen_added: i64,
    /// Per element: the product that takes it, if any.
    product_of: [Option<usize>; MAX_ELEMENTS],
    /// Per element: whether it is a rare earth (lost when no product takes it).
    rare: [bool; MAX_ELEMENTS],
    n_elements: usize,
    /// Per product: element masses of the day's campaign (reused, not reallocated).
    product_el: Vec<Elements>,
}

impl<'m> OxidePlant<'m> {
    pub fn new(cfg: &'m model::OxidePlant, model: &Model) -> Self {
        let mut product_of = [None; MAX_ELEMENTS];
        for (e, slot) in product_of.iter_mut().enumerate().take(model.elements.len()) {
            *slot = cfg
                .products
                .iter()
                .position(|pr| pr.elements.iter().any(|(x, _)| *x == e));
        }
        let rare = model.rare_earth_mask();
        OxidePlant {
            cfg,
            commissioned: false,
            commission_event: None,
            down: 0,
            recovery: cfg.recovery.clone(),
            feed_total: 0,
            feed_interval: 0,
            oxide_total: 0,
            oxygen_added: 0,
            product_of,
            rare,
            n_elements: model.elements.len(),
            product_el: vec![Elements::ZERO; cfg.products.len()],
        }
    }

    /// A day's feed capacity, mg.
    pub fn day_feed_mg(&self) -> i64 {
        (self.cfg.feed_t_per_year * MG_PER_T as f64 * DAY as f64 / YEAR as f64).round() as i64
    }

    /// One day's campaign, if the plant is up: its oxides, on port 0.
    pub fn day(
        &mut self,
        n: usize,
        now: SimTime,
        input: &mut Stock,
        ledger: &mut Ledger,
    ) -> Option<Outputs> {
        if self.down > 0 {
            return None;
        }
        let mut feed = Parcel::new(0);
        input.take_mass_into(self.day_feed_mg(), &mut feed);
        if feed.is_empty() {
            return None;
        }
        let mut have = Elements::ZERO;
        feed.add_elements(&mut have);
        // The oxides carry the mines of every lot in the day's feed, refined here (`us`);
        // they are not magnets yet.
        let chain = feed
            .lots()
            .iter()
            .fold(Chain::NONE, |c, l| c.union(l.chain))
            .stamped(Stage::Oxide, HOME);
        let chain = Chain([chain.0[0], chain.0[1], 0]);
        let products = &self.cfg.products;
        let product_el = &mut self.product_el;
        product_el.fill(Elements::ZERO);
        let mut lost = Elements::ZERO;
        let mut byproduct = Elements::ZERO;
        for e in 0..self.n_elements {
            let mg = have.get(e);
            match self.product_of[e] {
                Some(k) => {
                    let got = share_of(mg, share_num(self.recovery[e]));
                    product_el[k].add_to(e, got);
                    lost.set(e, mg - got);
                }
                None if self.rare[e] => lost.set(e, mg),
                None => byproduct.set(e, mg),
            }
        }
        ledger.loss.add(&lost);
        ledger.outflow.add(&byproduct);
        // Oxygen taken up by the oxides comes in with the reagents.
        let ox = self.cfg.oxygen;
        let mut oxygen_in = 0;
        let mut out = Parcel::new(0);
        for (k, pr) in products.iter().enumerate() {
            let el = &mut product_el[k];
            let mut oxygen = 0;
            for &(e, factor) in &pr.elements {
                oxygen += (el.get(e) as f64 * (factor - 1.0)).floor() as i64;
            }
            el.add_to(ox, oxygen);
            oxygen_in += oxygen;
            out.push(Lot::of_elements(pr.material, *el, now, n).with_chain(chain));
        }
        ledger.inflow.add_to(ox, oxygen_in);
        self.feed_total += feed.mass();
        self.feed_interval += feed.mass();
        self.oxygen_added += oxygen_in;
        self.oxide_total += out.mass();
        let mut o = Outputs::new();
        o.push((0, out));
        Some(o)
    }

    pub fn record(&self, cx: RecordCx<'_>, c: &Counters) {
        let (now, n, rec) = (cx.now, cx.n, cx.rec);
        let kg = |mg: i64| mg as f64 / MG_PER_KG as f64;
        rec.put(now, n, M::Inventory, kg(cx.inventory_mg));
        rec.put(now, n, M::Storage, kg(cx.storage_mg));
        rec.put(now, n, M::FeedProcessed, kg(self.feed_interval));
        rec.output_rows(now, n, c);
    }
}
