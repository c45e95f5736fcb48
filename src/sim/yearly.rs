//! KPIs per calendar year (`yearly.parquet`): flows that nodes add as they happen, kept by
//! (year, sector or `all`, KPI). The summary's whole-run sums are the sums of these years,
//! in year order, so the rows add up to them exactly.
//!
//! A flow at time `t` belongs to the year `(start, end]` that holds it: a market day that
//! ends at 1 January 00:00 counts in the year before, as the record at that instant does
//! (and anything at time 0 in the first year).
//!
//! To add a KPI: a variant of [`Y`], its line in [`YEARLY_KPIS`] (name, unit, by sector),
//! where it is present ([`Yearly::new`]), and one [`Yearly::add`] call (or
//! [`Yearly::add_sectors`] for per-sector values) where the flow happens.

use crate::kernel::SimTime;
use crate::model::{MG_PER_T, Model, NodeKind};
use crate::sim::nodes::producer::Made;
use crate::sim::pool::Outputs;

/// The sector id of the row that sums every sector.
pub(crate) const ALL: u32 = 0;

/// KPIs accumulated per year, in [`Y`] order: (name, unit, kept per sector).
pub const YEARLY_KPIS: [(&str, &str, bool); 19] = [
    ("demand_t", "t", true),
    ("recycled_supply_t", "t", true),
    ("imports_t", "t", true),
    ("shortfall_t", "t", true),
    ("hpms_output_t", "t", false),
    ("sintered_magnets_t", "t", false),
    ("coproducts_t", "t", false),
    ("oxides_t", "t", false),
    ("oxide_feed_t", "t", false),
    ("domestic_supply_t", "t", false),
    ("stock_draw_t", "t", false),
    ("stock_refill_t", "t", false),
    ("stockpile_release_t", "t", false),
    ("producer_output_t", "t", false),
    ("producer_recycled_feed_t", "t", false),
    ("producer_external_feed_t", "t", false),
    ("producer_cost_usd", "USD", false),
    ("compliant_supply_t", "t", true),
    ("ruled_demand_t", "t", true),
];

/// Ids of [`YEARLY_KPIS`].
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
pub(crate) enum Y {
    Demand,
    Recycled,
    Imports,
    Shortfall,
    HpmsOutput,
    Sintered,
    CoProducts,
    Oxides,
    OxideFeed,
    Domestic,
    StockDraw,
    StockRefill,
    StockpileRelease,
    /// Magnets the domestic producers made (in total, and by producer).
    ProducerOutput,
    /// Recycled feed (oxides, alloy) the producers took in: oxides that reached a demand.
    ProducerRecycledFeed,
    /// Rare earths the producers brought in from their external feeds (by origin too).
    ProducerExternalFeed,
    ProducerCost,
    Compliant,
    /// Demand of sectors while an origin requirement held for them.
    RuledDemand,
}

/// Derived per year when the rows are made, not accumulated: imports from the origin
/// `china` over what the market took in (for `all`: recycled, domestic and imported,
/// refills of the stock included, as the summary's and the time series' `china_share`;
/// for a sector, whose imports hold no refills: over what reached it, demand less
/// shortfall), and recycled supply from the start to the end of each year.
pub const CHINA_SHARE: (&str, &str) = ("china_share", "fraction");
pub const RECYCLED_CUM: (&str, &str) = ("recycled_supply_cum_t", "t");
/// Derived per year and sector: `compliant_supply_t` over `ruled_demand_t` (the demand
/// while an origin requirement, `require_origin`, held), where a rule held.
pub const COMPLIANT_SHARE: (&str, &str) = ("compliant_share", "fraction");

/// One row of `yearly.parquet`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct YearlyRow {
    pub year: i32,
    pub sector: String,
    pub kpi: String,
    pub value: f64,
    pub unit: String,
}

/// The accumulator nodes add to during a run.
pub(crate) struct Yearly {
    years: Vec<i32>,
    /// Where each year after the first begins, seconds since the start.
    starts: Vec<SimTime>,
    last_year_start: SimTime,
    /// `all`, then every market's sectors in model order (each name once).
    sectors: Vec<String>,
    /// (name, unit, per sector, present in this model), [`Y`] first, then imports by
    /// origin and oxides by product.
    kpis: Vec<(String, &'static str, bool, bool)>,
    /// (origin, KPI id) of imports by origin.
    origins: Vec<(String, u32)>,
    /// Per material: the KPIs its mass counts in where an oxide plant makes it.
    made: Vec<Vec<u32>>,
    /// Per node: a producer's KPI ids (its output, its external feed's origin).
    producers: Vec<Option<(u32, Option<u32>)>>,
    /// (grade, KPI id) of supply by grade, and (model element, KPI id) of supply by element.
    grades: Vec<(String, u32)>,
    elements: Vec<(usize, u32)>,
    /// [year][sector][kpi].
    cells: Vec<f64>,
    /// [sector][kpi] over the run's last twelve months (the summary's `*_last_year_t`).
    last_year: Vec<f64>,
}

fn tonnes(mg: i64) -> f64 {
    mg as f64 / MG_PER_T as f64
}

impl Yearly {
    pub fn new(model: &Model) -> Self {
        let (years, starts): (Vec<i32>, Vec<SimTime>) = model.calendar_years().into_iter().unzip();
        let mut kpis: Vec<(String, &'static str, bool, bool)> = YEARLY_KPIS
            .iter()
            .map(|(n, u, s)| (n.to_string(), *u, *s, false))
            .collect();
        let mut sectors = vec!["all".to_string()];
        let mut origins: Vec<(String, u32)> = Vec::new();
        let mut made = vec![Vec::new(); model.materials.len()];
        let mut producers = vec![None; model.nodes.len()];
        let mut grades: Vec<(String, u32)> = Vec::new();
        let mut elements: Vec<(usize, u32)> = Vec::new();
        fn present(kpis: &mut [(String, &str, bool, bool)], y: Y) {
            kpis[y as usize].3 = true;
        }
        // The id of a KPI of `all` by name, added (present) the first time it is named.
        fn named(
            kpis: &mut Vec<(String, &'static str, bool, bool)>,
            name: String,
            unit: &'static str,
        ) -> u32 {
            match kpis.iter().position(|k| k.0 == name) {
                Some(id) => id as u32,
                None => {
                    kpis.push((name, unit, false, true));
                    (kpis.len() - 1) as u32
                }
            }
        }
        for (i, node) in model.nodes.iter().enumerate() {
            match &node.kind {
                NodeKind::Producer(p) => {
                    for y in [
                        Y::ProducerOutput,
                        Y::ProducerRecycledFeed,
                        Y::ProducerExternalFeed,
                        Y::ProducerCost,
                    ] {
                        present(&mut kpis, y);
                    }
                    let out = named(&mut kpis, format!("producer_output_t.{}", node.id), "t");
                    let ext = p
                        .external_feed
                        .as_ref()
                        .map(|o| named(&mut kpis, format!("producer_external_feed_t.{o}"), "t"));
                    producers[i] = Some((out, ext));
                }
                NodeKind::Market(m) => {
                    for y in [
                        Y::Demand,
                        Y::Recycled,
                        Y::Imports,
                        Y::Shortfall,
                        Y::Domestic,
                        Y::Compliant,
                        Y::RuledDemand,
                    ] {
                        present(&mut kpis, y);
                    }
                    // By grade and by element, where the market lists grades.
                    if m.grades.iter().any(|g| !g.composition.is_empty()) {
                        for g in &m.grades {
                            if !grades.iter().any(|x| x.0 == g.name) {
                                kpis.push((format!("supply_t.{}", g.name), "t", false, true));
                                grades.push((g.name.clone(), (kpis.len() - 1) as u32));
                            }
                        }
                        let mut els: Vec<usize> = m
                            .grades
                            .iter()
                            .flat_map(|g| g.composition.iter())
                            .filter_map(|(e, _)| model.elements.iter().position(|x| x == e))
                            .collect();
                        els.sort_unstable();
                        for e in els {
                            if !elements.iter().any(|x| x.0 == e) {
                                let name = format!("supply_element_t.{}", model.elements[e]);
                                kpis.push((name, "t", false, true));
                                elements.push((e, (kpis.len() - 1) as u32));
                            }
                        }
                    }
                    if m.inventory.is_some() {
                        present(&mut kpis, Y::StockDraw);
                        present(&mut kpis, Y::StockRefill);
                    }
                    if m.stockpile.is_some() {
                        present(&mut kpis, Y::StockpileRelease);
                    }
                    for d in &m.demand {
                        if !sectors.contains(&d.sector) {
                            sectors.push(d.sector.clone());
                        }
                    }
                    for imp in &m.imports {
                        if !origins.iter().any(|o| o.0 == imp.origin) {
                            let id = kpis.len() as u32;
                            kpis.push((format!("imports_t.{}", imp.origin), "t", true, true));
                            origins.push((imp.origin.clone(), id));
                        }
                    }
                }
                NodeKind::Hpms(_) => {
                    for y in [Y::HpmsOutput, Y::Sintered, Y::CoProducts] {
                        present(&mut kpis, y);
                    }
                }
                NodeKind::OxidePlant(o) => {
                    for y in [Y::Oxides, Y::OxideFeed] {
                        present(&mut kpis, y);
                    }
                    for p in &o.products {
                        let name = format!("oxides_t.{}", model.materials[p.material].name);
                        let id = match kpis.iter().position(|k| k.0 == name) {
                            Some(id) => id as u32,
                            None => {
                                kpis.push((name, "t", false, true));
                                (kpis.len() - 1) as u32
                            }
                        };
                        made[p.material] = vec![Y::Oxides as u32, id];
                    }
                }
                NodeKind::HddSource(_)
                | NodeKind::ScrapSource(_)
                | NodeKind::Source(_)
                | NodeKind::Preprocessor(_)
                | NodeKind::Station(_)
                | NodeKind::Sink => {}
            }
        }
        let cells = vec![0.0; years.len() * sectors.len() * kpis.len()];
        let last_year = vec![0.0; sectors.len() * kpis.len()];
        Yearly {
            years,
            starts: starts.into_iter().skip(1).collect(),
            last_year_start: model.last_year_start(),
            sectors,
            kpis,
            origins,
            made,
            producers,
            grades,
            elements,
            cells,
            last_year,
        }
    }

    /// The index of the year holding `t` (see the module's note on boundaries).
    fn year_of(&self, t: SimTime) -> usize {
        self.starts.partition_point(|&s| s < t)
    }

    /// Adds `value` to a KPI of one sector (or [`ALL`]) in the year holding `t`.
    pub fn add(&mut self, t: SimTime, sector: u32, kpi: u32, value: f64) {
        let (ns, nk) = (self.sectors.len(), self.kpis.len());
        let cell = sector as usize * nk + kpi as usize;
        let y = self.year_of(t);
        self.cells[y * ns * nk + cell] += value;
        if t > self.last_year_start {
            self.last_year[cell] += value;
        }
    }

    /// The id of a sector by name (`all` if it is not a market's sector).
    pub fn sector(&self, name: &str) -> u32 {
        self.sectors.iter().position(|s| s == name).unwrap_or(0) as u32
    }

    /// Adds per-sector values (`sectors[s]` named `values[s]`) and their sum to `all`.
    pub fn add_sectors<'a>(
        &mut self,
        t: SimTime,
        sectors: impl Iterator<Item = &'a str>,
        kpi: u32,
        values: &[f64],
    ) {
        let mut sum = 0.0;
        for (name, &v) in sectors.zip(values) {
            let s = self.sector(name);
            self.add(t, s, kpi, v);
            sum += v;
        }
        self.add(t, ALL, kpi, sum);
    }

    /// The KPI id of imports from `origin`.
    pub fn origin(&self, origin: &str) -> Option<u32> {
        self.origins.iter().find(|o| o.0 == origin).map(|o| o.1)
    }

    /// One market day: demand, recycled supply, imports (in total and by origin) and
    /// shortfall, per sector in the market's order (`imports[sector][origin]`).
    pub fn market_day(
        &mut self,
        t: SimTime,
        m: &crate::model::Market,
        demand: &[f64],
        recycled: &[f64],
        imports: &[Vec<f64>],
        shortfall: &[f64],
    ) {
        let names = || m.demand.iter().map(|d| d.sector.as_str());
        self.add_sectors(t, names(), Y::Demand as u32, demand);
        self.add_sectors(t, names(), Y::Recycled as u32, recycled);
        let total: Vec<f64> = imports.iter().map(|row| row.iter().sum()).collect();
        self.add_sectors(t, names(), Y::Imports as u32, &total);
        for (o, imp) in m.imports.iter().enumerate() {
            let Some(k) = self.origin(&imp.origin) else {
                continue;
            };
            let by_sector: Vec<f64> = imports.iter().map(|row| row[o]).collect();
            self.add_sectors(t, names(), k, &by_sector);
        }
        self.add_sectors(t, names(), Y::Shortfall as u32, shortfall);
    }

    /// A market day's stock flows: domestic (non-recycled) supply, the inventory's draw,
    /// the imports bought to refill it (by origin; they count in `imports_t` of `all` and
    /// of their origin, not of a sector), and the stockpile's release.
    pub fn market_stocks(
        &mut self,
        t: SimTime,
        m: &crate::model::Market,
        domestic: f64,
        draw: f64,
        refill: &[f64],
        release: f64,
    ) {
        self.add(t, ALL, Y::Domestic as u32, domestic);
        self.add(t, ALL, Y::StockDraw as u32, draw);
        self.add(t, ALL, Y::StockpileRelease as u32, release);
        let mut bought = 0.0;
        for (o, imp) in m.imports.iter().enumerate() {
            bought += refill[o];
            if let Some(k) = self.origin(&imp.origin) {
                self.add(t, ALL, k, refill[o]);
            }
        }
        self.add(t, ALL, Y::StockRefill as u32, bought);
        self.add(t, ALL, Y::Imports as u32, bought);
    }

    /// A market day's supply by grade (`grade_t`, market order), by element (`element_t`
    /// for the model elements `els`), and per sector the supply under an origin requirement.
    pub fn market_grades(
        &mut self,
        t: SimTime,
        m: &crate::model::Market,
        grade_t: &[f64],
        element_t: &[f64],
        // Per sector: (compliant supply, demand while a rule held).
        rules: (&[f64], &[f64]),
        els: &[usize],
    ) {
        let (compliant, ruled) = rules;
        self.add_sectors(
            t,
            m.demand.iter().map(|d| d.sector.as_str()),
            Y::Compliant as u32,
            compliant,
        );
        self.add_sectors(
            t,
            m.demand.iter().map(|d| d.sector.as_str()),
            Y::RuledDemand as u32,
            ruled,
        );
        for (g, grade) in m.grades.iter().enumerate() {
            if let Some(k) = self.grades.iter().find(|x| x.0 == grade.name).map(|x| x.1) {
                self.add(t, ALL, k, grade_t[g]);
            }
        }
        for (i, e) in els.iter().enumerate() {
            if let Some(k) = self.elements.iter().find(|x| x.0 == *e).map(|x| x.1) {
                self.add(t, ALL, k, element_t[i]);
            }
        }
    }

    /// An HPMS batch: its hub's (product, sintered magnet) mass made, mg, before and after.
    /// Co-products are the rest of the product (its materials may be the same).
    pub fn hpms_batch(&mut self, t: SimTime, before: (i64, i64), after: (i64, i64)) {
        let (product, sintered) = (after.0 - before.0, after.1 - before.1);
        self.add_mg(t, Y::HpmsOutput, product);
        self.add_mg(t, Y::Sintered, sintered);
        self.add_mg(t, Y::CoProducts, product - sintered);
    }

    /// An oxide plant's day: its oxides, in total and by product material.
    pub fn made(&mut self, t: SimTime, outputs: &Outputs) {
        for (_, parcel) in outputs {
            for lot in parcel.lots() {
                for k in 0..self.made[lot.material].len() {
                    let kpi = self.made[lot.material][k];
                    self.add(t, ALL, kpi, tonnes(lot.mass()));
                }
            }
        }
    }

    /// A producer's day (node `n`): its magnets, in total and its own; its recycled and
    /// external feed (in total and by origin); its cost.
    pub fn producer_day(&mut self, t: SimTime, n: usize, made: &Made) {
        self.add_mg(t, Y::ProducerOutput, made.magnets_mg);
        self.add_mg(t, Y::ProducerRecycledFeed, made.recycled_feed_mg);
        self.add_mg(t, Y::ProducerExternalFeed, made.external_mg);
        self.add(t, ALL, Y::ProducerCost as u32, made.cost_usd);
        if let Some((out, ext)) = self.producers[n] {
            self.add(t, ALL, out, tonnes(made.magnets_mg));
            if let Some(ext) = ext {
                self.add(t, ALL, ext, tonnes(made.external_mg));
            }
        }
    }

    /// Adds a mass in milligrams, as tonnes, to a KPI of `all`.
    pub fn add_mg(&mut self, t: SimTime, kpi: Y, mg: i64) {
        if mg != 0 {
            self.add(t, ALL, kpi as u32, tonnes(mg));
        }
    }

    fn cell(&self, year: usize, sector: usize, kpi: usize) -> f64 {
        let (ns, nk) = (self.sectors.len(), self.kpis.len());
        self.cells[year * ns * nk + sector * nk + kpi]
    }

    /// The whole run of a KPI of `all`: the sum of its years, in year order.
    pub fn whole_run(&self, kpi: Y) -> f64 {
        (0..self.years.len()).fold(0.0, |acc, y| acc + self.cell(y, 0, kpi as usize))
    }

    /// Compliant supply over the demand of the sectors while a rule held for them, over the
    /// whole run (years in order); `None` when no rule ever held.
    pub fn compliant_share(&self) -> Option<f64> {
        let ruled = self.whole_run(Y::RuledDemand);
        (ruled > 0.0).then(|| self.whole_run(Y::Compliant) / ruled)
    }

    /// A KPI of `all` over the run's last twelve months.
    pub fn last_year(&self, kpi: Y) -> f64 {
        self.last_year[kpi as usize]
    }

    /// The rows of `yearly.parquet`: by year, then sector (`all` first, then in model
    /// order), then KPI ([`YEARLY_KPIS`], imports by origin, oxides by product, then
    /// `china_share` and `recycled_supply_cum_t`). Sector rows only for per-sector KPIs;
    /// only KPIs the model has (a market, an HPMS hub, an oxide plant); `china_share`
    /// where an origin is named `china` and some demand was met.
    pub fn rows(&self) -> Vec<YearlyRow> {
        let mut out = Vec::new();
        let china = self.origin("china");
        let mut recycled_cum = 0.0;
        for (y, &year) in self.years.iter().enumerate() {
            for (s, sector) in self.sectors.iter().enumerate() {
                let mut row = |kpi: &str, value: f64, unit: &str| {
                    out.push(YearlyRow {
                        year,
                        sector: sector.clone(),
                        kpi: kpi.to_string(),
                        value,
                        unit: unit.to_string(),
                    })
                };
                for (k, (name, unit, by_sector, present)) in self.kpis.iter().enumerate() {
                    if *present && (s == 0 || *by_sector) {
                        row(name, self.cell(y, s, k), unit);
                    }
                }
                if let Some(c) = china {
                    let supply = if s == 0 {
                        [Y::Recycled, Y::Domestic, Y::Imports]
                            .iter()
                            .map(|&k| self.cell(y, 0, k as usize))
                            .sum::<f64>()
                    } else {
                        self.cell(y, s, Y::Demand as usize) - self.cell(y, s, Y::Shortfall as usize)
                    };
                    if supply > 0.0 {
                        row(
                            CHINA_SHARE.0,
                            self.cell(y, s, c as usize) / supply,
                            CHINA_SHARE.1,
                        );
                    }
                }
                let compliant = self.cell(y, s, Y::Compliant as usize);
                let ruled = self.cell(y, s, Y::RuledDemand as usize);
                if ruled > 0.0 {
                    row(COMPLIANT_SHARE.0, compliant / ruled, COMPLIANT_SHARE.1);
                }
                if s == 0 && self.kpis[Y::Recycled as usize].3 {
                    recycled_cum += self.cell(y, 0, Y::Recycled as usize);
                    row(RECYCLED_CUM.0, recycled_cum, RECYCLED_CUM.1);
                }
            }
        }
        out
    }
}
