//! What a run records: the long-format time series, the event trace, per-node statistics
//! and the run's summary KPIs. Output code only reads these.

use chrono::NaiveDate;

use crate::kernel::{SimTime, YEAR};
use crate::model::{MG_PER_KG, MG_PER_T, Model, NodeKind};
use crate::sim::stats::weighted_quantile;
use crate::sim::{Behaviour, Simulation};

/// Metrics every model may record, in metric-id order: (name, unit).
pub const FIXED_METRICS: [(&str, &str); 27] = [
    ("inventory_kg", "kg"),
    ("storage_kg", "kg"),
    ("queue_drives", "drives"),
    ("queue_jobs", "jobs"),
    ("in_system_jobs", "jobs"),
    ("throughput_kg", "kg"),
    ("cumulative_output_kg", "kg"),
    ("drives", "drives"),
    ("utilisation", "fraction"),
    ("availability", "fraction"),
    ("mean_wait_h", "h"),
    ("capacity_share", "fraction"),
    ("feed_processed_kg", "kg"),
    ("demand_t", "t"),
    ("recycled_supply_t", "t"),
    ("shortfall_t", "t"),
    ("domestic_share", "fraction"),
    ("staged_kg", "kg"),
    ("in_transit_kg", "kg"),
    ("waiting_kg", "kg"),
    ("trips", "trips"),
    ("cost_usd", "USD"),
    ("co2_kg", "kg"),
    ("mean_sojourn_h", "h"),
    ("product_kg", "kg"),
    ("mean_in_system_jobs", "jobs"),
    ("servers", "servers"),
];

#[derive(Clone, Copy)]
#[repr(u32)]
enum M {
    Inventory,
    Storage,
    QueueDrives,
    QueueJobs,
    InSystem,
    Throughput,
    CumOutput,
    Drives,
    Utilisation,
    Availability,
    MeanWait,
    CapacityShare,
    FeedProcessed,
    Demand,
    Recycled,
    Shortfall,
    DomesticShare,
    Staged,
    InTransit,
    Waiting,
    Trips,
    Cost,
    Co2,
    MeanSojourn,
    Product,
    MeanInSystem,
    Servers,
}

/// The recorded time series in long format, with name tables for entities and metrics.
#[derive(Debug, Clone, Default)]
pub struct TimeSeries {
    pub start: NaiveDate,
    pub time_s: Vec<SimTime>,
    pub entity: Vec<u32>,
    pub metric: Vec<u32>,
    pub value: Vec<f64>,
    /// Nodes, then links.
    pub entity_names: Vec<String>,
    /// (name, unit) per metric id.
    pub metric_names: Vec<(String, String)>,
}

impl TimeSeries {
    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Values of one (entity, metric) over time, for tests and reports.
    pub fn series(&self, entity: &str, metric: &str) -> Vec<(SimTime, f64)> {
        let Some(e) = self.entity_names.iter().position(|n| n == entity) else {
            return vec![];
        };
        let Some(m) = self.metric_names.iter().position(|n| n.0 == metric) else {
            return vec![];
        };
        (0..self.len())
            .filter(|&i| self.entity[i] == e as u32 && self.metric[i] == m as u32)
            .map(|i| (self.time_s[i], self.value[i]))
            .collect()
    }
}

/// One traced event.
#[derive(Debug, Clone)]
pub struct TraceRow {
    pub time_s: SimTime,
    pub kind: &'static str,
    pub entity: String,
    pub quantity_kg: Option<f64>,
}

/// Whole-run statistics of one node or link.
#[derive(Debug, Clone, Default)]
pub struct EntityStats {
    pub id: String,
    pub kind: String,
    pub in_kg: f64,
    pub out_kg: f64,
    pub loss_kg: f64,
    pub inventory_kg: f64,
    /// Busy server time over available server time, whole run (servers only).
    pub utilisation: Option<f64>,
    pub availability: Option<f64>,
    /// Mean wait in queue, hours (per drive, job or kg).
    pub mean_wait_h: Option<f64>,
    /// Time-average number of jobs at a station.
    pub mean_in_system: Option<f64>,
    /// Mean time in the network for what reached a sink, hours.
    pub mean_sojourn_h: Option<f64>,
    /// Drives, jobs or pallets counted through.
    pub units: u64,
}

/// The run's KPIs: one row of `summary.parquet`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub model: String,
    pub seed: u64,
    pub start: String,
    pub years: f64,
    pub drives_processed: u64,
    pub magnets_t: f64,
    pub sintered_magnets_t: f64,
    pub oxides_t: f64,
    pub oxide_feed_t: f64,
    pub oxide_t_per_t_feed: Option<f64>,
    pub lead_time_mean_days: Option<f64>,
    pub lead_time_p95_days: Option<f64>,
    pub demand_t: f64,
    pub recycled_supply_t: f64,
    pub imports_t: f64,
    pub domestic_share: Option<f64>,
    pub shortfall_t: f64,
    /// Demand not met, and recycled supply, in the run's last year.
    pub shortfall_last_year_t: f64,
    pub recycled_supply_last_year_t: f64,
    pub transport_cost_usd: f64,
    pub transport_co2_t: f64,
    pub process_co2_t: f64,
    pub co2_t: f64,
    pub hpms_nameplate_t_per_year: f64,
    pub hpms_ramped_output_t_per_year: Option<f64>,
    pub hpms_ramped_utilisation: Option<f64>,
    /// "feed", "capacity" or "none": what holds the HPMS hub below 90 % of nameplate.
    pub hpms_limit: Option<String>,
    pub hpms_feed_gap_t_per_year: Option<f64>,
}

impl Summary {
    /// A one-line finding about the HPMS hub, when there is one to state.
    pub fn hpms_finding(&self) -> Option<String> {
        let out = self.hpms_ramped_output_t_per_year?;
        let util = self.hpms_ramped_utilisation.unwrap_or(0.0);
        Some(match self.hpms_limit.as_deref()? {
            "feed" => format!(
                "HPMS hub is feed-limited: {out:.0} t/yr once ramped up against {:.0} t/yr nameplate, {:.0} t/yr ({:.0} %) short; vessels busy {:.0} % of the time",
                self.hpms_nameplate_t_per_year,
                self.hpms_feed_gap_t_per_year.unwrap_or(0.0),
                100.0 * self.hpms_feed_gap_t_per_year.unwrap_or(0.0)
                    / self.hpms_nameplate_t_per_year,
                100.0 * util
            ),
            "capacity" => format!(
                "HPMS hub is capacity-limited: {out:.0} t/yr against {:.0} t/yr nameplate with vessels busy {:.0} % of the time",
                self.hpms_nameplate_t_per_year,
                100.0 * util
            ),
            _ => format!(
                "HPMS hub reaches its nameplate: {out:.0} t/yr against {:.0} t/yr",
                self.hpms_nameplate_t_per_year
            ),
        })
    }
}

/// Everything a run produced.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub summary: Summary,
    /// Actions policies took, in the order taken.
    pub shocks: Vec<crate::sim::policy::ShockRow>,
    pub timeseries: TimeSeries,
    pub entities: Vec<EntityStats>,
    pub trace: Option<Vec<TraceRow>>,
    pub events: u64,
}

/// Collects rows during the run.
pub(crate) struct Recorder {
    pub ts: TimeSeries,
    pub trace: Option<Vec<TraceRow>>,
    last_time: SimTime,
    /// Per node: busy, down and in-system areas at the previous record.
    last_busy: Vec<i128>,
    last_down: Vec<i128>,
    last_active: Vec<i128>,
    last_in_system: Vec<i128>,
    /// Per node: cumulative product mass at the previous record (HPMS).
    last_product: Vec<i64>,
    n_fixed: u32,
    /// Metric ids of names made at run time (per origin, per sector), in first-use order.
    dynamic: std::collections::BTreeMap<String, u32>,
    /// Actions policies took.
    pub shocks: Vec<crate::sim::policy::ShockRow>,
}

impl Recorder {
    pub fn new(model: &Model, trace: bool) -> Self {
        let mut metric_names: Vec<(String, String)> = FIXED_METRICS
            .iter()
            .map(|(n, u)| (n.to_string(), u.to_string()))
            .collect();
        for e in &model.elements {
            metric_names.push((format!("cumulative_output_kg.{e}"), "kg".into()));
        }
        let entity_names = model
            .nodes
            .iter()
            .map(|n| n.id.clone())
            .chain(model.links.iter().map(|l| l.id.clone()))
            .collect();
        let n = model.nodes.len();
        Recorder {
            ts: TimeSeries {
                start: model.start,
                entity_names,
                metric_names,
                ..TimeSeries::default()
            },
            trace: trace.then(Vec::new),
            last_time: 0,
            last_busy: vec![0; n],
            last_down: vec![0; n],
            last_active: vec![0; n],
            last_in_system: vec![0; n],
            last_product: vec![0; n],
            n_fixed: FIXED_METRICS.len() as u32,
            dynamic: Default::default(),
            shocks: Vec::new(),
        }
    }

    fn push(&mut self, t: SimTime, entity: usize, metric: u32, value: f64) {
        self.ts.time_s.push(t);
        self.ts.entity.push(entity as u32);
        self.ts.metric.push(metric);
        self.ts.value.push(value);
    }

    /// The id of a metric named at run time, registered on first use.
    fn dynamic(&mut self, name: String, unit: &str) -> u32 {
        if let Some(&id) = self.dynamic.get(&name) {
            return id;
        }
        let id = self.ts.metric_names.len() as u32;
        self.ts.metric_names.push((name.clone(), unit.to_string()));
        self.dynamic.insert(name, id);
        id
    }

    fn put(&mut self, t: SimTime, entity: usize, m: M, value: f64) {
        self.push(t, entity, m as u32, value);
    }

    pub fn trace(&mut self, row: TraceRow) {
        if let Some(t) = &mut self.trace {
            t.push(row);
        }
    }
}

fn kg(mg: i64) -> f64 {
    mg as f64 / MG_PER_KG as f64
}

fn ratio(num: i128, den: f64) -> f64 {
    if den > 0.0 { num as f64 / den } else { 0.0 }
}

impl Simulation<'_> {
    /// The recording step: one row per (entity, metric) at `now`, then interval counters reset.
    pub(crate) fn record(&mut self, now: SimTime) {
        let model = self.model;
        let dt = (now - self.rec.last_time) as f64;
        let rare = model.rare_earths();
        for n in 0..model.nodes.len() {
            let inventory = self.node_inventory_mass(n);
            let storage = self.staged_mass(n);
            let node = &self.nodes[n];
            let c = node.counters.clone();
            let rec = &mut self.rec;
            match &node.behaviour {
                Behaviour::Source(_) => {
                    rec.put(now, n, M::Throughput, kg(c.out_mass));
                    rec.put(now, n, M::CumOutput, kg(c.out_mass_total));
                    if matches!(model.nodes[n].kind, NodeKind::HddSource(_)) {
                        rec.put(now, n, M::Drives, c.units as f64);
                    }
                }
                Behaviour::Preprocessor(_) | Behaviour::Station(_) | Behaviour::Hpms(_) => {
                    let pool = self.pool(n).expect("server nodes have pools");
                    let busy = pool.busy.area(now);
                    let down = pool.down.area(now);
                    let active = pool.active.area(now);
                    let servers_now = pool.active.value() as f64;
                    let rec = &mut self.rec;
                    let busy_d = busy - rec.last_busy[n];
                    let down_d = down - rec.last_down[n];
                    let servers_dt = (active - rec.last_active[n]) as f64;
                    rec.last_busy[n] = busy;
                    rec.last_down[n] = down;
                    rec.last_active[n] = active;
                    rec.put(now, n, M::Inventory, kg(inventory));
                    rec.put(now, n, M::Storage, kg(storage));
                    rec.put(now, n, M::Throughput, kg(c.out_mass));
                    rec.put(now, n, M::CumOutput, kg(c.out_mass_total));
                    rec.put(now, n, M::Servers, servers_now);
                    rec.put(now, n, M::Utilisation, ratio(busy_d, servers_dt));
                    rec.put(now, n, M::Availability, 1.0 - ratio(down_d, servers_dt));
                    rec.put(now, n, M::MeanWait, c.wait.mean().unwrap_or(0.0));
                    match &self.nodes[n].behaviour {
                        Behaviour::Preprocessor(_) => {
                            let q = self.nodes[n].input.units() as f64;
                            let rec = &mut self.rec;
                            rec.put(now, n, M::QueueDrives, q);
                            rec.put(now, n, M::Drives, c.units as f64);
                        }
                        Behaviour::Station(st) => {
                            let q = self.nodes[n].input.len() as f64;
                            let in_sys = st.in_system.value() as f64;
                            let area = st.in_system.area(now);
                            let rec = &mut self.rec;
                            let d = area - rec.last_in_system[n];
                            rec.last_in_system[n] = area;
                            rec.put(now, n, M::QueueJobs, q);
                            rec.put(now, n, M::InSystem, in_sys);
                            rec.put(now, n, M::MeanInSystem, ratio(d, dt));
                        }
                        Behaviour::Hpms(st) => {
                            let NodeKind::Hpms(h) = &model.nodes[n].kind else {
                                unreachable!()
                            };
                            let share =
                                st.commissioned_at.map_or(0.0, |c| h.capacity_share(c, now));
                            let product = st.product_mass;
                            if st.ramped_mark.is_none()
                                && st.commissioned_at.is_some_and(|c| now >= c + h.ramp)
                            {
                                let mark = (now, product, busy, active);
                                if let Behaviour::Hpms(st) = &mut self.nodes[n].behaviour {
                                    st.ramped_mark = Some(mark);
                                }
                            }
                            let rec = &mut self.rec;
                            rec.put(now, n, M::CapacityShare, share);
                            let last = rec.last_product[n];
                            rec.put(now, n, M::Product, kg(product - last));
                        }
                        _ => {}
                    }
                }
                Behaviour::Oxide(st) => {
                    rec.put(now, n, M::Inventory, kg(inventory));
                    rec.put(now, n, M::Storage, kg(storage));
                    rec.put(now, n, M::FeedProcessed, kg(st.feed_interval));
                    rec.put(now, n, M::Throughput, kg(c.out_mass));
                    rec.put(now, n, M::CumOutput, kg(c.out_mass_total));
                }
                Behaviour::Market(st) => {
                    let f = &st.interval;
                    rec.put(now, n, M::Inventory, kg(inventory));
                    rec.put(now, n, M::Demand, f.demand_t);
                    rec.put(now, n, M::Recycled, f.recycled_t);
                    rec.put(now, n, M::Shortfall, f.shortfall_t);
                    rec.put(
                        now,
                        n,
                        M::DomesticShare,
                        if f.demand_t > 0.0 {
                            f.recycled_t / f.demand_t
                        } else {
                            0.0
                        },
                    );
                    let NodeKind::Market(m) = &model.nodes[n].kind else {
                        unreachable!()
                    };
                    for (i, imp) in m.imports.iter().enumerate() {
                        let id = rec.dynamic(format!("imports_t.{}", imp.origin), "t");
                        rec.push(now, n, id, f.imports_t[i]);
                    }
                    for (s, d) in m.demand.iter().enumerate() {
                        let id = rec.dynamic(format!("shortfall_t.{}", d.sector), "t");
                        rec.push(now, n, id, f.sector_shortfall_t[s]);
                        for (i, imp) in m.imports.iter().enumerate() {
                            let id =
                                rec.dynamic(format!("imports_t.{}.{}", imp.origin, d.sector), "t");
                            rec.push(now, n, id, f.sector_imports_t[s][i]);
                        }
                    }
                }
                Behaviour::Sink(_) => {
                    rec.put(now, n, M::Throughput, kg(c.out_mass));
                    rec.put(now, n, M::CumOutput, kg(c.out_mass_total));
                    rec.put(now, n, M::MeanSojourn, c.wait.mean().unwrap_or(0.0));
                }
            }
            if !matches!(self.nodes[n].behaviour, Behaviour::Market(_)) {
                let rec = &mut self.rec;
                for &e in &rare {
                    let id = rec.n_fixed + e as u32;
                    rec.push(now, n, id, kg(c.out_elements[e]));
                }
            }
        }
        let n_nodes = model.nodes.len();
        for l in 0..model.links.len() {
            let st = &self.links[l];
            let (in_transit, waiting) = (st.in_transit_mg, st.waiting_mg);
            let (staged, trips, cost, co2) = (st.staged.mass(), st.trips, st.cost_usd, st.co2_kg);
            let rec = &mut self.rec;
            let e = n_nodes + l;
            rec.put(now, e, M::Staged, kg(staged));
            rec.put(now, e, M::InTransit, kg(in_transit));
            rec.put(now, e, M::Waiting, kg(waiting));
            rec.put(now, e, M::Trips, trips as f64);
            rec.put(now, e, M::Cost, cost);
            rec.put(now, e, M::Co2, co2);
        }
        // Reset interval counters.
        for (n, node) in self.nodes.iter_mut().enumerate() {
            node.counters.out_mass = 0;
            node.counters.units = 0;
            node.counters.wait = Default::default();
            match &mut node.behaviour {
                Behaviour::Oxide(st) => st.feed_interval = 0,
                Behaviour::Market(st) => {
                    if let NodeKind::Market(m) = &model.nodes[n].kind {
                        st.interval = super::plants::MarketFlows::zero(m);
                    }
                }
                _ => {}
            }
        }
        for (n, node) in self.nodes.iter().enumerate() {
            if let Behaviour::Hpms(st) = &node.behaviour {
                self.rec.last_product[n] = st.product_mass;
            }
        }
        self.rec.last_time = now;
    }

    /// Summary, per-entity statistics and the recorded series, at the end of the run.
    pub(crate) fn finish(self) -> RunResult {
        let model = self.model;
        let now = model.horizon;
        let mut s = Summary {
            model: model.name.clone(),
            seed: self.opts.seed,
            start: model.start.format("%Y-%m-%d").to_string(),
            years: model.years,
            ..Summary::default()
        };
        let mut lead = Vec::new();
        let mut ramped: Vec<(f64, f64, f64)> = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            match (&node.behaviour, &model.nodes[n].kind) {
                (Behaviour::Preprocessor(_), _) => s.drives_processed += node.counters.units_total,
                (Behaviour::Hpms(st), NodeKind::Hpms(h)) => {
                    s.magnets_t += st.product_mass as f64 / MG_PER_T as f64;
                    s.sintered_magnets_t += st.sintered_mass as f64 / MG_PER_T as f64;
                    s.process_co2_t += st.co2_kg / 1000.0;
                    s.hpms_nameplate_t_per_year += h.nameplate_output_t_per_year;
                    lead.extend(st.lead_times.iter().copied());
                    if let Some((t0, m0, b0, a0)) = st.ramped_mark
                        && now - t0 >= YEAR
                    {
                        let span = (now - t0) as f64;
                        let rate =
                            (st.product_mass - m0) as f64 / MG_PER_T as f64 / span * YEAR as f64;
                        let active = (st.pool.active.area(now) - a0) as f64;
                        let util = (st.pool.busy.area(now) - b0) as f64 / active.max(1.0);
                        ramped.push((rate, util, active / span));
                    }
                }
                (Behaviour::Oxide(st), _) => {
                    s.oxides_t += st.oxide_total as f64 / MG_PER_T as f64;
                    s.oxide_feed_t += st.feed_total as f64 / MG_PER_T as f64;
                }
                (Behaviour::Market(st), _) => {
                    s.demand_t += st.total.demand_t;
                    s.recycled_supply_t += st.total.recycled_t;
                    s.imports_t += st.total.imports_t.iter().sum::<f64>();
                    s.shortfall_t += st.total.shortfall_t;
                    s.shortfall_last_year_t += st.last_year.shortfall_t;
                    s.recycled_supply_last_year_t += st.last_year.recycled_t;
                }
                _ => {}
            }
        }
        if s.oxide_feed_t > 0.0 {
            s.oxide_t_per_t_feed = Some(s.oxides_t / s.oxide_feed_t);
        }
        if s.demand_t > 0.0 {
            s.domestic_share = Some(s.recycled_supply_t / s.demand_t);
        }
        let total_w: f64 = lead.iter().map(|x| x.1).sum();
        if total_w > 0.0 {
            s.lead_time_mean_days = Some(lead.iter().map(|x| x.0 * x.1).sum::<f64>() / total_w);
            s.lead_time_p95_days = weighted_quantile(&mut lead, 0.95);
        }
        for l in &self.links {
            s.transport_cost_usd += l.cost_usd;
            s.transport_co2_t += l.co2_kg / 1000.0;
        }
        s.co2_t = s.transport_co2_t + s.process_co2_t;
        let hpms_count = model
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Hpms(_)))
            .count();
        if hpms_count > 0 && ramped.len() == hpms_count {
            let out: f64 = ramped.iter().map(|r| r.0).sum();
            let vessels: f64 = ramped.iter().map(|r| r.2).sum();
            let util = ramped.iter().map(|r| r.1 * r.2).sum::<f64>() / vessels;
            s.hpms_ramped_output_t_per_year = Some(out);
            s.hpms_ramped_utilisation = Some(util);
            s.hpms_feed_gap_t_per_year = Some((s.hpms_nameplate_t_per_year - out).max(0.0));
            s.hpms_limit = Some(
                if out >= 0.9 * s.hpms_nameplate_t_per_year {
                    "none"
                } else if util < 0.9 {
                    "feed"
                } else {
                    "capacity"
                }
                .to_string(),
            );
        }
        let entities = self.entity_stats(now);
        RunResult {
            summary: s,
            shocks: self.rec.shocks.clone(),
            timeseries: self.rec.ts,
            entities,
            trace: self.rec.trace,
            events: self.queue.popped(),
        }
    }

    fn entity_stats(&self, now: SimTime) -> Vec<EntityStats> {
        let model = self.model;
        let sum_kg = |v: &[i64]| v.iter().sum::<i64>() as f64 / MG_PER_KG as f64;
        let mut out = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            let mut e = EntityStats {
                id: model.nodes[n].id.clone(),
                kind: model.nodes[n].kind.name().to_string(),
                in_kg: sum_kg(&node.ledger.inflow),
                out_kg: sum_kg(&node.ledger.outflow),
                loss_kg: sum_kg(&node.ledger.loss),
                inventory_kg: sum_kg(&self.node_inventory(n)),
                units: node.counters.units_total,
                ..EntityStats::default()
            };
            if let Some(pool) = self.pool(n) {
                let cap = pool.active.area(now) as f64;
                e.utilisation = Some(ratio(pool.busy.area(now), cap));
                e.availability = Some(1.0 - ratio(pool.down.area(now), cap));
                e.mean_wait_h = node.counters.wait_total.mean();
            }
            match &node.behaviour {
                Behaviour::Station(st) => {
                    e.mean_in_system = Some(ratio(st.in_system.area(now), now as f64))
                }
                Behaviour::Sink(_) => e.mean_sojourn_h = node.counters.wait_total.mean(),
                _ => {}
            }
            out.push(e);
        }
        for (l, link) in self.links.iter().enumerate() {
            out.push(EntityStats {
                id: model.links[l].id.clone(),
                kind: "link".into(),
                in_kg: sum_kg(&link.ledger.inflow),
                out_kg: sum_kg(&link.ledger.outflow),
                loss_kg: sum_kg(&link.ledger.loss),
                inventory_kg: sum_kg(&self.link_inventory(l)),
                units: link.trips,
                ..EntityStats::default()
            });
        }
        out
    }
}
