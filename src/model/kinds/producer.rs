//! `producer`: a domestic primary magnet maker (oxide or alloy in, sintered magnets out), ramping up from commissioning.
//!
//! Its capacity is lines of `line_t_per_year` magnets each (scripts add and retire whole
//! lines). Each day it makes its capacity's share of magnets of `magnet_material`'s
//! composition, times the ramp share and `availability`: the element masses its magnets
//! carry come first from recycled feed that links deliver (oxides, alloy), then from its
//! `external_feed` (the origin it buys the rest from, such as Mountain Pass oxide), which it
//! brings in itself.

use serde::Deserialize;

use crate::kernel::{SimTime, secs_from_days};
use crate::model::network::{MatId, MaterialRole, is_rare_earth};
use crate::model::validate::{MAX_SERVERS, MAX_YEARS, NodeCx, finite};

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["magnets"];

/// Whether a plant is built and making magnets, or only announced (dates and sizes from
/// company releases, not from a plant seen running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProducerStatus {
    Operating,
    Announced,
}

/// A domestic magnet maker: NdPr oxide or metal, recycled oxide or alloy in, magnets out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    pub id: String,
    pub kind: String,
    pub status: ProducerStatus,
    pub lines: u32,
    /// Magnets one line makes at full capacity, t/yr.
    pub line_t_per_year: f64,
    pub commissioning: String,
    #[serde(default)]
    pub ramp_years: f64,
    /// Capacity share at commissioning, rising linearly to 1 over `ramp_years`.
    #[serde(default = "crate::model::spec::one")]
    pub initial_capacity_share: f64,
    /// Share of capacity available on average (maintenance, outages, yield losses).
    #[serde(default = "crate::model::spec::one")]
    pub availability: f64,
    pub magnet_material: String,
    /// Where the rare earths not met by recycled feed come from (`mountain_pass`,
    /// `imported_oxide_china`, ...); none: the plant makes only what its recycled feed allows.
    #[serde(default)]
    pub external_feed: Option<String>,
    /// Origin tags of the external feed by stage (`mine`, `oxide`): where what it buys was
    /// mined and refined. The magnet stage is always the plant's own (`us`).
    #[serde(default)]
    pub external_chain: Option<crate::model::origins::TagsSpec>,
    #[serde(default)]
    pub cost_usd_per_kg: f64,
    pub input_capacity_kg: f64,
    pub storage_capacity_kg: f64,
}

/// A validated `producer`: capacity, ramp in seconds, capacities in mg.
#[derive(Debug, Clone)]
pub struct Producer {
    pub status: ProducerStatus,
    pub lines: u32,
    pub line_t_per_year: f64,
    pub commissioning: SimTime,
    pub ramp: SimTime,
    pub initial_capacity_share: f64,
    pub availability: f64,
    pub magnet_material: MatId,
    pub external_feed: Option<String>,
    /// Origin names by stage of the external feed (as written), and their tags once the
    /// model's origin table is known (validate's `origin_table`); untagged without
    /// `external_chain`.
    pub external_chain_names: crate::model::origins::ChainNames,
    pub external_chain: crate::model::origins::Chain,
    pub cost_usd_per_kg: f64,
    pub input_capacity_mg: i64,
    pub storage_capacity_mg: i64,
}

impl Producer {
    /// Nameplate output of the lines in the model, t/yr.
    pub fn nameplate_t_per_year(&self) -> f64 {
        self.lines as f64 * self.line_t_per_year
    }

    /// Capacity share at `t` for a plant commissioned at `commissioned`: 0 before, then a
    /// linear ramp from `initial_capacity_share` to 1 over `ramp`.
    pub fn capacity_share(&self, commissioned: SimTime, t: SimTime) -> f64 {
        super::ramp_share(commissioned, t, self.ramp, self.initial_capacity_share)
    }
}

/// Checks one `producer` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Producer> {
    let s: ProducerSpec = n.read()?;
    n.count("lines", s.lines, MAX_SERVERS);
    n.positive("line_t_per_year", s.line_t_per_year, 1e6);
    let commissioning = n.date("commissioning", &s.commissioning).unwrap_or(0);
    n.non_negative("ramp_years", s.ramp_years, MAX_YEARS);
    n.share("initial_capacity_share", s.initial_capacity_share);
    n.share("availability", s.availability);
    if s.availability == 0.0 {
        n.problem(
            "availability",
            "must be above 0 (a plant never available makes nothing)",
            Some("use e.g. 0.9 for 90 % of capacity on average".into()),
        );
    }
    let mm = n.material("magnet_material", &s.magnet_material);
    n.role_is("magnet_material", mm, &[MaterialRole::Product]);
    let elements = n.elements;
    if let Some(mat) = n.materials.get(mm) {
        let carries_rare_earth = mat
            .fractions
            .iter()
            .zip(elements)
            .any(|(f, e)| *f > 0.0 && is_rare_earth(e));
        if !carries_rare_earth {
            n.problem(
                "magnet_material",
                format!(
                    "material `{}` has no rare earth in its composition, so a producer cannot make it",
                    mat.name
                ),
                Some(format!(
                    "give `materials.{}` a composition such as {{Nd: 22.5, Pr: 7.5, B: 1.0, Fe: 65.5}}",
                    mat.name
                )),
            );
        }
    }
    if let Some(origin) = &s.external_feed {
        let ok = !origin.is_empty()
            && origin
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            n.problem(
                "external_feed",
                format!("`{origin}` is not a feed origin name"),
                Some("use lower-case letters, digits and `_`, e.g. `mountain_pass`".into()),
            );
        }
    }
    if s.external_feed.is_some() && s.external_chain.is_none() {
        // Untagged, what it buys would pass every origin rule.
        n.problem(
            "external_chain",
            "is needed with `external_feed`: where what the plant buys was mined and refined",
            Some(
                "e.g. `external_chain: {mine: us, oxide: us}`, or `[china, other]` for mixed feed"
                    .into(),
            ),
        );
    }
    let mut external_chain_names = crate::model::origins::ChainNames::default();
    if let Some(spec) = &s.external_chain {
        if s.external_feed.is_none() {
            n.problem(
                "external_chain",
                "tags an external feed the producer does not have",
                Some("give it `external_feed` too, or leave `external_chain` out".into()),
            );
        }
        let (names, problems) = crate::model::origins::read_tags(spec);
        for (place, msg, fix) in problems {
            n.problem(&format!("external_chain.{place}"), msg, Some(fix));
        }
        if !names[crate::model::origins::Stage::Magnet as usize].is_empty() {
            n.problem(
                "external_chain.magnet",
                "the producer makes the magnets itself (the magnet stage is always `us`)",
                Some("tag only `mine` and `oxide`".into()),
            );
        }
        // A stage left untagged would pass every rule at that stage.
        for stage in [
            crate::model::origins::Stage::Mine,
            crate::model::origins::Stage::Oxide,
        ] {
            if s.external_feed.is_some() && names[stage as usize].is_empty() {
                n.problem(
                    &format!("external_chain.{}", stage.name()),
                    "is needed: where the external feed was mined and refined",
                    Some(format!(
                        "e.g. `{}: us`, or a list such as `[china, other]`",
                        stage.name()
                    )),
                );
            }
        }
        external_chain_names = names;
    }
    if !(finite(s.cost_usd_per_kg) && (0.0..=1e4).contains(&s.cost_usd_per_kg)) {
        n.problem(
            "cost_usd_per_kg",
            "must be a cost from 0 to 10,000 USD per kg",
            None,
        );
    }
    let (input, storage) = n.input_and_storage(s.input_capacity_kg, s.storage_capacity_kg);
    Some(Producer {
        status: s.status,
        lines: s.lines,
        line_t_per_year: s.line_t_per_year,
        commissioning: commissioning.max(0),
        ramp: secs_from_days(s.ramp_years * 365.25),
        initial_capacity_share: s.initial_capacity_share,
        availability: s.availability,
        magnet_material: mm,
        external_feed: s.external_feed,
        external_chain_names,
        external_chain: crate::model::origins::Chain::NONE,
        cost_usd_per_kg: s.cost_usd_per_kg,
        input_capacity_mg: input,
        storage_capacity_mg: storage,
    })
}
