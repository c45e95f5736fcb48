//! `market`: US magnet demand by sector, served by recycled deliveries, then imports.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::model::validate::NodeCx;

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &[];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    pub sector: String,
    pub t_per_year: f64,
    #[serde(default)]
    pub growth_per_year: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSpec {
    pub origin: String,
    pub t_per_year: f64,
    #[serde(default)]
    pub growth_per_year: f64,
}

/// US magnet demand, served first by recycled deliveries, then by imports in listed order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSpec {
    pub id: String,
    pub kind: String,
    pub demand: Vec<DemandSpec>,
    pub imports: Vec<ImportSpec>,
}

#[derive(Debug, Clone)]
pub struct Demand {
    pub sector: String,
    pub t_per_year: f64,
    pub growth_per_year: f64,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub origin: String,
    pub t_per_year: f64,
    pub growth_per_year: f64,
}

/// A validated `market`: demand by sector and imports by origin, in listed order.
#[derive(Debug, Clone)]
pub struct Market {
    pub demand: Vec<Demand>,
    pub imports: Vec<Import>,
}

/// Checks one `market` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Market> {
    let s: MarketSpec = n.read()?;
    let mut names = BTreeSet::new();
    for (k, d) in s.demand.iter().enumerate() {
        n.non_negative(&format!("demand[{k}].t_per_year"), d.t_per_year, 1e8);
        n.growth(&format!("demand[{k}].growth_per_year"), d.growth_per_year);
        if d.sector == "all" {
            n.problem(
                &format!("demand[{k}].sector"),
                "the sector name `all` is reserved: yearly.parquet's sector `all` sums every sector",
                Some("name the sector after what it buys, e.g. `magnets` or `total`".into()),
            );
        }
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
