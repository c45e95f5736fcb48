//! `market`: US magnet demand by sector, met each day from domestic and recycled stock
//! first, then from imports by origin in the order the displacement rule sets (each
//! origin's supply its own projection, shaped by policies), then from elastic supply, the
//! commercial inventory and the strategic stockpile; the inventory refills from what
//! imports have left over.

use crate::kernel::{DAY, SimTime, YEAR};
use crate::model::{self, Displacement, MG_PER_KG, MG_PER_T, Model, NodeKind};
use crate::sim::Counters;
use crate::sim::mass::{Ledger, Parcel, Stock};
use crate::sim::nodes::RecordCx;
use crate::sim::nodes::source::grown;
use crate::sim::record::{M, Totals};
use crate::sim::yearly::Yearly;

/// Tonnes per origin and totals, over the run and the current recording interval.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flows {
    pub demand_t: f64,
    /// Recycled deliveries sold (material from the recycling loop).
    pub recycled_t: f64,
    /// Deliveries sold that domestic producers made (see [`makes_new_magnets`]).
    pub domestic_t: f64,
    /// Per origin: imports, to meet demand and to refill the inventory.
    pub imports_t: Vec<f64>,
    pub shortfall_t: f64,
    /// Demand met from the commercial inventory, and imports bought to refill it.
    pub stock_draw_t: f64,
    pub stock_refill_t: f64,
    /// Demand met from the strategic stockpile.
    pub stockpile_release_t: f64,
    /// Per sector: unmet demand, and imports by origin that met its demand.
    pub sector_shortfall_t: Vec<f64>,
    pub sector_imports_t: Vec<Vec<f64>>,
}

impl Flows {
    pub fn zero(m: &model::Market) -> Self {
        Flows {
            imports_t: vec![0.0; m.imports.len()],
            sector_shortfall_t: vec![0.0; m.demand.len()],
            sector_imports_t: vec![vec![0.0; m.imports.len()]; m.demand.len()],
            ..Flows::default()
        }
    }

    /// Everything the market took in: domestic, recycled and imported, t.
    pub fn supply_t(&self) -> f64 {
        self.recycled_t + self.domestic_t + self.imports_t.iter().sum::<f64>()
    }
}

/// What sets an origin's supply before restrictions multiply it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Level {
    /// `share` of its projection (`t_per_year` grown at `growth_per_year`).
    Projection { share: f64 },
    /// `ratio` of its level at the calendar start (`t_per_year`), flat.
    Fixed { ratio: f64 },
}

/// Whether material made at a node of this kind is domestic supply rather than recycled:
/// domestic magnet makers (`producer`, whatever share of their feed was recycled) answer
/// true here, and the market keeps their deliveries apart.
fn makes_new_magnets(kind: &NodeKind) -> bool {
    match kind {
        NodeKind::HddSource(_)
        | NodeKind::ScrapSource(_)
        | NodeKind::Source(_)
        | NodeKind::Preprocessor(_)
        | NodeKind::Station(_)
        | NodeKind::Hpms(_)
        | NodeKind::OxidePlant(_)
        | NodeKind::Market(_)
        | NodeKind::Sink => false,
        NodeKind::Producer(_) => true,
    }
}

pub(crate) struct Market<'m> {
    pub cfg: &'m model::Market,
    pub total: Flows,
    pub interval: Flows,
    /// Per origin: what sets its supply (a projection share or a fixed ratio), by policies.
    pub level: Vec<Level>,
    /// Per origin: active restrictions (id, share), multiplied together.
    pub restrictions: Vec<Vec<(u64, f64)>>,
    /// Per sector: demand multiplier.
    pub demand_multiplier: Vec<f64>,
    /// [sector][origin]: the sector may not be supplied from the origin.
    pub excluded: Vec<Vec<bool>>,
    /// Per node of the model: lots it made are domestic supply.
    domestic: Vec<bool>,
    /// Origins in the order domestic and recycled supply displaces them (the rule).
    displaced: Vec<usize>,
    /// Commercial inventory and strategic stockpile now, t.
    pub stock_t: f64,
    pub stockpile_t: f64,
    /// Tonnes of the stockpile scripts have released and the market has not used yet.
    pub release_budget_t: f64,
    /// Cover of the inventory after the last market day, days.
    pub cover_days: f64,
}

/// Shares `supply` among the sectors `eligible` accepts, in proportion to their `need`,
/// taking from `supply` what it gives; returns what it gave.
fn share_out(need: &mut [f64], supply: &mut f64, eligible: impl Fn(usize) -> bool) -> f64 {
    let total: f64 = need
        .iter()
        .enumerate()
        .filter(|(s, _)| eligible(*s))
        .map(|(_, n)| *n)
        .sum();
    if total <= 0.0 || *supply <= 0.0 {
        return 0.0;
    }
    let given = supply.min(total);
    for (s, n) in need.iter_mut().enumerate() {
        if eligible(s) {
            *n -= *n / total * given;
        }
    }
    *supply -= given;
    given
}

impl<'m> Market<'m> {
    pub fn new(m: &'m model::Market, model: &Model) -> Self {
        let flows = Flows::zero(m);
        // Last listed first; China first under `china_first` (unused when proportional).
        let reverse: Vec<usize> = (0..m.imports.len()).rev().collect();
        let displaced = match m.displacement {
            Displacement::ListedOrder | Displacement::Proportional => reverse,
            Displacement::ChinaFirst => {
                let (china, others): (Vec<usize>, Vec<usize>) = reverse
                    .into_iter()
                    .partition(|&i| m.imports[i].origin == "china");
                china.into_iter().chain(others).collect()
            }
        };
        // Day 0's demand, for the initial inventory (the first market day is at 1 d).
        let demand_t_per_day: f64 =
            m.demand.iter().map(|d| d.t_per_year).sum::<f64>() * DAY as f64 / YEAR as f64;
        let stock_t = m
            .inventory
            .map_or(0.0, |i| i.initial_days * demand_t_per_day);
        Market {
            cfg: m,
            total: flows.clone(),
            interval: flows,
            level: vec![Level::Projection { share: 1.0 }; m.imports.len()],
            restrictions: vec![Vec::new(); m.imports.len()],
            demand_multiplier: vec![1.0; m.demand.len()],
            excluded: vec![vec![false; m.imports.len()]; m.demand.len()],
            domestic: model
                .nodes
                .iter()
                .map(|n| makes_new_magnets(&n.kind))
                .collect(),
            displaced,
            cover_days: m.inventory.map_or(0.0, |i| i.initial_days),
            stock_t,
            stockpile_t: m.stockpile.as_ref().map_or(0.0, |p| p.initial_t),
            release_budget_t: 0.0,
        }
    }

    pub fn origin(&self, origin: &str) -> Option<usize> {
        self.cfg.imports.iter().position(|x| x.origin == origin)
    }

    pub fn sector(&self, sector: &str) -> Option<usize> {
        self.cfg.demand.iter().position(|d| d.sector == sector)
    }

    /// Origin `i`'s projection at `now`, t/yr.
    pub fn projection(&self, i: usize, now: SimTime) -> f64 {
        let imp = &self.cfg.imports[i];
        imp.t_per_year * grown(imp.growth_per_year, now)
    }

    /// Origin `i`'s supply available at `now`, t/yr: its level, times its restrictions.
    pub fn supply_rate(&self, i: usize, now: SimTime) -> f64 {
        let imp = &self.cfg.imports[i];
        let base = match self.level[i] {
            Level::Projection { share } => self.projection(i, now) * share,
            Level::Fixed { ratio } => imp.t_per_year * ratio,
        };
        self.restrictions[i].iter().fold(base, |acc, r| acc * r.1)
    }

    /// Current share of origin `i`'s projection available (1 = as projected).
    pub fn import_share(&self, i: usize, now: SimTime) -> f64 {
        let p = self.projection(i, now);
        if p > 0.0 {
            self.supply_rate(i, now) / p
        } else {
            match self.level[i] {
                Level::Projection { share } => {
                    self.restrictions[i].iter().fold(share, |acc, r| acc * r.1)
                }
                Level::Fixed { ratio } => ratio,
            }
        }
    }

    /// Current demand, t/yr.
    pub fn demand_rate(&self, now: SimTime) -> f64 {
        self.cfg
            .demand
            .iter()
            .zip(&self.demand_multiplier)
            .map(|(d, k)| d.t_per_year * grown(d.growth_per_year, now) * k)
            .sum()
    }

    /// Imports fill `need` from `available` per origin; what each origin gave each sector
    /// is added to `imports[sector][origin]`. Without domestic supply, imports would fill
    /// the day's `gross` demand in listed order (the market's merit order); domestic and
    /// recycled supply (`home`) displaces part of that, taken from the origins in
    /// [`Market::displaced`] order or in proportion, and each origin first offers what it
    /// keeps. A second pass in listed order fills what sectors barred from an origin leave.
    fn fill_from_imports(
        &self,
        gross: f64,
        home: f64,
        need: &mut [f64],
        available: &mut [f64],
        imports: &mut [Vec<f64>],
    ) {
        let mut left = gross;
        let mut keep: Vec<f64> = available
            .iter()
            .map(|a| {
                let take = a.min(left);
                left -= take;
                take
            })
            .collect();
        let total: f64 = keep.iter().sum();
        let mut displace = home.min(total);
        if self.cfg.displacement == Displacement::Proportional {
            if total > 0.0 {
                let k = displace / total;
                for x in &mut keep {
                    *x -= *x * k;
                }
            }
        } else {
            for &o in &self.displaced {
                let cut = keep[o].min(displace);
                keep[o] -= cut;
                displace -= cut;
            }
        }
        let excluded = &self.excluded;
        let mut serve = |need: &mut [f64], o: usize, offer: &mut f64| {
            let before = need.to_vec();
            share_out(need, offer, |s| !excluded[s][o]);
            for (s, row) in imports.iter_mut().enumerate() {
                row[o] += before[s] - need[s];
            }
        };
        for (o, k) in keep.iter_mut().enumerate() {
            let offered = *k;
            serve(need, o, k);
            available[o] -= offered - *k;
        }
        for (o, a) in available.iter_mut().enumerate() {
            serve(need, o, a);
        }
    }

    /// One market day. Domestic and recycled stock is used first: sectors barred from some
    /// origin (a policy) get it first, the others share the rest in proportion to what
    /// they need. Then imports by the displacement rule, elastic supply, the inventory and
    /// (when released) the stockpile; what is still missing is the shortfall. Imports left
    /// over refill the inventory.
    pub fn day(
        &mut self,
        now: SimTime,
        input: &mut Stock,
        ledger: &mut Ledger,
        c: &mut Counters,
        yearly: &mut Yearly,
    ) {
        let m = self.cfg;
        let day_years = DAY as f64 / YEAR as f64;
        let n_origins = m.imports.len();
        let n_sectors = m.demand.len();
        let sector_demand: Vec<f64> = m
            .demand
            .iter()
            .zip(&self.demand_multiplier)
            .map(|(d, k)| d.t_per_year * grown(d.growth_per_year, now) * day_years * k)
            .collect();
        let mut available: Vec<f64> = (0..n_origins)
            .map(|i| self.supply_rate(i, now) * day_years)
            .collect();
        let demand_t: f64 = sector_demand.iter().sum();
        let want_mg = (demand_t * MG_PER_T as f64).round() as i64;
        let mut used = Parcel::new(0);
        input.take_mass_into(want_mg, &mut used);
        ledger.parcel_out(&used);
        let used_mg = used.mass();
        let domestic_mg: i64 = used
            .lots()
            .iter()
            .filter(|l| self.domestic.get(l.origin).copied().unwrap_or(false))
            .map(|l| l.mass())
            .sum();
        let domestic_t = domestic_mg as f64 / MG_PER_T as f64;
        let recycled_t = (used_mg - domestic_mg) as f64 / MG_PER_T as f64;
        let mut home_left = used_mg as f64 / MG_PER_T as f64;
        let mut imports = vec![vec![0.0; n_origins]; n_sectors];
        let mut need = sector_demand.clone();
        // Domestic and recycled supply goes first to sectors barred from some origin (they
        // have fewer sources), in listed order, then to the others in proportion to need.
        let restricted: Vec<bool> = self.excluded.iter().map(|r| r.iter().any(|&x| x)).collect();
        for (s, need) in need.iter_mut().enumerate() {
            if restricted[s] {
                let take = need.min(home_left);
                *need -= take;
                home_left -= take;
            }
        }
        share_out(&mut need, &mut home_left, |s| !restricted[s]);
        let home_t = used_mg as f64 / MG_PER_T as f64 - home_left;
        // Per sector, the recycled part of what domestic and recycled stock gave it.
        let recycled_part = if home_t > 0.0 {
            recycled_t / home_t
        } else {
            0.0
        };
        let recycled: Vec<f64> = sector_demand
            .iter()
            .zip(&need)
            .map(|(d, n)| (d - n) * recycled_part)
            .collect();
        self.fill_from_imports(demand_t, home_t, &mut need, &mut available, &mut imports);
        // Elastic supply: origins that can add a share of their supply when still short.
        if need.iter().sum::<f64>() > 0.0 {
            let mut extra: Vec<f64> = (0..n_origins)
                .map(|o| self.supply_rate(o, now) * day_years * m.imports[o].elastic_share)
                .collect();
            for o in 0..n_origins {
                let excluded = &self.excluded;
                let before = need.clone();
                share_out(&mut need, &mut extra[o], |s| !excluded[s][o]);
                for s in 0..n_sectors {
                    imports[s][o] += before[s] - need[s];
                }
            }
        }
        // The commercial inventory serves every sector not barred from an origin (the
        // stock holds every origin's magnets, mixed).
        let stock_draw = share_out(&mut need, &mut self.stock_t, |s| !restricted[s]);
        let cover = if demand_t > 0.0 {
            self.stock_t / demand_t
        } else {
            0.0
        };
        // The strategic stockpile: what scripts released, or all of it below the cover.
        let mut stockpile_release = 0.0;
        if let Some(p) = &m.stockpile {
            let auto = p.release_below_cover_days.is_some_and(|d| cover < d);
            let mut may = if auto {
                self.stockpile_t
            } else {
                self.release_budget_t.min(self.stockpile_t)
            };
            let before = may;
            share_out(&mut need, &mut may, |s| p.serves[s]);
            stockpile_release = before - may;
            self.stockpile_t -= stockpile_release;
            self.release_budget_t = (self.release_budget_t - stockpile_release).max(0.0);
        }
        let mut shortfall = vec![0.0; n_sectors];
        for s in 0..n_sectors {
            // Floating-point crumbs of a fully served sector are not a shortfall.
            shortfall[s] = if need[s] < 1e-9 * sector_demand[s].max(1.0) {
                0.0
            } else {
                need[s]
            };
        }
        // Refill: imports left over, at most target / refill_days a day, up to the target.
        let mut refill = vec![0.0; n_origins];
        if let Some(inv) = &m.inventory {
            let target = inv.target_days * demand_t;
            let room = (target - self.stock_t)
                .min(target / inv.refill_days)
                .max(0.0);
            let headroom: f64 = available.iter().sum();
            if room > 0.0 && headroom > 0.0 {
                if m.displacement == Displacement::Proportional {
                    let k = (room / headroom).min(1.0);
                    for (o, r) in refill.iter_mut().enumerate() {
                        *r = available[o] * k;
                    }
                } else {
                    let mut left = room;
                    for o in 0..n_origins {
                        let take = available[o].min(left);
                        refill[o] = take;
                        left -= take;
                    }
                }
                self.stock_t += refill.iter().sum::<f64>();
            }
        }
        self.cover_days = if demand_t > 0.0 {
            self.stock_t / demand_t
        } else {
            0.0
        };
        yearly.market_day(now, m, &sector_demand, &recycled, &imports, &shortfall);
        yearly.market_stocks(now, m, domestic_t, stock_draw, &refill, stockpile_release);
        for f in [&mut self.total, &mut self.interval] {
            f.demand_t += demand_t;
            f.recycled_t += recycled_t;
            f.domestic_t += domestic_t;
            f.shortfall_t += shortfall.iter().sum::<f64>();
            f.stock_draw_t += stock_draw;
            f.stock_refill_t += refill.iter().sum::<f64>();
            f.stockpile_release_t += stockpile_release;
            for (o, t) in refill.iter().enumerate() {
                f.imports_t[o] += t;
            }
            for (s, row) in imports.iter().enumerate() {
                f.sector_shortfall_t[s] += shortfall[s];
                for (o, t) in row.iter().enumerate() {
                    f.imports_t[o] += t;
                    f.sector_imports_t[s][o] += t;
                }
            }
        }
        c.out_mass += used_mg;
        c.out_mass_total += used_mg;
    }

    /// The share of what the market took in that came from the origin named `china`.
    fn china_share(&self, f: &Flows) -> Option<f64> {
        let i = self.origin("china")?;
        let supply = f.supply_t();
        Some(if supply > 0.0 {
            f.imports_t[i] / supply
        } else {
            0.0
        })
    }

    pub fn record(&self, cx: RecordCx<'_>) {
        let (now, n, rec) = (cx.now, cx.n, cx.rec);
        let f = &self.interval;
        rec.put(
            now,
            n,
            M::Inventory,
            cx.inventory_mg as f64 / MG_PER_KG as f64,
        );
        rec.put(now, n, M::Demand, f.demand_t);
        rec.put(now, n, M::Recycled, f.recycled_t);
        rec.put(now, n, M::Shortfall, f.shortfall_t);
        let share = if f.demand_t > 0.0 {
            (f.recycled_t + f.domestic_t) / f.demand_t
        } else {
            0.0
        };
        rec.put(now, n, M::DomesticShare, share);
        let m = self.cfg;
        for (i, imp) in m.imports.iter().enumerate() {
            let id = rec.dynamic(|| format!("imports_t.{}", imp.origin), "t", (n, 0, i));
            rec.push(now, n, id, f.imports_t[i]);
        }
        for (s, d) in m.demand.iter().enumerate() {
            let id = rec.dynamic(|| format!("shortfall_t.{}", d.sector), "t", (n, s + 1, 0));
            rec.push(now, n, id, f.sector_shortfall_t[s]);
            for (i, imp) in m.imports.iter().enumerate() {
                let id = rec.dynamic(
                    || format!("imports_t.{}.{}", imp.origin, d.sector),
                    "t",
                    (n, s + 1, i + 1),
                );
                rec.push(now, n, id, f.sector_imports_t[s][i]);
            }
        }
        // Supply kept apart, the Chinese share, and the stocks (keys past any sector's).
        let mut extra: Vec<(&str, &str, f64)> = vec![("domestic_supply_t", "t", f.domestic_t)];
        if let Some(share) = self.china_share(f) {
            extra.push(("china_share", "fraction", share));
        }
        if m.inventory.is_some() {
            extra.extend([
                ("stock_t", "t", self.stock_t),
                ("stock_cover_days", "days", self.cover_days),
                ("stock_draw_t", "t", f.stock_draw_t),
                ("stock_refill_t", "t", f.stock_refill_t),
            ]);
        }
        if m.stockpile.is_some() {
            extra.extend([
                ("stockpile_t", "t", self.stockpile_t),
                ("stockpile_release_t", "t", f.stockpile_release_t),
            ]);
        }
        for (k, (name, unit, v)) in extra.into_iter().enumerate() {
            let id = rec.dynamic(|| name.to_string(), unit, (n, usize::MAX, k));
            rec.push(now, n, id, v);
        }
    }

    pub fn summarize(&self, totals: &mut Totals) {
        // Demand, supply, imports, shortfall and the stock flows over the whole run are
        // the sums of their yearly rows (record.rs); here only China's share.
        let t = &self.total;
        if let Some(i) = self.origin("china") {
            let china = totals.china.get_or_insert((0.0, 0.0));
            china.0 += t.imports_t[i];
            china.1 += t.supply_t();
        }
    }
}
