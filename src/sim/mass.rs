//! Material as exact integer element masses: lots, parcels, FIFO stocks and balance ledgers.
//!
//! Every split takes `floor(mass * num / den)` per element and leaves the remainder behind,
//! so no milligram of any element is ever created or lost by arithmetic.

use std::collections::VecDeque;

use crate::kernel::SimTime;
use crate::model::{MatId, Material, NodeId};

/// Element masses in milligrams, one entry per model element (`other` last).
pub type Elements = Box<[i64]>;

pub fn zeros(n: usize) -> Elements {
    vec![0; n].into_boxed_slice()
}

pub fn add_into(acc: &mut [i64], el: &[i64]) {
    for (a, b) in acc.iter_mut().zip(el) {
        *a += b;
    }
}

/// `floor(x * num / den)` without overflow; `den > 0`, `0 <= num <= den`.
#[inline]
pub fn scale(x: i64, num: i64, den: i64) -> i64 {
    ((x as i128 * num as i128) / den as i128) as i64
}

/// A share as a rational with a fixed denominator, so splits by a share are exact integer maths.
pub const SHARE_DEN: i64 = 1 << 40;

pub fn share_num(share: f64) -> i64 {
    (share.clamp(0.0, 1.0) * SHARE_DEN as f64).round() as i64
}

/// One homogeneous piece of material.
#[derive(Debug, Clone, PartialEq)]
pub struct Lot {
    pub material: MatId,
    pub el: Elements,
    /// When it entered the network (a drive's arrival at the recycler, a scrap lot's collection).
    pub born: SimTime,
    /// The source node it came from.
    pub origin: NodeId,
    /// When it arrived at the node now holding it.
    pub arrived: SimTime,
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
        let mut el = zeros(n);
        let mut used = 0;
        for (e, f) in mat.fractions.iter().enumerate().take(n - 1) {
            let m = (mass_mg as f64 * f).floor() as i64;
            el[e] = m;
            used += m;
        }
        el[n - 1] = mass_mg - used;
        Lot {
            material: mat_id,
            el,
            born,
            origin,
            arrived: born,
        }
    }

    pub fn mass(&self) -> i64 {
        self.el.iter().sum()
    }

    /// Takes `floor(el * num / den)` of every element out of this lot into a new one.
    pub fn split(&mut self, num: i64, den: i64) -> Lot {
        let mut el = zeros(self.el.len());
        for (taken, have) in el.iter_mut().zip(self.el.iter_mut()) {
            *taken = scale(*have, num, den);
            *have -= *taken;
        }
        Lot {
            material: self.material,
            el,
            born: self.born,
            origin: self.origin,
            arrived: self.arrived,
        }
    }

    /// The same lot relabelled as another material (a process changed what it is).
    pub fn relabel(mut self, material: MatId) -> Lot {
        self.material = material;
        self
    }
}

/// Lots that move together: a pallet of drives, a finished job, a truck's load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parcel {
    pub lots: Vec<Lot>,
    /// Countable units inside (drives on a pallet, jobs); 0 for bulk material.
    pub units: u64,
}

impl Parcel {
    pub fn mass(&self) -> i64 {
        self.lots.iter().map(Lot::mass).sum()
    }

    pub fn add_elements(&self, acc: &mut [i64]) {
        for l in &self.lots {
            add_into(acc, &l.el);
        }
    }

    pub fn set_arrived(&mut self, t: SimTime) {
        for l in &mut self.lots {
            l.arrived = t;
        }
    }

    /// Takes about `mass_mg` out of this parcel (exactly, up to one milligram per element
    /// and lot of rounding), splitting every lot by the same fraction.
    pub fn split_mass(&mut self, mass_mg: i64) -> Parcel {
        let total = self.mass();
        if mass_mg >= total {
            return std::mem::take(self);
        }
        let units = scale(self.units as i64, mass_mg, total) as u64;
        self.units -= units;
        let lots = self
            .lots
            .iter_mut()
            .map(|l| l.split(mass_mg, total))
            .collect();
        Parcel { lots, units }
    }
}

/// A first-in, first-out store of parcels with running totals.
#[derive(Debug, Clone, Default)]
pub struct Stock {
    parcels: VecDeque<Parcel>,
    mass: i64,
    units: u64,
    /// Element totals, kept up to date so balances never walk the queue.
    el: Vec<i64>,
}

impl Stock {
    pub fn push(&mut self, p: Parcel) {
        self.mass += p.mass();
        self.units += p.units;
        for l in &p.lots {
            if self.el.len() < l.el.len() {
                self.el.resize(l.el.len(), 0);
            }
            add_into(&mut self.el, &l.el);
        }
        self.parcels.push_back(p);
    }

    fn remove_totals(&mut self, p: &Parcel) {
        self.mass -= p.mass();
        self.units -= p.units;
        for l in &p.lots {
            for (a, b) in self.el.iter_mut().zip(l.el.iter()) {
                *a -= b;
            }
        }
    }

    pub fn pop(&mut self) -> Option<Parcel> {
        let p = self.parcels.pop_front()?;
        self.remove_totals(&p);
        Some(p)
    }

    pub fn front(&self) -> Option<&Parcel> {
        self.parcels.front()
    }

    /// Takes up to `mass_mg` from the front, splitting the last parcel taken if needed.
    pub fn take_mass(&mut self, mass_mg: i64) -> Vec<Parcel> {
        let mut out = Vec::new();
        let mut left = mass_mg;
        while left > 0 {
            let Some(front) = self.parcels.front_mut() else {
                break;
            };
            let m = front.mass();
            let piece = if m <= left {
                self.parcels.pop_front().expect("front exists")
            } else {
                front.split_mass(left)
            };
            let pm = piece.mass();
            self.remove_totals(&piece);
            left -= pm;
            if pm == 0 && m > 0 {
                // Rounding left nothing to take: stop rather than spin.
                break;
            }
            out.push(piece);
        }
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

    pub fn add_elements(&self, acc: &mut [i64]) {
        add_into(acc, &self.el);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Parcel> {
        self.parcels.iter()
    }
}

/// Element flows through one node or link: what came in, what left, what was lost.
/// At every moment `inflow = outflow + inventory + loss`, element by element.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub inflow: Vec<i64>,
    pub outflow: Vec<i64>,
    pub loss: Vec<i64>,
}

impl Ledger {
    pub fn new(n: usize) -> Self {
        Ledger {
            inflow: vec![0; n],
            outflow: vec![0; n],
            loss: vec![0; n],
        }
    }

    pub fn add_in(&mut self, el: &[i64]) {
        add_into(&mut self.inflow, el);
    }

    pub fn add_out(&mut self, el: &[i64]) {
        add_into(&mut self.outflow, el);
    }

    pub fn add_loss(&mut self, el: &[i64]) {
        add_into(&mut self.loss, el);
    }

    pub fn parcel_in(&mut self, p: &Parcel) {
        p.add_elements(&mut self.inflow);
    }

    pub fn parcel_out(&mut self, p: &Parcel) {
        p.add_elements(&mut self.outflow);
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
        }
    }

    #[test]
    fn a_lot_weighs_exactly_its_mass() {
        // 1,000,001 mg * 0.3 = 300,000.3 -> 300,000 Nd; the rest, 700,001, is other.
        let l = Lot::of_material(&magnet(), 0, 1_000_001, 0, 0);
        assert_eq!(&*l.el, &[300_000, 700_001]);
        assert_eq!(l.mass(), 1_000_001);
    }

    #[test]
    fn splits_conserve_every_element() {
        let mut a = Lot::of_material(&magnet(), 0, 1_000, 0, 0);
        // 300 * 1/3 = 100; 700 * 1/3 = 233.33 -> 233.
        let b = a.split(1, 3);
        assert_eq!(&*b.el, &[100, 233]);
        assert_eq!(&*a.el, &[200, 467]);
    }

    #[test]
    fn stock_takes_from_the_front_and_splits_the_last_parcel() {
        let mut s = Stock::default();
        for t in 0..3 {
            s.push(Parcel {
                lots: vec![Lot::of_material(&magnet(), 0, 1_000, t, 0)],
                units: 10,
            });
        }
        // 2,500 mg: the first two parcels whole, then half of the third.
        let taken = s.take_mass(2_500);
        assert_eq!(taken.len(), 3);
        assert_eq!(taken.iter().map(Parcel::mass).sum::<i64>(), 2_500);
        assert_eq!(taken[2].units, 5);
        assert_eq!(s.mass(), 500);
        assert_eq!(s.units(), 5);
        assert_eq!(s.front().map(|p| p.lots[0].born), Some(2));
    }
}
