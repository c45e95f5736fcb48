//! The validated network: ids resolved to indices, units converted once (time in seconds,
//! mass in milligrams), ranges checked. The simulation reads only these types (each node
//! kind's own settings are in `model::kinds`, re-exported here).

use chrono::NaiveDate;

use crate::kernel::{Dist, SimTime};
// Every kind's types (`NodeKind`, `Kind`, `Hpms`, `PORT_MAGNETS`, ...) at `model::`, the
// paths the simulation names them by; a new kind's appear there with no edit here.
pub use crate::model::kinds::*;
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
    /// Origins named by origin tags, in bit order of [`crate::model::origins::Chain`]: `us` (the
    /// model's own plants) and `recycled` first, then those materials and imports name.
    pub origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Material {
    pub name: String,
    pub role: MaterialRole,
    /// Mass fraction per element, `other` included; adds up to 1.
    pub fractions: Vec<f64>,
    /// Origin tags lots of it carry when a source makes them (`origin:` in YAML).
    pub chain: crate::model::origins::Chain,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub struct Failures {
    pub tbf_h: Dist,
    pub repair_h: Dist,
}

#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// How many recording steps a run makes: one every `record_every`, the last at the
    /// horizon (the simulation's `Record` events).
    pub fn recording_steps(&self) -> u64 {
        let every = self.record_every.max(1);
        if self.horizon <= 0 {
            1
        } else {
            ((self.horizon + every - 1) / every) as u64
        }
    }

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

    /// Per element slot (the model's elements, then unused slots): whether it is a rare
    /// earth.
    pub fn rare_earth_mask(&self) -> [bool; MAX_ELEMENTS] {
        let mut rare = [false; MAX_ELEMENTS];
        for e in self.rare_earths() {
            rare[e] = true;
        }
        rare
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
