//! The node kinds: one module each, holding the kind's settings (borrowed from the model),
//! its state, its event handlers, its accept and capacity rules and its recording.
//!
//! [`Kind`] is the one enum over them. Every question the engine asks a node is a method
//! here that matches every kind by name, without catch-all arms: a new kind does not
//! compile until it answers each of them (see `src/sim/README.md`).

pub(crate) mod hpms;
pub(crate) mod market;
pub(crate) mod oxide;
pub(crate) mod preprocessor;
pub(crate) mod producer;
pub(crate) mod sink;
pub(crate) mod source;
pub(crate) mod station;

use crate::error::{Error, Result};
use crate::kernel::DAY;
use crate::kernel::{Dist, Sampler, SimTime};
use crate::model::NodeId;
use crate::model::{self, Model, NodeKind};
use crate::sim::mass::{Elements, Ledger, Parcel, Stock};
use crate::sim::policy::YieldKind;
use crate::sim::pool::{Job, Outputs, Pool};
use crate::sim::record::{EntityStats, Recorder, Summary, Totals, describe_pool, ratio};
use crate::sim::yearly::Y;
use crate::sim::{Counters, Event, RunOptions, Simulation};

/// A node's kind with its settings and state.
pub(crate) enum Kind<'m> {
    HddSource(source::HddSource<'m>),
    ScrapSource(source::ScrapSource<'m>),
    Source(source::PlainSource<'m>),
    Preprocessor(preprocessor::Preprocessor<'m>),
    Station(station::Station<'m>),
    Hpms(hpms::Hpms<'m>),
    OxidePlant(oxide::OxidePlant<'m>),
    Producer(producer::Producer<'m>),
    Market(market::Market<'m>),
    Sink(sink::Sink),
}

/// A distribution's sampler; validation has already accepted it.
pub(crate) fn sampler(d: &Dist) -> Result<Sampler> {
    d.sampler()
        .map_err(|e| Error::Run(format!("distribution rejected after validation: {e}")))
}

/// A server pool's (time between failures, repair) samplers.
pub(crate) fn failure_samplers(f: &Option<model::Failures>) -> Result<Option<(Sampler, Sampler)>> {
    Ok(match f {
        Some(f) => Some((sampler(&f.tbf_h)?, sampler(&f.repair_h)?)),
        None => None,
    })
}

/// What a node's recording step needs besides the node itself.
pub(crate) struct RecordCx<'a> {
    pub now: SimTime,
    /// Seconds since the previous record.
    pub dt: f64,
    pub n: usize,
    pub inventory_mg: i64,
    pub storage_mg: i64,
    pub rec: &'a mut Recorder,
}

impl<'m> Kind<'m> {
    /// The kind of model node `n`, with fresh state and its random streams.
    pub fn build(model: &'m Model, n: usize, opts: &RunOptions) -> Result<Kind<'m>> {
        let node = &model.nodes[n];
        let id = node.id.as_str();
        Ok(match &node.kind {
            NodeKind::HddSource(s) => Kind::HddSource(source::HddSource::new(s, id, opts)?),
            NodeKind::ScrapSource(s) => Kind::ScrapSource(source::ScrapSource::new(s, id, opts)?),
            NodeKind::Source(s) => Kind::Source(source::PlainSource::new(s, id, opts)?),
            NodeKind::Preprocessor(p) => {
                Kind::Preprocessor(preprocessor::Preprocessor::new(p, id, opts)?)
            }
            NodeKind::Station(s) => Kind::Station(station::Station::new(s, id, opts)?),
            NodeKind::Hpms(h) => Kind::Hpms(hpms::Hpms::new(h, model, id, opts)?),
            NodeKind::OxidePlant(o) => Kind::OxidePlant(oxide::OxidePlant::new(o, model)),
            NodeKind::Producer(p) => Kind::Producer(producer::Producer::new(p, model)),
            NodeKind::Market(m) => Kind::Market(market::Market::new(m, model)),
            NodeKind::Sink => Kind::Sink(sink::Sink),
        })
    }

    /// The servers of a node, if it has any.
    pub fn pool(&self) -> Option<&Pool> {
        match self {
            Kind::Preprocessor(p) => Some(&p.pool),
            Kind::Station(s) => Some(&s.pool),
            Kind::Hpms(h) => Some(&h.pool),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    pub fn pool_mut(&mut self) -> Option<&mut Pool> {
        match self {
            Kind::Preprocessor(p) => Some(&mut p.pool),
            Kind::Station(s) => Some(&mut s.pool),
            Kind::Hpms(h) => Some(&mut h.pool),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Room for finished output waiting for trucks, mg (`None`: unlimited).
    pub fn storage_capacity_mg(&self) -> Option<i64> {
        match self {
            Kind::Preprocessor(p) => Some(p.cfg.storage_capacity_mg),
            Kind::Station(s) => s.cfg.storage_capacity_mg,
            Kind::Hpms(h) => Some(h.cfg.storage_capacity_mg),
            Kind::OxidePlant(o) => Some(o.cfg.storage_capacity_mg),
            Kind::Producer(p) => Some(p.cfg.storage_capacity_mg),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Whether the node's input, holding `input`, takes a shipment of `mass_mg` in
    /// `parcels` parcels with `units` units now. (An empty input takes any one shipment;
    /// the caller checks that.)
    pub fn accepts(&self, input: &Stock, mass_mg: i64, parcels: usize, units: u64) -> bool {
        match self {
            Kind::Preprocessor(p) => input.units() + units <= p.cfg.input_capacity_drives,
            Kind::Station(s) => s
                .cfg
                .queue_capacity_jobs
                .is_none_or(|cap| input.len() as u64 + parcels as u64 <= cap),
            Kind::Hpms(h) => input.mass() + mass_mg <= h.cfg.input_capacity_mg,
            Kind::OxidePlant(o) => input.mass() + mass_mg <= o.cfg.input_capacity_mg,
            Kind::Producer(p) => input.mass() + mass_mg <= p.cfg.input_capacity_mg,
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Market(_)
            | Kind::Sink(_) => true,
        }
    }

    /// A delivered parcel arrives, entered in the node's ledger here: kept in the input,
    /// or consumed (a sink: in and out at once); an HPMS hub separates carriers at its gate.
    pub fn receive(
        &mut self,
        p: Parcel,
        now: SimTime,
        input: &mut Stock,
        ledger: &mut Ledger,
        c: &mut Counters,
    ) {
        match self {
            Kind::Sink(s) => {
                ledger.parcel_through(&p);
                s.consume(p, now, c);
            }
            Kind::Station(s) => {
                ledger.parcel_in(&p);
                s.in_system.add(now, 1);
                input.push(p);
            }
            Kind::Hpms(h) => {
                ledger.parcel_in(&p);
                h.receive(p, input, ledger);
            }
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_) => {
                ledger.parcel_in(&p);
                input.push(p);
            }
        }
    }

    /// The next job for an idle server, taken from the input: (server, parcel).
    pub fn next_job(&mut self, input: &mut Stock) -> Option<(usize, Parcel)> {
        match self {
            Kind::Preprocessor(p) => unit_job(&p.pool, input),
            Kind::Station(s) => unit_job(&s.pool, input),
            Kind::Hpms(h) => h.next_batch(input),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Draws a job's service time and counts its server busy from `now`.
    pub fn service_time(&mut self, job: &Parcel, now: SimTime) -> SimTime {
        let (pool, duration) = match self {
            Kind::Preprocessor(p) => {
                let d = p.cycle_time(job);
                (&mut p.pool, d)
            }
            Kind::Station(s) => {
                let d = s.service_time();
                (&mut s.pool, d)
            }
            Kind::Hpms(h) => {
                let d = h.cycle_time();
                (&mut h.pool, d)
            }
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => return 0,
        };
        pool.busy.add(now, 1);
        duration
    }

    /// An HPMS hub's (product, sintered magnet) mass made so far, mg; `None` for others.
    pub fn hpms_made(&self) -> Option<(i64, i64)> {
        match self {
            Kind::Hpms(h) => Some((h.product_mass(), h.sintered_mass)),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// What a finished job makes, by output port; material leaving the loop or lost is
    /// entered in the ledger here.
    pub fn finish_job(
        &mut self,
        job: Job,
        now: SimTime,
        model: &Model,
        ledger: &mut Ledger,
        c: &mut Counters,
    ) -> Outputs {
        match self {
            Kind::Preprocessor(p) => p.finish(job, model, ledger, c),
            Kind::Station(_) => station::Station::finish(job, c),
            Kind::Hpms(h) => h.finish(job, now, model, ledger),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => Outputs::new(),
        }
    }

    /// A pause a server takes after a job, if any (an HPMS vessel held to its ramp).
    pub fn rest_after_job(&self, started: SimTime, now: SimTime) -> Option<SimTime> {
        match self {
            Kind::Hpms(h) => h.rest_after(started, now),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// A job's output left the node (a station counts jobs in the system).
    pub fn job_left(&mut self, now: SimTime) {
        match self {
            Kind::Station(s) => s.in_system.add(now, -1),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => {}
        }
    }

    /// A daily process's feed, mg, when its store must have room for it first (an oxide
    /// plant: a day's oxide weighs less than its feed, so room for the feed is enough).
    pub fn daily_feed_mg(&self) -> Option<i64> {
        match self {
            Kind::OxidePlant(o) => Some(o.day_feed_mg()),
            Kind::Producer(p) => Some(p.day_target_mg(p.commissioned_at.unwrap_or(0))),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Whether the node operates now: a plant once commissioned, every other node always.
    pub fn in_operation(&self) -> bool {
        match self {
            Kind::Hpms(h) => h.commissioned_at.is_some(),
            Kind::OxidePlant(o) => o.commissioned,
            Kind::Producer(p) => p.commissioned_at.is_some(),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Market(_)
            | Kind::Sink(_) => true,
        }
    }

    /// The pending commissioning event of a plant not yet commissioned, which a policy may move.
    pub fn commission_event(&self) -> Option<crate::kernel::EventId> {
        match self {
            Kind::Hpms(h) => h.commission_event,
            Kind::OxidePlant(o) => o.commission_event,
            Kind::Producer(p) => p.commission_event,
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Share of the node's capacity up now (servers in service that are up; a plant 1 or 0).
    pub fn availability(&self) -> f64 {
        match self {
            Kind::Preprocessor(p) => p.pool.availability(),
            Kind::Station(s) => s.pool.availability(),
            Kind::Hpms(h) => h.pool.availability(),
            Kind::OxidePlant(o) => {
                if o.down == 0 && o.commissioned {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::Producer(p) => {
                if p.down == 0 && p.commissioned_at.is_some() {
                    p.cfg.availability
                } else {
                    0.0
                }
            }
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Market(_)
            | Kind::Sink(_) => 1.0,
        }
    }

    /// Sets a yield; false when the node has no such yield (validation prevents it).
    pub fn set_yield(&mut self, kind: YieldKind, value: f64) -> bool {
        match (self, kind) {
            (Kind::Preprocessor(p), YieldKind::Recovery) => p.recovery_yield = value,
            (Kind::Hpms(h), YieldKind::Extraction) => h.extraction_yield = value,
            (Kind::Hpms(h), YieldKind::Unsuitable) => h.unsuitable_share = value,
            (Kind::OxidePlant(o), YieldKind::Element(e)) => o.recovery[e] = value,
            (
                Kind::HddSource(_)
                | Kind::ScrapSource(_)
                | Kind::Source(_)
                | Kind::Preprocessor(_)
                | Kind::Station(_)
                | Kind::Hpms(_)
                | Kind::OxidePlant(_)
                | Kind::Producer(_)
                | Kind::Market(_)
                | Kind::Sink(_),
                _,
            ) => return false,
        }
        true
    }

    /// A producer's lines in service; `None` for other kinds (their capacity is a pool's).
    pub fn producer_lines(&self) -> Option<i64> {
        match self {
            Kind::Producer(p) => Some(p.lines),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Adds or retires a producer's lines: how many it could not retire; `None` for other
    /// kinds.
    pub fn change_producer_lines(&mut self, delta: i64) -> Option<i64> {
        match self {
            Kind::Producer(p) => Some(p.change_lines(delta)),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        }
    }

    /// The market, if the node is one.
    pub fn as_market(&self) -> Option<&market::Market<'m>> {
        match self {
            Kind::Market(m) => Some(m),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Sink(_) => None,
        }
    }

    pub fn as_market_mut(&mut self) -> Option<&mut market::Market<'m>> {
        match self {
            Kind::Market(m) => Some(m),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Sink(_) => None,
        }
    }

    /// Starts (`down`) or ends a policy outage of a plant without servers; false when the
    /// node's outage is its servers' (`Simulation::pool_outage`) or it has none.
    pub fn plant_outage(&mut self, down: bool) -> bool {
        match self {
            Kind::OxidePlant(o) => {
                o.down = if down {
                    o.down + 1
                } else {
                    o.down.saturating_sub(1)
                };
                true
            }
            Kind::Producer(p) => {
                p.down = if down {
                    p.down + 1
                } else {
                    p.down.saturating_sub(1)
                };
                true
            }
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::Market(_)
            | Kind::Sink(_) => false,
        }
    }

    /// Sets a source's rate multiplier (1 = as modelled); false for other kinds.
    pub fn set_rate_multiplier(&mut self, multiplier: f64) -> bool {
        match self {
            Kind::HddSource(s) => s.generator.rate_multiplier = multiplier,
            Kind::ScrapSource(s) => s.generator.rate_multiplier = multiplier,
            Kind::Source(s) => s.generator.rate_multiplier = multiplier,
            Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => return false,
        }
        true
    }

    /// The node's rows of a recording step; true when its cumulative output per element
    /// is recorded too (every kind but the market, whose output is its supply by origin).
    pub fn record(&mut self, cx: RecordCx<'_>, c: &Counters, input: &Stock) -> bool {
        match self {
            Kind::HddSource(_) => source::record(cx, c, true),
            Kind::ScrapSource(_) | Kind::Source(_) => source::record(cx, c, false),
            Kind::Preprocessor(p) => p.record(cx, c, input),
            Kind::Station(s) => s.record(cx, c, input),
            Kind::Hpms(h) => h.record(cx, c),
            Kind::OxidePlant(o) => o.record(cx, c),
            Kind::Producer(p) => p.record(cx, c),
            Kind::Market(m) => {
                m.record(cx);
                return false;
            }
            Kind::Sink(_) => sink::record(cx, c),
        }
        true
    }

    /// Interval counters start again after a recording step.
    pub fn reset_interval(&mut self) {
        match self {
            Kind::OxidePlant(o) => o.feed_interval = 0,
            Kind::Producer(p) => p.feed_interval = 0,
            Kind::Market(m) => m.interval = market::Flows::zero(m.cfg),
            Kind::Hpms(h) => h.last_product = h.product_mass(),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Sink(_) => {}
        }
    }

    /// The node's share of the run's KPIs.
    pub fn summarize(&self, s: &mut Summary, totals: &mut Totals, c: &Counters, now: SimTime) {
        match self {
            Kind::Preprocessor(_) => s.drives_processed += c.units_total,
            Kind::Hpms(h) => h.summarize(s, totals, now),
            Kind::Market(m) => m.summarize(totals),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Station(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Sink(_) => {}
        }
    }

    /// The node's whole-run statistics beyond flows (`nodes.parquet`).
    pub fn describe(&self, e: &mut EntityStats, c: &Counters, now: SimTime) {
        if let Some(pool) = self.pool() {
            describe_pool(e, pool, c, now);
        }
        match self {
            Kind::Station(s) => e.mean_in_system = Some(ratio(s.in_system.area(now), now as f64)),
            Kind::Sink(_) => e.mean_sojourn_h = c.wait_total.mean(),
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_) => {}
        }
    }

    /// Material held besides the input (jobs, blocked output), element by element.
    pub fn add_held_elements(&self, acc: &mut Elements) {
        if let Some(pool) = self.pool() {
            pool.add_held_elements(acc);
        }
    }

    /// Mass held besides the input (jobs, blocked output).
    pub fn held_mass(&self) -> i64 {
        self.pool().map_or(0, Pool::held_mass)
    }
}

/// A counted job (a pallet, a station's job) for the first idle server, first in first out.
fn unit_job(pool: &Pool, input: &mut Stock) -> Option<(usize, Parcel)> {
    // An empty input is the cheaper test, and the usual answer right after a job starts.
    if input.is_empty() {
        return None;
    }
    let s = pool.servers.iter().position(|sv| sv.idle())?;
    input.pop().map(|p| (s, p))
}

/// The events that depend on a node's kind, matched here beside the kind's other answers.
impl Simulation<'_> {
    /// The first events: arrivals, breakdowns, commissioning, daily work, truck timers and
    /// the first recording step.
    pub(crate) fn schedule_initial(&mut self) {
        let m = self.model;
        for n in 0..m.nodes.len() {
            match &self.nodes[n].kind {
                Kind::HddSource(_) | Kind::ScrapSource(_) | Kind::Source(_) => {
                    self.schedule_next_arrival(n, None);
                }
                Kind::Preprocessor(_) | Kind::Station(_) => self.start_failures(n),
                Kind::Hpms(h) => {
                    let at = h.cfg.commissioning;
                    let id = self.queue.schedule(at, Event::Commission { node: n });
                    if let Kind::Hpms(h) = &mut self.nodes[n].kind {
                        h.commission_event = Some(id);
                    }
                }
                Kind::OxidePlant(o) => {
                    let at = o.cfg.commissioning;
                    let id = self.queue.schedule(at, Event::Commission { node: n });
                    if let Kind::OxidePlant(o) = &mut self.nodes[n].kind {
                        o.commission_event = Some(id);
                    }
                }
                Kind::Producer(p) => {
                    let at = p.cfg.commissioning;
                    let id = self.queue.schedule(at, Event::Commission { node: n });
                    if let Kind::Producer(p) = &mut self.nodes[n].kind {
                        p.commission_event = Some(id);
                    }
                }
                Kind::Market(_) => {
                    self.queue.post(DAY, Event::Daily { node: n });
                }
                Kind::Sink(_) => {}
            }
        }
        for (l, link) in m.links.iter().enumerate() {
            if let model::Dispatch::Timer { every, .. } = link.dispatch {
                self.queue.post(every, Event::DispatchTimer { link: l });
            }
        }
        self.queue
            .post(m.record_every.min(m.horizon), Event::Record);
    }

    /// Schedules a source's next arrival; `now = None` for the first one.
    pub(crate) fn schedule_next_arrival(&mut self, n: NodeId, now: Option<SimTime>) {
        let horizon = self.model.horizon;
        let at = match &mut self.nodes[n].kind {
            Kind::HddSource(s) => s.next_arrival(now, horizon),
            Kind::ScrapSource(s) => s.next_arrival(now, horizon),
            Kind::Source(s) => s.next_arrival(now, horizon),
            Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => None,
        };
        if let Some(at) = at {
            self.queue.post(at, Event::Arrival { node: n });
        }
    }

    /// A source releases a parcel and sends it on.
    pub(crate) fn on_arrival(&mut self, n: NodeId) {
        let now = self.queue.now();
        let model = self.model;
        let node = &mut self.nodes[n];
        let parcel = match &mut node.kind {
            Kind::HddSource(s) => s.release(model, now, n),
            Kind::ScrapSource(s) => s.release(model, now, n),
            Kind::Source(s) => s.release(model, now, n),
            Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::OxidePlant(_)
            | Kind::Producer(_)
            | Kind::Market(_)
            | Kind::Sink(_) => return,
        };
        node.counters.units += parcel.units;
        node.counters.units_total += parcel.units;
        // Made and sent on at once: in and out of the source's ledger in one entry.
        self.emit_new(n, 0, parcel);
        self.schedule_next_arrival(n, Some(now));
    }

    pub(crate) fn on_commission(&mut self, n: NodeId) {
        let now = self.queue.now();
        match &mut self.nodes[n].kind {
            Kind::Hpms(h) => {
                h.commissioned_at = Some(now);
                h.commission_event = None;
                self.start_failures(n);
                self.try_start(n);
            }
            Kind::OxidePlant(o) => {
                o.commissioned = true;
                o.commission_event = None;
                self.queue.post(now, Event::Daily { node: n });
            }
            Kind::Producer(p) => {
                p.commissioned_at = Some(now);
                p.commission_event = None;
                self.queue.post(now, Event::Daily { node: n });
            }
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Market(_)
            | Kind::Sink(_) => {}
        }
    }

    /// A daily process: an oxide plant's campaign (when its store has room for a day's
    /// feed: a day's oxide weighs less than its feed), a market's day.
    pub(crate) fn on_daily(&mut self, n: NodeId) {
        let now = self.queue.now();
        let room = match self.nodes[n].kind.daily_feed_mg() {
            Some(feed_mg) => self.storage_has_room(n, feed_mg),
            None => true,
        };
        let node = &mut self.nodes[n];
        let (input, ledger, counters) = (&mut node.input, &mut node.ledger, &mut node.counters);
        let yearly = &mut self.rec.yearly;
        let out = match &mut node.kind {
            Kind::OxidePlant(o) if room => {
                let fed = o.feed_total;
                let out = o.day(n, now, input, ledger);
                yearly.add_mg(now, Y::OxideFeed, o.feed_total - fed);
                if let Some(out) = &out {
                    yearly.made(now, out);
                }
                out
            }
            Kind::OxidePlant(_) => None,
            Kind::Producer(p) if room => {
                let id = n;
                p.day(n, now, input, ledger).map(|(out, made)| {
                    yearly.producer_day(now, id, &made);
                    out
                })
            }
            Kind::Producer(_) => None,
            Kind::Market(m) => {
                m.day(now, input, ledger, counters, yearly);
                Some(Outputs::new())
            }
            Kind::HddSource(_)
            | Kind::ScrapSource(_)
            | Kind::Source(_)
            | Kind::Preprocessor(_)
            | Kind::Station(_)
            | Kind::Hpms(_)
            | Kind::Sink(_) => None,
        };
        if let Some(out) = out {
            for (port, parcel) in out {
                self.emit(n, port, parcel);
            }
            // The day's work took material from the input: the gate may open.
            self.wake_inbound(n);
        }
        self.queue.post(now + DAY, Event::Daily { node: n });
    }
}
