//! `source`: a plain queueing-network source, with explicit inter-arrival times.

use super::NodeCx;
use crate::model::network::Source;
use crate::model::spec::SourceSpec;

pub(super) fn source(n: &mut NodeCx) -> Option<Source> {
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
