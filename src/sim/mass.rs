//! Material as exact integer element masses: lots, parcels, FIFO stocks and balance ledgers.
//!
//! Every split takes `floor(mass * num / den)` per element and leaves the remainder behind,
//! so no milligram of any element is ever created or lost by arithmetic. Element masses
//! live in fixed-size inline arrays ([`Elements`]) and masses are cached, so moving,
//! splitting and merging material never allocates. Lots of the same material and origin
//! merge where they meet; their entry and arrival times are kept as exact mass-weighted
//! sums, so mean lead times and waits stay exact.

use std::collections::VecDeque;

use smallvec::SmallVec;

use crate::kernel::SimTime;
pub use crate::model::MAX_ELEMENTS;
pub use crate::model::origins::{Chain, MAX_ORIGINS, Stage};
use crate::model::{MatId, Material, NodeId};

/// Element masses in milligrams, one entry per model element (`other` last); entries past
/// the model's element count stay 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Elements([i64; MAX_ELEMENTS]);

impl Elements {
    pub const ZERO: Elements = Elements([0; MAX_ELEMENTS]);

    pub fn get(&self, e: usize) -> i64 {
        self.0[e]
    }

    pub fn set(&mut self, e: usize, mg: i64) {
        self.0[e] = mg;
    }

    pub fn add_to(&mut self, e: usize, mg: i64) {
        self.0[e] += mg;
    }

    pub fn total(&self) -> i64 {
        self.0.iter().sum()
    }

    pub fn add(&mut self, other: &Elements) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    pub fn sub(&mut self, other: &Elements) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a -= b;
        }
    }

    /// [`add`](Self::add) of the first [`NARROW`] lanes: all of a narrow lot's (its
    /// [`Lot::width`] at most that; every later lane is 0), in two 128-bit additions.
    #[inline]
    fn add_narrow(&mut self, other: &Elements) {
        for (a, b) in self.0[..NARROW].iter_mut().zip(&other.0[..NARROW]) {
            *a += b;
        }
    }

    /// [`sub`](Self::sub) of the first [`NARROW`] lanes, as [`add_narrow`](Self::add_narrow).
    #[inline]
    fn sub_narrow(&mut self, other: &Elements) {
        for (a, b) in self.0[..NARROW].iter_mut().zip(&other.0[..NARROW]) {
            *a -= b;
        }
    }

    /// One past the last non-zero entry (0 when all are 0).
    fn width(&self) -> u8 {
        self.0
            .iter()
            .rposition(|&x| x != 0)
            .map_or(0, |i| i as u8 + 1)
    }

    /// The element masses as a slice of the model's `n` elements.
    pub fn first(&self, n: usize) -> &[i64] {
        &self.0[..n]
    }

    /// Takes `floor(el * num / den)` of every element out into the result. Zero entries
    /// (most of them: a material carries few elements) are skipped, and a product that
    /// fits in 64 bits divides in 64 bits.
    fn take_scaled(&mut self, num: i64, den: i64) -> Elements {
        let mut taken = Elements::ZERO;
        for (t, have) in taken.0.iter_mut().zip(self.0.iter_mut()) {
            if *have == 0 {
                continue;
            }
            *t = if den == SHARE_DEN {
                share_of(*have, num)
            } else {
                scale(*have, num, den)
            };
            *have -= *t;
        }
        taken
    }
}

/// The lanes a narrow lot may use: the element sums of parcels whose lots are all this
/// narrow (a model of at most three elements and `other`; a queueing network's jobs are
/// all `other`) add these alone, not all [`MAX_ELEMENTS`].
const NARROW: usize = 4;

/// `floor(x * num / den)` without overflow; `den > 0`, `0 <= num <= den`.
#[inline]
pub fn scale(x: i64, num: i64, den: i64) -> i64 {
    match x.checked_mul(num) {
        // Both non-negative here, so truncation is the floor.
        Some(p) if p >= 0 => p / den,
        _ => ((x as i128 * num as i128) / den as i128) as i64,
    }
}

/// A share as a rational with a fixed power-of-two denominator, so splits by a share are
/// exact integer maths and the division is a shift.
pub const SHARE_BITS: u32 = 40;
pub const SHARE_DEN: i64 = 1 << SHARE_BITS;

/// `floor(x * num / SHARE_DEN)` for `x >= 0`, `0 <= num <= SHARE_DEN`: a multiply and a shift.
#[inline]
pub fn share_of(x: i64, num: i64) -> i64 {
    match x.checked_mul(num) {
        Some(p) => p >> SHARE_BITS,
        None => ((x as i128 * num as i128) >> SHARE_BITS) as i64,
    }
}

pub fn share_num(share: f64) -> i64 {
    (share.clamp(0.0, 1.0) * SHARE_DEN as f64).round() as i64
}

/// `floor(sum * part / whole)` for the mass-weighted time sums of a split lot
/// (`0 <= part <= whole`).
///
/// A sum that fits in 64 bits is divided in 64 bits: with `sum = q * whole + r`,
/// `sum * part / whole = q * part + r * part / whole`, and both products fit whenever
/// the checked multiplications succeed, so the floor is the same as the 128-bit one (a
/// 128-bit division is a library call).
#[inline]
fn scale_wide(sum: i128, part: i64, whole: i64) -> i128 {
    if whole == 0 {
        return 0;
    }
    if let Ok(narrow) = i64::try_from(sum)
        && narrow >= 0
        && part >= 0
        && whole > 0
    {
        let (q, r) = (narrow / whole, narrow % whole);
        if let (Some(a), Some(b)) = (q.checked_mul(part), r.checked_mul(part)) {
            return a as i128 + (b / whole) as i128;
        }
    }
    sum * part as i128 / whole as i128
}

/// One homogeneous piece of material: one material from one source node. Lots merged from
/// several entries keep the mass-weighted sums of their entry and arrival times.
#[derive(Debug, Clone, Copy)]
pub struct Lot {
    pub material: MatId,
    /// The source node it came from.
    pub origin: NodeId,
    /// Where its content was mined, refined and made into magnets ([`Chain`]).
    pub chain: Chain,
    /// How many leading entries of `el` may be non-zero (every later one is 0): the
    /// model's element count for a lot made of a material's composition, so element sums
    /// touch only those lanes.
    width: u8,
    el: Elements,
    mass: i64,
    /// Sum of mass x entry time (mg.s): when it entered the network (a drive's arrival at
    /// the recycler, a scrap lot's collection).
    born_sum: i128,
    /// Sum of mass x arrival time (mg.s) at the node now holding it.
    arrived_sum: i128,
}

impl Lot {
    /// A lot of `mass_mg` of a material, split into elements by its composition; the
    /// rounding remainder goes to `other`, so the lot weighs exactly `mass_mg`.
    pub fn of_material(
        mat: &Material,
        mat_id: MatId,
        mass_mg: i64,
        born: SimTime,
        origin: NodeId,
    ) -> Lot {
        let n = mat.fractions.len();
        let mut el = Elements::ZERO;
        let mut used = 0;
        let mass = mass_mg as f64;
        for (slot, f) in el.0.iter_mut().zip(&mat.fractions[..n - 1]) {
            if *f == 0.0 {
                continue;
            }
            let x = mass * f;
            // Truncation is the floor for x >= 0 (and saturates as `floor_i64` does).
            let m = if x >= 0.0 {
                x as i64
            } else {
                crate::kernel::floor_i64(x)
            };
            *slot = m;
            used += m;
        }
        el.0[n - 1] = mass_mg - used;
        // The elements add up to `mass_mg` by construction.
        Lot {
            material: mat_id,
            origin,
            chain: mat.chain,
            width: n as u8,
            el,
            mass: mass_mg,
            born_sum: mass_mg as i128 * born as i128,
            arrived_sum: mass_mg as i128 * born as i128,
        }
    }

    /// A lot of given element masses, entering (and arriving) at `born`.
    pub fn of_elements(material: MatId, el: Elements, born: SimTime, origin: NodeId) -> Lot {
        let mass = el.total();
        Lot {
            material,
            origin,
            chain: Chain::NONE,
            width: el.width(),
            el,
            mass,
            born_sum: mass as i128 * born as i128,
            arrived_sum: mass as i128 * born as i128,
        }
    }

    /// The same lot with origin tags `chain`.
    pub fn with_chain(mut self, chain: Chain) -> Lot {
        self.chain = chain;
        self
    }

    /// The same lot, `stage` now made at origin index `origin` (a plant of the model).
    pub fn stamped(mut self, stage: Stage, origin: usize) -> Lot {
        self.chain = self.chain.stamped(stage, origin);
        self
    }

    pub fn mass(&self) -> i64 {
        self.mass
    }

    pub fn elements(&self) -> &Elements {
        &self.el
    }

    /// Mass-weighted mean entry time (exact to the second, rounded down).
    pub fn born(&self) -> SimTime {
        if self.mass == 0 {
            0
        } else if let Ok(sum) = i64::try_from(self.born_sum) {
            // The same quotient, in 64 bits (a 128-bit division is a library call).
            sum / self.mass
        } else {
            (self.born_sum / self.mass as i128) as SimTime
        }
    }

    /// Sum of mass x (now - arrival): the lot's wait at its node, in mg.s.
    pub fn wait_mg_s(&self, now: SimTime) -> i128 {
        self.mass as i128 * now as i128 - self.arrived_sum
    }

    /// [`wait_mg_s`](Self::wait_mg_s) as a float: the same correctly rounded value, worked
    /// out in 64 bits when the sums fit (128-bit arithmetic and conversion are library calls).
    pub fn wait_mg_s_f64(&self, now: SimTime) -> f64 {
        let narrow = i64::try_from(self.arrived_sum)
            .ok()
            .and_then(|arrived| self.mass.checked_mul(now)?.checked_sub(arrived));
        match narrow {
            Some(w) => w as f64,
            None => self.wait_mg_s(now) as f64,
        }
    }

    /// Sum of mass x (now - entry): its time in the network so far, in mg.s.
    pub fn age_mg_s(&self, now: SimTime) -> i128 {
        self.mass as i128 * now as i128 - self.born_sum
    }

    pub fn set_arrived(&mut self, t: SimTime) {
        self.arrived_sum = self.mass as i128 * t as i128;
    }

    /// Whether two lots may merge: same material from the same source, same origin tags.
    pub fn same_kind(&self, other: &Lot) -> bool {
        self.material == other.material && self.origin == other.origin && self.chain == other.chain
    }

    /// Adds another lot of the same kind into this one.
    pub fn merge(&mut self, other: &Lot) {
        debug_assert!(self.same_kind(other));
        if usize::from(other.width) <= NARROW {
            self.el.add_narrow(&other.el);
        } else {
            self.el.add(&other.el);
        }
        self.width = self.width.max(other.width);
        self.mass += other.mass;
        self.born_sum += other.born_sum;
        self.arrived_sum += other.arrived_sum;
    }

    /// Takes `floor(el * num / den)` of every element out of this lot into a new one; the
    /// time sums follow the mass taken.
    pub fn split(&mut self, num: i64, den: i64) -> Lot {
        let el = self.el.take_scaled(num, den);
        let mass = el.total();
        let born = scale_wide(self.born_sum, mass, self.mass);
        let arrived = scale_wide(self.arrived_sum, mass, self.mass);
        self.mass -= mass;
        self.born_sum -= born;
        self.arrived_sum -= arrived;
        Lot {
            material: self.material,
            origin: self.origin,
            chain: self.chain,
            width: self.width,
            el,
            mass,
            born_sum: born,
            arrived_sum: arrived,
        }
    }

    /// `split` by a share numerator over [`SHARE_DEN`]: shifts, no division. The time sums
    /// split by the same share, so they stay exact in total (the taken part's mean may
    /// differ from the whole's by rounding, under a second).
    pub fn split_share(&mut self, num: i64) -> Lot {
        let el = self.el.take_scaled(num, SHARE_DEN);
        let mass = el.total();
        let born = (self.born_sum * num as i128) >> SHARE_BITS;
        let arrived = (self.arrived_sum * num as i128) >> SHARE_BITS;
        self.mass -= mass;
        self.born_sum -= born;
        self.arrived_sum -= arrived;
        Lot {
            material: self.material,
            origin: self.origin,
            chain: self.chain,
            width: self.width,
            el,
            mass,
            born_sum: born,
            arrived_sum: arrived,
        }
    }

    /// The same lot relabelled as another material (a process changed what it is).
    pub fn relabel(mut self, material: MatId) -> Lot {
        self.material = material;
        self
    }
}

/// Lots are equal when their material, origin, tags, elements and time sums are: the
/// width is a cached bound, not content (a lot of a composition and the same lot from its
/// element masses may hold different bounds).
impl PartialEq for Lot {
    fn eq(&self, other: &Self) -> bool {
        self.material == other.material
            && self.origin == other.origin
            && self.chain == other.chain
            && self.el == other.el
            && self.mass == other.mass
            && self.born_sum == other.born_sum
            && self.arrived_sum == other.arrived_sum
    }
}

/// The lots of a parcel: inline up to this many, merged by kind, so a parcel rarely allocates.
pub type Lots = SmallVec<[Lot; 2]>;

/// What a parcel holds; reached through [`Parcel`]'s `Deref`.
#[derive(Debug, Clone, Default)]
pub struct ParcelData {
    lots: Lots,
    mass: i64,
    /// At least every lot's [`Lot::width`] (raised as lots are added): a parcel of
    /// narrow lots sums its elements over [`NARROW`] lanes.
    width: u8,
    /// Countable units inside (drives on a pallet, jobs); 0 for bulk material.
    pub units: u64,
}

/// Parcels are equal by content (lots, mass, units), not by their cached width bound.
impl PartialEq for ParcelData {
    fn eq(&self, other: &Self) -> bool {
        self.lots == other.lots && self.mass == other.mass && self.units == other.units
    }
}

thread_local! {
    // The boxes themselves are what is reused (a parcel owns one), so a Vec of boxes it is.
    #[allow(clippy::vec_box)]
    /// Parcel boxes given back when parcels end, handed out again by `Parcel::new`: once a
    /// run has warmed up, making, moving and ending parcels allocates nothing.
    static SPARE: std::cell::RefCell<Vec<Box<ParcelData>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many spare parcel boxes a thread keeps.
const SPARE_LIMIT: usize = 4096;

/// Lots that move together: a pallet of drives, a finished job, a truck's load. Lots of the
/// same kind are merged on entry, so a parcel holds at most one lot per (material, origin).
///
/// A parcel is a pointer to its data, so moving it along links, queues and servers copies
/// eight bytes; its box comes from a per-thread spare list and goes back there when the
/// parcel ends (merged into another, consumed, or leaving the model).
#[derive(Debug)]
pub struct Parcel(Option<Box<ParcelData>>);

impl Drop for Parcel {
    fn drop(&mut self) {
        if let Some(mut data) = self.0.take() {
            data.lots.clear();
            data.mass = 0;
            data.width = 0;
            data.units = 0;
            let _ = SPARE.try_with(|spare| {
                let mut spare = spare.borrow_mut();
                if spare.len() < SPARE_LIMIT {
                    spare.push(data);
                }
            });
        }
    }
}

impl std::ops::Deref for Parcel {
    type Target = ParcelData;
    fn deref(&self) -> &ParcelData {
        self.0
            .as_ref()
            .expect("a parcel has data until it is dropped")
    }
}

impl std::ops::DerefMut for Parcel {
    fn deref_mut(&mut self) -> &mut ParcelData {
        self.0
            .as_mut()
            .expect("a parcel has data until it is dropped")
    }
}

impl Default for Parcel {
    fn default() -> Self {
        Parcel::new(0)
    }
}

impl Clone for Parcel {
    fn clone(&self) -> Self {
        let mut p = Parcel::new(self.units);
        p.lots.extend(self.lots.iter().copied());
        p.mass = self.mass;
        p.width = self.width;
        p
    }
}

impl PartialEq for Parcel {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Parcel {
    pub fn new(units: u64) -> Parcel {
        let data = SPARE
            .try_with(|spare| spare.borrow_mut().pop())
            .ok()
            .flatten();
        let mut data = data.unwrap_or_default();
        data.units = units;
        Parcel(Some(data))
    }

    /// Adds a lot, merging it into one of the same kind; empty lots are dropped.
    #[inline]
    pub fn push(&mut self, lot: Lot) {
        self.add_lot(&lot);
    }

    /// [`push`](Self::push) by reference: a lot that merges is read in place, and only a
    /// lot of a new kind is copied (160 bytes) into the parcel.
    fn add_lot(&mut self, lot: &Lot) {
        if lot.mass == 0 {
            return;
        }
        self.mass += lot.mass;
        self.width = self.width.max(lot.width);
        match self.lots.iter_mut().find(|l| l.same_kind(lot)) {
            Some(l) => l.merge(lot),
            None => self.lots.push(*lot),
        }
    }

    /// Adds every lot and unit of another parcel (whose box then goes back to the spares).
    pub fn absorb(&mut self, other: Parcel) {
        self.units += other.units;
        for lot in &other.lots {
            self.add_lot(lot);
        }
    }

    pub fn mass(&self) -> i64 {
        self.mass
    }

    pub fn is_empty(&self) -> bool {
        self.lots.is_empty()
    }

    pub fn lots(&self) -> &[Lot] {
        &self.lots
    }

    /// Takes about `mass_mg` out of lot `i` (every element by the same share, floors), as a
    /// lot of its own; the lot stays in the parcel, lighter (the parcel's mass with it).
    pub fn take_from_lot(&mut self, i: usize, mass_mg: i64) -> Lot {
        let data = &mut **self;
        let lot = &mut data.lots[i];
        let whole = lot.mass;
        let piece = lot.split(mass_mg.clamp(0, whole), whole.max(1));
        data.mass -= piece.mass;
        piece
    }

    /// Ends the parcel, handing `f` its lots to change in place and read (what a process
    /// makes of a job it used up): nothing is copied out, and the parcel, whose mass no
    /// longer holds, is gone after.
    pub fn consume_lots<R>(mut self, f: impl FnOnce(&mut [Lot]) -> R) -> R {
        f(&mut self.lots)
    }

    /// Takes the lots out, leaving the parcel empty of material.
    pub fn drain_lots(&mut self) -> smallvec::Drain<'_, [Lot; 2]> {
        self.mass = 0;
        self.width = 0;
        self.lots.drain(..)
    }

    /// Whether every lot is narrow (uses only the first [`NARROW`] element lanes).
    fn narrow(&self) -> bool {
        usize::from(self.width) <= NARROW
    }

    pub fn add_elements(&self, acc: &mut Elements) {
        // One narrow lot (a job) is added without the loop's set-up.
        if !self.narrow() {
            for l in &self.lots {
                acc.add(&l.el);
            }
            return;
        }
        match self.lots.as_slice() {
            [l] => acc.add_narrow(&l.el),
            lots => lots.iter().for_each(|l| acc.add_narrow(&l.el)),
        }
    }

    /// [`add_elements`](Self::add_elements) into two totals in one pass over the lots.
    pub fn add_elements_twice(&self, a: &mut Elements, b: &mut Elements) {
        if self.narrow() {
            for l in &self.lots {
                a.add_narrow(&l.el);
                b.add_narrow(&l.el);
            }
        } else {
            for l in &self.lots {
                a.add(&l.el);
                b.add(&l.el);
            }
        }
    }

    pub fn set_arrived(&mut self, t: SimTime) {
        for l in &mut self.lots {
            l.set_arrived(t);
        }
    }

    /// Takes `num/den` of every lot (floor per element) and of the units.
    pub fn split(&mut self, num: i64, den: i64) -> Parcel {
        let units = scale(self.units as i64, num, den) as u64;
        self.units -= units;
        let mut out = Parcel::new(units);
        let data = &mut **self;
        for l in &mut data.lots {
            let piece = l.split(num, den);
            data.mass -= piece.mass;
            out.push(piece);
        }
        out
    }

    /// Takes about `mass_mg` out of this parcel (exactly, up to one milligram per element
    /// and lot of rounding), splitting every lot by the same fraction.
    pub fn split_mass(&mut self, mass_mg: i64) -> Parcel {
        let total = self.mass;
        if mass_mg >= total {
            return std::mem::take(self);
        }
        self.split(mass_mg, total)
    }
}

/// What a truck carries: its parcels, one for bulk material, one per pallet or job otherwise.
pub type Shipment = SmallVec<[Parcel; 1]>;

/// Total mass of a shipment.
pub fn shipment_mass(s: &[Parcel]) -> i64 {
    s.iter().map(Parcel::mass).sum()
}

/// A first-in, first-out store of parcels with running totals.
#[derive(Debug, Clone, Default)]
pub struct Stock {
    parcels: VecDeque<Parcel>,
    mass: i64,
    units: u64,
    /// Element totals, kept up to date so balances never walk the queue.
    el: Elements,
}

impl Stock {
    pub fn push(&mut self, p: Parcel) {
        self.mass += p.mass;
        self.units += p.units;
        p.add_elements(&mut self.el);
        self.parcels.push_back(p);
    }

    /// [`push`](Self::push) for a full-load dock that ships as soon as it holds `load` mg:
    /// a bulk parcel that leaves the stock under `load` is merged into the bulk parcel
    /// before it. Everything such a dock holds under a load goes whole into its next truck
    /// ([`take_shipment`](Self::take_shipment) takes parcels whole while they fit, in
    /// order, and merges bulk ones into one parcel as this does), so the trucks' loads are
    /// the same, element for element and second for second, as with the parcels apart.
    pub fn push_merged(&mut self, p: Parcel, load: i64) {
        if p.units == 0
            && self.mass + p.mass < load
            && let Some(last) = self.parcels.back_mut()
            && last.units == 0
        {
            self.mass += p.mass;
            p.add_elements(&mut self.el);
            last.absorb(p);
            return;
        }
        self.push(p);
    }

    /// Puts a parcel back at the front (first out again), e.g. what a market took in and
    /// could not sell.
    pub fn push_front(&mut self, p: Parcel) {
        self.mass += p.mass;
        self.units += p.units;
        p.add_elements(&mut self.el);
        self.parcels.push_front(p);
    }

    fn remove_totals(&mut self, p: &Parcel) {
        self.mass -= p.mass;
        self.units -= p.units;
        self.remove_elements_of([p]);
    }

    pub fn pop(&mut self) -> Option<Parcel> {
        let p = self.parcels.pop_front()?;
        self.remove_totals(&p);
        Some(p)
    }

    pub fn front(&self) -> Option<&Parcel> {
        self.parcels.front()
    }

    /// Takes up to `mass_mg` from the front, splitting the last parcel taken if needed,
    /// and hands each piece to `put` in order. The stock's mass and units follow; its
    /// element totals are the caller's to lower ([`Self::remove_elements_of`]), once for
    /// what the pieces became: a truck's load of a thousand pallets' magnets is one
    /// merged parcel by then, so the subtraction is made once, not per pallet.
    fn take_front(&mut self, mass_mg: i64, mut put: impl FnMut(Parcel)) {
        let mut left = mass_mg;
        while left > 0 {
            let Some(front) = self.parcels.front_mut() else {
                break;
            };
            let m = front.mass;
            let piece = if m <= left {
                self.parcels.pop_front().expect("front exists")
            } else {
                front.split_mass(left)
            };
            let pm = piece.mass;
            self.mass -= pm;
            self.units -= piece.units;
            left -= pm;
            put(piece);
            if pm == 0 && m > 0 {
                // Rounding left nothing to take: stop rather than spin.
                break;
            }
        }
    }

    /// Lowers the element totals by what `taken` holds (what [`Self::take_front`] took).
    fn remove_elements_of<'p>(&mut self, taken: impl IntoIterator<Item = &'p Parcel>) {
        for p in taken {
            if p.narrow() {
                for l in &p.lots {
                    self.el.sub_narrow(&l.el);
                }
            } else {
                for l in &p.lots {
                    self.el.sub(&l.el);
                }
            }
        }
    }

    /// Takes up to `mass_mg` from the front into `out`; lots of the same kind merge there.
    pub fn take_mass_into(&mut self, mass_mg: i64, out: &mut Parcel) {
        // What `out` held before, so the stock loses exactly what was added to it.
        let mut before = Elements::ZERO;
        out.add_elements(&mut before);
        self.take_front(mass_mg, |piece| out.absorb(piece));
        self.remove_elements_of([&*out]);
        self.el.add(&before);
    }

    /// Takes up to `mass_mg` from the front as a shipment: bulk material merged into one
    /// parcel, counted parcels (pallets, jobs) kept apart.
    pub fn take_shipment(&mut self, mass_mg: i64) -> Shipment {
        let mut out = Shipment::new();
        self.take_front(mass_mg, |piece| match out.last_mut() {
            Some(last) if last.units == 0 && piece.units == 0 => last.absorb(piece),
            _ => out.push(piece),
        });
        self.remove_elements_of(&out);
        out
    }

    pub fn mass(&self) -> i64 {
        self.mass
    }

    pub fn units(&self) -> u64 {
        self.units
    }

    pub fn len(&self) -> usize {
        self.parcels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parcels.is_empty()
    }

    pub fn elements(&self) -> &Elements {
        &self.el
    }

    pub fn iter(&self) -> impl Iterator<Item = &Parcel> {
        self.parcels.iter()
    }
}

/// Element flows through one node or link: what came in, what left, what was lost.
/// At every moment `inflow = outflow + inventory + loss`, element by element.
///
/// Material that enters and leaves in one step (a source's new lot sent on at once, a
/// parcel crossing a zero-transit link, a sink's delivery) is counted once, by its mass
/// alone, in `through_mg`: it is in both totals ([`Ledger::inflow_mg`],
/// [`Ledger::outflow_mg`]) and cancels out of every element's balance, so no element
/// array is added for it.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// What came in and stayed at least past the step it came in (element by element).
    pub inflow: Elements,
    /// What left having stayed past the step it came in, and what the node made from
    /// its input.
    pub outflow: Elements,
    pub loss: Elements,
    through_mg: i64,
}

impl Ledger {
    /// The mass of everything that came in: `inflow` plus what passed through.
    pub fn inflow_mg(&self) -> i64 {
        self.inflow.total() + self.through_mg
    }

    /// The mass of everything that left: `outflow` plus what passed through.
    pub fn outflow_mg(&self) -> i64 {
        self.outflow.total() + self.through_mg
    }

    /// The mass that came in and left in the same step.
    pub fn through_mg(&self) -> i64 {
        self.through_mg
    }

    /// A parcel that came in and left in the same step.
    pub fn parcel_through(&mut self, p: &Parcel) {
        self.through_mg += p.mass();
    }

    pub fn parcel_in(&mut self, p: &Parcel) {
        p.add_elements(&mut self.inflow);
    }

    pub fn parcel_out(&mut self, p: &Parcel) {
        p.add_elements(&mut self.outflow);
    }

    /// A parcel leaving (`passed_through`: one that came in in the same step), also added to
    /// `counter` (a node's output by element), in one pass over its lots.
    pub fn parcel_left(&mut self, p: &Parcel, passed_through: bool, counter: &mut Elements) {
        if passed_through {
            self.through_mg += p.mass();
            p.add_elements(counter);
        } else {
            p.add_elements_twice(&mut self.outflow, counter);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn magnet() -> Material {
        // 30 wt% Nd, 70 % other.
        Material {
            name: "m".into(),
            role: crate::model::MaterialRole::Magnet,
            fractions: vec![0.3, 0.7],
            chain: Chain::NONE,
        }
    }

    #[test]
    fn a_lot_weighs_exactly_its_mass() {
        // 1,000,001 mg * 0.3 = 300,000.3 -> 300,000 Nd; the rest, 700,001, is other.
        let l = Lot::of_material(&magnet(), 0, 1_000_001, 0, 0);
        assert_eq!(l.elements().first(2), &[300_000, 700_001]);
        assert_eq!(l.mass(), 1_000_001);
    }

    #[test]
    fn splits_conserve_every_element() {
        let mut a = Lot::of_material(&magnet(), 0, 1_000, 0, 0);
        // 300 * 1/3 = 100; 700 * 1/3 = 233.33 -> 233.
        let b = a.split(1, 3);
        assert_eq!(b.elements().first(2), &[100, 233]);
        assert_eq!(a.elements().first(2), &[200, 467]);
        assert_eq!(a.mass() + b.mass(), 1_000);
    }

    #[test]
    fn a_share_split_is_a_shift_and_matches_the_division() {
        // Half of 1,001 mg by share: floor(1001 * 2^39 / 2^40) = 500, as by division.
        let half = share_num(0.5);
        assert_eq!(half, 1 << 39);
        assert_eq!(share_of(1_001, half), 500);
        assert_eq!(share_of(1_001, half), scale(1_001, half, SHARE_DEN));
        // A share of 1 keeps everything.
        assert_eq!(share_of(123_456_789, SHARE_DEN), 123_456_789);
    }

    #[test]
    fn time_sums_split_in_64_bits_as_in_128() {
        // floor(sum * part / whole) by q * part + r * part / whole, against the 128-bit
        // quotient: small sums, sums near i64::MAX, parts whose products overflow 64 bits
        // (the 128-bit path) and the ends 0 and whole.
        let sums = [
            0i128,
            1,
            999,
            7_200_000_000,
            i64::MAX as i128,
            i64::MAX as i128 + 1,
        ];
        let wholes = [1i64, 3, 1_000_001, 9_000_000_000_000];
        for &sum in &sums {
            for &whole in &wholes {
                for part in [0, 1, whole / 3, whole - 1, whole] {
                    let want = sum * part as i128 / whole as i128;
                    assert_eq!(scale_wide(sum, part, whole), want, "{sum} {part} {whole}");
                }
            }
        }
        assert_eq!(scale_wide(5, 1, 0), 0);
    }

    #[test]
    fn waits_as_floats_match_the_wide_sums() {
        // 2 kg arrived at t = 1,000 s: at t = 4,600 s it has waited 2e6 mg x 3,600 s.
        let mut a = Lot::of_material(&magnet(), 0, 2_000_000, 0, 0);
        a.set_arrived(1_000);
        assert_eq!(a.wait_mg_s_f64(4_600), 7.2e9);
        // Sums beyond 64 bits take the 128-bit path: 9e12 mg (9,000 t) x 3e9 s = 2.7e22 mg.s.
        let mut big = Lot::of_material(&magnet(), 0, 9_000_000_000_000, 0, 0);
        big.set_arrived(1_000_000_000);
        let w = big.wait_mg_s(4_000_000_000);
        assert!(i64::try_from(w).is_err());
        assert_eq!(big.wait_mg_s_f64(4_000_000_000), w as f64);
        assert_eq!(w, 9_000_000_000_000i128 * 3_000_000_000);
    }

    #[test]
    fn material_passed_through_counts_in_and_out() {
        // 1,000 mg in and kept, 3,000 mg in and out at once: in 4,000, out 3,000, and
        // in = out + the 1,000 held, element by element (300 + 700 of the 1,000).
        let mut ledger = Ledger::default();
        let mut kept = Parcel::new(0);
        kept.push(Lot::of_material(&magnet(), 0, 1_000, 0, 0));
        let mut passed = Parcel::new(0);
        passed.push(Lot::of_material(&magnet(), 0, 3_000, 0, 0));
        ledger.parcel_in(&kept);
        ledger.parcel_through(&passed);
        assert_eq!(ledger.inflow_mg(), 4_000);
        assert_eq!(ledger.outflow_mg(), 3_000);
        assert_eq!(ledger.through_mg(), 3_000);
        // By element only what stayed is entered (the 3,000 mg cancel in every balance).
        assert_eq!(ledger.inflow.first(2), &[300, 700]);
        assert_eq!(ledger.outflow.first(2), &[0, 0]);
    }

    #[test]
    fn a_narrow_lot_adds_and_takes_only_its_lanes() {
        // A job material of one element (`other`): width 1, every later lane 0.
        let job = Material {
            name: "job".into(),
            role: crate::model::MaterialRole::Job,
            fractions: vec![1.0],
            chain: Chain::NONE,
        };
        let mut a = Lot::of_material(&job, 0, 5_000, 0, 0);
        assert_eq!(a.width, 1);
        // A lot of twelve elements, from its element masses: width 12.
        let mut wide = Elements::ZERO;
        for e in 0..MAX_ELEMENTS {
            wide.set(e, 10 * (e as i64 + 1));
        }
        let w = Lot::of_elements(1, wide, 0, 0);
        assert_eq!(w.width as usize, MAX_ELEMENTS);
        assert_eq!(Lot::of_elements(1, Elements::ZERO, 0, 0).width, 0);
        // Sums of narrow and wide lots into one total: every lane, as a full addition.
        let mut p = Parcel::new(0);
        p.push(a);
        p.push(w);
        let mut acc = Elements::ZERO;
        p.add_elements(&mut acc);
        let mut expect = wide;
        expect.add_to(0, 5_000);
        assert_eq!(acc, expect);
        // A third of the narrow lot: floor(5,000 / 3) = 1,666, its width kept.
        let third = a.split(1, 3);
        assert_eq!((third.mass(), third.width, a.mass()), (1_666, 1, 3_334));
        // Merging a wide lot into a narrow one widens it.
        let mut b = Lot::of_elements(1, Elements::ZERO, 0, 0);
        b.merge(&w);
        assert_eq!((b.width as usize, b.elements()), (MAX_ELEMENTS, &wide));
        // The width is a bound, not content: the same lot with a looser bound is equal.
        let mut loose = third;
        loose.width = 3;
        assert_eq!(loose, third);
    }

    #[test]
    fn merged_lots_keep_exact_mean_times() {
        // 1 kg born at t = 100 s and 3 kg born at t = 500 s: mean entry
        // (1 * 100 + 3 * 500) / 4 = 400 s; waits likewise.
        let mut a = Lot::of_material(&magnet(), 0, 1_000_000, 100, 7);
        let b = Lot::of_material(&magnet(), 0, 3_000_000, 500, 7);
        a.merge(&b);
        assert_eq!(a.mass(), 4_000_000);
        assert_eq!(a.born(), 400);
        // At t = 1,000 s the mass-weighted age is 4 kg * 600 s.
        assert_eq!(a.age_mg_s(1_000), 4_000_000 * 600);
        // A quarter split off carries a quarter of the time sums: same mean.
        let q = a.split(1, 4);
        assert_eq!(q.mass(), 1_000_000);
        assert_eq!(q.born(), 400);
        assert_eq!(a.born(), 400);
    }

    #[test]
    fn a_parcel_merges_lots_of_the_same_kind_only() {
        let mut p = Parcel::new(0);
        p.push(Lot::of_material(&magnet(), 0, 1_000, 0, 1));
        p.push(Lot::of_material(&magnet(), 0, 2_000, 10, 1));
        p.push(Lot::of_material(&magnet(), 0, 4_000, 10, 2)); // another origin
        p.push(Lot::of_material(&magnet(), 1, 8_000, 10, 1)); // another material
        assert_eq!(p.lots().len(), 3);
        assert_eq!(p.mass(), 15_000);
        assert_eq!(p.lots()[0].mass(), 3_000);
    }

    #[test]
    fn stock_takes_from_the_front_and_splits_the_last_parcel() {
        let mut s = Stock::default();
        for t in 0..3 {
            let mut p = Parcel::new(10);
            p.push(Lot::of_material(&magnet(), 0, 1_000, t, 0));
            s.push(p);
        }
        // 2,500 mg: the first two parcels whole, then half of the third.
        let taken = s.take_shipment(2_500);
        assert_eq!(taken.len(), 3);
        assert_eq!(shipment_mass(&taken), 2_500);
        assert_eq!(taken[2].units, 5);
        assert_eq!(s.mass(), 500);
        assert_eq!(s.units(), 5);
        assert_eq!(s.front().map(|p| p.lots()[0].born()), Some(2));
        assert_eq!(s.elements().total(), 500);
    }

    #[test]
    fn a_merging_dock_ships_the_same_loads_as_a_queue_of_parcels() {
        // A full-load dock (load 10,000 mg) fed bulk parcels of two materials and two
        // origins, of uneven masses (some over a whole load), at rising times: merged on
        // entry or queued apart, every truck carries the same lots (elements, masses, time
        // sums) and the docks keep the same rest.
        let load = 10_000;
        let (mut queued, mut merged) = (Stock::default(), Stock::default());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let (mut most_queued, mut most_merged) = (0, 0);
        for i in 0..400i64 {
            let mass = 37 + (i * 7_919) % 3_001 + if i % 97 == 0 { 25_000 } else { 0 };
            let mut p = Parcel::new(0);
            p.push(Lot::of_material(
                &magnet(),
                (i % 2) as usize,
                mass,
                i * 60,
                (i % 3) as usize,
            ));
            queued.push(p.clone());
            merged.push_merged(p, load);
            most_queued = most_queued.max(queued.len());
            most_merged = most_merged.max(merged.len());
            for (dock, trucks) in [(&mut queued, &mut a), (&mut merged, &mut b)] {
                while dock.mass() >= load {
                    trucks.push(dock.take_shipment(load));
                }
            }
        }
        assert!(a.len() > 10);
        assert_eq!(a, b);
        // The merging dock holds at most the rest of the last split and one parcel merged
        // behind it; the queue held many.
        assert!(
            most_merged <= 2 && most_queued > 5,
            "{most_merged} {most_queued}"
        );
        assert_eq!(queued.mass(), merged.mass());
        assert_eq!(queued.elements(), merged.elements());
        let rest = |s: &mut Stock| s.take_shipment(i64::MAX);
        assert_eq!(rest(&mut queued), rest(&mut merged));
    }

    #[test]
    fn bulk_takes_merge_into_one_parcel() {
        let mut s = Stock::default();
        for t in 0..4 {
            let mut p = Parcel::new(0);
            p.push(Lot::of_material(&magnet(), 0, 1_000, t * 10, 0));
            s.push(p);
        }
        // Three whole parcels of one kind merge into one lot born at mean (0+10+20)/3 = 10.
        let mut out = Parcel::new(0);
        s.take_mass_into(3_000, &mut out);
        assert_eq!(out.lots().len(), 1);
        assert_eq!(out.mass(), 3_000);
        assert_eq!(out.lots()[0].born(), 10);
        let ship = s.take_shipment(1_000);
        assert_eq!(ship.len(), 1);
        assert!(s.is_empty());
    }
}
