//! `scrap_source`: a stream of magnet scrap by mass (rotors, wind, speakers, SmCo, swarf), in lots.

use super::NodeCx;
use crate::model::network::{MaterialRole, ScrapSource};
use crate::model::spec::ScrapSourceSpec;

pub(super) fn scrap_source(n: &mut NodeCx) -> Option<ScrapSource> {
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
