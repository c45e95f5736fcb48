//! Identical servers (Inserma lines, stations' servers, HPMS vessels): jobs, breakdowns and
//! repairs (preemptive resume), policy outages and retirements, and their time accounting.
//! What a job is and what it makes is the node kind's business (`nodes::Kind`).

use smallvec::SmallVec;

use crate::kernel::{HOUR, PostId, Rng, Sampler, SimTime, StreamKey, secs_from_hours, stream};
use crate::model::{MG_PER_KG, NodeId};
use crate::sim::mass::Parcel;
use crate::sim::stats::Level;
use crate::sim::{Event, RunOptions, Simulation};

/// Finished output of a job or a day's campaign: (output port, parcel).
pub(crate) type Outputs = SmallVec<[(usize, Parcel); 2]>;

/// A job at a server: the parcel, and when service began.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub parcel: Parcel,
    pub started: SimTime,
}

#[derive(Debug)]
pub(crate) struct Server {
    pub job: Option<Job>,
    /// The pending completion of the job in service, and when it falls.
    pub done: Option<(PostId, SimTime)>,
    /// Reasons the server is down (a breakdown, a policy outage): up when 0.
    pub down: u32,
    /// Work left on a job paused by a breakdown or outage.
    pub remaining: Option<SimTime>,
    /// Taken out of service by a policy: finishes its job, takes no new one.
    pub retired: bool,
    /// Finished output that could not be stored yet.
    pub blocked: Outputs,
    /// Held back by a ramp-up pause until a `Resume` event.
    pub resting: bool,
    pub failure_rng: Option<Rng>,
}

impl Server {
    /// A new server, up and idle; `failure_rng` is its breakdown stream, if it breaks down.
    pub fn new(failure_rng: Option<Rng>) -> Self {
        Server {
            job: None,
            done: None,
            down: 0,
            remaining: None,
            retired: false,
            blocked: Outputs::new(),
            resting: false,
            failure_rng,
        }
    }

    /// The breakdown stream of server `s` of node `node_id`: keyed per server, so adding a
    /// line leaves the others' breakdowns unchanged.
    pub fn failure_stream(opts: &RunOptions, node_id: &str, s: usize) -> Rng {
        stream(&StreamKey {
            seed: opts.seed,
            replication: opts.replication,
            entity: &format!("{node_id}#{s}"),
            purpose: "failures",
        })
    }

    pub fn idle(&self) -> bool {
        self.down == 0
            && !self.retired
            && self.job.is_none()
            && self.blocked.is_empty()
            && !self.resting
    }

    pub fn blocked_mass(&self) -> i64 {
        self.blocked.iter().map(|(_, p)| p.mass()).sum()
    }
}

/// Identical servers with their time accounting.
pub(crate) struct Pool {
    pub servers: Vec<Server>,
    pub busy: Level,
    pub down: Level,
    /// Servers not retired: the denominator of utilisation and availability.
    pub active: Level,
    /// Policy outages in progress: every server, including one added meanwhile, is down
    /// once for each.
    pub outages: u32,
    pub service: Sampler,
    pub service_rng: Rng,
    /// (time between failures, repair) samplers, in hours.
    pub failures: Option<(Sampler, Sampler)>,
    /// The node's id, for keying the streams of servers added later.
    node_id: String,
}

impl Pool {
    /// `servers` identical servers of node `node_id`, with their service and failure samplers.
    pub fn new(
        opts: &RunOptions,
        node_id: &str,
        servers: u32,
        service: Sampler,
        failures: Option<(Sampler, Sampler)>,
    ) -> Pool {
        Pool {
            servers: (0..servers as usize)
                .map(|s| {
                    Server::new(
                        failures
                            .as_ref()
                            .map(|_| Server::failure_stream(opts, node_id, s)),
                    )
                })
                .collect(),
            busy: Level::default(),
            down: Level::default(),
            active: Level::with_value(servers as i64),
            outages: 0,
            service,
            service_rng: stream(&StreamKey {
                seed: opts.seed,
                replication: opts.replication,
                entity: node_id,
                purpose: "service",
            }),
            failures,
            node_id: node_id.to_string(),
        }
    }

    /// Mass in service and in blocked output.
    pub fn held_mass(&self) -> i64 {
        self.servers
            .iter()
            .map(|s| s.job.as_ref().map_or(0, |j| j.parcel.mass()) + s.blocked_mass())
            .sum()
    }

    pub fn add_held_elements(&self, acc: &mut crate::sim::mass::Elements) {
        for s in &self.servers {
            if let Some(j) = &s.job {
                j.parcel.add_elements(acc);
            }
            for (_, p) in &s.blocked {
                p.add_elements(acc);
            }
        }
    }

    /// Servers in service (not retired).
    pub fn in_service(&self) -> usize {
        self.servers.iter().filter(|s| !s.retired).count()
    }

    /// Share of the servers in service that are up (0 when none is in service).
    pub fn availability(&self) -> f64 {
        let active = self.in_service();
        if active == 0 {
            return 0.0;
        }
        let up = self.servers.iter().filter(|s| !s.retired && s.down == 0);
        up.count() as f64 / active as f64
    }

    pub fn job_mass_kg(&self, server: u32) -> Option<f64> {
        self.servers
            .get(server as usize)
            .and_then(|s| s.job.as_ref())
            .map(|j| j.parcel.mass() as f64 / MG_PER_KG as f64)
    }
}

impl Simulation<'_> {
    /// Schedules every server's first breakdown (at the start, or at commissioning).
    pub(crate) fn start_failures(&mut self, n: NodeId) {
        let count = self.nodes[n].kind.pool().map_or(0, |p| p.servers.len());
        for s in 0..count {
            self.start_failures_of(n, s);
        }
    }

    /// Schedules one server's first breakdown, if the node has breakdowns.
    pub(crate) fn start_failures_of(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = self.nodes[n].kind.pool_mut() else {
            return;
        };
        let Some((tbf, _)) = &pool.failures else {
            return;
        };
        let rng = pool.servers[s]
            .failure_rng
            .as_mut()
            .expect("failing servers have a stream");
        let gap = secs_from_hours(tbf.sample(rng)).max(1);
        self.queue.post(
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
        let Some(pool) = self.nodes[n].kind.pool_mut() else {
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
            if let Some((id, t)) = server.done.take() {
                self.queue.cancel_post(id);
                server.remaining = Some(t - now);
            }
        }
    }

    /// Ends one reason for a server being down; back in service when none is left.
    pub(crate) fn server_up(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = self.nodes[n].kind.pool_mut() else {
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
            let at = now + server.remaining.take().unwrap_or(0);
            let id = self.queue.post(
                at,
                Event::Done {
                    node: n,
                    server: s as u32,
                },
            );
            server.done = Some((id, at));
        }
        self.try_start(n);
    }

    pub(crate) fn on_failure(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let Some(pool) = self.nodes[n].kind.pool_mut() else {
            return;
        };
        let Some((_, repair)) = &pool.failures else {
            return;
        };
        let rng = pool.servers[s]
            .failure_rng
            .as_mut()
            .expect("failing servers have a stream");
        let repair_s = secs_from_hours(repair.sample(rng)).max(1);
        self.server_down(n, s);
        self.queue.post(
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

    pub(crate) fn on_resume(&mut self, n: NodeId, s: usize) {
        if let Some(pool) = self.nodes[n].kind.pool_mut() {
            pool.servers[s].resting = false;
        }
        self.try_start(n);
    }

    /// Starts jobs on idle servers while the node's kind finds work in its input.
    pub(crate) fn try_start(&mut self, n: NodeId) {
        // Only kinds with servers take jobs (`Kind::next_job` is `None` for the others).
        if self.nodes[n].kind.pool().is_none() {
            return;
        }
        let now = self.queue.now();
        let mut took = false;
        loop {
            let node = &mut self.nodes[n];
            let Some((s, parcel)) = node.kind.next_job(&mut node.input) else {
                break;
            };
            took = true;
            // Wait in queue: from arrival at this node to the start of service, per unit
            // (drives, jobs) or per kilogram for bulk batches.
            let c = &mut node.counters;
            if parcel.units > 0 {
                let lot = parcel.lots().first();
                let h = lot.map_or(0.0, |l| l.wait_mg_s_f64(now) / l.mass().max(1) as f64)
                    / HOUR as f64;
                c.wait.add(h, parcel.units as f64);
                c.wait_total.add(h, parcel.units as f64);
            } else {
                for l in parcel.lots() {
                    // mg.s -> kg.h
                    let kg_h = l.wait_mg_s_f64(now) / (MG_PER_KG as f64 * HOUR as f64);
                    let kg = l.mass() as f64 / MG_PER_KG as f64;
                    c.wait.add_sum(kg_h, kg);
                    c.wait_total.add_sum(kg_h, kg);
                }
            }
            let at = now + node.kind.service_time(&parcel, now);
            let id = self.queue.post(
                at,
                Event::Done {
                    node: n,
                    server: s as u32,
                },
            );
            let pool = self.nodes[n].kind.pool_mut().expect("servers have a pool");
            let server = &mut pool.servers[s];
            server.job = Some(Job {
                parcel,
                started: now,
            });
            server.done = Some((id, at));
        }
        if took {
            self.wake_inbound(n);
        }
    }

    pub(crate) fn on_done(&mut self, n: NodeId, s: usize) {
        let now = self.queue.now();
        let model = self.model;
        let node = &mut self.nodes[n];
        let Some(pool) = node.kind.pool_mut() else {
            return;
        };
        let server = &mut pool.servers[s];
        let Some(job) = server.job.take() else {
            return;
        };
        server.done = None;
        pool.busy.add(now, -1);
        let started = job.started;
        let made_before = node.kind.hpms_made();
        let outputs = node
            .kind
            .finish_job(job, now, model, &mut node.ledger, &mut node.counters);
        if let (Some(before), Some(after)) = (made_before, node.kind.hpms_made()) {
            self.rec.yearly.hpms_batch(now, before, after);
        }
        if let Some(pause) = node.kind.rest_after_job(started, now) {
            let pool = node.kind.pool_mut().expect("servers have a pool");
            pool.servers[s].resting = true;
            self.queue.post(
                now + pause,
                Event::Resume {
                    node: n,
                    server: s as u32,
                },
            );
        }
        let mass: i64 = outputs.iter().map(|(_, p)| p.mass()).sum();
        if self.storage_has_room(n, mass) {
            self.release(n, outputs);
        } else if let Some(pool) = self.nodes[n].kind.pool_mut() {
            pool.servers[s].blocked = outputs;
        }
        self.try_start(n);
    }

    /// Sends finished outputs on; a station's job leaves the system here.
    fn release(&mut self, n: NodeId, outputs: Outputs) {
        let now = self.queue.now();
        self.nodes[n].kind.job_left(now);
        for (port, parcel) in outputs {
            self.emit(n, port, parcel);
        }
    }

    /// Storage space freed at a node: blocked servers release their output, oldest server first.
    pub(crate) fn unblock(&mut self, n: NodeId) {
        let mut released = false;
        loop {
            let next = self.nodes[n].kind.pool().and_then(|pool| {
                pool.servers
                    .iter()
                    .position(|sv| !sv.blocked.is_empty())
                    .map(|s| (s, pool.servers[s].blocked_mass()))
            });
            let Some((s, mass)) = next else { break };
            if !self.storage_has_room(n, mass) {
                break;
            }
            let pool = self.nodes[n].kind.pool_mut().expect("has a pool");
            let outputs = std::mem::take(&mut pool.servers[s].blocked);
            self.release(n, outputs);
            released = true;
        }
        if released {
            self.try_start(n);
        }
    }

    /// Adds (`delta > 0`) or retires (`delta < 0`) servers of a node.
    /// Adds or retires servers; returns how many of those to retire were not there.
    pub(crate) fn change_capacity(&mut self, n: NodeId, delta: i64) -> i64 {
        let now = self.queue.now();
        let opts = self.opts.clone();
        let node = &mut self.nodes[n];
        let in_operation = node.kind.in_operation();
        let Some(pool) = node.kind.pool_mut() else {
            return 0;
        };
        if delta > 0 {
            let first = pool.servers.len();
            for s in first..first + delta as usize {
                let failure_rng = pool
                    .failures
                    .as_ref()
                    .map(|_| Server::failure_stream(&opts, &pool.node_id, s));
                let mut server = Server::new(failure_rng);
                // A server added during an outage is down with the others until it ends.
                server.down = pool.outages;
                if server.down > 0 {
                    pool.down.add(now, 1);
                }
                pool.servers.push(server);
            }
            pool.active.add(now, delta);
            if in_operation {
                for s in first..first + delta as usize {
                    self.start_failures_of(n, s);
                }
            }
            self.try_start(n);
            0
        } else {
            // Retire the newest servers first; a job in progress finishes.
            let mut left = -delta;
            for server in pool.servers.iter_mut().rev() {
                if left == 0 {
                    break;
                }
                if !server.retired {
                    server.retired = true;
                    left -= 1;
                }
            }
            pool.active.add(now, -(-delta - left));
            left
        }
    }

    /// Starts (`down`) or ends a policy outage of every server of a node.
    pub(crate) fn pool_outage(&mut self, n: NodeId, down: bool) {
        let Some(pool) = self.nodes[n].kind.pool_mut() else {
            return;
        };
        if down {
            pool.outages += 1;
        } else if pool.outages == 0 {
            return;
        } else {
            pool.outages -= 1;
        }
        let count = pool.servers.len();
        for s in 0..count {
            if down {
                self.server_down(n, s);
            } else {
                self.server_up(n, s);
            }
        }
    }
}
