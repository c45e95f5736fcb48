//! The validated network: ids resolved to indices, units converted once (time in seconds,
//! mass in milligrams), ranges checked. The simulation reads only these types.

use chrono::NaiveDate;

use crate::kernel::{Dist, SimTime};
pub use crate::model::spec::{Arrivals, MaterialRole};

pub type MatId = usize;
pub type NodeId = usize;
pub type LinkId = usize;
/// Index of an element in `Model::elements` (the last one is always `other`).
pub type ElementId = usize;

/// Milligrams per kilogram: mass is tracked in integer milligrams so balances are exact.
pub const MG_PER_KG: i64 = 1_000_000;
pub const MG_PER_T: i64 = 1_000_000_000;

/// The most elements a model may track, `other` included: the simulation keeps element
/// masses in fixed-size inline arrays of this length.
pub const MAX_ELEMENTS: usize = 12;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub start: NaiveDate,
    pub years: f64,
    pub horizon: SimTime,
    pub record_every: SimTime,
    /// Declared elements, then `other` (the balance of every composition).
    pub elements: Vec<String>,
    pub materials: Vec<Material>,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone)]
pub struct Material {
    pub name: String,
    pub role: MaterialRole,
    /// Mass fraction per element, `other` included; adds up to 1.
    pub fractions: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    HddSource(HddSource),
    ScrapSource(ScrapSource),
    Source(Source),
    Preprocessor(Preprocessor),
    Station(Station),
    Hpms(Hpms),
    OxidePlant(OxidePlant),
    Market(Market),
    Sink,
}

impl NodeKind {
    /// The kind without its settings.
    pub fn kind(&self) -> Kind {
        match self {
            NodeKind::HddSource(_) => Kind::HddSource,
            NodeKind::ScrapSource(_) => Kind::ScrapSource,
            NodeKind::Source(_) => Kind::Source,
            NodeKind::Preprocessor(_) => Kind::Preprocessor,
            NodeKind::Station(_) => Kind::Station,
            NodeKind::Hpms(_) => Kind::Hpms,
            NodeKind::OxidePlant(_) => Kind::OxidePlant,
            NodeKind::Market(_) => Kind::Market,
            NodeKind::Sink => Kind::Sink,
        }
    }

    /// The YAML `kind` name.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Output ports, in port-index order.
    pub fn ports(&self) -> &'static [&'static str] {
        ports_of(self.name())
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self, NodeKind::Market(_) | NodeKind::Sink)
    }

    pub fn is_source(&self) -> bool {
        matches!(
            self,
            NodeKind::HddSource(_) | NodeKind::ScrapSource(_) | NodeKind::Source(_)
        )
    }
}

/// A node kind without its settings: what a node's `kind:` names. `NodeKind::kind` maps every
/// variant here, so a new kind of node needs a variant here too, and the compiler then points
/// at each match on `Kind` that must handle it (the validator's among them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HddSource,
    ScrapSource,
    Source,
    Preprocessor,
    Station,
    Hpms,
    OxidePlant,
    Market,
    Sink,
}

impl Kind {
    /// Every kind, in declaration order (the order messages list them in).
    pub const ALL: [Kind; 9] = [
        Kind::HddSource,
        Kind::ScrapSource,
        Kind::Source,
        Kind::Preprocessor,
        Kind::Station,
        Kind::Hpms,
        Kind::OxidePlant,
        Kind::Market,
        Kind::Sink,
    ];

    /// The YAML `kind` name.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::HddSource => "hdd_source",
            Kind::ScrapSource => "scrap_source",
            Kind::Source => "source",
            Kind::Preprocessor => "preprocessor",
            Kind::Station => "station",
            Kind::Hpms => "hpms",
            Kind::OxidePlant => "oxide_plant",
            Kind::Market => "market",
            Kind::Sink => "sink",
        }
    }

    /// The kind a YAML `kind` name stands for.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// All node kinds a model may use, by YAML name.
pub const KINDS: [&str; Kind::ALL.len()] = {
    let mut names = [""; Kind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Kind::ALL[i].name();
        i += 1;
    }
    names
};

/// Output ports of a node kind.
pub fn ports_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "hpms" => &["magnets", "residue"],
        "oxide_plant" => &["oxides"],
        "market" | "sink" => &[],
        _ => &["out"],
    }
}

/// The HPMS plant's ports, by index.
pub const PORT_MAGNETS: usize = 0;
pub const PORT_RESIDUE: usize = 1;

#[derive(Debug, Clone)]
pub struct Failures {
    pub tbf_h: Dist,
    pub repair_h: Dist,
}

#[derive(Debug, Clone)]
pub struct HddSource {
    pub drives_per_year: f64,
    pub growth_per_year: f64,
    pub capture_share: f64,
    pub pallet_drives: u32,
    pub magnet_g_per_drive: Dist,
    pub body_g_per_drive: Dist,
    pub magnet_material: MatId,
    pub body_material: MatId,
    pub arrivals: Arrivals,
    pub start: SimTime,
    pub end: SimTime,
}

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

#[derive(Debug, Clone)]
pub struct Source {
    pub material: MatId,
    pub interarrival_h: Dist,
    pub lot_kg: Dist,
    pub start: SimTime,
    pub end: SimTime,
}

#[derive(Debug, Clone)]
pub struct Preprocessor {
    pub lines: u32,
    pub cycle_s_per_drive: Dist,
    pub failures: Option<Failures>,
    pub recovery_yield: f64,
    pub magnet_share: f64,
    pub carrier_material: MatId,
    pub input_capacity_drives: u64,
    pub storage_capacity_mg: i64,
}

#[derive(Debug, Clone)]
pub struct Station {
    pub servers: u32,
    pub service_h: Dist,
    pub failures: Option<Failures>,
    pub queue_capacity_jobs: Option<u64>,
    pub storage_capacity_mg: Option<i64>,
}

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
    pub sintered_share: f64,
    pub magnet_material: MatId,
    pub coproduct_material: MatId,
    pub residue_material: MatId,
    pub input_capacity_mg: i64,
    pub storage_capacity_mg: i64,
    pub nameplate_output_t_per_year: f64,
    pub co2_kg_per_kg_product: f64,
}

impl Hpms {
    /// Capacity share at time `t` for a plant commissioned at `commissioned`: 0 before,
    /// then a linear ramp from `initial_capacity_share` to 1 over `ramp`.
    pub fn capacity_share(&self, commissioned: SimTime, t: SimTime) -> f64 {
        if t < commissioned {
            0.0
        } else if self.ramp <= 0 || t >= commissioned + self.ramp {
            1.0
        } else {
            let f = (t - commissioned) as f64 / self.ramp as f64;
            self.initial_capacity_share + (1.0 - self.initial_capacity_share) * f
        }
    }
}

#[derive(Debug, Clone)]
pub struct OxideProduct {
    pub material: MatId,
    /// (element, oxide mass per element mass).
    pub elements: Vec<(ElementId, f64)>,
    pub purity: f64,
}

#[derive(Debug, Clone)]
pub struct OxidePlant {
    pub feed_t_per_year: f64,
    pub commissioning: SimTime,
    /// Recovery per element (0 for elements no product takes).
    pub recovery: Vec<f64>,
    pub products: Vec<OxideProduct>,
    /// The element whose mass oxygen adds to the products.
    pub oxygen: ElementId,
    pub input_capacity_mg: i64,
    pub storage_capacity_mg: i64,
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

#[derive(Debug, Clone)]
pub struct Market {
    pub demand: Vec<Demand>,
    pub imports: Vec<Import>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Dispatch {
    Immediate,
    FullLoad { load_mg: i64 },
    Timer { every: SimTime, min_load_mg: i64 },
}

#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    pub from: NodeId,
    pub port: usize,
    pub to: NodeId,
    pub share: f64,
    pub distance_mi: f64,
    pub transit_days: Dist,
    pub dispatch: Dispatch,
    pub truck_capacity_mg: i64,
    pub cost_per_mile_usd: f64,
    pub co2_kg_per_tonne_mile: f64,
}

impl Link {
    /// Whether every parcel leaves as soon as it is staged.
    pub fn immediate(&self) -> bool {
        self.dispatch == Dispatch::Immediate
    }
}

impl Model {
    pub fn node_index(&self, id: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.id == id)
    }

    pub fn link_index(&self, id: &str) -> Option<LinkId> {
        self.links.iter().position(|l| l.id == id)
    }

    /// Links leaving `node` through `port`, in declaration order.
    pub fn links_from(&self, node: NodeId, port: usize) -> Vec<LinkId> {
        (0..self.links.len())
            .filter(|&l| self.links[l].from == node && self.links[l].port == port)
            .collect()
    }

    pub fn other_element(&self) -> ElementId {
        self.elements.len() - 1
    }

    /// Rare-earth elements among the declared ones (Sc, Y and the lanthanides).
    pub fn rare_earths(&self) -> Vec<ElementId> {
        (0..self.elements.len())
            .filter(|&e| is_rare_earth(&self.elements[e]))
            .collect()
    }

    /// Calendar date of a simulation time.
    pub fn date_of(&self, t: SimTime) -> NaiveDate {
        self.start + chrono::Duration::seconds(t)
    }
}

pub const RARE_EARTHS: [&str; 17] = [
    "Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb",
    "Lu",
];

pub fn is_rare_earth(symbol: &str) -> bool {
    RARE_EARTHS.contains(&symbol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once_in_declaration_order() {
        for (i, k) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i, "{k:?} out of place in Kind::ALL");
            assert_eq!(Kind::from_name(k.name()), Some(k));
            assert_eq!(KINDS[i], k.name());
        }
        // A kind added after `Sink` would slip past the loop above.
        assert_eq!(Kind::ALL.len(), Kind::Sink as usize + 1);
        assert_eq!(Kind::from_name("hpm"), None);
    }
}
