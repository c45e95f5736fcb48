//! `hpms`: a HyProMag-style hydrogen processing plant with sintering, ramping up from commissioning.
//!
//! Its capacity is stated as output, as published: sintered magnets and co-products per
//! year. The split of extracted powder between the two follows from those two figures.

use serde::Deserialize;

use crate::kernel::{Dist, SimTime, secs_from_days};
use crate::model::network::{Failures, MatId, MaterialRole};
use crate::model::spec::{DistSpec, FailureSpec, one};
use crate::model::validate::{MAX_SERVERS, MAX_YEARS, NodeCx, finite, kg_to_mg};

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["magnets", "residue", "coproducts"];
/// The HPMS plant's ports, by index: sintered magnets, residue (to an oxide plant),
/// co-products (alloy and powder sold to magnet makers, not magnets).
pub const PORT_MAGNETS: usize = 0;
pub const PORT_RESIDUE: usize = 1;
pub const PORT_COPRODUCTS: usize = 2;

/// HyProMag-style hydrogen processing (HPMS) plant with sintering.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpmsSpec {
    pub id: String,
    pub kind: String,
    pub vessels: u32,
    pub batch_kg: f64,
    pub cycle_h: DistSpec,
    pub failures: Option<FailureSpec>,
    pub extraction_yield: f64,
    /// Share of magnet feed unsuitable for HPMS, sent on through the `residue` port.
    pub unsuitable_share: f64,
    pub commissioning: String,
    #[serde(default)]
    pub ramp_years: f64,
    /// Capacity share at commissioning, rising linearly to 1 over `ramp_years`.
    #[serde(default = "one")]
    pub initial_capacity_share: f64,
    pub magnet_material: String,
    pub coproduct_material: String,
    pub residue_material: String,
    pub input_capacity_kg: f64,
    pub storage_capacity_kg: f64,
    /// Published sintered-magnet output at full capacity, t/yr.
    pub sintered_t_per_year: f64,
    /// Published co-product output (alloy, powder) at full capacity, t/yr.
    pub coproducts_t_per_year: f64,
    #[serde(default)]
    pub co2_kg_per_kg_product: f64,
}

/// A validated `hpms` plant: batches and capacities in mg, commissioning and ramp in seconds.
#[derive(Debug, Clone)]
pub struct Hpms {
    pub vessels: u32,
    pub batch_mg: i64,
    pub cycle_h: Dist,
    pub failures: Option<Failures>,
    pub extraction_yield: f64,
    pub unsuitable_share: f64,
    pub commissioning: SimTime,
    pub ramp: SimTime,
    pub initial_capacity_share: f64,
    /// Share of extracted powder sintered into magnets, from the published output split:
    /// `sintered_t_per_year / (sintered_t_per_year + coproducts_t_per_year)`.
    pub sintered_share: f64,
    pub magnet_material: MatId,
    pub coproduct_material: MatId,
    pub residue_material: MatId,
    pub input_capacity_mg: i64,
    pub storage_capacity_mg: i64,
    pub sintered_t_per_year: f64,
    pub coproducts_t_per_year: f64,
    pub co2_kg_per_kg_product: f64,
}

impl Hpms {
    /// Published output at full capacity, t/yr: sintered magnets plus co-products.
    pub fn nameplate_output_t_per_year(&self) -> f64 {
        self.sintered_t_per_year + self.coproducts_t_per_year
    }

    /// Magnet (alloy) feed that full output needs, t/yr, with the given unsuitable share
    /// and extraction yield: output is product, so both losses come on top of it.
    /// `None` when no feed makes product (a yield of 0).
    pub fn feed_needed_t_per_year(
        &self,
        unsuitable_share: f64,
        extraction_yield: f64,
    ) -> Option<f64> {
        let product_per_feed = (1.0 - unsuitable_share) * extraction_yield;
        (product_per_feed > 0.0).then(|| self.nameplate_output_t_per_year() / product_per_feed)
    }

    /// Mean capacity share over `[from, to]` (`from < to`) for a plant commissioned at
    /// `commissioned`: the exact integral of [`Hpms::capacity_share`] over the span.
    pub fn mean_capacity_share(&self, commissioned: SimTime, from: SimTime, to: SimTime) -> f64 {
        if to <= from {
            return self.capacity_share(commissioned, to);
        }
        // Integral of the share from `commissioned` to `t`, in share-seconds.
        let area = |t: SimTime| -> f64 {
            if t <= commissioned {
                return 0.0;
            }
            let ramp = self.ramp.max(0);
            let c0 = self.initial_capacity_share;
            let in_ramp = (t - commissioned).min(ramp) as f64;
            let ramp_area = if ramp > 0 {
                c0 * in_ramp + (1.0 - c0) * in_ramp * in_ramp / (2.0 * ramp as f64)
            } else {
                0.0
            };
            let after = (t - commissioned - ramp).max(0) as f64;
            ramp_area + after
        };
        (area(to) - area(from)) / (to - from) as f64
    }

    /// Capacity share at time `t` for a plant commissioned at `commissioned`: 0 before,
    /// then a linear ramp from `initial_capacity_share` to 1 over `ramp`.
    pub fn capacity_share(&self, commissioned: SimTime, t: SimTime) -> f64 {
        super::ramp_share(commissioned, t, self.ramp, self.initial_capacity_share)
    }
}

/// Checks one `hpms` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Hpms> {
    let s: HpmsSpec = n.read()?;
    n.count("vessels", s.vessels, MAX_SERVERS);
    n.positive("batch_kg", s.batch_kg, 1e7);
    let cycle = n.dist("cycle_h", &s.cycle_h);
    if cycle.validate().is_ok() && cycle.mean() * 3600.0 < 1.0 {
        n.problem(
            "cycle_h",
            "a batch must take at least one second on average",
            None,
        );
    }
    let f = n.failures(&s.failures);
    n.share("extraction_yield", s.extraction_yield);
    n.share("unsuitable_share", s.unsuitable_share);
    n.share("initial_capacity_share", s.initial_capacity_share);
    if s.initial_capacity_share == 0.0 {
        n.problem(
            "initial_capacity_share",
            "must be above 0 (a plant at 0 % never starts its first batch)",
            Some("use e.g. 0.2 for 20 % at commissioning".into()),
        );
    }
    n.non_negative("ramp_years", s.ramp_years, MAX_YEARS);
    let commissioning = n.date("commissioning", &s.commissioning).unwrap_or(0);
    let mm = n.material("magnet_material", &s.magnet_material);
    let cm = n.material("coproduct_material", &s.coproduct_material);
    let rm = n.material("residue_material", &s.residue_material);
    n.role_is("magnet_material", mm, &[MaterialRole::Product]);
    n.role_is("coproduct_material", cm, &[MaterialRole::Product]);
    n.role_is("residue_material", rm, &[MaterialRole::Scrap]);
    let (input, storage) = n.input_and_storage(s.input_capacity_kg, s.storage_capacity_kg);
    if finite(s.input_capacity_kg) && s.input_capacity_kg < s.batch_kg {
        n.problem(
            "input_capacity_kg",
            format!("holds less than one batch ({} kg)", s.batch_kg),
            Some("raise input_capacity_kg above batch_kg".into()),
        );
    }
    n.positive("sintered_t_per_year", s.sintered_t_per_year, 1e8);
    n.non_negative("coproducts_t_per_year", s.coproducts_t_per_year, 1e8);
    let total = s.sintered_t_per_year + s.coproducts_t_per_year;
    let sintered_share = if finite(total) && total > 0.0 {
        (s.sintered_t_per_year / total).clamp(0.0, 1.0)
    } else {
        0.0
    };
    n.non_negative("co2_kg_per_kg_product", s.co2_kg_per_kg_product, 1e3);
    Some(Hpms {
        vessels: s.vessels,
        batch_mg: kg_to_mg(s.batch_kg),
        cycle_h: cycle,
        failures: f,
        extraction_yield: s.extraction_yield,
        unsuitable_share: s.unsuitable_share,
        commissioning: commissioning.max(0),
        ramp: secs_from_days(s.ramp_years * 365.25),
        initial_capacity_share: s.initial_capacity_share,
        sintered_share,
        magnet_material: mm,
        coproduct_material: cm,
        residue_material: rm,
        input_capacity_mg: input,
        storage_capacity_mg: storage,
        sintered_t_per_year: s.sintered_t_per_year,
        coproducts_t_per_year: s.coproducts_t_per_year,
        co2_kg_per_kg_product: s.co2_kg_per_kg_product,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{DAY, YEAR};

    /// The default hub's ramp and output (models/us_magnet_network.yaml), with no vessels' detail.
    fn hub() -> Hpms {
        Hpms {
            vessels: 3,
            batch_mg: kg_to_mg(400.0),
            cycle_h: Dist::Constant(4.86),
            failures: None,
            extraction_yield: 0.9,
            unsuitable_share: 0.2,
            commissioning: 0,
            ramp: 5 * YEAR,
            initial_capacity_share: 0.25,
            sintered_share: 750.0 / 1557.0,
            magnet_material: 0,
            coproduct_material: 0,
            residue_material: 0,
            input_capacity_mg: 0,
            storage_capacity_mg: 0,
            sintered_t_per_year: 750.0,
            coproducts_t_per_year: 807.0,
            co2_kg_per_kg_product: 0.0,
        }
    }

    #[test]
    fn the_ramp_is_linear_from_the_initial_share_over_five_years() {
        let h = hub();
        let c = 10 * DAY;
        assert_eq!(h.capacity_share(c, c - 1), 0.0);
        assert_eq!(h.capacity_share(c, c), 0.25);
        // Half way: 0.25 + 0.75 * 0.5 = 0.625; at five years and after: 1.
        assert_eq!(h.capacity_share(c, c + 5 * YEAR / 2), 0.625);
        assert_eq!(h.capacity_share(c, c + 5 * YEAR), 1.0);
        assert_eq!(h.capacity_share(c, c + 7 * YEAR), 1.0);
    }

    #[test]
    fn the_mean_share_is_the_integral_of_the_ramp() {
        let h = hub();
        // Year 1 of the ramp: the share rises 0.25 -> 0.40, mean 0.325.
        assert!((h.mean_capacity_share(0, 0, YEAR) - 0.325).abs() < 1e-12);
        // Years 4 to 6: 0.85 -> 1 over the first year (mean 0.925), then 1: mean 0.9625.
        assert!((h.mean_capacity_share(0, 4 * YEAR, 6 * YEAR) - 0.9625).abs() < 1e-12);
        // Before commissioning nothing: a year before and a year after it, mean 0.325 / 2.
        let c = YEAR;
        assert!((h.mean_capacity_share(c, 0, 2 * YEAR) - 0.1625).abs() < 1e-12);
        // Without a ramp: 1 from commissioning.
        let flat = Hpms { ramp: 0, ..hub() };
        assert_eq!(flat.mean_capacity_share(0, YEAR, 2 * YEAR), 1.0);
    }

    #[test]
    fn nameplate_is_output_and_needs_feed_on_top_of_the_losses() {
        let h = hub();
        assert_eq!(h.nameplate_output_t_per_year(), 1557.0);
        // 1,557 t of product at (1 - 0.2) * 0.9 = 0.72 t per t of magnet feed: 2,162.5 t/yr.
        let need = h.feed_needed_t_per_year(0.2, 0.9).unwrap();
        assert!((need - 2162.5).abs() < 1e-9, "{need}");
        assert_eq!(h.feed_needed_t_per_year(1.0, 0.9), None);
    }
}
