//! `source`: a plain queueing-network source, with explicit inter-arrival times.

use serde::Deserialize;

use crate::kernel::{Dist, SimTime};
use crate::model::network::MatId;
use crate::model::spec::DistSpec;
use crate::model::validate::NodeCx;

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["out"];

/// A plain queueing-network source: explicit inter-arrival times.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub id: String,
    pub kind: String,
    pub material: String,
    pub interarrival_h: DistSpec,
    #[serde(default = "one_kg")]
    pub lot_kg: DistSpec,
    pub start: Option<String>,
    pub end: Option<String>,
}

fn one_kg() -> DistSpec {
    DistSpec::Constant(1.0)
}

/// A validated `source`: gaps in hours and lots in kg as distributions, the window in seconds.
#[derive(Debug, Clone)]
pub struct Source {
    pub material: MatId,
    pub interarrival_h: Dist,
    pub lot_kg: Dist,
    pub start: SimTime,
    pub end: SimTime,
}

/// Checks one `source` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Source> {
    let s: SourceSpec = n.read()?;
    let ia = n.dist("interarrival_h", &s.interarrival_h);
    let lot = n.dist("lot_kg", &s.lot_kg);
    let m = n.material("material", &s.material);
    if ia.validate().is_ok() && ia.mean() * 3600.0 < 1.0 {
        n.problem(
            "interarrival_h",
            "the mean gap between arrivals must be at least one second",
            Some("time is counted in whole seconds; use a larger mean".into()),
        );
    }
    if ia.validate().is_ok() && ia.mean() > 0.0 {
        n.arrivals("interarrival_h", 8766.0 / ia.mean(), 0.0);
        if lot.validate().is_ok() {
            n.mass("lot_kg", 8766.0 / ia.mean() * lot.mean() / 1000.0, 0.0);
        }
    }
    let (start, end) = n.window(&s.start, &s.end);
    Some(Source {
        material: m,
        interarrival_h: ia,
        lot_kg: lot,
        start,
        end,
    })
}
