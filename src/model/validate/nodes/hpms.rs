//! `hpms`: a HyProMag-style hydrogen processing plant with sintering, ramping up from commissioning.

use super::NodeCx;
use crate::kernel::secs_from_days;
use crate::model::network::{Hpms, MaterialRole};
use crate::model::spec::HpmsSpec;
use crate::model::validate::{MAX_SERVERS, MAX_YEARS, finite, kg_to_mg};

pub(super) fn hpms(n: &mut NodeCx) -> Option<Hpms> {
    let s: HpmsSpec = n.read()?;
    n.count("vessels", s.vessels, MAX_SERVERS);
    n.positive("batch_kg", s.batch_kg, 1e7);
    let cycle = n.dist("cycle_h", &s.cycle_h);
    if cycle.validate().is_ok() && cycle.mean() * 3600.0 < 1.0 {
        n.problem(
            "cycle_h",
            "a batch must take at least one second on average",
            None,
        );
    }
    let f = n.failures(&s.failures);
    n.share("extraction_yield", s.extraction_yield);
    n.share("unsuitable_share", s.unsuitable_share);
    n.share("initial_capacity_share", s.initial_capacity_share);
    if s.initial_capacity_share == 0.0 {
        n.problem(
            "initial_capacity_share",
            "must be above 0 (a plant at 0 % never starts its first batch)",
            Some("use e.g. 0.2 for 20 % at commissioning".into()),
        );
    }
    n.share("sintered_share", s.sintered_share);
    n.non_negative("ramp_years", s.ramp_years, MAX_YEARS);
    let commissioning = n.date("commissioning", &s.commissioning).unwrap_or(0);
    let mm = n.material("magnet_material", &s.magnet_material);
    let cm = n.material("coproduct_material", &s.coproduct_material);
    let rm = n.material("residue_material", &s.residue_material);
    n.role_is("magnet_material", mm, &[MaterialRole::Product]);
    n.role_is("coproduct_material", cm, &[MaterialRole::Product]);
    n.role_is("residue_material", rm, &[MaterialRole::Scrap]);
    let (input, storage) = n.input_and_storage(s.input_capacity_kg, s.storage_capacity_kg);
    if finite(s.input_capacity_kg) && s.input_capacity_kg < s.batch_kg {
        n.problem(
            "input_capacity_kg",
            format!("holds less than one batch ({} kg)", s.batch_kg),
            Some("raise input_capacity_kg above batch_kg".into()),
        );
    }
    n.positive(
        "nameplate_output_t_per_year",
        s.nameplate_output_t_per_year,
        1e8,
    );
    n.non_negative("co2_kg_per_kg_product", s.co2_kg_per_kg_product, 1e3);
    Some(Hpms {
        vessels: s.vessels,
        batch_mg: kg_to_mg(s.batch_kg),
        cycle_h: cycle,
        failures: f,
        extraction_yield: s.extraction_yield,
        unsuitable_share: s.unsuitable_share,
        commissioning: commissioning.max(0),
        ramp: secs_from_days(s.ramp_years * 365.25),
        initial_capacity_share: s.initial_capacity_share,
        sintered_share: s.sintered_share,
        magnet_material: mm,
        coproduct_material: cm,
        residue_material: rm,
        input_capacity_mg: input,
        storage_capacity_mg: storage,
        nameplate_output_t_per_year: s.nameplate_output_t_per_year,
        co2_kg_per_kg_product: s.co2_kg_per_kg_product,
    })
}
