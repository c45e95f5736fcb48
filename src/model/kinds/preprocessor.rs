//! `preprocessor`: an ILS site whose HDD separation lines take magnets out of drives.

use serde::Deserialize;

use crate::kernel::Dist;
use crate::model::network::{Failures, MatId, MaterialRole};
use crate::model::spec::{DistSpec, FailureSpec};
use crate::model::validate::{MAX_SERVERS, NodeCx};

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["out"];

/// An ILS site with Inserma HDD separation lines.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreprocessorSpec {
    pub id: String,
    pub kind: String,
    pub lines: u32,
    pub cycle_s_per_drive: DistSpec,
    pub failures: Option<FailureSpec>,
    /// Share of the drives' magnet mass recovered into the output stream.
    pub recovery_yield: f64,
    /// Magnet share of the output stream by mass (the rest is carrier from the drive body).
    pub magnet_share: f64,
    /// Material label for the non-magnet part of the output stream.
    pub carrier_material: String,
    /// Drives waiting to be processed, at most.
    pub input_capacity_drives: u64,
    /// Output stream waiting for a truck, at most.
    pub storage_capacity_kg: f64,
}

/// A validated `preprocessor`: lines, cycle, yields, the carrier material and capacities (storage in mg).
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

/// Checks one `preprocessor` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Preprocessor> {
    let s: PreprocessorSpec = n.read()?;
    n.count("lines", s.lines, MAX_SERVERS);
    let cycle = n.dist("cycle_s_per_drive", &s.cycle_s_per_drive);
    let f = n.failures(&s.failures);
    n.share("recovery_yield", s.recovery_yield);
    n.share("magnet_share", s.magnet_share);
    if s.magnet_share == 0.0 {
        n.problem("magnet_share", "must be above 0", None);
    }
    let cm = n.material("carrier_material", &s.carrier_material);
    n.role_is("carrier_material", cm, &[MaterialRole::Carrier]);
    if s.input_capacity_drives == 0 {
        n.problem("input_capacity_drives", "must be at least 1", None);
    }
    let storage = n.capacity("storage_capacity_kg", s.storage_capacity_kg);
    Some(Preprocessor {
        lines: s.lines,
        cycle_s_per_drive: cycle,
        failures: f,
        recovery_yield: s.recovery_yield,
        magnet_share: s.magnet_share,
        carrier_material: cm,
        input_capacity_drives: s.input_capacity_drives,
        storage_capacity_mg: storage,
    })
}
