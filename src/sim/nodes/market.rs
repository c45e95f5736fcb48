//! `market`: US magnet demand by sector, met each day from recycled stock first, then
//! from imports by origin (each origin's supply shaped by policies: shares, restrictions,
//! sectors barred from an origin).

use crate::kernel::{DAY, SimTime, YEAR};
use crate::model::{self, MG_PER_KG, MG_PER_T};
use crate::sim::Counters;
use crate::sim::mass::{Ledger, Parcel, Stock};
use crate::sim::nodes::RecordCx;
use crate::sim::nodes::source::grown;
use crate::sim::record::M;
use crate::sim::yearly::Yearly;

/// Tonnes per origin and totals, over the run and the current recording interval.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flows {
    pub demand_t: f64,
    pub recycled_t: f64,
    pub imports_t: Vec<f64>,
    pub shortfall_t: f64,
    /// Per sector: unmet demand, and imports by origin.
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
}

pub(crate) struct Market<'m> {
    pub cfg: &'m model::Market,
    pub total: Flows,
    pub interval: Flows,
    /// Per origin: base share of baseline supply (1 = baseline), set by policies.
    pub base_share: Vec<f64>,
    /// Per origin: active restrictions (id, share), multiplied together.
    pub restrictions: Vec<Vec<(u64, f64)>>,
    /// Per sector: demand multiplier.
    pub demand_multiplier: Vec<f64>,
    /// [sector][origin]: the sector may not be supplied from the origin.
    pub excluded: Vec<Vec<bool>>,
}

/// Shares `supply` among the sectors `eligible` accepts, in proportion to their `need`,
/// taking from `supply` what it gives.
fn share_out(need: &mut [f64], supply: &mut f64, eligible: impl Fn(usize) -> bool) {
    let total: f64 = need
        .iter()
        .enumerate()
        .filter(|(s, _)| eligible(*s))
        .map(|(_, n)| *n)
        .sum();
    if total <= 0.0 || *supply <= 0.0 {
        return;
    }
    let given = supply.min(total);
    for (s, n) in need.iter_mut().enumerate() {
        if eligible(s) {
            *n -= *n / total * given;
        }
    }
    *supply -= given;
}

impl<'m> Market<'m> {
    pub fn new(m: &'m model::Market) -> Self {
        let flows = Flows::zero(m);
        Market {
            cfg: m,
            total: flows.clone(),
            interval: flows,
            base_share: vec![1.0; m.imports.len()],
            restrictions: vec![Vec::new(); m.imports.len()],
            demand_multiplier: vec![1.0; m.demand.len()],
            excluded: vec![vec![false; m.imports.len()]; m.demand.len()],
        }
    }

    pub fn origin(&self, origin: &str) -> Option<usize> {
        self.cfg.imports.iter().position(|x| x.origin == origin)
    }

    pub fn sector(&self, sector: &str) -> Option<usize> {
        self.cfg.demand.iter().position(|d| d.sector == sector)
    }

    /// Current share of origin `i`'s baseline supply.
    pub fn import_share(&self, i: usize) -> f64 {
        self.restrictions[i]
            .iter()
            .fold(self.base_share[i], |acc, r| acc * r.1)
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

    /// One market day. Recycled stock is used first, then imports in listed order. Sectors
    /// barred from an origin (a policy) get recycled supply first; everything else is
    /// shared among the sectors that may take it in proportion to what they still need.
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
        let sector_demand: Vec<f64> = m
            .demand
            .iter()
            .zip(&self.demand_multiplier)
            .map(|(d, k)| d.t_per_year * grown(d.growth_per_year, now) * day_years * k)
            .collect();
        let mut available: Vec<f64> = m
            .imports
            .iter()
            .enumerate()
            .map(|(i, imp)| {
                imp.t_per_year * grown(imp.growth_per_year, now) * day_years * self.import_share(i)
            })
            .collect();
        let demand_t: f64 = sector_demand.iter().sum();
        let want_mg = (demand_t * MG_PER_T as f64).round() as i64;
        let mut used = Parcel::new(0);
        input.take_mass_into(want_mg, &mut used);
        ledger.parcel_out(&used);
        let used_mg = used.mass();
        let recycled_t = used_mg as f64 / MG_PER_T as f64;
        let mut recycled_left = recycled_t;
        let n_origins = m.imports.len();
        let n_sectors = m.demand.len();
        let mut imports = vec![vec![0.0; n_origins]; n_sectors];
        let mut shortfall = vec![0.0; n_sectors];
        let mut need = sector_demand.clone();
        // Recycled supply goes first to sectors barred from some origin (they have fewer
        // sources), in listed order, then to the others in proportion to their need.
        let excluded = &self.excluded;
        let restricted = |s: usize| excluded[s].iter().any(|&x| x);
        for (_, need) in need.iter_mut().enumerate().filter(|(s, _)| restricted(*s)) {
            let take = need.min(recycled_left);
            *need -= take;
            recycled_left -= take;
        }
        share_out(&mut need, &mut recycled_left, |s| !restricted(s));
        let recycled: Vec<f64> = sector_demand
            .iter()
            .zip(&need)
            .map(|(d, n)| d - n)
            .collect();
        // Each origin in listed order, shared among the sectors allowed to buy from it in
        // proportion to what they still need.
        for (o, left) in available.iter_mut().enumerate() {
            let before = need.clone();
            share_out(&mut need, left, |s| !excluded[s][o]);
            for s in 0..n_sectors {
                imports[s][o] = before[s] - need[s];
            }
        }
        for s in 0..n_sectors {
            // Floating-point crumbs of a fully served sector are not a shortfall.
            shortfall[s] = if need[s] < 1e-9 * sector_demand[s].max(1.0) {
                0.0
            } else {
                need[s]
            };
        }
        yearly.market_day(now, m, &sector_demand, &recycled, &imports, &shortfall);
        for f in [&mut self.total, &mut self.interval] {
            f.demand_t += demand_t;
            f.recycled_t += recycled_t;
            f.shortfall_t += shortfall.iter().sum::<f64>();
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
            f.recycled_t / f.demand_t
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
    }
}
