//! The simulation of a validated network: domain events on the kernel, node behaviour,
//! material flows, recording. It reads a `Model` and produces a `RunResult`; it knows
//! nothing of YAML files or Parquet.
//!
//! Same-time events run in the order of their class (see [`Event::class`]): availability
//! changes first, then arrivals and deliveries, then completions, then truck timers, then
//! daily processes, and the recording step last, so a record sees everything that
//! happened at its time. Within a class, events run in the order they were scheduled.

pub mod flow;
pub mod mass;
pub(crate) mod nodes;
pub mod policy;
pub(crate) mod pool;
pub mod record;
pub mod stats;
pub mod yearly;

use crate::error::{Error, Result};
use crate::kernel::{EventClass, EventQueue, Rng, Sampler, SimTime, StreamKey, stream};
use crate::model::{LinkId, Model, NodeId};
use mass::{Elements, Ledger, Shipment, Stock, shipment_mass};
use nodes::Kind;
use record::Recorder;
pub use record::{RunResult, Summary, TimeSeries, TraceRow};
pub use yearly::YearlyRow;

/// Everything that can happen. A closed set: the compiler checks every kind is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A policy's scheduled hook (a script's `at`, `every`).
    Hook { hook: u32 },
    /// A policy action taking effect.
    Action { id: u32 },
    /// A server breaks down.
    Failure { node: NodeId, server: u32 },
    /// A server is repaired.
    Repair { node: NodeId, server: u32 },
    /// A plant starts operating.
    Commission { node: NodeId },
    /// A source releases its next lot.
    Arrival { node: NodeId },
    /// A truck (or conveyor load) reaches the end of a link.
    Delivery { link: LinkId, shipment: u32 },
    /// A server finishes its job or batch.
    Done { node: NodeId, server: u32 },
    /// An HPMS vessel ends the pause that holds it to its ramp-up capacity share.
    Resume { node: NodeId, server: u32 },
    /// A timer-dispatched link checks whether a truck leaves.
    DispatchTimer { link: LinkId },
    /// A daily process: an oxide plant's campaign, a market's day.
    Daily { node: NodeId },
    /// The recording step.
    Record,
}

impl Event {
    /// Same-time order: lower first. Class 0 is kept for policy actions.
    pub const fn class(&self) -> u8 {
        match self {
            Event::Hook { .. } | Event::Action { .. } => 0,
            Event::Failure { .. } | Event::Repair { .. } | Event::Commission { .. } => 1,
            Event::Arrival { .. } | Event::Delivery { .. } => 2,
            Event::Done { .. } | Event::Resume { .. } => 3,
            Event::DispatchTimer { .. } => 4,
            Event::Daily { .. } => 5,
            Event::Record => 6,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Event::Hook { .. } => "policy_hook",
            Event::Action { .. } => "policy_action",
            Event::Failure { .. } => "failure",
            Event::Repair { .. } => "repair",
            Event::Commission { .. } => "commission",
            Event::Arrival { .. } => "arrival",
            Event::Delivery { .. } => "delivery",
            Event::Done { .. } => "done",
            Event::Resume { .. } => "resume",
            Event::DispatchTimer { .. } => "dispatch_timer",
            Event::Daily { .. } => "daily",
            Event::Record => "record",
        }
    }
}

impl EventClass for Event {
    fn class(&self) -> u8 {
        Event::class(self)
    }
}

/// What a run is asked to do beyond the model.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub seed: u64,
    pub replication: u64,
    /// Record every event (for `events.parquet`).
    pub trace: bool,
}

/// A node in a run: its kind (settings and state) and what every node has.
pub(crate) struct Node<'m> {
    pub kind: Kind<'m>,
    pub ledger: Ledger,
    /// Material waiting at the node (input queues, market stock).
    pub input: Stock,
    /// Links leaving each output port, and links arriving.
    pub out_links: Vec<Vec<LinkId>>,
    pub in_links: Vec<LinkId>,
    pub counters: Counters,
}

/// Flows counted per recording interval and over the run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters {
    pub out_mass: i64,
    pub out_mass_total: i64,
    pub units: u64,
    pub units_total: u64,
    pub wait: stats::Tally,
    pub wait_total: stats::Tally,
    /// Cumulative output per element (products and forwarded material).
    pub out_elements: Elements,
}

pub(crate) struct LinkState {
    pub ledger: Ledger,
    pub staged: Stock,
    /// A parcel on an immediate link about to leave (never held across events), not yet
    /// entered in the link's ledger.
    pub direct: Option<mass::Parcel>,
    /// Shipments on the road, by slot in `Simulation::transit`.
    pub in_transit: u32,
    /// Shipments that arrived while the destination was full, first come first served.
    pub waiting: std::collections::VecDeque<Shipment>,
    /// Mass in transit and waiting, kept up to date for recording.
    pub in_transit_mg: i64,
    pub waiting_mg: i64,
    pub transit: Sampler,
    pub transit_rng: Rng,
    pub trips: u64,
    /// Policy-adjustable: transit-time multiplier, cost per truck-mile, share numerator.
    pub transit_multiplier: f64,
    pub cost_per_mile_usd: f64,
    pub share_num: i64,
    pub cost_usd: f64,
    pub co2_kg: f64,
    pub tonne_miles: f64,
}

/// A simulation being run: built by [`Simulation::new`], consumed by [`Simulation::run`].
pub struct Simulation<'m> {
    pub(crate) model: &'m Model,
    pub(crate) opts: RunOptions,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) nodes: Vec<Node<'m>>,
    pub(crate) links: Vec<LinkState>,
    /// Shipments on the road, by slot (freed slots are reused, lowest last freed first).
    pub(crate) transit: Vec<Option<(LinkId, Shipment)>>,
    pub(crate) free_slots: Vec<u32>,
    /// The model's rare-earth elements (recorded per node).
    pub(crate) rare: Vec<usize>,
    pub(crate) rec: Recorder,
    /// Actions waiting for their time, by id (taken when applied).
    pub(crate) pending: Vec<Option<policy::Action>>,
    pub(crate) next_restriction: u64,
    pub(crate) policy: Option<Box<dyn policy::Policy + 'm>>,
}

impl<'m> Simulation<'m> {
    /// Builds the initial state: random streams, samplers, first events.
    pub fn new(model: &'m Model, opts: RunOptions) -> Result<Self> {
        let key = |entity: &str, purpose: &str| -> Rng {
            stream(&StreamKey {
                seed: opts.seed,
                replication: opts.replication,
                entity,
                purpose,
            })
        };
        let mut nodes = Vec::with_capacity(model.nodes.len());
        for (n, node) in model.nodes.iter().enumerate() {
            let ports = node.kind.ports().len();
            nodes.push(Node {
                kind: Kind::build(model, n, &opts)?,
                ledger: Ledger::default(),
                input: Stock::default(),
                out_links: (0..ports).map(|p| model.links_from(n, p)).collect(),
                in_links: (0..model.links.len())
                    .filter(|&l| model.links[l].to == n)
                    .collect(),
                counters: Counters::default(),
            });
        }
        let mut links = Vec::with_capacity(model.links.len());
        for l in &model.links {
            links.push(LinkState {
                ledger: Ledger::default(),
                staged: Stock::default(),
                direct: None,
                in_transit: 0,
                waiting: Default::default(),
                in_transit_mg: 0,
                waiting_mg: 0,
                transit: nodes::sampler(&l.transit_days)?,
                transit_rng: key(&l.id, "transit"),
                trips: 0,
                transit_multiplier: 1.0,
                cost_per_mile_usd: l.cost_per_mile_usd,
                share_num: mass::share_num(l.share),
                cost_usd: 0.0,
                co2_kg: 0.0,
                tonne_miles: 0.0,
            });
        }
        let mut sim = Simulation {
            model,
            rec: Recorder::new(model, opts.trace),
            opts,
            queue: EventQueue::new(),
            nodes,
            links,
            transit: Vec::new(),
            free_slots: Vec::new(),
            rare: model.rare_earths(),
            pending: Vec::new(),
            next_restriction: 0,
            policy: None,
        };
        sim.schedule_initial();
        Ok(sim)
    }

    /// Lets a policy act on this run (scripts); called before `run`.
    pub fn set_policy(&mut self, policy: Box<dyn policy::Policy + 'm>) {
        self.policy = Some(policy);
    }

    /// Runs only a policy's start (a script's top level) against this simulation, without
    /// running it: how `magloop validate` checks scripts.
    pub fn start_policy_only(&mut self, policy: &mut dyn policy::Policy) -> Result<()> {
        policy.start(&mut policy::Control { sim: self })
    }

    /// Calls the policy, if any, with a `Control` over this simulation.
    fn with_policy(
        &mut self,
        f: impl FnOnce(&mut dyn policy::Policy, &mut policy::Control<'_, 'm>) -> Result<()>,
    ) -> Result<()> {
        let Some(mut p) = self.policy.take() else {
            return Ok(());
        };
        let result = f(p.as_mut(), &mut policy::Control { sim: self });
        self.policy = Some(p);
        result
    }

    /// Runs to the horizon. `progress` is called after each recording step with the
    /// simulated time reached.
    pub fn run(self, mut progress: impl FnMut(SimTime)) -> Result<RunResult> {
        self.run_watched(|t, _| progress(t))
    }

    /// [`run`](Self::run), lending `watch` the time series recorded so far after each
    /// recording step (read-only: an output may start encoding what is final).
    pub fn run_watched(mut self, mut watch: impl FnMut(SimTime, &TimeSeries)) -> Result<RunResult> {
        let horizon = self.model.horizon;
        self.with_policy(|p, ctl| p.start(ctl))?;
        while let Some((now, _, event)) = self.queue.pop_until(horizon) {
            if self.opts.trace {
                self.trace(now, &event);
            }
            match event {
                Event::Hook { hook } => self.with_policy(|p, ctl| p.fire(hook, ctl))?,
                Event::Action { id } => self.on_action(id),
                Event::Failure { node, server } => self.on_failure(node, server as usize),
                Event::Repair { node, server } => self.on_repair(node, server as usize),
                Event::Commission { node } => self.on_commission(node),
                Event::Arrival { node } => self.on_arrival(node),
                Event::Delivery { link, shipment } => self.on_delivery(link, shipment),
                Event::Done { node, server } => self.on_done(node, server as usize),
                Event::Resume { node, server } => self.on_resume(node, server as usize),
                Event::DispatchTimer { link } => self.on_dispatch_timer(link),
                Event::Daily { node } => self.on_daily(node),
                Event::Record => {
                    self.record(now);
                    self.with_policy(|p, ctl| p.on_record(ctl))?;
                    watch(now, &self.rec.ts);
                    if now < horizon {
                        let next = (now + self.model.record_every).min(horizon);
                        self.queue.post(next, Event::Record);
                    }
                }
            }
        }
        self.check_balance()?;
        Ok(self.finish())
    }

    fn trace(&mut self, now: SimTime, event: &Event) {
        let (entity, quantity) = match *event {
            Event::Failure { node, .. }
            | Event::Repair { node, .. }
            | Event::Commission { node }
            | Event::Arrival { node }
            | Event::Daily { node } => (self.model.nodes[node].id.clone(), None),
            Event::Done { node, server } | Event::Resume { node, server } => {
                let q = self.nodes[node]
                    .kind
                    .pool()
                    .and_then(|p| p.job_mass_kg(server));
                (self.model.nodes[node].id.clone(), q)
            }
            Event::Delivery { link, shipment } => {
                let q = self
                    .transit
                    .get(shipment as usize)
                    .and_then(Option::as_ref)
                    .map(|(_, s)| shipment_mass(s) as f64 / 1e6);
                (self.model.links[link].id.clone(), q)
            }
            Event::DispatchTimer { link } => (
                self.model.links[link].id.clone(),
                Some(self.links[link].staged.mass() as f64 / 1e6),
            ),
            Event::Record | Event::Hook { .. } | Event::Action { .. } => (String::new(), None),
        };
        self.rec.trace(TraceRow {
            time_s: now,
            kind: event.name(),
            entity,
            quantity_kg: quantity,
        });
    }

    /// Checks `inflow = outflow + inventory + loss` for every node, link and element.
    pub(crate) fn check_balance(&self) -> Result<()> {
        let n_el = self.model.elements.len();
        let mut problems = Vec::new();
        // Material that passed straight through (`Ledger::through_mg`) is in both the
        // inflow and the outflow of every element, so it is left out of both here.
        let mut check = |what: String, ledger: &Ledger, inv: Elements| {
            for e in 0..n_el {
                let (i, o, l) = (
                    ledger.inflow.get(e),
                    ledger.outflow.get(e),
                    ledger.loss.get(e),
                );
                let held = inv.get(e);
                let diff = i - o - l - held;
                if diff != 0 {
                    problems.push(format!(
                        "{what}, element {}: in {i} mg = out {o} + inventory {held} + losses {l} is off by {diff} mg (not counting material that passed straight through)",
                        self.model.elements[e]
                    ));
                }
            }
        };
        for (n, node) in self.nodes.iter().enumerate() {
            check(
                format!("node `{}`", self.model.nodes[n].id),
                &node.ledger,
                self.node_inventory(n),
            );
        }
        for (l, link) in self.links.iter().enumerate() {
            check(
                format!("link `{}`", self.model.links[l].id),
                &link.ledger,
                self.link_inventory(l),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Run(format!(
                "mass balance violated:\n  {}",
                problems.join("\n  ")
            )))
        }
    }

    /// Mass held at a node (input, jobs in service, blocked output), without allocating.
    pub(crate) fn node_inventory_mass(&self, n: NodeId) -> i64 {
        let node = &self.nodes[n];
        node.input.mass() + node.kind.held_mass()
    }

    /// Element masses held at a node: input, jobs in service, blocked output.
    pub(crate) fn node_inventory(&self, n: NodeId) -> Elements {
        let node = &self.nodes[n];
        let mut inv = *node.input.elements();
        node.kind.add_held_elements(&mut inv);
        inv
    }

    pub(crate) fn link_inventory(&self, l: LinkId) -> Elements {
        let link = &self.links[l];
        // A parcel in `direct` is not yet the link's (it enters the ledger when it leaves
        // `direct`, in the step that put it there).
        let mut inv = *link.staged.elements();
        let on_road = self.transit.iter().flatten().filter(|(on, _)| *on == l);
        for parcel in on_road
            .flat_map(|(_, ship)| ship)
            .chain(link.waiting.iter().flatten())
        {
            parcel.add_elements(&mut inv);
        }
        inv
    }
}

/// Builds and runs a simulation in one call.
pub fn simulate(
    model: &Model,
    opts: RunOptions,
    progress: impl FnMut(SimTime),
) -> Result<RunResult> {
    Simulation::new(model, opts)?.run(progress)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Overrides, load_str};

    const TINY: &str = "
name: tiny
calendar: {start: 2025-01-01, years: 0.01}
elements: [Nd]
materials:
  m: {role: scrap, composition: {Nd: 30}}
nodes:
  - {id: s, kind: scrap_source, material: m, tonnes_per_year: 100, lot_kg: 10}
  - {id: end, kind: sink}
links:
  - {id: l, from: s, to: end, dispatch: immediate}
";

    #[test]
    fn the_balance_check_catches_a_single_milligram() {
        let m = load_str(TINY, "tiny.yaml", &Overrides::default()).unwrap();
        let sim = Simulation::new(&m.model, RunOptions::default()).unwrap();
        let mut sim = {
            let mut s = sim;
            while let Some(t) = s.queue.peek_time() {
                if t > m.model.horizon {
                    break;
                }
                let (_, _, e) = s.queue.pop().unwrap();
                if let Event::Arrival { node } = e {
                    s.on_arrival(node);
                }
            }
            s
        };
        assert!(sim.check_balance().is_ok());
        // One milligram of Nd appears from nowhere at the sink.
        sim.nodes[1].ledger.inflow.add_to(0, 1);
        let err = sim.check_balance().unwrap_err().to_string();
        assert!(err.contains("node `end`, element Nd"), "{err}");
        assert!(err.contains("off by 1 mg"), "{err}");
    }
}
