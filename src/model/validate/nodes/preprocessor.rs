//! `preprocessor`: an ILS site whose HDD separation lines take magnets out of drives.

use super::NodeCx;
use crate::model::network::{MaterialRole, Preprocessor};
use crate::model::spec::PreprocessorSpec;
use crate::model::validate::MAX_SERVERS;

pub(super) fn preprocessor(n: &mut NodeCx) -> Option<Preprocessor> {
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
