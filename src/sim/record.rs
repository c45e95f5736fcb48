//! What a run records: the long-format time series, the event trace, per-node statistics
//! and the run's summary KPIs. Output code only reads these.

use chrono::NaiveDate;

use crate::kernel::SimTime;
use crate::model::{MG_PER_KG, Model};
use crate::sim::mass::Elements;
use crate::sim::nodes::RecordCx;
use crate::sim::pool::Pool;
use crate::sim::stats::weighted_quantile;
use crate::sim::yearly::{Y, Yearly, YearlyRow};
use crate::sim::{Counters, Simulation};

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

/// Metric ids of [`FIXED_METRICS`], by name.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum M {
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
    /// Everything the HPMS hubs made, t: sintered magnets plus co-products (not all magnets).
    pub hpms_output_t: f64,
    pub sintered_magnets_t: f64,
    /// Co-products (alloy, powder) the hubs made, t: sold to magnet makers, not magnets.
    pub coproducts_t: f64,
    pub oxides_t: f64,
    pub oxide_feed_t: f64,
    pub oxide_t_per_t_feed: Option<f64>,
    pub lead_time_mean_days: Option<f64>,
    pub lead_time_p95_days: Option<f64>,
    pub demand_t: f64,
    pub recycled_supply_t: f64,
    /// Supply from domestic producers that markets sold (`producer` nodes' magnets).
    pub domestic_supply_t: f64,
    /// Magnets the domestic producers made (by producer: `producer_output_t.<id>` in
    /// yearly.parquet), the recycled feed they took in (oxides and alloy that reached a
    /// demand), the rare earths they brought in from their external feeds, and their cost.
    pub producer_output_t: f64,
    pub producer_recycled_feed_t: f64,
    pub producer_external_feed_t: f64,
    pub producer_cost_usd: f64,
    pub imports_t: f64,
    /// Imports from the origin named `china` over everything markets took in.
    pub china_share: Option<f64>,
    /// Demand met from commercial inventories, imports bought to refill them, and demand
    /// met from strategic stockpiles.
    pub stock_draw_t: f64,
    pub stock_refill_t: f64,
    pub stockpile_release_t: f64,
    /// Supply to sectors while an origin requirement (`require_origin`) held, t, and its
    /// share of their demand while it held (`ruled_demand_t`; none when no rule held).
    pub compliant_supply_t: f64,
    pub compliant_share: Option<f64>,
    pub domestic_share: Option<f64>,
    pub shortfall_t: f64,
    /// Demand not met, and recycled supply, in the run's last year (the twelve calendar
    /// months before the horizon).
    pub shortfall_last_year_t: f64,
    pub recycled_supply_last_year_t: f64,
    pub transport_cost_usd: f64,
    pub transport_co2_t: f64,
    pub process_co2_t: f64,
    pub co2_t: f64,
    /// Published output at full capacity, t/yr: sintered magnets plus co-products.
    pub hpms_nameplate_t_per_year: f64,
    pub hpms_nameplate_sintered_t_per_year: f64,
    /// Magnet (alloy) feed the nameplate needs at the hubs' yields at the end, t/yr.
    pub hpms_feed_needed_t_per_year: Option<f64>,
    /// The span the hub figures below measure: from the end of the ramp-up when a year of
    /// full capacity was simulated, else the run's last year in operation.
    pub hpms_measured_from: Option<String>,
    pub hpms_measured_years: Option<f64>,
    /// Over that span, per year: sintered magnets, co-products, magnet feed received.
    pub hpms_sintered_t_per_year: Option<f64>,
    pub hpms_coproducts_t_per_year: Option<f64>,
    pub hpms_feed_t_per_year: Option<f64>,
    /// Vessels busy over vessels in service, over that span.
    pub hpms_utilisation: Option<f64>,
    /// Mean ramp-up capacity share over that span, and the share at the horizon.
    pub hpms_capacity_share: Option<f64>,
    pub hpms_capacity_share_end: Option<f64>,
    /// When the ramp-up reaches full capacity (commissioning + ramp).
    pub hpms_full_output_date: Option<String>,
    /// What holds the hubs' output below 90 % of nameplate over that span: "feed" (vessels
    /// idle for want of feed), "ramp" (busy, but still ramping up), "capacity" (busy at
    /// full capacity), "none" (at 90 % or more), or "not_commissioned".
    pub hpms_limit: Option<String>,
}

impl Summary {
    /// A one-line finding about the HPMS hubs: what limits them, with the figures.
    pub fn hpms_finding(&self) -> Option<String> {
        let limit = self.hpms_limit.as_deref()?;
        let nameplate = self.hpms_nameplate_t_per_year;
        let sintered_np = self.hpms_nameplate_sintered_t_per_year;
        let coproducts_np = nameplate - sintered_np;
        if limit == "not_commissioned" {
            return Some(format!(
                "HPMS hub not in operation before the horizon: no output against {sintered_np:.0} t/yr sintered + {coproducts_np:.0} t/yr co-products nameplate"
            ));
        }
        let sintered = self.hpms_sintered_t_per_year?;
        let coproducts = self.hpms_coproducts_t_per_year?;
        let feed = self.hpms_feed_t_per_year?;
        let from = self.hpms_measured_from.as_deref()?;
        let years = self.hpms_measured_years?;
        let util = self.hpms_utilisation.unwrap_or(0.0);
        let share_of_np = if nameplate > 0.0 {
            100.0 * (sintered + coproducts) / nameplate
        } else {
            0.0
        };
        let made = format!(
            "{sintered:.0} t/yr sintered magnets + {coproducts:.0} t/yr co-products ({share_of_np:.0} % of {sintered_np:.0} + {coproducts_np:.0} t/yr nameplate) over {years:.1} years from {from}"
        );
        let fed = match self.hpms_feed_needed_t_per_year {
            Some(need) => format!(
                "{feed:.0} t/yr of magnet feed received against the {need:.0} t/yr nameplate needs"
            ),
            None => format!("{feed:.0} t/yr of magnet feed received"),
        };
        let busy = format!("vessels busy {:.0} % of the time", 100.0 * util);
        Some(match limit {
            "feed" => match self.hpms_capacity_share_end {
                Some(end) if end < 1.0 => format!(
                    "HPMS hub is feed-limited, even while ramping up (capacity share {:.0} % at the horizon): {made}; {fed}; {busy}",
                    100.0 * end
                ),
                _ => format!("HPMS hub is feed-limited: {made}; {fed}; {busy}"),
            },
            "ramp" => format!(
                "HPMS hub is still ramping up: capacity share {:.0} % at the horizon ({:.0} % on average over the span), full output from {}; {made}; {fed}; {busy}",
                100.0 * self.hpms_capacity_share_end.unwrap_or(0.0),
                100.0 * self.hpms_capacity_share.unwrap_or(0.0),
                self.hpms_full_output_date.as_deref().unwrap_or("?")
            ),
            "capacity" => format!("HPMS hub is capacity-limited: {made}; {busy}; {fed}"),
            _ => format!("HPMS hub reaches its nameplate: {made}; {fed}"),
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
    /// KPIs per calendar year, in `yearly.parquet`'s order.
    pub yearly: Vec<YearlyRow>,
    pub entities: Vec<EntityStats>,
    pub trace: Option<Vec<TraceRow>>,
    pub events: u64,
    /// Mistakes in what policies asked that did not stop the run (removing more lines than
    /// a node had), in the order met; `manifest.json` and the printed report carry them.
    pub warnings: Vec<String>,
}

/// Collects rows during the run.
pub(crate) struct Recorder {
    pub ts: TimeSeries,
    pub trace: Option<Vec<TraceRow>>,
    last_time: SimTime,
    /// Per node: busy, down, active-server and in-system areas at the previous record.
    last_busy: Vec<i128>,
    last_down: Vec<i128>,
    last_active: Vec<i128>,
    last_in_system: Vec<i128>,
    n_fixed: u32,
    /// Metric ids of names made at run time (per origin, per sector), in first-use order.
    dynamic: std::collections::BTreeMap<String, u32>,
    /// The same ids by the caller's key, so a name is formatted only once.
    dynamic_keys: std::collections::BTreeMap<(usize, usize, usize), u32>,
    /// Actions policies took.
    pub shocks: Vec<crate::sim::policy::ShockRow>,
    /// KPIs per calendar year.
    pub yearly: Yearly,
    /// See [`RunResult::warnings`].
    pub warnings: Vec<String>,
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
            n_fixed: FIXED_METRICS.len() as u32,
            dynamic: Default::default(),
            dynamic_keys: Default::default(),
            shocks: Vec::new(),
            yearly: Yearly::new(model),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, t: SimTime, entity: usize, metric: u32, value: f64) {
        self.ts.time_s.push(t);
        self.ts.entity.push(entity as u32);
        self.ts.metric.push(metric);
        self.ts.value.push(value);
    }

    /// The id of a metric named at run time, registered on first use; `key` identifies
    /// the caller's metric so its name is made only once.
    pub(crate) fn dynamic(
        &mut self,
        name: impl FnOnce() -> String,
        unit: &str,
        key: (usize, usize, usize),
    ) -> u32 {
        if let Some(&id) = self.dynamic_keys.get(&key) {
            return id;
        }
        let name = name();
        let id = match self.dynamic.get(&name) {
            Some(&id) => id,
            None => {
                let id = self.ts.metric_names.len() as u32;
                self.ts.metric_names.push((name.clone(), unit.to_string()));
                self.dynamic.insert(name, id);
                id
            }
        };
        self.dynamic_keys.insert(key, id);
        id
    }

    pub(crate) fn put(&mut self, t: SimTime, entity: usize, m: M, value: f64) {
        self.push(t, entity, m as u32, value);
    }

    /// Output over the interval and since the start, kg: rows every sending node records.
    pub(crate) fn output_rows(&mut self, now: SimTime, n: usize, c: &Counters) {
        self.put(now, n, M::Throughput, kg(c.out_mass));
        self.put(now, n, M::CumOutput, kg(c.out_mass_total));
    }

    /// The rows every server node records: inventory, storage, output, servers,
    /// utilisation and availability over the interval, mean wait. Returns the busy and
    /// active server-second areas so far.
    pub(crate) fn pool_rows(
        &mut self,
        now: SimTime,
        n: usize,
        pool: &Pool,
        c: &Counters,
        inventory_mg: i64,
        storage_mg: i64,
    ) -> (i128, i128) {
        let busy = pool.busy.area(now);
        let down = pool.down.area(now);
        let active = pool.active.area(now);
        let busy_d = busy - self.last_busy[n];
        let down_d = down - self.last_down[n];
        let servers_dt = (active - self.last_active[n]) as f64;
        self.last_busy[n] = busy;
        self.last_down[n] = down;
        self.last_active[n] = active;
        self.put(now, n, M::Inventory, kg(inventory_mg));
        self.put(now, n, M::Storage, kg(storage_mg));
        self.output_rows(now, n, c);
        self.put(now, n, M::Servers, pool.active.value() as f64);
        self.put(now, n, M::Utilisation, ratio(busy_d, servers_dt));
        self.put(now, n, M::Availability, 1.0 - ratio(down_d, servers_dt));
        self.put(now, n, M::MeanWait, c.wait.mean().unwrap_or(0.0));
        (busy, active)
    }

    /// The mean of a level over the interval of `dt` seconds that ends with `area`.
    pub(crate) fn interval_mean(&mut self, n: usize, area: i128, dt: f64) -> f64 {
        let d = area - self.last_in_system[n];
        self.last_in_system[n] = area;
        ratio(d, dt)
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

/// What the summary gathers across nodes before it is complete.
#[derive(Default)]
pub(crate) struct Totals {
    /// (lead time in days, kg) of product made from drive magnets, every hub.
    pub lead: Vec<(f64, f64)>,
    /// Per hub in operation: the span its finding measures.
    pub spans: Vec<HubSpan>,
    /// HPMS hubs in the model.
    pub hpms: usize,
    /// Markets with a `china` origin: (imports from China, everything they took in), t.
    pub china: Option<(f64, f64)>,
}

/// What one HPMS hub did over the span its finding measures (`from` to `to`).
pub(crate) struct HubSpan {
    pub from: SimTime,
    pub to: SimTime,
    pub sintered_t_per_year: f64,
    pub coproducts_t_per_year: f64,
    pub feed_t_per_year: f64,
    pub feed_needed_t_per_year: Option<f64>,
    /// Busy and in-service vessel-seconds over the span.
    pub busy: f64,
    pub active: f64,
    pub nameplate_t_per_year: f64,
    /// Mean ramp-up capacity share over the span, and the share at its end.
    pub share_mean: f64,
    pub share_end: f64,
    pub full_output_at: SimTime,
}

/// The hubs' limit over their spans (see [`Summary::hpms_limit`]): the output against
/// nameplate first, then whether vessels sat idle beyond what the ramp asks of them.
pub(crate) fn hpms_limit(
    output: f64,
    nameplate: f64,
    utilisation: f64,
    share: f64,
) -> &'static str {
    if output >= 0.9 * nameplate {
        "none"
    } else if utilisation < 0.9 * share {
        // Fed to capacity, a vessel is busy `share` of the time (it rests the rest).
        "feed"
    } else if share < 0.9 {
        "ramp"
    } else {
        "capacity"
    }
}

impl Simulation<'_> {
    /// The recording step: one row per (entity, metric) at `now`, then interval counters reset.
    pub(crate) fn record(&mut self, now: SimTime) {
        let model = self.model;
        let dt = (now - self.rec.last_time) as f64;
        for n in 0..model.nodes.len() {
            let inventory_mg = self.node_inventory_mass(n);
            let storage_mg = self.staged_mass(n);
            let node = &mut self.nodes[n];
            let cx = RecordCx {
                now,
                dt,
                n,
                inventory_mg,
                storage_mg,
                rec: &mut self.rec,
            };
            if node.kind.record(cx, &node.counters, &node.input) {
                let rec = &mut self.rec;
                for &e in &self.rare {
                    let id = rec.n_fixed + e as u32;
                    rec.push(now, n, id, kg(node.counters.out_elements.get(e)));
                }
            }
        }
        let n_nodes = model.nodes.len();
        for l in 0..model.links.len() {
            let st = &self.links[l];
            let rec = &mut self.rec;
            let e = n_nodes + l;
            rec.put(now, e, M::Staged, kg(st.staged.mass()));
            rec.put(now, e, M::InTransit, kg(st.in_transit_mg));
            rec.put(now, e, M::Waiting, kg(st.waiting_mg));
            rec.put(now, e, M::Trips, st.trips as f64);
            rec.put(now, e, M::Cost, st.cost_usd);
            rec.put(now, e, M::Co2, st.co2_kg);
        }
        // Reset interval counters.
        for node in &mut self.nodes {
            node.counters.out_mass = 0;
            node.counters.units = 0;
            node.counters.wait = Default::default();
            node.kind.reset_interval();
        }
        if self.rec.last_time == 0 {
            // Every step records as many rows as the first: room for the whole run at once.
            let steps = model.recording_steps() as usize;
            let rows = self.rec.ts.len();
            let ts = &mut self.rec.ts;
            let more = rows.saturating_mul(steps);
            ts.time_s.reserve(more);
            ts.entity.reserve(more);
            ts.metric.reserve(more);
            ts.value.reserve(more);
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
        let mut totals = Totals::default();
        for node in &self.nodes {
            node.kind
                .summarize(&mut s, &mut totals, &node.counters, now);
        }
        // Whole-run flows are the sums of their years, so yearly.parquet adds up to them.
        let y = &self.rec.yearly;
        s.demand_t = y.whole_run(Y::Demand);
        s.recycled_supply_t = y.whole_run(Y::Recycled);
        s.imports_t = y.whole_run(Y::Imports);
        s.shortfall_t = y.whole_run(Y::Shortfall);
        s.hpms_output_t = y.whole_run(Y::HpmsOutput);
        s.coproducts_t = y.whole_run(Y::CoProducts);
        s.sintered_magnets_t = y.whole_run(Y::Sintered);
        s.oxides_t = y.whole_run(Y::Oxides);
        s.oxide_feed_t = y.whole_run(Y::OxideFeed);
        s.domestic_supply_t = y.whole_run(Y::Domestic);
        s.producer_output_t = y.whole_run(Y::ProducerOutput);
        s.producer_recycled_feed_t = y.whole_run(Y::ProducerRecycledFeed);
        s.producer_external_feed_t = y.whole_run(Y::ProducerExternalFeed);
        s.producer_cost_usd = y.whole_run(Y::ProducerCost);
        s.stock_draw_t = y.whole_run(Y::StockDraw);
        s.stock_refill_t = y.whole_run(Y::StockRefill);
        s.stockpile_release_t = y.whole_run(Y::StockpileRelease);
        s.compliant_supply_t = y.whole_run(Y::Compliant);
        s.compliant_share = y.compliant_share();
        s.shortfall_last_year_t = y.last_year(Y::Shortfall);
        s.recycled_supply_last_year_t = y.last_year(Y::Recycled);
        if s.oxide_feed_t > 0.0 {
            s.oxide_t_per_t_feed = Some(s.oxides_t / s.oxide_feed_t);
        }
        if s.demand_t > 0.0 {
            s.domestic_share = Some((s.recycled_supply_t + s.domestic_supply_t) / s.demand_t);
        }
        if let Some((china, supply)) = totals.china {
            s.china_share = Some(if supply > 0.0 { china / supply } else { 0.0 });
        }
        let lead = &mut totals.lead;
        let total_w: f64 = lead.iter().map(|x| x.1).sum();
        if total_w > 0.0 {
            s.lead_time_mean_days = Some(lead.iter().map(|x| x.0 * x.1).sum::<f64>() / total_w);
            s.lead_time_p95_days = weighted_quantile(lead, 0.95);
        }
        for l in &self.links {
            s.transport_cost_usd += l.cost_usd;
            s.transport_co2_t += l.co2_kg / 1000.0;
        }
        s.co2_t = s.transport_co2_t + s.process_co2_t;
        if totals.hpms > 0 {
            summarize_hubs(&mut s, &totals, model);
        }
        let entities = self.entity_stats(now);
        RunResult {
            summary: s,
            shocks: self.rec.shocks.clone(),
            yearly: self.rec.yearly.rows(),
            timeseries: self.rec.ts,
            entities,
            trace: self.rec.trace,
            events: self.queue.popped(),
            warnings: self.rec.warnings.clone(),
        }
    }

    fn entity_stats(&self, now: SimTime) -> Vec<EntityStats> {
        let model = self.model;
        let n_el = model.elements.len();
        let sum_kg = |v: &Elements| kg(v.first(n_el).iter().sum());
        let mut out = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
            let mut e = EntityStats {
                id: model.nodes[n].id.clone(),
                kind: model.nodes[n].kind.name().to_string(),
                in_kg: kg(node.ledger.inflow_mg()),
                out_kg: kg(node.ledger.outflow_mg()),
                loss_kg: sum_kg(&node.ledger.loss),
                inventory_kg: sum_kg(&self.node_inventory(n)),
                units: node.counters.units_total,
                ..EntityStats::default()
            };
            node.kind.describe(&mut e, &node.counters, now);
            out.push(e);
        }
        for (l, link) in self.links.iter().enumerate() {
            out.push(EntityStats {
                id: model.links[l].id.clone(),
                kind: "link".into(),
                in_kg: kg(link.ledger.inflow_mg()),
                out_kg: kg(link.ledger.outflow_mg()),
                loss_kg: sum_kg(&link.ledger.loss),
                inventory_kg: sum_kg(&self.link_inventory(l)),
                units: link.trips,
                ..EntityStats::default()
            });
        }
        out
    }
}

/// The hubs' span figures and limit, summed (rates, feed) or weighted (utilisation by
/// vessel time, capacity shares by nameplate) over every hub.
fn summarize_hubs(s: &mut Summary, totals: &Totals, model: &Model) {
    let spans = &totals.spans;
    if spans.len() < totals.hpms {
        s.hpms_limit = Some("not_commissioned".to_string());
        return;
    }
    let sum = |f: fn(&HubSpan) -> f64| spans.iter().map(f).sum::<f64>();
    let nameplate = sum(|h| h.nameplate_t_per_year);
    let weighted = |f: fn(&HubSpan) -> f64| {
        if nameplate > 0.0 {
            spans
                .iter()
                .map(|h| f(h) * h.nameplate_t_per_year)
                .sum::<f64>()
                / nameplate
        } else {
            0.0
        }
    };
    let from = spans.iter().map(|h| h.from).min().unwrap_or(0);
    let to = spans.iter().map(|h| h.to).max().unwrap_or(0);
    let sintered = sum(|h| h.sintered_t_per_year);
    let coproducts = sum(|h| h.coproducts_t_per_year);
    let active = sum(|h| h.active);
    let util = if active > 0.0 {
        sum(|h| h.busy) / active
    } else {
        0.0
    };
    let share = weighted(|h| h.share_mean);
    s.hpms_feed_needed_t_per_year = spans
        .iter()
        .map(|h| h.feed_needed_t_per_year)
        .sum::<Option<f64>>();
    s.hpms_measured_from = Some(model.date_of(from).format("%Y-%m-%d").to_string());
    s.hpms_measured_years = Some((to - from) as f64 / crate::kernel::YEAR as f64);
    s.hpms_sintered_t_per_year = Some(sintered);
    s.hpms_coproducts_t_per_year = Some(coproducts);
    s.hpms_feed_t_per_year = Some(sum(|h| h.feed_t_per_year));
    s.hpms_utilisation = Some(util);
    s.hpms_capacity_share = Some(share);
    s.hpms_capacity_share_end = Some(weighted(|h| h.share_end));
    let full = spans.iter().map(|h| h.full_output_at).max().unwrap_or(0);
    s.hpms_full_output_date = Some(model.date_of(full).format("%Y-%m-%d").to_string());
    s.hpms_limit = Some(
        hpms_limit(
            sintered + coproducts,
            s.hpms_nameplate_t_per_year,
            util,
            share,
        )
        .to_string(),
    );
}

/// Whole-run utilisation and availability of a server pool.
pub(crate) fn describe_pool(e: &mut EntityStats, pool: &Pool, c: &Counters, now: SimTime) {
    let cap = pool.active.area(now) as f64;
    e.utilisation = Some(ratio(pool.busy.area(now), cap));
    e.availability = Some(1.0 - ratio(pool.down.area(now), cap));
    e.mean_wait_h = c.wait_total.mean();
}

/// A ratio of an area to a span, 0 for an empty span.
pub(crate) fn ratio(num: i128, den: f64) -> f64 {
    if den > 0.0 { num as f64 / den } else { 0.0 }
}
