//! `hdd_source`: data-centre hard-drive retirements, part captured, delivered in pallets.

use serde::Deserialize;

use crate::kernel::{Dist, SimTime};
use crate::model::network::{MatId, MaterialRole};
use crate::model::spec::{Arrivals, DistSpec, one};
use crate::model::validate::NodeCx;

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["out"];

/// Data-centre hard-disk-drive retirements, delivered in pallets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HddSourceSpec {
    pub id: String,
    pub kind: String,
    pub drives_per_year: f64,
    #[serde(default)]
    pub growth_per_year: f64,
    /// Share of retired drives that reach the network (the rest are shredded elsewhere).
    #[serde(default = "one")]
    pub capture_share: f64,
    pub pallet_drives: u32,
    pub magnet_g_per_drive: DistSpec,
    pub body_g_per_drive: DistSpec,
    pub magnet_material: String,
    pub body_material: String,
    #[serde(default)]
    pub arrivals: Arrivals,
    pub start: Option<String>,
    pub end: Option<String>,
}

/// A validated `hdd_source`: rates as given, masses as distributions, materials and the start/end window resolved.
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

/// Checks one `hdd_source` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<HddSource> {
    let s: HddSourceSpec = n.read()?;
    n.positive("drives_per_year", s.drives_per_year, 1e10);
    n.growth("growth_per_year", s.growth_per_year);
    n.share("capture_share", s.capture_share);
    if s.capture_share == 0.0 {
        n.problem(
            "capture_share",
            "must be above 0 (no drive would ever arrive)",
            Some("remove the source instead".into()),
        );
    }
    n.count("pallet_drives", s.pallet_drives, 1_000_000);
    let magnet = n.dist("magnet_g_per_drive", &s.magnet_g_per_drive);
    let body = n.dist("body_g_per_drive", &s.body_g_per_drive);
    let mm = n.material("magnet_material", &s.magnet_material);
    let bm = n.material("body_material", &s.body_material);
    n.role_is("magnet_material", mm, &[MaterialRole::Magnet]);
    n.role_is("body_material", bm, &[MaterialRole::Carrier]);
    if s.pallet_drives > 0 {
        n.arrivals(
            "pallet_drives",
            s.drives_per_year * s.capture_share / s.pallet_drives as f64,
            s.growth_per_year,
        );
    }
    if magnet.validate().is_ok() && body.validate().is_ok() {
        let t_per_drive = (magnet.mean() + body.mean()) / 1e6;
        n.mass(
            "drives_per_year",
            s.drives_per_year * s.capture_share * t_per_drive,
            s.growth_per_year,
        );
    }
    let (start, end) = n.window(&s.start, &s.end);
    Some(HddSource {
        drives_per_year: s.drives_per_year,
        growth_per_year: s.growth_per_year,
        capture_share: s.capture_share,
        pallet_drives: s.pallet_drives,
        magnet_g_per_drive: magnet,
        body_g_per_drive: body,
        magnet_material: mm,
        body_material: bm,
        arrivals: s.arrivals,
        start,
        end,
    })
}
