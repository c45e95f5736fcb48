//! Sources: `hdd_source` (pallets of retired drives), `scrap_source` (lots of magnet scrap
//! at a yearly rate) and `source` (lots at explicit inter-arrival times, for queueing
//! checks). Each releases a parcel at its arrival times and sends it on through `out`.

use crate::error::Result;
use crate::kernel::{HOUR, Rng, Sampler, SimTime, StreamKey, YEAR, secs_from_secs, stream};
use crate::model::{self, Arrivals, MG_PER_KG, Model, NodeId};
use crate::sim::mass::{Lot, Parcel};
use crate::sim::nodes::{RecordCx, sampler};
use crate::sim::record::M;
use crate::sim::{Counters, RunOptions};

/// Growth factor after `t` seconds at `g` a year, compounded yearly (fractional years included).
pub(crate) fn grown(g: f64, t: SimTime) -> f64 {
    (1.0 + g).powf(t as f64 / YEAR as f64)
}

/// What every source has: its random streams and a policy's rate multiplier.
pub(crate) struct Generator {
    /// Policy multiplier on the arrival rate (1 = as modelled).
    pub rate_multiplier: f64,
    arrival_rng: Rng,
    lot_rng: Rng,
}

impl Generator {
    fn new(id: &str, opts: &RunOptions, lot_purpose: &str) -> Generator {
        let key = |purpose: &str| {
            stream(&StreamKey {
                seed: opts.seed,
                replication: opts.replication,
                entity: id,
                purpose,
            })
        };
        Generator {
            rate_multiplier: 1.0,
            arrival_rng: key("arrivals"),
            lot_rng: key(lot_purpose),
        }
    }

    /// A gap with mean `mean_s`: exactly that (regular) or exponential (Poisson).
    fn gap(&mut self, mean_s: f64, arrivals: Arrivals) -> f64 {
        match arrivals {
            Arrivals::Regular => mean_s,
            Arrivals::Poisson => {
                // Exponential gap by inversion: -mean * ln(U), U in (0, 1].
                let u: f64 = 1.0 - rand::RngExt::random::<f64>(&mut self.arrival_rng);
                -mean_s * u.ln()
            }
        }
    }
}

/// The next arrival after `now` (`None`: the first one, counted from `start`), if it
/// falls before `end` and inside the horizon.
fn next_time(
    now: Option<SimTime>,
    start: SimTime,
    end: SimTime,
    gap_s: f64,
    horizon: SimTime,
) -> Option<SimTime> {
    let gap = secs_from_secs(gap_s).max(1);
    let at = now.unwrap_or(start).saturating_add(gap);
    (at < end && at <= horizon).then_some(at)
}

/// One homogeneous lot of `mg` milligrams of a material, entering now.
fn lot_of(model: &Model, material: usize, mg: f64, now: SimTime, n: NodeId) -> Lot {
    Lot::of_material(
        &model.materials[material],
        material,
        crate::kernel::round_i64(mg),
        now,
        n,
    )
}

/// Retired hard-disk drives arriving in pallets.
pub(crate) struct HddSource<'m> {
    pub cfg: &'m model::HddSource,
    pub generator: Generator,
    magnet_g: Sampler,
    body_g: Sampler,
    body_rng: Rng,
}

impl<'m> HddSource<'m> {
    pub fn new(cfg: &'m model::HddSource, id: &str, opts: &RunOptions) -> Result<Self> {
        Ok(HddSource {
            cfg,
            generator: Generator::new(id, opts, "magnet_mass"),
            magnet_g: sampler(&cfg.magnet_g_per_drive)?,
            body_g: sampler(&cfg.body_g_per_drive)?,
            body_rng: stream(&StreamKey {
                seed: opts.seed,
                replication: opts.replication,
                entity: id,
                purpose: "body_mass",
            }),
        })
    }

    pub fn next_arrival(&mut self, now: Option<SimTime>, horizon: SimTime) -> Option<SimTime> {
        let s = self.cfg;
        let t = now.unwrap_or(0);
        let pallets_per_year = s.drives_per_year
            * self.generator.rate_multiplier
            * s.capture_share
            * grown(s.growth_per_year, t.max(s.start) - s.start)
            / s.pallet_drives as f64;
        let gap = self
            .generator
            .gap(YEAR as f64 / pallets_per_year, s.arrivals);
        next_time(now, s.start, s.end, gap, horizon)
    }

    /// A pallet: its drives' magnets and bodies, summed (see `Sampler::sample_sum`).
    pub fn release(&mut self, model: &Model, now: SimTime, n: NodeId) -> Parcel {
        let s = self.cfg;
        let drives = s.pallet_drives as u64;
        let magnet_g = self
            .magnet_g
            .sample_sum(&mut self.generator.lot_rng, drives);
        let body_g = self.body_g.sample_sum(&mut self.body_rng, drives);
        let mut p = Parcel::new(drives);
        p.push(lot_of(model, s.magnet_material, magnet_g * 1000.0, now, n));
        p.push(lot_of(model, s.body_material, body_g * 1000.0, now, n));
        p
    }
}

/// Magnet scrap arriving in lots at a yearly rate, optionally capped.
pub(crate) struct ScrapSource<'m> {
    pub cfg: &'m model::ScrapSource,
    pub generator: Generator,
    lot_kg: Sampler,
}

impl<'m> ScrapSource<'m> {
    pub fn new(cfg: &'m model::ScrapSource, id: &str, opts: &RunOptions) -> Result<Self> {
        Ok(ScrapSource {
            cfg,
            generator: Generator::new(id, opts, "lot_mass"),
            lot_kg: sampler(&cfg.lot_kg)?,
        })
    }

    pub fn next_arrival(&mut self, now: Option<SimTime>, horizon: SimTime) -> Option<SimTime> {
        let s = self.cfg;
        let t = now.unwrap_or(0);
        let t_per_year = s.tonnes_per_year * grown(s.growth_per_year, t.max(s.start) - s.start);
        let kg_per_year = 1000.0
            * self.generator.rate_multiplier
            * s.max_tonnes_per_year
                .map_or(t_per_year, |m| t_per_year.min(m));
        let gap = self
            .generator
            .gap(s.lot_kg.mean() / kg_per_year * YEAR as f64, s.arrivals);
        next_time(now, s.start, s.end, gap, horizon)
    }

    pub fn release(&mut self, model: &Model, now: SimTime, n: NodeId) -> Parcel {
        let kg = self.lot_kg.sample(&mut self.generator.lot_rng);
        let mut p = Parcel::new(0);
        p.push(lot_of(
            model,
            self.cfg.material,
            kg * MG_PER_KG as f64,
            now,
            n,
        ));
        p
    }
}

/// Lots (jobs) at explicit inter-arrival times.
pub(crate) struct PlainSource<'m> {
    pub cfg: &'m model::Source,
    pub generator: Generator,
    interarrival_h: Sampler,
    lot_kg: Sampler,
}

impl<'m> PlainSource<'m> {
    pub fn new(cfg: &'m model::Source, id: &str, opts: &RunOptions) -> Result<Self> {
        Ok(PlainSource {
            cfg,
            generator: Generator::new(id, opts, "lot_mass"),
            interarrival_h: sampler(&cfg.interarrival_h)?,
            lot_kg: sampler(&cfg.lot_kg)?,
        })
    }

    pub fn next_arrival(&mut self, now: Option<SimTime>, horizon: SimTime) -> Option<SimTime> {
        let gap_h = self.interarrival_h.sample(&mut self.generator.arrival_rng);
        let gap = gap_h * HOUR as f64 / self.generator.rate_multiplier.max(1e-9);
        next_time(now, self.cfg.start, self.cfg.end, gap, horizon)
    }

    /// One job: a lot counted as one unit.
    pub fn release(&mut self, model: &Model, now: SimTime, n: NodeId) -> Parcel {
        let kg = self.lot_kg.sample(&mut self.generator.lot_rng);
        let mut p = Parcel::new(1);
        p.push(lot_of(
            model,
            self.cfg.material,
            kg * MG_PER_KG as f64,
            now,
            n,
        ));
        p
    }
}

/// A source's rows: output over the interval and since the start, drives for HDD sources.
pub(crate) fn record(cx: RecordCx<'_>, c: &Counters, drives: bool) {
    let (now, n, rec) = (cx.now, cx.n, cx.rec);
    rec.output_rows(now, n, c);
    if drives {
        rec.put(now, n, M::Drives, c.units as f64);
    }
}
