//! Material between nodes: output split over links by share, truck dispatch, transit,
//! delivery, and back-pressure when storage is full (upstream waits; nothing is dropped).

use crate::kernel::{SimTime, secs_from_days};
use crate::model::{Dispatch, LinkId, MG_PER_T, NodeId};
use crate::sim::mass::{Parcel, SHARE_DEN, Shipment, shipment_mass};
use crate::sim::{Event, LinkState, Simulation};

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
        match self.nodes[n].kind.storage_capacity_mg() {
            None => true,
            Some(cap) => {
                let staged = self.staged_mass(n);
                // An empty store always takes one output, however large, or it would never move.
                staged == 0 || staged + extra_mg <= cap
            }
        }
    }

    /// Sends a node's output through `port`, split over its links by share (the last link
    /// with a share above 0 takes the rounding remainder), and counts it as the node's
    /// outflow. Staging comes first for every link, dispatch after, so no list is copied.
    pub(crate) fn emit(&mut self, n: NodeId, port: usize, parcel: Parcel) {
        self.emit_from(n, port, parcel, false);
    }

    /// [`emit`](Self::emit) for material the node makes now (a source's lot): entered in
    /// its ledger as in and out at once.
    pub(crate) fn emit_new(&mut self, n: NodeId, port: usize, parcel: Parcel) {
        self.emit_from(n, port, parcel, true);
    }

    fn emit_from(&mut self, n: NodeId, port: usize, parcel: Parcel, new: bool) {
        if parcel.is_empty() {
            return;
        }
        let node = &mut self.nodes[n];
        node.ledger
            .parcel_left(&parcel, new, &mut node.counters.out_elements);
        node.counters.out_mass += parcel.mass();
        node.counters.out_mass_total += parcel.mass();
        let links = &node.out_links[port];
        if let &[l] = links.as_slice() {
            // One link (most ports): it takes everything, as below, with no split to make.
            let link = &mut self.links[l];
            if link.share_num == 0 || parcel.mass() > 0 || parcel.units > 0 {
                stage(link, parcel, self.model.links[l].dispatch);
            }
            self.try_dispatch(l);
            return;
        }
        let last = links.iter().rposition(|&l| self.links[l].share_num > 0);
        match last {
            // Every share is 0 (a script may do this): the first link carries it all.
            None => {
                let l = links[0];
                stage(&mut self.links[l], parcel, self.model.links[l].dispatch)
            }
            Some(last) => {
                let mut rest = parcel;
                let mut remaining_share = SHARE_DEN;
                for &l in &links[..last] {
                    let num = self.links[l].share_num;
                    if num == 0 {
                        continue;
                    }
                    // The share of what is left: num / remaining.
                    let num_left = num.min(remaining_share);
                    let piece = rest.split(num_left, remaining_share);
                    remaining_share -= num_left;
                    if piece.mass() > 0 || piece.units > 0 {
                        stage(&mut self.links[l], piece, self.model.links[l].dispatch);
                    }
                }
                // The last link takes what is left (the parcel itself: nothing is copied).
                let l = links[last];
                if rest.mass() > 0 || rest.units > 0 {
                    stage(&mut self.links[l], rest, self.model.links[l].dispatch);
                }
            }
        }
        for i in 0..self.nodes[n].out_links[port].len() {
            let l = self.nodes[n].out_links[port][i];
            self.try_dispatch(l);
        }
    }

    /// Dispatches staged material as the link's rule allows (timers dispatch in `on_dispatch_timer`).
    pub(crate) fn try_dispatch(&mut self, l: LinkId) {
        let link = &self.model.links[l];
        if let Some(p) = self.links[l].direct.take() {
            self.ship_one(l, p);
        }
        if self.links[l].staged.is_empty() {
            return;
        }
        match link.dispatch {
            Dispatch::Immediate => {
                while let Some(p) = self.links[l].staged.pop() {
                    let mut ship = Shipment::new();
                    ship.push(p);
                    self.ship(l, ship);
                }
            }
            Dispatch::FullLoad { load_mg } => {
                while self.links[l].staged.mass() >= load_mg.max(1) {
                    let load = self.links[l].staged.take_shipment(load_mg);
                    if !self.ship_taken(l, load) {
                        break;
                    }
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
                    let load = self.links[l].staged.take_shipment(link.truck_capacity_mg);
                    if !self.ship_taken(l, load) {
                        break;
                    }
                }
            }
            self.queue.post_in(every, Event::DispatchTimer { link: l });
        }
        self.after_dispatch(l);
    }

    /// Dispatching freed storage at the origin: blocked servers there may go on.
    fn after_dispatch(&mut self, l: LinkId) {
        let from = self.model.links[l].from;
        self.unblock(from);
    }

    /// Ships what a dock gave up for a truck; false when it gave up no mass (rounding left
    /// nothing to take from the front parcel), so the caller stops asking: a load that moves
    /// nothing would be asked for again forever.
    fn ship_taken(&mut self, l: LinkId, load: Shipment) -> bool {
        if load.is_empty() {
            return false;
        }
        let moved = shipment_mass(&load) > 0;
        self.ship(l, load);
        moved
    }

    /// One truck (or conveyor load) leaves now.
    fn ship(&mut self, l: LinkId, parcels: Shipment) {
        let transit = self.depart(l, shipment_mass(&parcels));
        if transit == 0 {
            self.arrive(l, parcels);
        } else {
            self.put_on_road(l, parcels, transit);
        }
    }

    /// [`ship`](Self::ship) for a load of one parcel (an immediate link's), without
    /// making a shipment when it arrives at once and is unloaded.
    fn ship_one(&mut self, l: LinkId, parcel: Parcel) {
        let transit = self.depart(l, parcel.mass());
        if transit != 0 {
            self.links[l].ledger.parcel_in(&parcel);
            let mut ship = Shipment::new();
            ship.push(parcel);
            self.put_on_road(l, ship, transit);
            return;
        }
        let to = self.model.links[l].to;
        let accepts = self.accepts_one(to, &parcel);
        let st = &mut self.links[l];
        if st.waiting.is_empty() && accepts {
            // In and out of the link in one step.
            st.ledger.parcel_through(&parcel);
            self.unload_from(l, parcel);
            self.try_start(to);
        } else {
            st.ledger.parcel_in(&parcel);
            st.waiting_mg += parcel.mass();
            let mut ship = Shipment::new();
            ship.push(parcel);
            st.waiting.push_back(ship);
        }
    }

    /// A load of `mass` leaves on link `l`: draws its transit time (returned) and counts
    /// the trip, its cost and CO2.
    fn depart(&mut self, l: LinkId, mass: i64) -> SimTime {
        let link = &self.model.links[l];
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
        transit
    }

    /// A load on the road for `transit` seconds: delivered by a `Delivery` event.
    fn put_on_road(&mut self, l: LinkId, parcels: Shipment, transit: SimTime) {
        let st = &mut self.links[l];
        st.in_transit_mg += shipment_mass(&parcels);
        st.in_transit += 1;
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.transit[slot as usize] = Some((l, parcels));
                slot
            }
            None => {
                self.transit.push(Some((l, parcels)));
                (self.transit.len() - 1) as u32
            }
        };
        self.queue.post_in(
            transit,
            Event::Delivery {
                link: l,
                shipment: slot,
            },
        );
    }

    pub(crate) fn on_delivery(&mut self, l: LinkId, slot: u32) {
        if let Some((_, parcels)) = self.transit.get_mut(slot as usize).and_then(Option::take) {
            self.free_slots.push(slot);
            let st = &mut self.links[l];
            st.in_transit_mg -= shipment_mass(&parcels);
            st.in_transit -= 1;
            self.arrive(l, parcels);
        }
    }

    /// A shipment reaches its destination: unloaded if there is room and nobody queues
    /// before it, otherwise it waits at the gate.
    fn arrive(&mut self, l: LinkId, parcels: Shipment) {
        let to = self.model.links[l].to;
        if self.links[l].waiting.is_empty() && self.accepts(to, &parcels) {
            self.unload(l, parcels);
            self.try_start(to);
        } else {
            let st = &mut self.links[l];
            st.waiting_mg += shipment_mass(&parcels);
            st.waiting.push_back(parcels);
        }
    }

    /// Whether a destination can take a shipment now.
    fn accepts(&self, n: NodeId, parcels: &[Parcel]) -> bool {
        let node = &self.nodes[n];
        if node.input.is_empty() {
            // An empty store takes any one shipment, or an oversized one would wait forever.
            return true;
        }
        let units: u64 = parcels.iter().map(|p| p.units).sum();
        node.kind
            .accepts(&node.input, shipment_mass(parcels), parcels.len(), units)
    }

    /// [`accepts`](Self::accepts) for a shipment of one parcel.
    fn accepts_one(&self, n: NodeId, parcel: &Parcel) -> bool {
        let node = &self.nodes[n];
        node.input.is_empty()
            || node
                .kind
                .accepts(&node.input, parcel.mass(), 1, parcel.units)
    }

    /// Moves a shipment from the link into the destination's input (no processing yet).
    fn unload(&mut self, l: LinkId, parcels: Shipment) {
        for p in parcels {
            self.unload_one(l, p);
        }
    }

    /// Moves one parcel from the link into the destination's input.
    fn unload_one(&mut self, l: LinkId, p: Parcel) {
        self.links[l].ledger.parcel_out(&p);
        self.unload_from(l, p);
    }

    /// Hands a parcel leaving link `l` (already entered as the link's outflow) to its
    /// destination, which enters it in its own ledger (`Kind::receive`).
    fn unload_from(&mut self, l: LinkId, mut p: Parcel) {
        let n = self.model.links[l].to;
        let now = self.queue.now();
        let node = &mut self.nodes[n];
        p.set_arrived(now);
        node.kind.receive(
            p,
            now,
            &mut node.input,
            &mut node.ledger,
            &mut node.counters,
        );
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
                self.links[l].waiting_mg -= shipment_mass(&parcels);
                self.unload(l, parcels);
            }
        }
    }
}

/// Puts output on a link's dock, counted as the link's inflow; on a link that dispatches
/// every parcel at once it waits in `direct` instead, so it is not queued and unqueued,
/// and is entered in the link's ledger when it leaves `direct` (`ship_one`, in the same
/// step: `direct` is never held across events).
///
/// On a full-load link bulk output that leaves the dock under a load is merged into the
/// parcel before it ([`Stock::push_merged`](crate::sim::mass::Stock::push_merged)): the
/// next truck takes all of it whole, so its load is the same, lot for lot, and a truck of
/// a thousand pallets' magnets is not a queue of a thousand parcels.
fn stage(link: &mut LinkState, piece: Parcel, dispatch: Dispatch) {
    match dispatch {
        Dispatch::Immediate if link.direct.is_none() && link.staged.is_empty() => {
            link.direct = Some(piece);
        }
        Dispatch::FullLoad { load_mg } => {
            link.ledger.parcel_in(&piece);
            link.staged.push_merged(piece, load_mg.max(1));
        }
        Dispatch::Immediate | Dispatch::Timer { .. } => {
            link.ledger.parcel_in(&piece);
            link.staged.push(piece);
        }
    }
}
