//! `sink`: where material leaves the model (oxide buyers, departures of a queueing
//! network); it records how long what it consumed spent in the network.

use crate::kernel::{HOUR, SimTime};
use crate::sim::Counters;
use crate::sim::mass::Parcel;
use crate::sim::nodes::RecordCx;
use crate::sim::record::M;

pub(crate) struct Sink;

impl Sink {
    /// Consumes a delivered parcel: counted as the sink's output, with its time in the
    /// network (its ledger entry, in and out at once, is made by `Kind::receive`).
    pub fn consume(&mut self, p: Parcel, now: SimTime, c: &mut Counters) {
        // Sojourn in the network: from the oldest lot's (mean) entry to now.
        let born = p.lots().iter().map(|l| l.born()).min().unwrap_or(now);
        let hours = (now - born) as f64 / HOUR as f64;
        c.wait.add(hours, 1.0);
        c.wait_total.add(hours, 1.0);
        c.units += p.units;
        c.units_total += p.units;
        c.out_mass += p.mass();
        c.out_mass_total += p.mass();
        p.add_elements(&mut c.out_elements);
    }
}

pub(crate) fn record(cx: RecordCx<'_>, c: &Counters) {
    let (now, n, rec) = (cx.now, cx.n, cx.rec);
    rec.output_rows(now, n, c);
    rec.put(now, n, M::MeanSojourn, c.wait.mean().unwrap_or(0.0));
}
