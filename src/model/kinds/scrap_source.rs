//! `scrap_source`: a stream of magnet scrap by mass (rotors, wind, speakers, SmCo, swarf), in lots.

use serde::Deserialize;

use crate::kernel::{Dist, SimTime};
use crate::model::network::{MatId, MaterialRole};
use crate::model::spec::{Arrivals, DistSpec};
use crate::model::validate::NodeCx;

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["out"];

/// A stream of magnet scrap by mass (rotors, wind, speakers, SmCo, swarf).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrapSourceSpec {
    pub id: String,
    pub kind: String,
    pub material: String,
    pub tonnes_per_year: f64,
    #[serde(default)]
    pub growth_per_year: f64,
    /// Ceiling on the grown rate (t/yr); no ceiling when absent.
    pub max_tonnes_per_year: Option<f64>,
    pub lot_kg: DistSpec,
    #[serde(default)]
    pub arrivals: Arrivals,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A validated `scrap_source`: rates as given, lots as a distribution in kg, the window in seconds.
#[derive(Debug, Clone)]
pub struct ScrapSource {
    pub material: MatId,
    pub tonnes_per_year: f64,
    pub growth_per_year: f64,
    pub max_tonnes_per_year: Option<f64>,
    pub lot_kg: Dist,
    pub arrivals: Arrivals,
    pub start: SimTime,
    pub end: SimTime,
}

/// Checks one `scrap_source` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<ScrapSource> {
    let s: ScrapSourceSpec = n.read()?;
    n.positive("tonnes_per_year", s.tonnes_per_year, 1e8);
    if let Some(m) = s.max_tonnes_per_year {
        n.positive("max_tonnes_per_year", m, 1e8);
    }
    n.growth("growth_per_year", s.growth_per_year);
    let lot = n.dist("lot_kg", &s.lot_kg);
    if lot.validate().is_ok() && lot.mean() <= 0.0 {
        n.problem("lot_kg", "lots must weigh more than 0 kg on average", None);
    }
    let m = n.material("material", &s.material);
    n.role_is("material", m, &[MaterialRole::Magnet, MaterialRole::Scrap]);
    if lot.validate().is_ok() && lot.mean() > 0.0 {
        let growth = if s.max_tonnes_per_year.is_some() {
            0.0
        } else {
            s.growth_per_year
        };
        let rate = s
            .max_tonnes_per_year
            .unwrap_or(s.tonnes_per_year)
            .max(s.tonnes_per_year);
        n.arrivals("lot_kg", rate * 1000.0 / lot.mean(), growth);
        n.mass("tonnes_per_year", rate, growth);
    }
    let (start, end) = n.window(&s.start, &s.end);
    Some(ScrapSource {
        material: m,
        tonnes_per_year: s.tonnes_per_year,
        growth_per_year: s.growth_per_year,
        max_tonnes_per_year: s.max_tonnes_per_year,
        lot_kg: lot,
        arrivals: s.arrivals,
        start,
        end,
    })
}
