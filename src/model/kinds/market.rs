//! `market`: US magnet demand by sector, served by domestic and recycled deliveries, then
//! imports by origin (in an order the displacement rule sets), then a commercial inventory
//! and a strategic stockpile.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::model::origins::{Chain, ChainNames, TagsSpec, read_tags};
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
    /// Grade -> share of the sector's demand (markets with `grades`).
    #[serde(default)]
    pub grades: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeSpec {
    pub grade: String,
    /// Element -> wt% of the grade's magnets (rare earths at least).
    pub composition: BTreeMap<String, f64>,
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
    /// Grade -> share of the origin's supply (markets with `grades`).
    #[serde(default)]
    pub grades: Option<BTreeMap<String, f64>>,
    /// Origin tags by stage; every stage is the origin itself when left out.
    #[serde(default)]
    pub chain: Option<TagsSpec>,
}

/// Which grades' demand the domestic and recycled magnets a grade's own sectors leave may
/// serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Substitution {
    /// Only grades with less Dy + Tb than theirs: a high-coercivity magnet does a standard
    /// one's job, a standard magnet cannot take a traction motor's heat.
    #[default]
    Heavier,
    /// Any grade (every magnet is as good as any other for every application).
    Any,
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
    #[serde(default)]
    pub grades: Option<Vec<GradeSpec>>,
    pub demand: Vec<DemandSpec>,
    pub imports: Vec<ImportSpec>,
    #[serde(default)]
    pub displacement: Displacement,
    #[serde(default)]
    pub grade_substitution: Substitution,
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
    /// Per grade (market order): share of the sector's demand; adds up to 1.
    pub grades: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub origin: String,
    /// Supply at the calendar start, t/yr: also the reference level of `set_import_ratio`.
    pub t_per_year: f64,
    pub growth_per_year: f64,
    pub elastic_share: f64,
    /// Per grade (market order): share of the origin's supply; adds up to 1.
    pub grades: Vec<f64>,
    /// Origin tags by stage, names as written, and over the model's origin table.
    pub chain_names: ChainNames,
    pub chain: Chain,
}

/// The least wt% of an element for a grade to carry it: a restriction on the element
/// reaches the grade (0.1 %: China's 9 October 2025 de-minimis content rule, DOMAIN).
pub const TRACE_WT: f64 = 0.1;

/// The name of the one grade of a market that lists none.
pub const ONE_GRADE: &str = "magnets";

/// A magnet grade: its name and rare-earth composition.
#[derive(Debug, Clone)]
pub struct Grade {
    pub name: String,
    /// (element, wt%), as listed; empty for the one grade of a market without `grades`.
    pub composition: Vec<(String, f64)>,
    /// Dy + Tb, wt%: recycled and domestic lots take the grade nearest their own.
    pub heavy_wt: f64,
}

impl Grade {
    /// Whether magnets of this grade carry `element` (above [`TRACE_WT`]). The one grade of
    /// a market without grades carries every rare earth (NdFeB as one product).
    pub fn carries(&self, element: &str) -> bool {
        if self.composition.is_empty() {
            return crate::model::is_rare_earth(element);
        }
        self.composition
            .iter()
            .any(|(e, wt)| e == element && *wt >= TRACE_WT)
    }

    /// wt% of `element` (0 if not listed).
    pub fn wt(&self, element: &str) -> f64 {
        self.composition
            .iter()
            .find(|(e, _)| e == element)
            .map_or(0.0, |(_, w)| *w)
    }
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
    /// Magnet grades; one, [`ONE_GRADE`], when the model lists none.
    pub grades: Vec<Grade>,
    pub demand: Vec<Demand>,
    pub imports: Vec<Import>,
    pub displacement: Displacement,
    pub grade_substitution: Substitution,
    pub inventory: Option<Inventory>,
    pub stockpile: Option<Stockpile>,
}

/// The longest cover a stock may hold, days (ten years).
const MAX_DAYS: f64 = 3652.5;

/// Checks one `market` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Market> {
    let s: MarketSpec = n.read()?;
    let grades = grades(n, s.grades.as_deref());
    let grade_names: Vec<&str> = grades.iter().map(|g| g.name.as_str()).collect();
    let listed = s.grades.is_some();
    let demand_grades: Vec<Vec<f64>> = s
        .demand
        .iter()
        .enumerate()
        .map(|(k, d)| {
            shares(
                n,
                &format!("demand[{k}].grades"),
                d.grades.as_ref(),
                &grade_names,
                listed,
            )
        })
        .collect();
    let import_grades: Vec<Vec<f64>> = s
        .imports
        .iter()
        .enumerate()
        .map(|(k, d)| {
            shares(
                n,
                &format!("imports[{k}].grades"),
                d.grades.as_ref(),
                &grade_names,
                listed,
            )
        })
        .collect();
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
    let chains: Vec<ChainNames> = s
        .imports
        .iter()
        .enumerate()
        .map(|(k, d)| match &d.chain {
            None => std::array::from_fn(|_| vec![d.origin.clone()]),
            Some(spec) => {
                let (mut names, problems) = read_tags(spec);
                for (place, msg, fix) in problems {
                    n.problem(&format!("imports[{k}].chain.{place}"), msg, Some(fix));
                }
                // A stage the chain leaves out is the origin's own (as without `chain`).
                for stage in names.iter_mut().filter(|s| s.is_empty()) {
                    stage.push(d.origin.clone());
                }
                names
            }
        })
        .collect();
    Some(Market {
        grades,
        demand: s
            .demand
            .into_iter()
            .zip(demand_grades)
            .map(|(d, grades)| Demand {
                sector: d.sector,
                t_per_year: d.t_per_year,
                growth_per_year: d.growth_per_year,
                grades,
            })
            .collect(),
        imports: s
            .imports
            .into_iter()
            .zip(import_grades)
            .zip(chains)
            .map(|((d, grades), chain_names)| Import {
                origin: d.origin,
                t_per_year: d.t_per_year,
                growth_per_year: d.growth_per_year,
                elastic_share: d.elastic_share,
                grades,
                chain_names,
                chain: Chain::NONE,
            })
            .collect(),
        displacement: s.displacement,
        grade_substitution: s.grade_substitution,
        inventory,
        stockpile,
    })
}

/// The most grades a market may list (grade sets are bits of a `u32`).
pub const MAX_GRADES: usize = 32;

/// The market's grades: as listed, or the one grade [`ONE_GRADE`].
fn grades(n: &mut NodeCx, spec: Option<&[GradeSpec]>) -> Vec<Grade> {
    let Some(list) = spec else {
        return vec![Grade {
            name: ONE_GRADE.into(),
            composition: Vec::new(),
            heavy_wt: 0.0,
        }];
    };
    if list.is_empty() {
        n.problem(
            "grades",
            "lists no grade",
            Some("list at least one, or leave `grades` out for one product".into()),
        );
    }
    if list.len() > MAX_GRADES {
        n.problem(
            "grades",
            format!(
                "lists {} grades, more than the {MAX_GRADES} a market may have",
                list.len()
            ),
            Some("merge grades of similar Dy + Tb content".into()),
        );
    }
    let elements: Vec<String> = n.elements[..n.elements.len() - 1].to_vec();
    let known: Vec<&str> = elements.iter().map(String::as_str).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (k, g) in list.iter().enumerate() {
        if !seen.insert(g.grade.clone()) {
            n.problem(
                &format!("grades[{k}].grade"),
                format!("grade `{}` is listed twice", g.grade),
                None,
            );
        }
        let mut total = 0.0;
        for (el, wt) in &g.composition {
            let p = format!("grades[{k}].composition.{el}");
            if !known.contains(&el.as_str()) {
                n.problem(
                    &p,
                    format!("element `{el}` is not declared"),
                    Some(did_you_mean(el, &known, "add it to `elements:`")),
                );
            }
            n.non_negative(&p, *wt, 100.0);
            total += wt;
        }
        if total > 100.0 + 1e-9 {
            n.problem(
                &format!("grades[{k}].composition"),
                format!("adds up to {total} wt%, more than 100"),
                None,
            );
        }
        let composition: Vec<(String, f64)> =
            g.composition.iter().map(|(e, w)| (e.clone(), *w)).collect();
        let heavy_wt = composition
            .iter()
            .filter(|(e, _)| e == "Dy" || e == "Tb")
            .map(|(_, w)| w)
            .sum();
        out.push(Grade {
            name: g.grade.clone(),
            composition,
            heavy_wt,
        });
    }
    out
}

/// Shares by grade of one demand or import entry: every share from 0 to 1, adding up to 1.
fn shares(
    n: &mut NodeCx,
    path: &str,
    spec: Option<&BTreeMap<String, f64>>,
    grades: &[&str],
    listed: bool,
) -> Vec<f64> {
    let mut out = vec![0.0; grades.len()];
    if grades.is_empty() {
        // `grades: []`, refused where the grades are read: nothing to share out.
        return out;
    }
    match (spec, listed) {
        (None, false) => out[0] = 1.0,
        (Some(_), false) => n.problem(
            path,
            "the market lists no `grades`",
            Some("list the grades under the market's `grades:`, or remove this".into()),
        ),
        (None, true) => n.problem(
            path,
            "the market lists grades: give this entry's share of each",
            Some(format!("e.g. `grades: {{{}: 1.0}}`", grades[0])),
        ),
        (Some(map), true) => {
            let mut total: f64 = 0.0;
            for (g, share) in map {
                match grades.iter().position(|x| *x == g.as_str()) {
                    Some(i) => {
                        n.share(&format!("{path}.{g}"), *share);
                        out[i] = *share;
                        total += share;
                    }
                    None => n.problem(
                        &format!("{path}.{g}"),
                        format!("unknown grade `{g}`"),
                        Some(did_you_mean(
                            g,
                            grades,
                            &format!("grades: {}", grades.join(", ")),
                        )),
                    ),
                }
            }
            if (total - 1.0).abs() > 1e-6 {
                n.problem(
                    path,
                    format!("the shares add up to {total}, not 1"),
                    Some("make them add up to 1".into()),
                );
            }
        }
    }
    out
}
