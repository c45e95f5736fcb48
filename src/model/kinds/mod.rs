//! The node kinds: one file each (YAML spec, validated settings, ports, check), and every match over them here.
//!
//! Each `<kind>.rs` holds what a model file says about a node of that kind (`*Spec`, serde,
//! unknown fields rejected), what validation makes of it (the settings the simulation
//! reads), its output ports and `validate`, the check that turns one into the other. This
//! file holds the enums over kinds (`Kind`, `NodeKind`) and every question asked of a kind
//! (name, ports, role in the network, which check reads it), each matched without a
//! catch-all arm: a new kind is a new file and a variant here, and the compiler points at
//! each arm it still needs.

pub mod hdd_source;
pub mod hpms;
pub mod market;
pub mod oxide_plant;
pub mod preprocessor;
pub mod producer;
pub mod scrap_source;
pub mod sink;
pub mod source;
pub mod station;

pub use hdd_source::{HddSource, HddSourceSpec};
pub use hpms::{Hpms, HpmsSpec, PORT_COPRODUCTS, PORT_MAGNETS, PORT_RESIDUE};
pub use market::{
    Demand, DemandSpec, Displacement, Import, ImportSpec, Inventory, InventorySpec, Market,
    MarketSpec, Stockpile, StockpileSpec, Substitution,
};
pub use oxide_plant::{OxidePlant, OxidePlantSpec, OxideProduct, OxideProductSpec};
pub use preprocessor::{Preprocessor, PreprocessorSpec};
pub use producer::{Producer, ProducerSpec, ProducerStatus};
pub use scrap_source::{ScrapSource, ScrapSourceSpec};
pub use sink::SinkSpec;
pub use source::{Source, SourceSpec};
pub use station::{Station, StationSpec};

use crate::kernel::SimTime;
use crate::model::validate::NodeCx;

/// The capacity share at `t` of a plant commissioned at `commissioned` that ramps over
/// `ramp` seconds from `initial` to 1: 0 before commissioning, linear during the ramp, 1
/// after it (the `hpms` and `producer` kinds).
pub fn ramp_share(commissioned: SimTime, t: SimTime, ramp: SimTime, initial: f64) -> f64 {
    if t < commissioned {
        0.0
    } else if ramp <= 0 || t >= commissioned + ramp {
        1.0
    } else {
        let f = (t - commissioned) as f64 / ramp as f64;
        initial + (1.0 - initial) * f
    }
}

/// A node kind without its settings: what a node's `kind:` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    HddSource,
    ScrapSource,
    Source,
    Preprocessor,
    Station,
    Hpms,
    OxidePlant,
    Producer,
    Market,
    Sink,
}

/// A validated node's kind with its settings.
#[derive(Debug, Clone)]
pub enum NodeKind {
    HddSource(HddSource),
    ScrapSource(ScrapSource),
    Source(Source),
    Preprocessor(Preprocessor),
    Station(Station),
    Hpms(Hpms),
    OxidePlant(OxidePlant),
    Producer(Producer),
    Market(Market),
    Sink,
}

impl Kind {
    /// Every kind, in declaration order (the order messages list them in).
    pub const ALL: [Kind; 10] = [
        Kind::HddSource,
        Kind::ScrapSource,
        Kind::Source,
        Kind::Preprocessor,
        Kind::Station,
        Kind::Hpms,
        Kind::OxidePlant,
        Kind::Producer,
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
            Kind::Producer => "producer",
            Kind::Market => "market",
            Kind::Sink => "sink",
        }
    }

    /// The kind a YAML `kind` name stands for: the one lookup by text, for reading `kind:`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Output ports, in port-index order (what a link's `port:` names).
    pub const fn ports(self) -> &'static [&'static str] {
        match self {
            Kind::HddSource => hdd_source::PORTS,
            Kind::ScrapSource => scrap_source::PORTS,
            Kind::Source => source::PORTS,
            Kind::Preprocessor => preprocessor::PORTS,
            Kind::Station => station::PORTS,
            Kind::Hpms => hpms::PORTS,
            Kind::OxidePlant => oxide_plant::PORTS,
            Kind::Producer => producer::PORTS,
            Kind::Market => market::PORTS,
            Kind::Sink => sink::PORTS,
        }
    }

    /// Whether material ends here (a market or sink): the nodes everything must drain to.
    pub const fn is_terminal(self) -> bool {
        match self {
            Kind::Market | Kind::Sink => true,
            Kind::HddSource
            | Kind::ScrapSource
            | Kind::Source
            | Kind::Preprocessor
            | Kind::Station
            | Kind::Hpms
            | Kind::OxidePlant
            | Kind::Producer => false,
        }
    }

    /// Whether material starts here: nothing may be delivered to a source.
    pub const fn is_source(self) -> bool {
        match self {
            Kind::HddSource | Kind::ScrapSource | Kind::Source => true,
            Kind::Preprocessor
            | Kind::Station
            | Kind::Hpms
            | Kind::OxidePlant
            | Kind::Producer
            | Kind::Market
            | Kind::Sink => false,
        }
    }

    /// Checks one node of this kind and builds it; `None` if its fields cannot be read.
    pub(crate) fn validate(self, n: &mut NodeCx) -> Option<NodeKind> {
        Some(match self {
            Kind::HddSource => NodeKind::HddSource(hdd_source::validate(n)?),
            Kind::ScrapSource => NodeKind::ScrapSource(scrap_source::validate(n)?),
            Kind::Source => NodeKind::Source(source::validate(n)?),
            Kind::Preprocessor => NodeKind::Preprocessor(preprocessor::validate(n)?),
            Kind::Station => NodeKind::Station(station::validate(n)?),
            Kind::Hpms => NodeKind::Hpms(hpms::validate(n)?),
            Kind::OxidePlant => NodeKind::OxidePlant(oxide_plant::validate(n)?),
            Kind::Producer => NodeKind::Producer(producer::validate(n)?),
            Kind::Market => NodeKind::Market(market::validate(n)?),
            Kind::Sink => {
                sink::validate(n)?;
                NodeKind::Sink
            }
        })
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
            NodeKind::Producer(_) => Kind::Producer,
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
        self.kind().ports()
    }

    pub fn is_terminal(&self) -> bool {
        self.kind().is_terminal()
    }

    pub fn is_source(&self) -> bool {
        self.kind().is_source()
    }
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

    #[test]
    fn ports_are_those_links_have_always_named() {
        // As the old `ports_of` gave them: HPMS two, the oxide plant one of its own,
        // terminals none, and every other kind one `out`.
        let ports: Vec<(&str, &[&str])> = Kind::ALL.iter().map(|k| (k.name(), k.ports())).collect();
        assert_eq!(
            ports,
            [
                ("hdd_source", &["out"][..]),
                ("scrap_source", &["out"]),
                ("source", &["out"]),
                ("preprocessor", &["out"]),
                ("station", &["out"]),
                ("hpms", &["magnets", "residue", "coproducts"]),
                ("oxide_plant", &["oxides"]),
                ("producer", &["magnets"]),
                ("market", &[]),
                ("sink", &[]),
            ]
        );
        assert_eq!(hpms::PORTS[PORT_MAGNETS], "magnets");
        assert_eq!(hpms::PORTS[PORT_RESIDUE], "residue");
        assert_eq!(hpms::PORTS[PORT_COPRODUCTS], "coproducts");
    }

    #[test]
    fn terminals_and_sources_are_the_kinds_they_were() {
        let terminal: Vec<&str> = Kind::ALL
            .iter()
            .filter(|k| k.is_terminal())
            .map(|k| k.name())
            .collect();
        let source: Vec<&str> = Kind::ALL
            .iter()
            .filter(|k| k.is_source())
            .map(|k| k.name())
            .collect();
        assert_eq!(terminal, ["market", "sink"]);
        assert_eq!(source, ["hdd_source", "scrap_source", "source"]);
    }
}
