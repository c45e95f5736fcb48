//! What each kind of node does: sources release lots, servers (Inserma lines, stations,
//! HPMS vessels) process jobs and break down, the oxide plant runs daily campaigns, the
//! market meets demand from recycled stock, then imports.

use crate::kernel::{DAY, HOUR, Rng, Sampler, SimTime, YEAR, secs_from_hours, secs_from_secs};
use crate::model::{
    Arrivals, MG_PER_KG, MG_PER_T, Market, MaterialRole, NodeId, NodeKind, PORT_MAGNETS,
    PORT_RESIDUE,
};
use crate::sim::mass::{Lot, Parcel, SHARE_DEN, scale, share_num, zeros};
use crate::sim::stats::Level;
use crate::sim::{Behaviour, Event, Job, Pool, Simulation};

pub(crate) struct SourceState {
    /// Per-drive magnet mass (g) for HDD sources, lot mass (kg) otherwise.
    pub lot: Sampler,
    /// Per-drive body mass (g), HDD sources only.
    pub body: Option<Sampler>,
    /// Explicit inter-arrival times (h), plain sources only.
    pub interarrival: Option<Sampler>,
    /// Policy multiplier on the arrival rate (1 = as modelled).
    pub rate_multiplier: f64,
    pub arrival_rng: Rng,
    pub lot_rng: Rng,
    pub body_rng: Rng,
}

pub(crate) struct PreprocessorState {
    pub pool: Pool,
    pub recovery_yield: f64,
}

pub(crate) struct StationState {
    pub pool: Pool,
    /// Jobs at the station: waiting, in service or blocked.
    pub in_system: Level,
}

pub(crate) struct HpmsState {
    pub pool: Pool,
    pub commissioned: bool,
    /// When it was commissioned (the ramp-up counts from here).
    pub commissioned_at: Option<SimTime>,
    /// The pending commissioning event, which a policy may move.
    pub commission_event: Option<crate::kernel::EventId>,
    pub extraction_yield: f64,
    pub unsuitable_share: f64,
    /// (lead time in days, product mass in kg) of product made from drive magnets.
    pub lead_times: Vec<(f64, f64)>,
    pub product_mass: i64,
    pub sintered_mass: i64,
    pub residue_mass: i64,
    pub co2_kg: f64,
    /// (time, cumulative product mass, busy and active vessel-seconds) when the ramp-up ended.
    pub ramped_mark: Option<(SimTime, i64, i128, i128)>,
}

pub(crate) struct OxideState {
    pub commissioned: bool,
    pub commission_event: Option<crate::kernel::EventId>,
    /// Reasons it is down (policy outages): runs when 0.
    pub down: u32,
    /// Recovery per element (policy-adjustable).
    pub recovery: Vec<f64>,
    pub feed_total: i64,
    pub feed_interval: i64,
    pub oxide_total: i64,
    pub oxygen_added: i64,
}

/// Tonnes per origin and totals, over the run and the current recording interval.
#[derive(Debug, Clone, Default)]
pub(crate) struct MarketFlows {
    pub demand_t: f64,
    pub recycled_t: f64,
    pub imports_t: Vec<f64>,
    pub shortfall_t: f64,
    /// Per sector: unmet demand, and imports by origin.
    pub sector_shortfall_t: Vec<f64>,
    pub sector_imports_t: Vec<Vec<f64>>,
}

impl MarketFlows {
    pub fn zero(m: &Market) -> Self {
        MarketFlows {
            imports_t: vec![0.0; m.imports.len()],
            sector_shortfall_t: vec![0.0; m.demand.len()],
            sector_imports_t: vec![vec![0.0; m.imports.len()]; m.demand.len()],
            ..MarketFlows::default()
        }
    }
}

pub(crate) struct MarketState {
    pub total: MarketFlows,
    pub interval: MarketFlows,
    /// Flows in the run's last year (the year before the horizon).
    pub last_year: MarketFlows,
    /// Per origin: base share of baseline supply (1 = baseline), set by policies.
    pub base_share: Vec<f64>,
    /// Per origin: active restrictions (id, share), multiplied together.
    pub restrictions: Vec<Vec<(u64, f64)>>,
    /// Per sector: demand multiplier.
    pub demand_multiplier: Vec<f64>,
    /// [sector][origin]: the sector may not be supplied from the origin.
    pub excluded: Vec<Vec<bool>>,
}

impl MarketState {
    pub fn new(m: &Market) -> Self {
        let flows = MarketFlows::zero(m);
        MarketState {
            total: flows.clone(),
            last_year: flows.clone(),
            interval: flows,
            base_share: vec![1.0; m.imports.len()],
            restrictions: vec![Vec::new(); m.imports.len()],
            demand_multiplier: vec![1.0; m.demand.len()],
            excluded: vec![vec![false; m.imports.len()]; m.demand.len()],
        }
    }

    /// Current share of origin `i`'s baseline supply.
    pub fn import_share(&self, i: usize) -> f64 {
        self.restrictions[i]
            .iter()
            .fold(self.base_share[i], |acc, r| acc * r.1)
    }

    /// Current demand, t/yr.
    pub fn demand_rate(&self, m: &Market, now: SimTime) -> f64 {
        m.demand
            .iter()
            .zip(&self.demand_multiplier)
            .map(|(d, k)| d.t_per_year * grown(d.growth_per_year, now) * k)
            .sum()
    }
}

#[derive(Default)]
pub(crate) struct SinkState;

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

/// Growth factor after `t` seconds at `g` a year, compounded yearly (fractional years included).
fn grown(g: f64, t: SimTime) -> f64 {
    (1.0 + g).powf(t as f64 / YEAR as f64)
}

/// The servers of a node, if it has any.
pub(crate) fn pool_of(b: &mut Behaviour) -> Option<&mut Pool> {
    match b {
        Behaviour::Preprocessor(p) => Some(&mut p.pool),
        Behaviour::Station(p) => Some(&mut p.pool),
        Behaviour::Hpms(p) => Some(&mut p.pool),
        _ => None,
    }
}

impl Simulation<'_> {
    /// Schedules a source's next arrival; `now = None` for the first one.
    pub(crate) fn schedule_next_arrival(&mut self, n: NodeId, now: Option<SimTime>) {
        let (start, end, gap_s) = {
            let kind = &self.model.nodes[n].kind;
            let Behaviour::Source(st) = &mut self.nodes[n].behaviour else {
                return;
            };
            let t = now.unwrap_or(0);
            let (start, end, mean_gap_s, arrivals) = match kind {
                NodeKind::HddSource(s) => {
                    let pallets_per_year = s.drives_per_year
                        * st.rate_multiplier
                        * s.capture_share
                        * grown(s.growth_per_year, t.max(s.start) - s.start)
                        / s.pallet_drives as f64;
                    (s.start, s.end, YEAR as f64 / pallets_per_year, s.arrivals)
                }
                NodeKind::ScrapSource(s) => {
                    let t_per_year =
                        s.tonnes_per_year * grown(s.growth_per_year, t.max(s.start) - s.start);
                    let kg_per_year = 1000.0
                        * st.rate_multiplier
                        * s.max_tonnes_per_year
                            .map_or(t_per_year, |m| t_per_year.min(m));
                    (
                        s.start,
                        s.end,
                        s.lot_kg.mean() / kg_per_year * YEAR as f64,
                        s.arrivals,
                    )
                }
                NodeKind::Source(s) => {
                    let gap = st
                        .interarrival
                        .as_ref()
                        .map(|ia| ia.sample(&mut st.arrival_rng))
                        .unwrap_or(1.0);
                    (
                        s.start,
                        s.end,
                        gap * HOUR as f64 / st.rate_multiplier.max(1e-9),
                        Arrivals::Regular,
                    )
                }
                _ => return,
            };
            let gap = match arrivals {
                Arrivals::Regular => mean_gap_s,
                Arrivals::Poisson => {
                    // Exponential gap by inversion: -mean * ln(U), U in (0, 1].
                    let u: f64 = 1.0 - rand::RngExt::random::<f64>(&mut st.arrival_rng);
                    -mean_gap_s * u.ln()
                }
            };
            (start, end, secs_from_secs(gap).max(1))
        };
        let at = match now {
            None => start.saturating_add(gap_s),
            Some(t) => t.saturating_add(gap_s),
        };
        if at < end && at <= self.model.horizon {
            self.queue.schedule(at, Event::Arrival { node: n });
        }
    }

    pub(crate) fn on_arrival(&mut self, n: NodeId) {
        let now = self.queue.now();
        let model = self.model;
        let parcel = {
            let Behaviour::Source(st) = &mut self.nodes[n].behaviour else {
                return;
            };
            match &model.nodes[n].kind {
                NodeKind::HddSource(s) => {
                    let drives = s.pallet_drives as u64;
                    let magnet_g = st.lot.sample_sum(&mut st.lot_rng, drives);
                    let body = st.body.as_ref().expect("HDD sources sample bodies");
                    let body_g = body.sample_sum(&mut st.body_rng, drives);
                    let to_mg = |g: f64| (g * 1000.0).round() as i64;
                    Parcel {
                        lots: vec![
                            Lot::of_material(
                                &model.materials[s.magnet_material],
                                s.magnet_material,
                                to_mg(magnet_g),
                                now,
                                n,
                            ),
                            Lot::of_material(
                                &model.materials[s.body_material],
                                s.body_material,
                                to_mg(body_g),
                                now,
                                n,
                            ),
                        ],
                        units: drives,
                    }
                }
                NodeKind::ScrapSource(s) => {
                    let kg = st.lot.sample(&mut st.lot_rng);
                    Parcel {
                        lots: vec![Lot::of_material(
                            &model.materials[s.material],
                            s.material,
                            (kg * MG_PER_KG as f64).round() as i64,
                            now,
                            n,
                        )],
                        units: 0,
                    }
                }
                NodeKind::Source(s) => {
                    let kg = st.lot.sample(&mut st.lot_rng);
                    Parcel {
                        lots: vec![Lot::of_material(
                            &model.materials[s.material],
                            s.material,
                            (kg * MG_PER_KG as f64).round() as i64,
                            now,
                            n,
                        )],
                        units: 1,
                    }
                }
                _ => return,
            }
        };
        {
            let node = &mut self.nodes[n];
            node.ledger.parcel_in(&parcel);
            node.counters.units += parcel.units;
            node.counters.units_total += parcel.units;
        }
        self.emit(n, 0, parcel);
        self.schedule_next_arrival(n, Some(now));
    }

    pub(crate) fn pool_mut(&mut self, n: NodeId) -> Option<&mut Pool> {
        pool_of(&mut self.nodes[n].behaviour)
    }

    pub(crate) fn pool(&self, n: NodeId) -> Option<&Pool> {
        match &self.nodes[n].behaviour {
            Behaviour::Preprocessor(p) => Some(&p.pool),
            Behaviour::Station(p) => Some(&p.pool),
            Behaviour::Hpms(p) => Some(&p.pool),
            _ => None,
        }
    }

    /// Schedules every server's first breakdown (at the start, or at commissioning).
    pub(crate) fn start_failures(&mut self, n: NodeId) {
        let count = self.pool(n).map_or(0, |p| p.servers.len());
        for s in 0..count {
            self.start_failures_of(n, s);
        }
    }

    /// Schedules one server's first breakdown, if the node has breakdowns.
    pub(crate) fn start_failures_of(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = self.pool_mut(n) else { return };
        let Some((tbf, _)) = &pool.failures else {
            return;
        };
        let rng = pool.servers[s]
            .failure_rng
            .as_mut()
            .expect("failing servers have a stream");
        let gap = secs_from_hours(tbf.sample(rng)).max(1);
        self.queue.schedule(
            now + gap,
            Event::Failure {
                node: n,
                server: s as u32,
            },
        );
    }

    /// Takes a server out of service (a breakdown, an outage): a job in progress pauses
    /// with its remaining work (preemptive resume).
    pub(crate) fn server_down(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = pool_of(&mut self.nodes[n].behaviour) else {
            return;
        };
        let server = &mut pool.servers[s];
        server.down += 1;
        if server.down > 1 {
            return;
        }
        pool.down.add(now, 1);
        if server.job.is_some() {
            pool.busy.add(now, -1);
            if let Some(id) = server.done.take()
                && let Some(t) = self.queue.time_of(id)
            {
                self.queue.cancel(id);
                server.remaining = Some(t - now);
            }
        }
    }

    /// Ends one reason for a server being down; back in service when none is left.
    pub(crate) fn server_up(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = pool_of(&mut self.nodes[n].behaviour) else {
            return;
        };
        let server = &mut pool.servers[s];
        if server.down == 0 {
            return;
        }
        server.down -= 1;
        if server.down > 0 {
            return;
        }
        pool.down.add(now, -1);
        if server.job.is_some() {
            pool.busy.add(now, 1);
            let left = server.remaining.take().unwrap_or(0);
            let id = self.queue.schedule(
                now + left,
                Event::Done {
                    node: n,
                    server: s as u32,
                },
            );
            if let Some(pool) = pool_of(&mut self.nodes[n].behaviour) {
                pool.servers[s].done = Some(id);
            }
        }
        self.try_start(n);
    }

    pub(crate) fn on_failure(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = self.pool_mut(n) else { return };
        let Some((_, repair)) = &pool.failures else {
            return;
        };
        let rng = pool.servers[s]
            .failure_rng
            .as_mut()
            .expect("failing servers have a stream");
        let repair_s = secs_from_hours(repair.sample(rng)).max(1);
        self.server_down(n, s);
        self.queue.schedule(
            now + repair_s,
            Event::Repair {
                node: n,
                server: s as u32,
            },
        );
    }

    /// Repaired: the next breakdown is drawn from the server's stream, as at the start.
    pub(crate) fn on_repair(&mut self, n: NodeId, s: usize) {
        self.start_failures_of(n, s);
        self.server_up(n, s);
    }

    pub(crate) fn on_commission(&mut self, n: NodeId) {
        match &mut self.nodes[n].behaviour {
            Behaviour::Hpms(h) => {
                h.commissioned = true;
                h.commissioned_at = Some(self.queue.now());
                h.commission_event = None;
            }
            Behaviour::Oxide(o) => {
                o.commissioned = true;
                o.commission_event = None;
                let now = self.queue.now();
                self.queue.schedule(now, Event::Daily { node: n });
                return;
            }
            _ => return,
        }
        self.start_failures(n);
        self.try_start(n);
    }

    pub(crate) fn on_resume(&mut self, n: NodeId, s: usize) {
        if let Some(pool) = self.pool_mut(n) {
            pool.servers[s].resting = false;
        }
        self.try_start(n);
    }

    /// Starts jobs on idle servers while there is work.
    pub(crate) fn try_start(&mut self, n: NodeId) {
        let now = self.queue.now();
        let model = self.model;
        let mut took = false;
        loop {
            let node = &mut self.nodes[n];
            let (pool, batch_mg) = match (&mut node.behaviour, &model.nodes[n].kind) {
                (Behaviour::Preprocessor(p), _) => (&mut p.pool, None),
                (Behaviour::Station(p), _) => (&mut p.pool, None),
                (Behaviour::Hpms(p), NodeKind::Hpms(h)) => {
                    if !p.commissioned {
                        break;
                    }
                    (&mut p.pool, Some(h.batch_mg))
                }
                _ => break,
            };
            let Some(s) = pool.servers.iter().position(|sv| sv.idle()) else {
                break;
            };
            let parcel = match batch_mg {
                None => match node.input.pop() {
                    Some(p) => p,
                    None => break,
                },
                Some(batch) => {
                    if node.input.mass() < batch {
                        break;
                    }
                    let mut lots = Vec::new();
                    for p in node.input.take_mass(batch) {
                        lots.extend(p.lots);
                    }
                    Parcel { lots, units: 0 }
                }
            };
            took = true;
            // Wait in queue: from arrival at this node to the start of service, per unit
            // (drives, jobs) or per kilogram for bulk batches.
            let c = &mut node.counters;
            if parcel.units > 0 {
                let arrived = parcel.lots.first().map(|l| l.arrived).unwrap_or(now);
                let h = (now - arrived) as f64 / HOUR as f64;
                c.wait.add(h, parcel.units as f64);
                c.wait_total.add(h, parcel.units as f64);
            } else {
                for l in &parcel.lots {
                    let h = (now - l.arrived) as f64 / HOUR as f64;
                    let kg = l.mass() as f64 / MG_PER_KG as f64;
                    c.wait.add(h, kg);
                    c.wait_total.add(h, kg);
                }
            }
            let duration = match &model.nodes[n].kind {
                NodeKind::Preprocessor(_) => {
                    let drives = parcel.units.max(1);
                    secs_from_secs(pool.service.sample_sum(&mut pool.service_rng, drives))
                }
                _ => secs_from_hours(pool.service.sample(&mut pool.service_rng)),
            };
            pool.busy.add(now, 1);
            let id = self.queue.schedule(
                now + duration,
                Event::Done {
                    node: n,
                    server: s as u32,
                },
            );
            let server = &mut pool.servers[s];
            server.job = Some(Job {
                parcel,
                started: now,
            });
            server.done = Some(id);
        }
        if took {
            self.wake_inbound(n);
        }
    }

    pub(crate) fn on_done(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let model = self.model;
        let (job, started) = {
            let Some(pool) = self.pool_mut(n) else { return };
            let server = &mut pool.servers[s];
            let Some(job) = server.job.take() else { return };
            server.done = None;
            pool.busy.add(now, -1);
            let started = job.started;
            (job, started)
        };
        let outputs: Vec<(usize, Parcel)> = match &model.nodes[n].kind {
            NodeKind::Preprocessor(p) => {
                let mut magnets = Vec::new();
                let mut bodies = Vec::new();
                let mut passthrough = Vec::new();
                for lot in job.parcel.lots {
                    match model.materials[lot.material].role {
                        MaterialRole::Magnet => magnets.push(lot),
                        MaterialRole::Carrier => bodies.push(lot),
                        _ => passthrough.push(lot),
                    }
                }
                let node = &mut self.nodes[n];
                let Behaviour::Preprocessor(pp) = &node.behaviour else {
                    return;
                };
                let rec = share_num(pp.recovery_yield);
                let mut out = Vec::new();
                let mut rec_mass = 0;
                for mut m in magnets {
                    let r = m.split(rec, SHARE_DEN);
                    rec_mass += r.mass();
                    node.ledger.add_loss(&m.el);
                    out.push(r);
                }
                // Carrier that travels with the recovered magnets, from the drive bodies.
                let share = p.magnet_share;
                let carrier_needed = (rec_mass as f64 * (1.0 - share) / share).round() as i64;
                let body_mass: i64 = bodies.iter().map(Lot::mass).sum();
                let take = carrier_needed.min(body_mass);
                for mut b in bodies {
                    if body_mass > 0 {
                        let c = b.split(take, body_mass);
                        out.push(c.relabel(p.carrier_material));
                    }
                    // The rest of the drive leaves the loop as e-waste (steel, aluminium, boards).
                    node.ledger.add_out(&b.el);
                }
                out.extend(passthrough);
                node.counters.units += job.parcel.units;
                node.counters.units_total += job.parcel.units;
                vec![(
                    0,
                    Parcel {
                        lots: out,
                        units: 0,
                    },
                )]
            }
            NodeKind::Station(_) => {
                let c = &mut self.nodes[n].counters;
                c.units += job.parcel.units;
                c.units_total += job.parcel.units;
                vec![(0, job.parcel)]
            }
            NodeKind::Hpms(h) => {
                let hdd_origin = |o: NodeId| matches!(model.nodes[o].kind, NodeKind::HddSource(_));
                let sinter = share_num(h.sintered_share);
                let mut products = Vec::new();
                let mut residue = Vec::new();
                let node = &mut self.nodes[n];
                let Behaviour::Hpms(st) = &mut node.behaviour else {
                    return;
                };
                let suitable = share_num(1.0 - st.unsuitable_share);
                let extract = share_num(st.extraction_yield);
                for mut lot in job.parcel.lots {
                    match model.materials[lot.material].role {
                        MaterialRole::Magnet => {
                            let mut ok = lot.split(suitable, SHARE_DEN);
                            let mut powder = ok.split(extract, SHARE_DEN);
                            let sintered =
                                powder.split(sinter, SHARE_DEN).relabel(h.magnet_material);
                            let coproduct = powder.relabel(h.coproduct_material);
                            if hdd_origin(sintered.origin) {
                                let days = (now - sintered.born) as f64 / DAY as f64;
                                let kg =
                                    (sintered.mass() + coproduct.mass()) as f64 / MG_PER_KG as f64;
                                if kg > 0.0 {
                                    st.lead_times.push((days, kg));
                                }
                            }
                            st.sintered_mass += sintered.mass();
                            st.product_mass += sintered.mass() + coproduct.mass();
                            st.co2_kg +=
                                h.co2_kg_per_kg_product * sintered.mass() as f64 / MG_PER_KG as f64;
                            products.push(sintered);
                            products.push(coproduct);
                            // Unsuitable feed and unextracted magnet go on to the oxide plant.
                            residue.push(lot.relabel(h.residue_material));
                            residue.push(ok.relabel(h.residue_material));
                        }
                        // Steel holders and drive bodies leave as ferrous scrap.
                        MaterialRole::Carrier => node.ledger.add_out(&lot.el),
                        _ => residue.push(lot.relabel(h.residue_material)),
                    }
                }
                let Behaviour::Hpms(st) = &mut node.behaviour else {
                    return;
                };
                st.residue_mass += residue.iter().map(Lot::mass).sum::<i64>();
                products.retain(|l| l.mass() > 0);
                residue.retain(|l| l.mass() > 0);
                vec![
                    (
                        PORT_MAGNETS,
                        Parcel {
                            lots: products,
                            units: 0,
                        },
                    ),
                    (
                        PORT_RESIDUE,
                        Parcel {
                            lots: residue,
                            units: 0,
                        },
                    ),
                ]
            }
            _ => return,
        };
        // An HPMS vessel below full capacity pauses so that its duty cycle matches the ramp.
        if let (NodeKind::Hpms(h), Behaviour::Hpms(st)) =
            (&model.nodes[n].kind, &self.nodes[n].behaviour)
        {
            let share = h.capacity_share(st.commissioned_at.unwrap_or(now), now);
            if share < 1.0 {
                let pause =
                    ((now - started) as f64 * (1.0 / share.max(1e-6) - 1.0)).round() as SimTime;
                if pause > 0 {
                    if let Some(pool) = self.pool_mut(n) {
                        pool.servers[s].resting = true;
                    }
                    self.queue.schedule(
                        now + pause,
                        Event::Resume {
                            node: n,
                            server: s as u32,
                        },
                    );
                }
            }
        }
        let mass: i64 = outputs.iter().map(|(_, p)| p.mass()).sum();
        if self.storage_has_room(n, mass) {
            self.release(n, outputs);
        } else if let Some(pool) = self.pool_mut(n) {
            pool.servers[s].blocked = outputs;
        }
        self.try_start(n);
    }

    /// Sends finished outputs on; a station's job leaves the system here.
    fn release(&mut self, n: NodeId, outputs: Vec<(usize, Parcel)>) {
        let now = self.queue.now();
        if let Behaviour::Station(st) = &mut self.nodes[n].behaviour {
            st.in_system.add(now, -1);
        }
        for (port, parcel) in outputs {
            self.emit(n, port, parcel);
        }
    }

    /// Storage space freed at a node: blocked servers release their output, oldest server first.
    pub(crate) fn unblock(&mut self, n: NodeId) {
        let mut released = false;
        loop {
            let next = self.pool(n).and_then(|pool| {
                pool.servers
                    .iter()
                    .position(|sv| !sv.blocked.is_empty())
                    .map(|s| {
                        let mass: i64 = pool.servers[s].blocked.iter().map(|(_, p)| p.mass()).sum();
                        (s, mass)
                    })
            });
            let Some((s, mass)) = next else { break };
            if !self.storage_has_room(n, mass) {
                break;
            }
            let outputs =
                std::mem::take(&mut self.pool_mut(n).expect("has a pool").servers[s].blocked);
            self.release(n, outputs);
            released = true;
        }
        if released {
            self.try_start(n);
        }
    }

    pub(crate) fn on_daily(&mut self, n: NodeId) {
        match &self.model.nodes[n].kind {
            NodeKind::OxidePlant(_) => self.oxide_day(n),
            NodeKind::Market(_) => self.market_day(n),
            _ => {}
        }
        let now = self.queue.now();
        self.queue.schedule(now + DAY, Event::Daily { node: n });
    }

    /// One day of an oxide plant: leach and separate up to a day's feed capacity.
    fn oxide_day(&mut self, n: NodeId) {
        let model = self.model;
        let NodeKind::OxidePlant(o) = &model.nodes[n].kind else {
            return;
        };
        let now = self.queue.now();
        let day_mg =
            (o.feed_t_per_year * MG_PER_T as f64 * DAY as f64 / YEAR as f64).round() as i64;
        // A day's oxide weighs less than its feed, so room for a day's feed is room enough.
        if !self.storage_has_room(n, day_mg) {
            return;
        }
        let n_el = model.elements.len();
        let node = &mut self.nodes[n];
        let recovery = match &node.behaviour {
            Behaviour::Oxide(st) if st.down == 0 => st.recovery.clone(),
            _ => return,
        };
        let feed = node.input.take_mass(day_mg);
        if feed.is_empty() {
            return;
        }
        let mut product_el: Vec<Vec<i64>> = vec![vec![0; n_el]; o.products.len()];
        let mut fed = 0;
        let rare = model.rare_earths();
        for p in feed {
            for lot in p.lots {
                fed += lot.mass();
                let mut lost = zeros(n_el);
                let mut byproduct = zeros(n_el);
                for e in 0..n_el {
                    let have = lot.el[e];
                    let target = o
                        .products
                        .iter()
                        .position(|pr| pr.elements.iter().any(|(x, _)| *x == e));
                    match target {
                        Some(k) => {
                            let got = scale(have, share_num(recovery[e]), SHARE_DEN);
                            product_el[k][e] += got;
                            lost[e] = have - got;
                        }
                        None if rare.contains(&e) => lost[e] = have,
                        None => byproduct[e] = have,
                    }
                }
                node.ledger.add_loss(&lost);
                node.ledger.add_out(&byproduct);
            }
        }
        // Oxygen taken up by the oxides comes in with the reagents.
        let mut oxygen_in = vec![0; n_el];
        let mut lots = Vec::new();
        for (k, pr) in o.products.iter().enumerate() {
            let mut el = std::mem::take(&mut product_el[k]);
            let mut oxygen = 0;
            for &(e, factor) in &pr.elements {
                oxygen += (el[e] as f64 * (factor - 1.0)).floor() as i64;
            }
            el[o.oxygen] += oxygen;
            oxygen_in[o.oxygen] += oxygen;
            let lot = Lot {
                material: pr.material,
                el: el.into_boxed_slice(),
                born: now,
                origin: n,
                arrived: now,
            };
            if lot.mass() > 0 {
                lots.push(lot);
            }
        }
        node.ledger.add_in(&oxygen_in);
        let Behaviour::Oxide(st) = &mut node.behaviour else {
            return;
        };
        st.feed_total += fed;
        st.feed_interval += fed;
        st.oxygen_added += oxygen_in[o.oxygen];
        st.oxide_total += lots.iter().map(Lot::mass).sum::<i64>();
        self.emit(n, 0, Parcel { lots, units: 0 });
        self.wake_inbound(n);
    }

    /// One market day. Recycled stock is used first, then imports in listed order. Sectors
    /// barred from an origin (a policy) get recycled supply first; everything else is
    /// shared among the sectors that may take it in proportion to what they still need.
    fn market_day(&mut self, n: NodeId) {
        let model = self.model;
        let NodeKind::Market(m) = &model.nodes[n].kind else {
            return;
        };
        let now = self.queue.now();
        let day_years = DAY as f64 / YEAR as f64;
        let node = &mut self.nodes[n];
        let Behaviour::Market(st) = &node.behaviour else {
            return;
        };
        let sector_demand: Vec<f64> = m
            .demand
            .iter()
            .zip(&st.demand_multiplier)
            .map(|(d, k)| d.t_per_year * grown(d.growth_per_year, now) * day_years * k)
            .collect();
        let mut available: Vec<f64> = m
            .imports
            .iter()
            .enumerate()
            .map(|(i, imp)| {
                imp.t_per_year * grown(imp.growth_per_year, now) * day_years * st.import_share(i)
            })
            .collect();
        let demand_t: f64 = sector_demand.iter().sum();
        let want_mg = (demand_t * MG_PER_T as f64).round() as i64;
        let mut used_mg = 0;
        for p in node.input.take_mass(want_mg) {
            used_mg += p.mass();
            node.ledger.parcel_out(&p);
        }
        let Behaviour::Market(st) = &mut node.behaviour else {
            return;
        };
        let recycled_t = used_mg as f64 / MG_PER_T as f64;
        let mut recycled_left = recycled_t;
        let n_origins = m.imports.len();
        let mut imports = vec![vec![0.0; n_origins]; m.demand.len()];
        let mut shortfall = vec![0.0; m.demand.len()];
        let n_sectors = m.demand.len();
        let mut need = sector_demand.clone();
        // Recycled supply goes first to sectors barred from some origin (they have fewer
        // sources), in listed order, then to the others in proportion to their need.
        let restricted = |s: usize| st.excluded[s].iter().any(|&x| x);
        for (_, need) in need.iter_mut().enumerate().filter(|(s, _)| restricted(*s)) {
            let take = need.min(recycled_left);
            *need -= take;
            recycled_left -= take;
        }
        share_out(&mut need, &mut recycled_left, |s| !restricted(s));
        // Each origin in listed order, shared among the sectors allowed to buy from it in
        // proportion to what they still need.
        for (o, left) in available.iter_mut().enumerate() {
            let before = need.clone();
            share_out(&mut need, left, |s| !st.excluded[s][o]);
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
        let in_last_year = now > model.horizon - YEAR;
        let mut flows = vec![&mut st.total, &mut st.interval];
        if in_last_year {
            flows.push(&mut st.last_year);
        }
        for f in flows {
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
        node.counters.out_mass += used_mg;
        node.counters.out_mass_total += used_mg;
        self.wake_inbound(n);
    }
}
