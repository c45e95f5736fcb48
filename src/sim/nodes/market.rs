//! `market`: US magnet demand by sector, met each day from domestic and recycled stock
//! first, then from imports by origin in the order the displacement rule sets (each
//! origin's supply its own projection, shaped by policies), then from elastic supply, the
//! commercial inventory and the strategic stockpile; the inventory refills from what
//! imports have left over.

use crate::kernel::{DAY, SimTime, YEAR};
use crate::model::kinds::Substitution;
use crate::model::{self, Displacement, MG_PER_KG, MG_PER_T, Model, NodeKind};
use crate::sim::Counters;
use crate::sim::mass::{Chain, Ledger, Lot, Parcel, Stage, Stock};
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
    /// Per grade: magnets of the grade supplied (sold to demand).
    pub grade_t: Vec<f64>,
    /// Per grade: domestic and recycled magnets that met the grade's demand (its own lots
    /// first, then what other grades' sectors left), stock drawn and imports bought to
    /// refill the grade's inventory.
    pub grade_home_t: Vec<f64>,
    pub grade_draw_t: Vec<f64>,
    pub grade_refill_t: Vec<f64>,
    /// Per sector: supply under an origin requirement (`require_origin`), all compliant.
    pub compliant_t: Vec<f64>,
}

impl Flows {
    pub fn zero(m: &model::Market) -> Self {
        Flows {
            imports_t: vec![0.0; m.imports.len()],
            sector_shortfall_t: vec![0.0; m.demand.len()],
            sector_imports_t: vec![vec![0.0; m.imports.len()]; m.demand.len()],
            grade_t: vec![0.0; m.grades.len()],
            grade_home_t: vec![0.0; m.grades.len()],
            grade_draw_t: vec![0.0; m.grades.len()],
            grade_refill_t: vec![0.0; m.grades.len()],
            compliant_t: vec![0.0; m.demand.len()],
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
    /// Per origin: active restrictions (id, share, bit set of the grades they reach),
    /// multiplied together on the grades they reach.
    pub restrictions: Vec<Vec<(u64, f64, u32)>>,
    /// Per sector: it accepts only material with no content from the origins of the mask
    /// at the stage or any later one (`require_origin`).
    pub requirement: Vec<Vec<(Stage, u16)>>,
    /// Per sector: demand multiplier.
    pub demand_multiplier: Vec<f64>,
    /// [sector][origin]: the sector may not be supplied from the origin.
    pub excluded: Vec<Vec<bool>>,
    /// Per node of the model: lots it made are domestic supply.
    domestic: Vec<bool>,
    /// Origins in the order domestic and recycled supply displaces them (the rule).
    displaced: Vec<usize>,
    /// Commercial inventory now by grade, and in all, t.
    pub stock_g: Vec<f64>,
    pub stock_t: f64,
    /// Model element indices of Dy and Tb (a lot's grade is by their content).
    heavy_el: Vec<usize>,
    /// Per grade: (model element, mass fraction) of its composition.
    grade_el: Vec<Vec<(usize, f64)>>,
    /// [lot's grade][demand's grade]: whether left-over magnets of the first may serve the
    /// second's demand (`grade_substitution`), fixed for the run.
    substitutes: Vec<Vec<bool>>,
    /// Model elements the grades carry, in model order: supply by element is kept for these.
    pub supply_elements: Vec<usize>,
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
        // Each grade's inventory starts at the same cover.
        let stock_g: Vec<f64> = (0..m.grades.len())
            .map(|g| {
                let d: f64 = m
                    .demand
                    .iter()
                    .map(|d| d.t_per_year * d.grades[g])
                    .sum::<f64>()
                    * DAY as f64
                    / YEAR as f64;
                m.inventory.map_or(0.0, |i| i.initial_days * d)
            })
            .collect();
        let el = |name: &str| model.elements.iter().position(|e| e == name);
        let heavy_el: Vec<usize> = ["Dy", "Tb"].into_iter().filter_map(el).collect();
        let grade_el: Vec<Vec<(usize, f64)>> = m
            .grades
            .iter()
            .map(|g| {
                g.composition
                    .iter()
                    .filter_map(|(e, w)| el(e).map(|i| (i, w / 100.0)))
                    .collect()
            })
            .collect();
        let mut supply_elements: Vec<usize> = grade_el.iter().flatten().map(|(e, _)| *e).collect();
        supply_elements.sort_unstable();
        supply_elements.dedup();
        Market {
            cfg: m,
            total: flows.clone(),
            interval: flows,
            level: vec![Level::Projection { share: 1.0 }; m.imports.len()],
            restrictions: vec![Vec::new(); m.imports.len()],
            requirement: vec![Vec::new(); m.demand.len()],
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
            stock_g,
            heavy_el,
            grade_el,
            substitutes: m
                .grades
                .iter()
                .map(|a| {
                    m.grades
                        .iter()
                        .map(|b| match m.grade_substitution {
                            Substitution::Any => true,
                            Substitution::Heavier => a.heavy_wt > b.heavy_wt,
                        })
                        .collect()
                })
                .collect(),
            supply_elements,
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
        (0..self.cfg.grades.len())
            .map(|g| self.grade_rate(i, g, now))
            .sum()
    }

    /// Origin `i`'s supply of grade `g` at `now`, t/yr: its level times the grade's share of
    /// it, times the restrictions that reach the grade.
    pub fn grade_rate(&self, i: usize, g: usize, now: SimTime) -> f64 {
        let imp = &self.cfg.imports[i];
        let base = match self.level[i] {
            Level::Projection { share } => self.projection(i, now) * share,
            Level::Fixed { ratio } => imp.t_per_year * ratio,
        };
        self.restrictions[i]
            .iter()
            .filter(|r| r.2 & (1 << g) != 0)
            .fold(base * imp.grades[g], |acc, r| acc * r.1)
    }

    /// The grades a restriction of `items` reaches: all for "magnets", a grade by name, or
    /// those whose composition carries a named element (bit `g` for grade `g`).
    pub fn grades_reached(&self, items: &[String]) -> u32 {
        let mut mask = 0;
        for (g, grade) in self.cfg.grades.iter().enumerate() {
            if items
                .iter()
                .any(|x| x == "magnets" || *x == grade.name || grade.carries(x))
            {
                mask |= 1 << g;
            }
        }
        mask
    }

    /// The grade of a recycled or domestic lot: the one whose Dy + Tb content is nearest the
    /// lot's (the first listed on a tie), so any maker's output gets a grade by what it is.
    pub fn grade_of(&self, lot: &Lot) -> usize {
        let grades = &self.cfg.grades;
        if grades.len() == 1 || lot.mass() == 0 {
            return 0;
        }
        let heavy: i64 = self.heavy_el.iter().map(|&e| lot.elements().get(e)).sum();
        let wt = heavy as f64 / lot.mass() as f64 * 100.0;
        let mut best = 0;
        for (g, grade) in grades.iter().enumerate() {
            if (grade.heavy_wt - wt).abs() < (grades[best].heavy_wt - wt).abs() {
                best = g;
            }
        }
        best
    }

    /// From now on `sector` takes only material with no content from the origins of `mask`
    /// at `stage` or later: imports whose chain carries them are barred from it.
    pub fn require(&mut self, sector: &str, stage: Stage, mask: u16) {
        let Some(s) = self.sector(sector) else {
            return;
        };
        // A second rule on the sector adds to the first: material must pass both (each rule
        // keeps its own stage, so "no Chinese magnets" and "no recycled mines" do not merge
        // into "no Chinese mines").
        if !self.requirement[s].contains(&(stage, mask)) {
            self.requirement[s].push((stage, mask));
        }
        for (o, imp) in self.cfg.imports.iter().enumerate() {
            if imp.chain.touches_from(stage, mask) {
                self.excluded[s][o] = true;
            }
        }
    }

    /// Whether sector `s` may take material with origin tags `chain`: no rule of its bars
    /// an origin the chain carries at the rule's stage or later.
    fn accepts(&self, s: usize, chain: Chain) -> bool {
        self.requirement[s]
            .iter()
            .all(|&(stage, mask)| !chain.touches_from(stage, mask))
    }

    /// Current share of origin `i`'s projection available (1 = as projected).
    pub fn import_share(&self, i: usize, now: SimTime) -> f64 {
        let p = self.projection(i, now);
        if p > 0.0 {
            self.supply_rate(i, now) / p
        } else {
            match self.level[i] {
                Level::Projection { share } => {
                    let mix = &self.cfg.imports[i].grades;
                    (0..mix.len())
                        .map(|g| {
                            self.restrictions[i]
                                .iter()
                                .filter(|r| r.2 & (1 << g) != 0)
                                .fold(share * mix[g], |acc, r| acc * r.1)
                        })
                        .sum()
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

    /// One market day, grade by grade (a grade's demand is met only by magnets of that
    /// grade, save what home supply has left over, below). Domestic and recycled stock is
    /// used first, each lot in the grade its composition gives ([`Market::grade_of`]):
    /// sectors barred from some origin or under an origin requirement (a policy) get it
    /// first, in listed order, and only lots they accept; the others share the rest in
    /// proportion to what they need. Home supply a grade's sectors leave serves the other
    /// grades' demand, in grade order (assumption: a magnet maker can use a grade for
    /// another's application). Then per grade imports by the displacement rule, elastic
    /// supply and the grade's inventory, then the stockpile (grades in order), and what is
    /// still missing is the shortfall. Imports left over refill each grade's inventory.
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
        let n_grades = m.grades.len();
        let sector_demand: Vec<f64> = m
            .demand
            .iter()
            .zip(&self.demand_multiplier)
            .map(|(d, k)| d.t_per_year * grown(d.growth_per_year, now) * day_years * k)
            .collect();
        let demand_t: f64 = sector_demand.iter().sum();
        // Everything waiting is offered (oldest first within each grade); what is not sold
        // goes back below. Taking only the day's demand from the front would let lots no
        // sector takes block sellable ones behind them.
        let mut used = Parcel::new(0);
        input.take_mass_into(input.mass(), &mut used);
        // Home supply: (grade, domestic, chain, t) per lot, in lot order.
        let mut home: Vec<(usize, bool, Chain, f64)> = used
            .lots()
            .iter()
            .map(|l| {
                let domestic = self.domestic.get(l.origin).copied().unwrap_or(false);
                (
                    self.grade_of(l),
                    domestic,
                    l.chain,
                    l.mass() as f64 / MG_PER_T as f64,
                )
            })
            .collect();
        let restricted: Vec<bool> = (0..n_sectors)
            .map(|s| self.excluded[s].iter().any(|&x| x) || !self.requirement[s].is_empty())
            .collect();
        // [grade][sector]: what is still needed.
        let mut need: Vec<Vec<f64>> = (0..n_grades)
            .map(|g| {
                sector_demand
                    .iter()
                    .zip(&m.demand)
                    .map(|(t, d)| t * d.grades[g])
                    .collect()
            })
            .collect();
        let gross: Vec<f64> = need.iter().map(|n| n.iter().sum()).collect();
        let mut recycled = vec![0.0; n_sectors];
        let mut home_given = vec![0.0; n_grades];
        let mut grade_t = vec![0.0; n_grades];
        let mut home_sold = vec![0.0; n_grades];
        // Pass 0: each lot serves its own grade; pass 1: what is left, the other grades it
        // may stand in for (`grade_substitution`).
        let substitutes = &self.substitutes;
        for pass in 0..2 {
            for (g, need) in need.iter_mut().enumerate() {
                let mut given = 0.0;
                for entry in home.iter_mut() {
                    let (lot_grade, domestic, chain) = (entry.0, entry.1, entry.2);
                    let t = &mut entry.3;
                    if (pass == 0) != (lot_grade == g) || *t <= 0.0 {
                        continue;
                    }
                    if pass == 1 && !substitutes[lot_grade][g] {
                        continue;
                    }
                    let before = need.clone();
                    for (s, n) in need.iter_mut().enumerate() {
                        if restricted[s] && self.accepts(s, chain) {
                            let take = n.min(*t);
                            *n -= take;
                            *t -= take;
                        }
                    }
                    share_out(need, t, |s| !restricted[s]);
                    for s in 0..n_sectors {
                        let got = before[s] - need[s];
                        given += got;
                        grade_t[lot_grade] += got;
                        home_sold[lot_grade] += got;
                        if !domestic {
                            recycled[s] += got;
                        }
                    }
                }
                home_given[g] += given;
            }
        }
        // What no sector took (refused by an origin requirement, or beyond the day's demand)
        // goes back to the input, in its order: a buyer rule that refuses a plant's magnets
        // backs them up to the plant.
        let mut unsold = Parcel::new(0);
        for (i, entry) in home.iter().enumerate() {
            let left_mg = (entry.3 * MG_PER_T as f64).round() as i64;
            if left_mg > 0 {
                unsold.push(used.take_from_lot(i, left_mg));
            }
        }
        if unsold.mass() > 0 {
            input.push_front(unsold);
        }
        ledger.parcel_out(&used);
        let used_mg = used.mass();
        let mut domestic_mg = 0;
        let mut element_t = vec![0.0; self.supply_elements.len()];
        for l in used.lots() {
            if self.domestic.get(l.origin).copied().unwrap_or(false) {
                domestic_mg += l.mass();
            }
            for (k, &e) in self.supply_elements.iter().enumerate() {
                element_t[k] += l.elements().get(e) as f64 / MG_PER_T as f64;
            }
        }
        let domestic_t = domestic_mg as f64 / MG_PER_T as f64;
        let recycled_t = (used_mg - domestic_mg) as f64 / MG_PER_T as f64;
        let mut imports = vec![vec![0.0; n_origins]; n_sectors];
        let mut stock_draw = 0.0;
        let mut draw_g = vec![0.0; n_grades];
        let mut available_g: Vec<Vec<f64>> = Vec::with_capacity(n_grades);
        for g in 0..n_grades {
            let mut available: Vec<f64> = (0..n_origins)
                .map(|i| self.grade_rate(i, g, now) * day_years)
                .collect();
            let mut by_grade = vec![vec![0.0; n_origins]; n_sectors];
            let need = &mut need[g];
            self.fill_from_imports(gross[g], home_given[g], need, &mut available, &mut by_grade);
            // Elastic supply: origins that can add a share of their supply when still short.
            if need.iter().sum::<f64>() > 0.0 {
                let mut extra: Vec<f64> = (0..n_origins)
                    .map(|o| self.grade_rate(o, g, now) * day_years * m.imports[o].elastic_share)
                    .collect();
                for o in 0..n_origins {
                    let excluded = &self.excluded;
                    let before = need.clone();
                    share_out(need, &mut extra[o], |s| !excluded[s][o]);
                    for s in 0..n_sectors {
                        by_grade[s][o] += before[s] - need[s];
                    }
                }
            }
            for (s, row) in by_grade.iter().enumerate() {
                for (o, t) in row.iter().enumerate() {
                    imports[s][o] += t;
                    grade_t[g] += t;
                }
            }
            // Floating-point crumbs of a served need (below a billionth of the grade's
            // demand) are not drawn from stock.
            for n in need.iter_mut() {
                if *n < 1e-9 * gross[g].max(1.0) {
                    *n = 0.0;
                }
            }
            // The commercial inventory serves every sector not barred from an origin (the
            // stock holds every origin's magnets, mixed).
            let draw = share_out(need, &mut self.stock_g[g], |s| !restricted[s]);
            stock_draw += draw;
            draw_g[g] = draw;
            grade_t[g] += draw;
            available_g.push(available);
        }
        self.stock_t = self.stock_g.iter().sum();
        let cover = if demand_t > 0.0 {
            self.stock_t / demand_t
        } else {
            0.0
        };
        // The strategic stockpile: what scripts released, or all of it below the cover.
        let mut stockpile_release = 0.0;
        if let Some(p) = &m.stockpile {
            let auto = p.release_below_cover_days.is_some_and(|d| cover < d);
            for (g, need) in need.iter_mut().enumerate() {
                let mut may = if auto {
                    self.stockpile_t
                } else {
                    self.release_budget_t.min(self.stockpile_t)
                };
                let before = may;
                // Its magnets' origins are not traced: a sector under an origin rule does
                // not count on them.
                let ruled = &self.requirement;
                share_out(need, &mut may, |s| p.serves[s] && ruled[s].is_empty());
                let released = before - may;
                grade_t[g] += released;
                stockpile_release += released;
                self.stockpile_t -= released;
                self.release_budget_t = (self.release_budget_t - released).max(0.0);
            }
        }
        let mut shortfall = vec![0.0; n_sectors];
        for s in 0..n_sectors {
            let left: f64 = need.iter().map(|n| n[s]).sum();
            // Floating-point crumbs of a fully served sector are not a shortfall.
            shortfall[s] = if left < 1e-9 * sector_demand[s].max(1.0) {
                0.0
            } else {
                left
            };
        }
        // Refill: imports left over, at most target / refill_days a day, up to the target,
        // grade by grade.
        let mut refill = vec![0.0; n_origins];
        let mut refill_g = vec![0.0; n_grades];
        if let Some(inv) = &m.inventory {
            for (g, available) in available_g.iter().enumerate() {
                let target = inv.target_days * gross[g];
                let room = (target - self.stock_g[g])
                    .min(target / inv.refill_days)
                    .max(0.0);
                let headroom: f64 = available.iter().sum();
                if room > 0.0 && headroom > 0.0 {
                    let mut got = vec![0.0; n_origins];
                    if m.displacement == Displacement::Proportional {
                        let k = (room / headroom).min(1.0);
                        for (o, r) in got.iter_mut().enumerate() {
                            *r = available[o] * k;
                        }
                    } else {
                        let mut left = room;
                        for o in 0..n_origins {
                            let take = available[o].min(left);
                            got[o] = take;
                            left -= take;
                        }
                    }
                    refill_g[g] = got.iter().sum::<f64>();
                    self.stock_g[g] += refill_g[g];
                    for (r, t) in refill.iter_mut().zip(got) {
                        *r += t;
                    }
                }
            }
            self.stock_t = self.stock_g.iter().sum();
        }
        self.cover_days = if demand_t > 0.0 {
            self.stock_t / demand_t
        } else {
            0.0
        };
        // Elements in what was sold: home lots as they are, the rest by grade composition.
        for (g, comp) in self.grade_el.iter().enumerate() {
            let bought = grade_t[g] - home_sold[g];
            for &(e, f) in comp {
                if let Some(k) = self.supply_elements.iter().position(|&x| x == e) {
                    element_t[k] += bought * f;
                }
            }
        }
        let ruled: Vec<f64> = (0..n_sectors)
            .map(|s| {
                if self.requirement[s].is_empty() {
                    0.0
                } else {
                    sector_demand[s]
                }
            })
            .collect();
        let compliant: Vec<f64> = (0..n_sectors)
            .map(|s| {
                if self.requirement[s].is_empty() {
                    0.0
                } else {
                    sector_demand[s] - shortfall[s]
                }
            })
            .collect();
        yearly.market_day(now, m, &sector_demand, &recycled, &imports, &shortfall);
        yearly.market_stocks(now, m, domestic_t, stock_draw, &refill, stockpile_release);
        yearly.market_grades(
            now,
            m,
            &grade_t,
            &element_t,
            (&compliant, &ruled),
            &self.supply_elements,
        );
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
                f.compliant_t[s] += compliant[s];
                for (o, t) in row.iter().enumerate() {
                    f.imports_t[o] += t;
                    f.sector_imports_t[s][o] += t;
                }
            }
            for g in 0..n_grades {
                f.grade_t[g] += grade_t[g];
                f.grade_home_t[g] += home_given[g];
                f.grade_draw_t[g] += draw_g[g];
                f.grade_refill_t[g] += refill_g[g];
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
        // By grade, where a market has several: what was sold, what home supply met, and
        // the grade's stock flows (the whole-market figures above are their sums).
        if m.grades.len() > 1 {
            for (g, grade) in m.grades.iter().enumerate() {
                let mut by: Vec<(&str, f64)> = vec![
                    ("supply_t", f.grade_t[g]),
                    ("home_supply_t", f.grade_home_t[g]),
                ];
                if m.inventory.is_some() {
                    by.push(("stock_draw_t", f.grade_draw_t[g]));
                    by.push(("stock_refill_t", f.grade_refill_t[g]));
                }
                for (k, (name, v)) in by.into_iter().enumerate() {
                    let id = rec.dynamic(
                        || format!("{name}.{}", grade.name),
                        "t",
                        (n, usize::MAX - 1, g * 4 + k),
                    );
                    rec.push(now, n, id, v);
                }
            }
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
