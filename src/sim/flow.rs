//! Material between nodes: output split over links by share, truck dispatch, transit,
//! delivery, and back-pressure when storage is full (upstream waits; nothing is dropped).

use crate::kernel::secs_from_days;
use crate::model::{Dispatch, LinkId, MG_PER_T, NodeId, NodeKind};
use crate::sim::mass::{Parcel, SHARE_DEN, scale};
use crate::sim::{Behaviour, Event, Simulation};

impl Simulation<'_> {
    /// Output material staged at a node's outgoing links, waiting for dispatch.
    pub(crate) fn staged_mass(&self, n: NodeId) -> i64 {
        self.nodes[n]
            .out_links
            .iter()
            .flatten()
            .map(|&l| self.links[l].staged.mass())
            .sum()
    }

    /// Whether `extra_mg` more output fits in the node's storage.
    pub(crate) fn storage_has_room(&self, n: NodeId, extra_mg: i64) -> bool {
        let cap = match &self.model.nodes[n].kind {
            NodeKind::Preprocessor(p) => Some(p.storage_capacity_mg),
            NodeKind::Station(s) => s.storage_capacity_mg,
            NodeKind::Hpms(h) => Some(h.storage_capacity_mg),
            NodeKind::OxidePlant(o) => Some(o.storage_capacity_mg),
            _ => None,
        };
        match cap {
            None => true,
            Some(cap) => {
                let staged = self.staged_mass(n);
                // An empty store always takes one output, however large, or it would never move.
                staged == 0 || staged + extra_mg <= cap
            }
        }
    }

    /// Sends a node's output through `port`, split over its links by share (the last link
    /// takes the rounding remainder), and counts it as the node's outflow.
    pub(crate) fn emit(&mut self, n: NodeId, port: usize, parcel: Parcel) {
        if parcel.lots.is_empty() {
            return;
        }
        {
            let node = &mut self.nodes[n];
            node.ledger.parcel_out(&parcel);
            node.counters.out_mass += parcel.mass();
            node.counters.out_mass_total += parcel.mass();
            parcel.add_elements(&mut node.counters.out_elements);
        }
        let links = self.nodes[n].out_links[port].clone();
        // The last link with a share above 0 takes the rounding remainder; links at 0 get nothing.
        let nums: Vec<i64> = links.iter().map(|&l| self.links[l].share_num).collect();
        let Some(last) = nums.iter().rposition(|&x| x > 0) else {
            // Every share is 0 (a script may do this): the first link carries it all.
            self.stage(links[0], parcel);
            return;
        };
        let mut rest = parcel;
        let mut remaining_share = SHARE_DEN;
        for (i, &l) in links.iter().enumerate() {
            if nums[i] == 0 {
                continue;
            }
            let piece = if i == last {
                std::mem::take(&mut rest)
            } else {
                // The share of what is left: num / remaining.
                let num_left = nums[i].min(remaining_share);
                let piece = split_parcel(&mut rest, num_left, remaining_share);
                remaining_share -= num_left;
                piece
            };
            if piece.mass() == 0 && piece.units == 0 {
                continue;
            }
            self.stage(l, piece);
        }
    }

    /// Puts output on a link's dock and dispatches what its rule allows.
    fn stage(&mut self, l: LinkId, piece: Parcel) {
        self.links[l].ledger.parcel_in(&piece);
        self.links[l].staged.push(piece);
        self.try_dispatch(l);
    }

    /// Dispatches staged material as the link's rule allows (timers dispatch in `on_dispatch_timer`).
    pub(crate) fn try_dispatch(&mut self, l: LinkId) {
        let link = &self.model.links[l];
        match link.dispatch {
            Dispatch::Immediate => {
                while let Some(p) = self.links[l].staged.pop() {
                    self.ship(l, vec![p]);
                }
            }
            Dispatch::FullLoad { load_mg } => {
                while self.links[l].staged.mass() >= load_mg.max(1) {
                    let load = self.links[l].staged.take_mass(load_mg);
                    self.ship(l, load);
                }
            }
            Dispatch::Timer { .. } => {}
        }
        self.after_dispatch(l);
    }

    pub(crate) fn on_dispatch_timer(&mut self, l: LinkId) {
        let link = &self.model.links[l];
        if let Dispatch::Timer { every, min_load_mg } = link.dispatch {
            if self.links[l].staged.mass() >= min_load_mg.max(1) {
                while self.links[l].staged.mass() > 0 {
                    let load = self.links[l].staged.take_mass(link.truck_capacity_mg);
                    if load.is_empty() {
                        break;
                    }
                    self.ship(l, load);
                }
            }
            self.queue
                .schedule_in(every, Event::DispatchTimer { link: l });
        }
        self.after_dispatch(l);
    }

    /// Dispatching freed storage at the origin: blocked servers there may go on.
    fn after_dispatch(&mut self, l: LinkId) {
        let from = self.model.links[l].from;
        self.unblock(from);
    }

    /// One truck (or conveyor load) leaves now.
    fn ship(&mut self, l: LinkId, parcels: Vec<Parcel>) {
        let link = &self.model.links[l];
        let mass: i64 = parcels.iter().map(Parcel::mass).sum();
        let st = &mut self.links[l];
        let transit =
            secs_from_days(st.transit.sample(&mut st.transit_rng) * st.transit_multiplier);
        if link.distance_mi > 0.0 {
            let tonnes = mass as f64 / MG_PER_T as f64;
            let trucks = (mass as f64 / link.truck_capacity_mg as f64)
                .ceil()
                .max(1.0);
            st.trips += trucks as u64;
            st.cost_usd += trucks * link.distance_mi * st.cost_per_mile_usd;
            st.tonne_miles += tonnes * link.distance_mi;
            st.co2_kg += tonnes * link.distance_mi * link.co2_kg_per_tonne_mile;
        } else {
            st.trips += 1;
        }
        if transit == 0 {
            self.arrive(l, parcels);
        } else {
            let id = self.next_shipment;
            self.next_shipment += 1;
            let st = &mut self.links[l];
            st.in_transit_mg += mass;
            st.in_transit.insert(id, parcels);
            self.queue.schedule_in(
                transit,
                Event::Delivery {
                    link: l,
                    shipment: id,
                },
            );
        }
    }

    pub(crate) fn on_delivery(&mut self, l: LinkId, shipment: u64) {
        if let Some(parcels) = self.links[l].in_transit.remove(&shipment) {
            self.links[l].in_transit_mg -= parcels.iter().map(Parcel::mass).sum::<i64>();
            self.arrive(l, parcels);
        }
    }

    /// A shipment reaches its destination: unloaded if there is room and nobody queues
    /// before it, otherwise it waits at the gate.
    fn arrive(&mut self, l: LinkId, parcels: Vec<Parcel>) {
        let to = self.model.links[l].to;
        if self.links[l].waiting.is_empty() && self.accepts(to, &parcels) {
            self.unload(l, parcels);
            self.try_start(to);
        } else {
            let st = &mut self.links[l];
            st.waiting_mg += parcels.iter().map(Parcel::mass).sum::<i64>();
            st.waiting.push_back(parcels);
        }
    }

    /// Whether a destination can take a shipment now.
    fn accepts(&self, n: NodeId, parcels: &[Parcel]) -> bool {
        let input = &self.nodes[n].input;
        let mass: i64 = parcels.iter().map(Parcel::mass).sum();
        let units: u64 = parcels.iter().map(|p| p.units).sum();
        if input.is_empty() {
            // An empty store takes any one shipment, or an oversized one would wait forever.
            return true;
        }
        match &self.model.nodes[n].kind {
            NodeKind::Preprocessor(p) => input.units() + units <= p.input_capacity_drives,
            NodeKind::Station(s) => match s.queue_capacity_jobs {
                Some(cap) => input.len() as u64 + parcels.len() as u64 <= cap,
                None => true,
            },
            NodeKind::Hpms(h) => input.mass() + mass <= h.input_capacity_mg,
            NodeKind::OxidePlant(o) => input.mass() + mass <= o.input_capacity_mg,
            _ => true,
        }
    }

    /// Moves a shipment from the link into the destination's input (no processing yet).
    fn unload(&mut self, l: LinkId, parcels: Vec<Parcel>) {
        let n = self.model.links[l].to;
        let now = self.queue.now();
        for mut p in parcels {
            self.links[l].ledger.parcel_out(&p);
            self.nodes[n].ledger.parcel_in(&p);
            p.set_arrived(now);
            self.receive(n, p);
        }
    }

    /// Material taken from a node's input: waiting shipments at its gate may now unload.
    pub(crate) fn wake_inbound(&mut self, n: NodeId) {
        for i in 0..self.nodes[n].in_links.len() {
            let l = self.nodes[n].in_links[i];
            while let Some(front) = self.links[l].waiting.front() {
                if !self.accepts(n, front) {
                    break;
                }
                let parcels = self.links[l].waiting.pop_front().expect("front exists");
                self.links[l].waiting_mg -= parcels.iter().map(Parcel::mass).sum::<i64>();
                self.unload(l, parcels);
            }
        }
    }

    /// Puts a delivered parcel where the node keeps it; a sink consumes it at once.
    fn receive(&mut self, n: NodeId, p: Parcel) {
        let now = self.queue.now();
        let node = &mut self.nodes[n];
        match &mut node.behaviour {
            Behaviour::Sink(_) => {
                // Sojourn in the network: from the oldest lot's entry to now.
                let born = p.lots.iter().map(|l| l.born).min().unwrap_or(now);
                let hours = (now - born) as f64 / 3600.0;
                let c = &mut node.counters;
                c.wait.add(hours, 1.0);
                c.wait_total.add(hours, 1.0);
                c.units += p.units;
                c.units_total += p.units;
                c.out_mass += p.mass();
                c.out_mass_total += p.mass();
                p.add_elements(&mut c.out_elements);
                node.ledger.parcel_out(&p);
            }
            Behaviour::Station(s) => {
                s.in_system.add(now, 1);
                node.input.push(p);
            }
            _ => node.input.push(p),
        }
    }
}

/// Splits `num/den` of every lot of a parcel off (floor per element), units likewise.
fn split_parcel(p: &mut Parcel, num: i64, den: i64) -> Parcel {
    let units = scale(p.units as i64, num, den) as u64;
    p.units -= units;
    Parcel {
        lots: p.lots.iter_mut().map(|l| l.split(num, den)).collect(),
        units,
    }
}
