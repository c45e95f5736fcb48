//! `market`: US magnet demand by sector, served by recycled deliveries, then imports.

use std::collections::BTreeSet;

use super::NodeCx;
use crate::model::network::{Demand, Import, Market};
use crate::model::spec::MarketSpec;

pub(super) fn market(n: &mut NodeCx) -> Option<Market> {
    let s: MarketSpec = n.read()?;
    let mut names = BTreeSet::new();
    for (k, d) in s.demand.iter().enumerate() {
        n.non_negative(&format!("demand[{k}].t_per_year"), d.t_per_year, 1e8);
        n.growth(&format!("demand[{k}].growth_per_year"), d.growth_per_year);
        if !names.insert(d.sector.clone()) {
            n.problem(
                &format!("demand[{k}].sector"),
                format!("sector `{}` is listed twice", d.sector),
                None,
            );
        }
    }
    let mut origins = BTreeSet::new();
    for (k, d) in s.imports.iter().enumerate() {
        n.non_negative(&format!("imports[{k}].t_per_year"), d.t_per_year, 1e8);
        n.growth(&format!("imports[{k}].growth_per_year"), d.growth_per_year);
        if !origins.insert(d.origin.clone()) {
            n.problem(
                &format!("imports[{k}].origin"),
                format!("origin `{}` is listed twice", d.origin),
                None,
            );
        }
    }
    Some(Market {
        demand: s
            .demand
            .into_iter()
            .map(|d| Demand {
                sector: d.sector,
                t_per_year: d.t_per_year,
                growth_per_year: d.growth_per_year,
            })
            .collect(),
        imports: s
            .imports
            .into_iter()
            .map(|d| Import {
                origin: d.origin,
                t_per_year: d.t_per_year,
                growth_per_year: d.growth_per_year,
            })
            .collect(),
    })
}
