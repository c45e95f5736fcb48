//! The one narrow door through which policies act on a run: a `Policy` is called at the
//! start, at the times it asks for and at each recording step; it reads state through
//! `Control` and acts only by submitting `Action`s, each logged as a shock.

use crate::error::Result;
use crate::kernel::SimTime;
use crate::model::{LinkId, MG_PER_KG, MG_PER_T, NodeId};
use crate::sim::mass::share_num;
use crate::sim::nodes::market::{Level, Market};
use crate::sim::{Event, Simulation};

/// A yield a policy may change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YieldKind {
    /// Preprocessor: share of magnet mass recovered.
    Recovery,
    /// HPMS: share of suitable magnet extracted.
    Extraction,
    /// HPMS: share of magnet feed unsuitable for HPMS.
    Unsuitable,
    /// Oxide plant: recovery of one element.
    Element(usize),
}

/// Everything a policy can do to a run. A closed set, checked by the compiler.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A labelled marker in the outputs.
    Note(String),
    /// Sets an origin's supply to `share` of its projection (1 = baseline supply).
    SetImportShare { origin: String, share: f64 },
    /// Sets an origin's supply to `ratio` of its level at the calendar start, flat.
    SetImportRatio { origin: String, ratio: f64 },
    /// Releases up to `t` tonnes of the markets' strategic stockpiles for demand not met.
    ReleaseStockpile { t: f64 },
    /// Multiplies an origin's supply by `share` until `until` (or for good), on the grades
    /// `items` reach ("magnets": all; a grade by name; an element: the grades carrying it).
    Restrict {
        origin: String,
        items: Vec<String>,
        share: f64,
        until: Option<SimTime>,
    },
    /// Ends restriction `id` (scheduled by `Restrict`).
    Lift { origin: String, id: u64 },
    /// Moves a plant's commissioning to `at` (it must not have happened yet).
    Commission { node: NodeId, at: SimTime },
    /// Takes every server of a node (or an oxide plant) down until `until`.
    Outage { node: NodeId, until: SimTime },
    /// Ends an outage (scheduled by `Outage`).
    OutageEnd { node: NodeId },
    /// Adds (`delta > 0`) or retires (`delta < 0`) lines, vessels or servers; `by` says who
    /// asked (`script.rhai:3`), for the warning when there are fewer to retire.
    Capacity {
        node: NodeId,
        delta: i64,
        by: String,
    },
    /// Multiplies a source's rate (1 = as modelled).
    SourceRate { node: NodeId, multiplier: f64 },
    /// Multiplies a link's transit times (1 = as modelled).
    Transit { link: LinkId, multiplier: f64 },
    /// Sets a link's cost per truck-mile.
    Cost { link: LinkId, usd_per_mile: f64 },
    /// Multiplies one sector's demand (1 = as modelled).
    Demand { sector: String, multiplier: f64 },
    /// Sets a yield.
    Yield {
        node: NodeId,
        kind: YieldKind,
        value: f64,
    },
    /// Sets the shares of the links leaving a node's port.
    Shares { shares: Vec<(LinkId, f64)> },
    /// From now on, `sector` may not be supplied from `origin`.
    Exclude { sector: String, origin: String },
    /// From now on, `sector` takes only material with no content from `origin` at `stage`
    /// or any later stage (imports by their chain, home lots by their origin tags).
    Require {
        sector: String,
        stage: crate::sim::mass::Stage,
        origin: String,
    },
}

/// One row of `shocks.parquet`: an action a script took.
#[derive(Debug, Clone, PartialEq)]
pub struct ShockRow {
    /// When the script called it.
    pub time_s: SimTime,
    /// When it takes effect.
    pub effective_s: SimTime,
    pub script: String,
    pub line: Option<u32>,
    pub action: String,
    pub arguments: String,
}

/// A policy: scripts, or anything else that drives shocks through `Control`.
pub trait Policy {
    /// Called once at time 0, before any event.
    fn start(&mut self, ctl: &mut Control<'_, '_>) -> Result<()>;
    /// Called at a time the policy asked for with `Control::schedule_hook`.
    fn fire(&mut self, hook: u32, ctl: &mut Control<'_, '_>) -> Result<()>;
    /// Called at every recording step, after the step is recorded.
    fn on_record(&mut self, ctl: &mut Control<'_, '_>) -> Result<()>;
}

/// Read access to a running simulation and the means to act on it.
pub struct Control<'s, 'm> {
    pub(crate) sim: &'s mut Simulation<'m>,
}

impl Control<'_, '_> {
    pub fn now(&self) -> SimTime {
        self.sim.queue.now()
    }

    pub fn model(&self) -> &crate::model::Model {
        self.sim.model
    }

    /// Calls the policy's `fire(hook)` at `at` (before other events at that time).
    pub fn schedule_hook(&mut self, at: SimTime, hook: u32) {
        let at = at.max(self.now());
        self.sim.queue.post(at, Event::Hook { hook });
    }

    /// Submits an action taking effect at `at` (now or later), and logs it.
    pub fn act(&mut self, at: SimTime, action: Action, row: ShockRow) {
        self.sim.rec.shocks.push(row);
        let at = at.max(self.now());
        if at == self.now() {
            self.sim.apply(action);
        } else {
            let id = self.sim.pending.len() as u32;
            self.sim.pending.push(Some(action));
            self.sim.queue.post(at, Event::Action { id });
        }
    }

    /// Material held at a node, kg (market: unsold stock).
    pub fn inventory_kg(&self, n: NodeId) -> f64 {
        self.sim.node_inventory_mass(n) as f64 / MG_PER_KG as f64
    }

    /// Output waiting for dispatch at a node, kg.
    pub fn storage_kg(&self, n: NodeId) -> f64 {
        self.sim.staged_mass(n) as f64 / MG_PER_KG as f64
    }

    /// Mass sent on since the start, kg.
    pub fn cumulative_output_kg(&self, n: NodeId) -> f64 {
        self.sim.nodes[n].counters.out_mass_total as f64 / MG_PER_KG as f64
    }

    /// Lines, vessels or servers in service (not retired; a producer's lines); 0 for other
    /// nodes.
    pub fn capacity(&self, n: NodeId) -> i64 {
        let kind = &self.sim.nodes[n].kind;
        kind.producer_lines()
            .unwrap_or_else(|| kind.pool().map_or(0, |p| p.in_service() as i64))
    }

    /// Share of a node's active servers up now (an oxide plant: 1 or 0).
    pub fn availability(&self, n: NodeId) -> f64 {
        self.sim.nodes[n].kind.availability()
    }

    /// Whether a plant is in operation (commissioned); true for other nodes.
    pub fn commissioned(&self, n: NodeId) -> bool {
        self.sim.nodes[n].kind.in_operation()
    }

    /// The markets of the run.
    fn markets(&self) -> impl Iterator<Item = &Market<'_>> {
        self.sim
            .nodes
            .iter()
            .filter_map(|node| node.kind.as_market())
    }

    /// Market flows since the start, summed over markets: (demand, recycled, shortfall) in t.
    pub fn market_totals(&self) -> (f64, f64, f64) {
        let mut t = (0.0, 0.0, 0.0);
        for m in self.markets() {
            t.0 += m.total.demand_t;
            t.1 += m.total.recycled_t;
            t.2 += m.total.shortfall_t;
        }
        t
    }

    /// Imports from `origin` since the start, t, its current share of its projection, and
    /// its supply available now, t/yr (summed over markets).
    pub fn imports(&self, origin: &str) -> (f64, f64, f64) {
        let now = self.now();
        let mut total = 0.0;
        let mut share = 1.0;
        let mut rate = 0.0;
        for m in self.markets() {
            if let Some(i) = m.origin(origin) {
                total += m.total.imports_t[i];
                share = m.import_share(i, now);
                rate += m.supply_rate(i, now);
            }
        }
        (total, share, rate)
    }

    /// Magnets of `grade` supplied since the start, summed over markets, t.
    pub fn grade_supply_t(&self, grade: &str) -> f64 {
        self.markets()
            .filter_map(|m| {
                let g = m.cfg.grades.iter().position(|x| x.name == grade)?;
                Some(m.total.grade_t[g])
            })
            .sum()
    }

    /// Supply to `sector` under an origin requirement since the start, summed over markets, t.
    pub fn compliant_supply_t(&self, sector: &str) -> f64 {
        self.markets()
            .filter_map(|m| Some(m.total.compliant_t[m.sector(sector)?]))
            .sum()
    }

    /// Commercial inventory and strategic stockpile now, summed over markets, t.
    pub fn stocks_t(&self) -> (f64, f64) {
        self.markets().fold((0.0, 0.0), |acc, m| {
            (acc.0 + m.stock_t, acc.1 + m.stockpile_t)
        })
    }

    /// Current demand rate over all markets, t/yr.
    pub fn demand_t_per_year(&self) -> f64 {
        let now = self.now();
        self.markets().map(|m| m.demand_rate(now)).sum()
    }
}

impl<'m> Simulation<'m> {
    /// Applies an action now.
    pub(crate) fn apply(&mut self, action: Action) {
        let now = self.queue.now();
        match action {
            Action::Note(_) => {}
            Action::SetImportShare { origin, share } => {
                self.for_markets(&origin, |st, i| st.level[i] = Level::Projection { share })
            }
            Action::SetImportRatio { origin, ratio } => {
                self.for_markets(&origin, |st, i| st.level[i] = Level::Fixed { ratio })
            }
            Action::ReleaseStockpile { t } => {
                for m in self.markets_mut() {
                    m.release_budget_t += t;
                }
            }
            Action::Restrict {
                origin,
                items,
                share,
                until,
            } => {
                let id = self.next_restriction;
                self.next_restriction += 1;
                self.for_markets(&origin, |st, i| {
                    let grades = st.grades_reached(&items);
                    st.restrictions[i].push((id, share, grades))
                });
                if let Some(until) = until {
                    self.schedule_action(until, Action::Lift { origin, id });
                }
            }
            Action::Lift { origin, id } => {
                self.for_markets(&origin, |st, i| st.restrictions[i].retain(|r| r.0 != id))
            }
            Action::Commission { node, at } => {
                if let Some(id) = self.nodes[node].kind.commission_event() {
                    self.queue.reschedule(id, at.max(now));
                }
            }
            Action::Outage { node, until } => {
                self.set_outage(node, true);
                self.schedule_action(until, Action::OutageEnd { node });
            }
            Action::OutageEnd { node } => self.set_outage(node, false),
            Action::Capacity { node, delta, by } => {
                let short = match self.nodes[node].kind.change_producer_lines(delta) {
                    Some(short) => short,
                    None => self.change_capacity(node, delta),
                };
                if short > 0 {
                    let date = self.model.start + chrono::Duration::seconds(now);
                    let n = &self.model.nodes[node];
                    let had = -delta - short;
                    if let Some(w) = capacity_warning(
                        &n.id,
                        n.kind.name(),
                        -delta,
                        had,
                        &format!("on {}", date.format("%Y-%m-%d")),
                    ) {
                        self.rec.warnings.push(format!("{by}: {w}"));
                    }
                }
            }
            Action::SourceRate { node, multiplier } => {
                self.nodes[node].kind.set_rate_multiplier(multiplier);
            }
            Action::Transit { link, multiplier } => {
                self.links[link].transit_multiplier = multiplier
            }
            Action::Cost { link, usd_per_mile } => {
                self.links[link].cost_per_mile_usd = usd_per_mile
            }
            Action::Demand { sector, multiplier } => {
                for m in self.markets_mut() {
                    if let Some(i) = m.sector(&sector) {
                        m.demand_multiplier[i] = multiplier;
                    }
                }
            }
            Action::Yield { node, kind, value } => {
                self.nodes[node].kind.set_yield(kind, value);
            }
            Action::Shares { shares } => {
                for (l, share) in shares {
                    self.links[l].share_num = share_num(share);
                }
            }
            Action::Exclude { sector, origin } => {
                for m in self.markets_mut() {
                    if let (Some(s), Some(o)) = (m.sector(&sector), m.origin(&origin)) {
                        m.excluded[s][o] = true;
                    }
                }
            }
            Action::Require {
                sector,
                stage,
                origin,
            } => {
                let mask = crate::model::origins::mask_of(&origin, &self.model.origins);
                for m in self.markets_mut() {
                    m.require(&sector, stage, mask);
                }
            }
        }
    }

    fn schedule_action(&mut self, at: SimTime, action: Action) {
        let id = self.pending.len() as u32;
        self.pending.push(Some(action));
        self.queue
            .post(at.max(self.queue.now()), Event::Action { id });
    }

    pub(crate) fn on_action(&mut self, id: u32) {
        if let Some(action) = self.pending.get_mut(id as usize).and_then(Option::take) {
            self.apply(action);
        }
    }

    fn markets_mut(&mut self) -> impl Iterator<Item = &mut Market<'m>> {
        self.nodes
            .iter_mut()
            .filter_map(|node| node.kind.as_market_mut())
    }

    fn for_markets(&mut self, origin: &str, mut f: impl FnMut(&mut Market<'m>, usize)) {
        for m in self.markets_mut() {
            if let Some(i) = m.origin(origin) {
                f(m, i);
            }
        }
    }

    fn set_outage(&mut self, n: NodeId, down: bool) {
        if !self.nodes[n].kind.plant_outage(down) {
            self.pool_outage(n, down);
        }
    }
}

/// The warning for retiring `count` lines, vessels or servers at a node of `kind` that has
/// `have` in service (`when`: "on 2026-01-01", "in the model"), if it asks for more: the node
/// is left with none. A warning, not an error: how many a node has on a date depends on what
/// every script did before, and leaving none is what closing a site means.
pub fn capacity_warning(
    node: &str,
    kind: &str,
    count: i64,
    have: i64,
    when: &str,
) -> Option<String> {
    let unit = match kind {
        "preprocessor" => "line",
        "hpms" => "vessel",
        "producer" => "line",
        _ => "server",
    };
    let units = if have == 1 {
        unit.to_string()
    } else {
        format!("{unit}s")
    };
    (count > have).then(|| {
        format!(
            "remove_capacity of {count} at `{node}`, which has {have} {units} in service {when}: it is left with none; to close it, remove {have}"
        )
    })
}

/// Tonnes as milligrams, for script-facing conversions.
pub fn t_to_mg(t: f64) -> i64 {
    (t * MG_PER_T as f64).round() as i64
}
