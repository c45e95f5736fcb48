//! `market`: US magnet demand by sector, served by domestic and recycled deliveries, then
//! imports by origin (in an order the displacement rule sets), then a commercial inventory
//! and a strategic stockpile.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::model::validate::{NodeCx, did_you_mean};

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
    /// Share above its current supply the origin can add when the market is still short.
    #[serde(default)]
    pub elastic_share: f64,
}

/// Which imports domestic and recycled supply displace first (whatever it leaves unused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Displacement {
    /// Origins fill the demand left in listed order: the last listed is displaced first.
    #[default]
    ListedOrder,
    /// The origin named `china` is displaced first: the others fill in listed order, then China.
    ChinaFirst,
    /// Every origin supplies the same share of its available supply.
    Proportional,
}

impl Displacement {
    pub fn name(self) -> &'static str {
        match self {
            Displacement::ListedOrder => "listed_order",
            Displacement::ChinaFirst => "china_first",
            Displacement::Proportional => "proportional",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventorySpec {
    pub target_days: f64,
    #[serde(default)]
    pub initial_days: Option<f64>,
    pub refill_days: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockpileSpec {
    pub initial_t: f64,
    #[serde(default)]
    pub sectors: Option<Vec<String>>,
    #[serde(default)]
    pub release_below_cover_days: Option<f64>,
}

/// US magnet demand, served first by domestic and recycled deliveries, then by imports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSpec {
    pub id: String,
    pub kind: String,
    pub demand: Vec<DemandSpec>,
    pub imports: Vec<ImportSpec>,
    #[serde(default)]
    pub displacement: Displacement,
    #[serde(default)]
    pub inventory: Option<InventorySpec>,
    #[serde(default)]
    pub stockpile: Option<StockpileSpec>,
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
    /// Supply at the calendar start, t/yr: also the reference level of `set_import_ratio`.
    pub t_per_year: f64,
    pub growth_per_year: f64,
    pub elastic_share: f64,
}

/// A commercial inventory held in days of cover of the current demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inventory {
    pub target_days: f64,
    pub initial_days: f64,
    /// A refill adds at most `target / refill_days` a day.
    pub refill_days: f64,
}

/// A strategic stockpile: released by scripts or, below a cover, automatically.
#[derive(Debug, Clone, PartialEq)]
pub struct Stockpile {
    pub initial_t: f64,
    /// Per sector (market order): the stockpile may serve it.
    pub serves: Vec<bool>,
    pub release_below_cover_days: Option<f64>,
}

/// A validated `market`: demand by sector and imports by origin, in listed order.
#[derive(Debug, Clone)]
pub struct Market {
    pub demand: Vec<Demand>,
    pub imports: Vec<Import>,
    pub displacement: Displacement,
    pub inventory: Option<Inventory>,
    pub stockpile: Option<Stockpile>,
}

/// The longest cover a stock may hold, days (ten years).
const MAX_DAYS: f64 = 3652.5;

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
        n.share(&format!("imports[{k}].elastic_share"), d.elastic_share);
        if !origins.insert(d.origin.clone()) {
            n.problem(
                &format!("imports[{k}].origin"),
                format!("origin `{}` is listed twice", d.origin),
                None,
            );
        }
    }
    if s.displacement == Displacement::ChinaFirst && !origins.contains("china") {
        n.problem(
            "displacement",
            "`china_first` needs an import origin named `china`",
            Some("name the Chinese origin `china`, or use `listed_order` or `proportional`".into()),
        );
    }
    let inventory = s.inventory.map(|i| {
        n.non_negative("inventory.target_days", i.target_days, MAX_DAYS);
        let initial_days = i.initial_days.unwrap_or(i.target_days);
        if let Some(d) = i.initial_days {
            n.non_negative("inventory.initial_days", d, MAX_DAYS);
        }
        n.positive("inventory.refill_days", i.refill_days, MAX_DAYS);
        Inventory {
            target_days: i.target_days,
            initial_days,
            refill_days: i.refill_days,
        }
    });
    let stockpile = s.stockpile.map(|p| {
        n.non_negative("stockpile.initial_t", p.initial_t, 1e8);
        if let Some(d) = p.release_below_cover_days {
            n.non_negative("stockpile.release_below_cover_days", d, MAX_DAYS);
            if inventory.is_none() {
                n.problem(
                    "stockpile.release_below_cover_days",
                    "an automatic release by cover needs an `inventory` to measure the cover of",
                    Some("add `inventory:` to the market, or leave the release to scripts".into()),
                );
            }
        }
        let serves = match &p.sectors {
            None => vec![true; s.demand.len()],
            Some(list) => {
                let known: Vec<&str> = s.demand.iter().map(|d| d.sector.as_str()).collect();
                for (k, name) in list.iter().enumerate() {
                    if !known.contains(&name.as_str()) {
                        n.problem(
                            &format!("stockpile.sectors[{k}]"),
                            format!("unknown demand sector `{name}`"),
                            Some(did_you_mean(
                                name,
                                &known,
                                &format!("known: {}", known.join(", ")),
                            )),
                        );
                    }
                }
                s.demand.iter().map(|d| list.contains(&d.sector)).collect()
            }
        };
        Stockpile {
            initial_t: p.initial_t,
            serves,
            release_below_cover_days: p.release_below_cover_days,
        }
    });
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
                elastic_share: d.elastic_share,
            })
            .collect(),
        displacement: s.displacement,
        inventory,
        stockpile,
    })
}
