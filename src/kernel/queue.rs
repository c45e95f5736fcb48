//! The pending-event set: a priority queue of events keyed by id, popped in a fixed, reproducible order.
//!
//! # Ordering contract
//!
//! Events pop in ascending `(time, class, sequence)` order:
//!
//! - `time` is the [`SimTime`] the event was (re)scheduled for;
//! - `class` is [`EventClass::class`], the fixed order of same-time events (lower first);
//! - `sequence` is a per-queue counter incremented by every [`EventQueue::schedule`]
//!   and every [`EventQueue::reschedule`], so same-time same-class events pop in the
//!   order they were (re)scheduled. A rescheduled event orders as if scheduled now.
//!
//! Sequences are unique, so ties are impossible and a run is reproducible given the
//! same sequence of calls: nothing depends on hashing or memory addresses.
//!
//! Two kinds of pending event share that order: those [`EventQueue::schedule`]d, which can
//! be cancelled, moved and asked for their time (held in a `priority-queue` keyed by id),
//! and those [`EventQueue::post`]ed, which can only be cancelled (held in a plain binary
//! heap, about three times cheaper per operation; a cancelled one is dropped when it reaches
//! the head, uncounted). `pop` takes the earlier of the two heads.

use std::borrow::Borrow;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use priority_queue::PriorityQueue;

use super::time::SimTime;

/// The fixed order of events that fall at the same time: lower classes pop first.
pub trait EventClass {
    fn class(&self) -> u8;
}

/// A handle to a scheduled event, valid for cancel/reschedule until it pops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(u64);

/// Pop order key; `Reverse` because `PriorityQueue` pops the greatest priority first.
type Priority = Reverse<(SimTime, u8, u64)>;

/// A queue item: the payload travels with its id so one map holds everything.
///
/// Hash and Eq look only at `id`, and `Borrow<u64>` lets the queue be searched by a
/// bare id; that is sound because `Hash` writes exactly what `u64::hash` writes.
struct Entry<E> {
    id: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<E> Eq for Entry<E> {}

impl<E> Hash for Entry<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl<E> Borrow<u64> for Entry<E> {
    fn borrow(&self) -> &u64 {
        &self.id
    }
}

/// Multiplicative hasher for the queue's sequential u64 ids.
///
/// Deterministic (unlike std's RandomState) and a single multiply per lookup; the odd
/// constant (2^64 / golden ratio) spreads consecutive ids over the high bits, and the
/// low bits of consecutive ids are already distinct.
#[derive(Default)]
struct IdHasher(u64);

const ID_HASH_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for IdHasher {
    fn write_u64(&mut self, id: u64) {
        self.0 = (self.0 ^ id).wrapping_mul(ID_HASH_MULTIPLIER);
    }

    // Only u64 ids are ever hashed; this fallback keeps the Hasher contract anyway.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type IdBuildHasher = BuildHasherDefault<IdHasher>;

/// A handle to a posted event, valid for [`EventQueue::cancel_post`] until it pops: its
/// sequence number, unique in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostId(u64);

/// Bits of a posted event's `order` below its class: the sequence number.
const CLASS_SHIFT: u32 = 56;
const SEQUENCE_MASK: u64 = (1 << CLASS_SHIFT) - 1;

/// A posted event: ordered by its key alone, earliest first in a max-heap. The key is
/// `time << 64 | class << 56 | sequence` (times are never negative), so one 128-bit
/// comparison compares (time, class, sequence).
struct Posted<E> {
    key: u128,
    event: E,
}

impl<E> Posted<E> {
    fn key(&self) -> (SimTime, u64) {
        ((self.key >> 64) as SimTime, self.key as u64)
    }

    fn at(&self) -> SimTime {
        (self.key >> 64) as SimTime
    }

    fn sequence(&self) -> u64 {
        self.key as u64 & SEQUENCE_MASK
    }
}

impl<E> PartialEq for Posted<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Posted<E> {}

impl<E> PartialOrd for Posted<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Posted<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// The pending-event set and the simulation clock.
pub struct EventQueue<E> {
    pending: PriorityQueue<Entry<E>, Priority, IdBuildHasher>,
    posted: BinaryHeap<Posted<E>>,
    /// Posted events cancelled but still in the heap, dropped when they reach its head.
    cancelled: std::collections::BTreeSet<u64>,
    now: SimTime,
    next_id: u64,
    next_sequence: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with the clock at 0.
    pub fn new() -> Self {
        EventQueue {
            pending: PriorityQueue::with_default_hasher(),
            posted: BinaryHeap::new(),
            cancelled: Default::default(),
            now: 0,
            next_id: 0,
            next_sequence: 0,
            popped: 0,
        }
    }

    /// The time of the last popped event (0 before the first pop).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The number of pending events.
    pub fn len(&self) -> usize {
        self.pending.len() + self.posted.len() - self.cancelled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of events popped so far.
    pub fn popped(&self) -> u64 {
        self.popped
    }

    /// Schedules `event` at absolute time `at`.
    ///
    /// A time before `now` is a bug in the caller: it asserts in debug builds and is
    /// clamped to `now` in release builds so the clock never runs backwards.
    pub fn schedule(&mut self, at: SimTime, event: E) -> EventId
    where
        E: EventClass,
    {
        let at = self.clamp_to_now(at);
        let id = self.next_id;
        self.next_id += 1;
        let priority = Reverse((at, event.class(), self.take_sequence()));
        self.pending.push(Entry { id, event }, priority);
        EventId(id)
    }

    /// Posts `event` at absolute time `at`: like `schedule`, in the same order, but it can
    /// only be cancelled, not moved (`time_of`, `cancel` and `reschedule` do not see it).
    pub fn post(&mut self, at: SimTime, event: E) -> PostId
    where
        E: EventClass,
    {
        let at = self.clamp_to_now(at);
        let sequence = self.take_sequence();
        debug_assert!(sequence <= SEQUENCE_MASK);
        debug_assert!(at >= 0);
        let order = (u64::from(event.class()) << CLASS_SHIFT) | sequence;
        let key = ((at as u128) << 64) | u128::from(order);
        self.posted.push(Posted { key, event });
        PostId(sequence)
    }

    /// Posts `event` `delay` seconds after `now` (saturating at `SimTime::MAX`).
    pub fn post_in(&mut self, delay: SimTime, event: E) -> PostId
    where
        E: EventClass,
    {
        self.post(self.now.saturating_add(delay), event)
    }

    /// Cancels a posted event that has not popped yet (the caller knows: it holds the id
    /// only until then): it will never pop, nor count as popped.
    pub fn cancel_post(&mut self, id: PostId) {
        self.cancelled.insert(id.0);
    }

    /// Drops cancelled posted events from the head of the heap.
    fn drop_cancelled(&mut self) {
        while !self.cancelled.is_empty() {
            match self.posted.peek() {
                Some(p) if self.cancelled.contains(&p.sequence()) => {
                    let p = self.posted.pop().expect("peeked");
                    self.cancelled.remove(&p.sequence());
                }
                _ => break,
            }
        }
    }

    /// Schedules `event` `delay` seconds after `now` (saturating at `SimTime::MAX`).
    pub fn schedule_in(&mut self, delay: SimTime, event: E) -> EventId
    where
        E: EventClass,
    {
        self.schedule(self.now.saturating_add(delay), event)
    }

    /// Removes a pending event and returns it; `None` if it already popped or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> Option<E> {
        self.pending.remove(&id.0).map(|(entry, _)| entry.event)
    }

    /// Moves a pending event to time `at`; `false` if it already popped or was cancelled.
    ///
    /// The event takes a new sequence number, so among same-time same-class events it
    /// pops after those already scheduled. A time before `now` is clamped as in `schedule`.
    pub fn reschedule(&mut self, id: EventId, at: SimTime) -> bool {
        let Some(&Reverse((_, class, _))) = self.pending.get_priority(&id.0) else {
            return false;
        };
        let at = self.clamp_to_now(at);
        let priority = Reverse((at, class, self.take_sequence()));
        self.pending.change_priority(&id.0, priority).is_some()
    }

    /// The time a pending event is scheduled for; `None` if it is not pending.
    pub fn time_of(&self, id: EventId) -> Option<SimTime> {
        self.pending
            .get_priority(&id.0)
            .map(|&Reverse((at, _, _))| at)
    }

    /// The time of the next event to pop, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_cancelled();
        let scheduled = self.pending.peek().map(|(_, &Reverse((at, _, _)))| at);
        let posted = self.posted.peek().map(Posted::at);
        match (scheduled, posted) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes the next event, advances `now` to its time, and returns it. A posted event
    /// has no [`EventId`]; it comes with its sequence number as one.
    pub fn pop(&mut self) -> Option<(SimTime, EventId, E)> {
        self.pop_until(SimTime::MAX)
    }

    /// Like [`pop`](Self::pop), but only an event due at or before `horizon`; a later one
    /// stays pending and `now` does not move. One look at each head instead of a
    /// `peek_time` then a `pop`.
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, EventId, E)> {
        if !self.cancelled.is_empty() {
            self.drop_cancelled();
        }
        // A scheduled event's key (time, class, sequence) against a posted one's (time,
        // class << 56 | sequence): the same order.
        let scheduled = self
            .pending
            .peek()
            .map(|(_, &Reverse((at, class, seq)))| (at, (u64::from(class) << CLASS_SHIFT) | seq));
        let posted = self.posted.peek().map(Posted::key);
        let from_posted = match (scheduled, posted) {
            (None, None) => return None,
            (Some(a), Some(b)) => b < a,
            (None, Some(_)) => true,
            (Some(_), None) => false,
        };
        let (at, id, event) = if from_posted {
            if posted.is_some_and(|(at, _)| at > horizon) {
                return None;
            }
            let p = self.posted.pop().expect("peeked");
            (p.at(), p.sequence(), p.event)
        } else {
            if scheduled.is_some_and(|(at, _)| at > horizon) {
                return None;
            }
            let (entry, Reverse((at, _, _))) = self.pending.pop().expect("peeked");
            (at, entry.id, entry.event)
        };
        self.now = at;
        self.popped += 1;
        Some((at, EventId(id), event))
    }

    fn take_sequence(&mut self) -> u64 {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        sequence
    }

    fn clamp_to_now(&self, at: SimTime) -> SimTime {
        debug_assert!(
            at >= self.now,
            "event scheduled in the past: at = {at}, now = {}",
            self.now
        );
        at.max(self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64;
    use std::collections::{BTreeMap, HashMap};

    #[derive(Clone, Debug, PartialEq)]
    struct TestEvent {
        class: u8,
        payload: u64,
    }

    impl EventClass for TestEvent {
        fn class(&self) -> u8 {
            self.class
        }
    }

    fn event(class: u8, payload: u64) -> TestEvent {
        TestEvent { class, payload }
    }

    fn drain_payloads(queue: &mut EventQueue<TestEvent>) -> Vec<u64> {
        std::iter::from_fn(|| queue.pop().map(|(_, _, e)| e.payload)).collect()
    }

    #[test]
    fn pops_in_time_order_and_advances_the_clock() {
        let mut queue = EventQueue::new();
        queue.schedule(30, event(0, 3));
        queue.schedule(10, event(0, 1));
        queue.schedule(20, event(0, 2));
        assert_eq!(queue.len(), 3); // three scheduled, none popped
        assert_eq!(queue.peek_time(), Some(10)); // earliest of 30, 10, 20
        let (at, _, first) = queue.pop().unwrap();
        assert_eq!((at, first.payload), (10, 1)); // earliest first
        assert_eq!(queue.now(), 10); // clock moved to the popped time
        assert_eq!(drain_payloads(&mut queue), vec![2, 3]); // then 20, then 30
        assert_eq!(queue.now(), 30); // last popped time
        assert_eq!(queue.popped(), 3); // all three popped
        assert!(queue.is_empty()); // nothing left
        assert_eq!(queue.pop(), None); // popping empty gives None
        assert_eq!(queue.peek_time(), None); // and so does peeking
    }

    #[test]
    fn same_time_pops_by_class_first() {
        let mut queue = EventQueue::new();
        queue.schedule(5, event(2, 20));
        queue.schedule(5, event(0, 0));
        queue.schedule(5, event(1, 10));
        assert_eq!(drain_payloads(&mut queue), vec![0, 10, 20]); // classes 0, 1, 2 despite insertion order 2, 0, 1
    }

    #[test]
    fn same_time_and_class_pops_in_insertion_order() {
        let mut queue = EventQueue::new();
        for payload in [7, 3, 9, 1] {
            queue.schedule(5, event(1, payload));
        }
        assert_eq!(drain_payloads(&mut queue), vec![7, 3, 9, 1]); // FIFO among exact ties
    }

    #[test]
    fn reschedule_to_same_time_moves_behind_equal_events() {
        let mut queue = EventQueue::new();
        let first = queue.schedule(5, event(1, 1));
        queue.schedule(5, event(1, 2));
        queue.schedule(5, event(1, 3));
        assert!(queue.reschedule(first, 5)); // same time, but a new sequence number
        assert_eq!(drain_payloads(&mut queue), vec![2, 3, 1]); // 1 now orders as if scheduled last
    }

    #[test]
    fn reschedule_changes_time_but_keeps_class() {
        let mut queue = EventQueue::new();
        let late = queue.schedule(100, event(0, 1));
        queue.schedule(50, event(1, 2));
        assert!(queue.reschedule(late, 50)); // move from 100 to 50
        assert_eq!(queue.time_of(late), Some(50)); // new time is visible
        assert_eq!(drain_payloads(&mut queue), vec![1, 2]); // at t = 50 class 0 beats class 1 despite later sequence
    }

    #[test]
    fn cancel_and_reschedule_fail_once_the_event_is_gone() {
        let mut queue = EventQueue::new();
        let popped = queue.schedule(1, event(0, 1));
        let cancelled = queue.schedule(2, event(0, 2));
        assert_eq!(queue.cancel(cancelled), Some(event(0, 2))); // returns the payload
        assert_eq!(queue.cancel(cancelled), None); // second cancel finds nothing
        assert!(!queue.reschedule(cancelled, 3)); // cannot move a cancelled event
        assert_eq!(queue.time_of(cancelled), None); // and it has no time
        queue.pop();
        assert_eq!(queue.cancel(popped), None); // popped events cannot be cancelled
        assert!(!queue.reschedule(popped, 3)); // nor moved
        assert_eq!(queue.popped(), 1); // cancels do not count as pops
    }

    #[test]
    fn schedule_in_is_relative_to_now() {
        let mut queue = EventQueue::new();
        queue.schedule(100, event(0, 1));
        queue.pop();
        let id = queue.schedule_in(25, event(0, 2));
        assert_eq!(queue.time_of(id), Some(125)); // now 100 + delay 25
        let far = queue.schedule_in(SimTime::MAX, event(0, 3));
        assert_eq!(queue.time_of(far), Some(SimTime::MAX)); // 100 + MAX saturates
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "event scheduled in the past")]
    fn scheduling_in_the_past_asserts_in_debug_builds() {
        let mut queue = EventQueue::new();
        queue.schedule(10, event(0, 1));
        queue.pop();
        queue.schedule(5, event(0, 2)); // 5 < now = 10: a caller bug
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn scheduling_in_the_past_clamps_to_now_in_release_builds() {
        let mut queue = EventQueue::new();
        queue.schedule(10, event(0, 1));
        queue.pop();
        let id = queue.schedule(5, event(0, 2));
        assert_eq!(queue.time_of(id), Some(10)); // clamped from 5 up to now = 10
        assert!(queue.reschedule(id, 3));
        assert_eq!(queue.time_of(id), Some(10)); // reschedule clamps the same way
    }

    #[test]
    fn ids_are_unique_even_across_reschedules() {
        let mut queue = EventQueue::new();
        let a = queue.schedule(1, event(0, 1));
        queue.reschedule(a, 2);
        let b = queue.schedule(1, event(0, 2));
        assert_ne!(a, b); // ids come from their own counter, not the sequence
    }

    #[test]
    fn id_hasher_matches_plain_u64_hash() {
        // Borrow<u64> is sound only if an Entry hashes exactly like its bare id.
        let hash_of = |value: &dyn Fn(&mut IdHasher)| {
            let mut hasher = IdHasher::default();
            value(&mut hasher);
            hasher.finish()
        };
        let entry = Entry { id: 42, event: () };
        let via_entry = hash_of(&|h| entry.hash(h));
        let via_u64 = hash_of(&|h| 42u64.hash(h));
        assert_eq!(via_entry, via_u64); // both are 42 * 0x9E3779B97F4A7C15 (mod 2^64)
        assert_eq!(via_u64, 42u64.wrapping_mul(ID_HASH_MULTIPLIER)); // a single multiply
    }

    /// One step of a random workload, applied to both the queue and the reference model.
    #[derive(Clone, Debug)]
    enum Op {
        Schedule { delay: SimTime, class: u8 },
        Cancel { pick: usize },
        Reschedule { pick: usize, delay: SimTime },
        Post { delay: SimTime, class: u8 },
        CancelPost { pick: usize },
        ProbeAnyId { pick: u64 },
        Pop,
    }

    /// The contract written out directly: a BTreeMap ordered by (time, class, sequence).
    #[derive(Default)]
    struct Reference {
        by_key: BTreeMap<(SimTime, u8, u64), (u64, u64)>,
        key_of: HashMap<u64, (SimTime, u8, u64)>,
        // Live ids in a Vec so a random one can be picked and removed in O(1).
        live: Vec<u64>,
        slot_of: HashMap<u64, usize>,
        posted: HashMap<u64, (SimTime, u8, u64)>,
        /// Posted ids still pending, to pick one to cancel.
        posted_live: Vec<u64>,
        now: SimTime,
        next_id: u64,
        next_sequence: u64,
    }

    impl Reference {
        fn schedule(&mut self, at: SimTime, class: u8, payload: u64) -> u64 {
            let id = self.next_id;
            self.next_id += 1;
            let key = (at, class, self.next_sequence);
            self.next_sequence += 1;
            self.by_key.insert(key, (id, payload));
            self.key_of.insert(id, key);
            self.slot_of.insert(id, self.live.len());
            self.live.push(id);
            id
        }

        /// A posted event: in the order, but never a target of cancel or reschedule.
        fn post(&mut self, at: SimTime, class: u8, payload: u64) -> u64 {
            let id = self.next_id;
            self.next_id += 1;
            let key = (at, class, self.next_sequence);
            self.next_sequence += 1;
            self.by_key.insert(key, (id, payload));
            self.posted.insert(id, key);
            self.posted_live.push(id);
            id
        }

        fn cancel_post(&mut self, id: u64) {
            let key = self.posted[&id];
            self.by_key.remove(&key);
            self.forget(id);
        }

        fn forget(&mut self, id: u64) {
            if self.posted.remove(&id).is_some() {
                let slot = self.posted_live.iter().position(|&x| x == id).unwrap();
                self.posted_live.swap_remove(slot);
                return;
            }
            let slot = self.slot_of.remove(&id).unwrap();
            self.live.swap_remove(slot);
            if let Some(&moved) = self.live.get(slot) {
                self.slot_of.insert(moved, slot);
            }
        }

        fn cancel(&mut self, id: u64) -> Option<u64> {
            let key = self.key_of.remove(&id)?;
            self.forget(id);
            self.by_key.remove(&key).map(|(_, payload)| payload)
        }

        fn reschedule(&mut self, id: u64, at: SimTime) -> bool {
            let Some(old) = self.key_of.get(&id).copied() else {
                return false;
            };
            let value = self.by_key.remove(&old).unwrap();
            let key = (at, old.1, self.next_sequence);
            self.next_sequence += 1;
            self.by_key.insert(key, value);
            self.key_of.insert(id, key);
            true
        }

        fn pop(&mut self) -> Option<(SimTime, u64, u64)> {
            let ((at, _, _), (id, payload)) = self.by_key.pop_first()?;
            self.key_of.remove(&id);
            self.forget(id);
            self.now = at;
            Some((at, id, payload))
        }
    }

    /// Runs `ops` against both implementations, asserting identical observable results.
    fn check_against_reference(ops: impl IntoIterator<Item = Op>) {
        let mut queue = EventQueue::new();
        let mut reference = Reference::default();
        let mut ids: HashMap<u64, EventId> = HashMap::new();
        let mut post_ids: HashMap<u64, PostId> = HashMap::new();
        let mut payload = 0u64;
        for op in ops {
            match op {
                Op::Schedule { delay, class } => {
                    payload += 1;
                    let at = reference.now + delay;
                    let expected = reference.schedule(at, class, payload);
                    let id = queue.schedule(at, event(class, payload));
                    ids.insert(expected, id);
                }
                Op::Post { delay, class } => {
                    payload += 1;
                    let at = reference.now + delay;
                    let expected = reference.post(at, class, payload);
                    post_ids.insert(expected, queue.post(at, event(class, payload)));
                }
                Op::CancelPost { pick } if !reference.posted_live.is_empty() => {
                    let target = reference.posted_live[pick % reference.posted_live.len()];
                    reference.cancel_post(target);
                    queue.cancel_post(post_ids[&target]);
                }
                Op::Cancel { pick } if !reference.live.is_empty() => {
                    let target = reference.live[pick % reference.live.len()];
                    let expected = reference.cancel(target);
                    let got = queue.cancel(ids[&target]).map(|e| e.payload);
                    assert_eq!(got, expected);
                }
                Op::Reschedule { pick, delay } if !reference.live.is_empty() => {
                    let target = reference.live[pick % reference.live.len()];
                    let at = reference.now + delay;
                    assert_eq!(
                        queue.reschedule(ids[&target], at),
                        reference.reschedule(target, at)
                    );
                    assert_eq!(queue.time_of(ids[&target]), Some(at));
                }
                Op::ProbeAnyId { pick } if reference.next_id > 0 => {
                    // Any id, live or dead: both sides must agree on whether it is pending.
                    let target = pick % reference.next_id;
                    let Some(&id) = ids.get(&target) else {
                        continue; // a posted event: not addressable
                    };
                    let pending = reference.key_of.contains_key(&target);
                    assert_eq!(queue.time_of(id).is_some(), pending);
                    if !pending {
                        assert_eq!(queue.cancel(id), None);
                        assert!(!queue.reschedule(id, reference.now));
                    }
                }
                Op::Pop => {
                    // Posted events have no id to compare: compare time and payload.
                    let expected = reference.pop().map(|(at, _, p)| (at, p));
                    let got = queue.pop().map(|(at, _, e)| (at, e.payload));
                    assert_eq!(got, expected);
                }
                _ => {}
            }
            assert_eq!(queue.len(), reference.by_key.len());
            assert_eq!(queue.now(), reference.now);
            assert_eq!(
                queue.peek_time(),
                reference.by_key.keys().next().map(|k| k.0)
            );
        }
        // Drain what is left: the tail must agree too.
        while let Some((at, _, payload)) = reference.pop() {
            let got = queue.pop().map(|(at, _, e)| (at, e.payload));
            assert_eq!(got, Some((at, payload)));
        }
        assert!(queue.is_empty());
    }

    /// Random ops: schedules slightly outnumber pops so the queue grows to hundreds
    /// pending; small delays and 4 classes make exact ties common.
    fn random_op(rng: &mut Pcg64) -> Op {
        match rng.random_range(0..100u32) {
            0..25 => Op::Schedule {
                delay: rng.random_range(0..50),
                class: rng.random_range(0..4),
            },
            25..37 => Op::Post {
                delay: rng.random_range(0..50),
                class: rng.random_range(0..4),
            },
            37..40 => Op::CancelPost {
                pick: rng.random_range(0..usize::MAX),
            },
            40..50 => Op::Cancel {
                pick: rng.random_range(0..usize::MAX),
            },
            50..62 => Op::Reschedule {
                pick: rng.random_range(0..usize::MAX),
                delay: rng.random_range(0..50),
            },
            62..65 => Op::ProbeAnyId { pick: rng.random() },
            _ => Op::Pop,
        }
    }

    #[test]
    fn matches_reference_over_200k_random_operations() {
        let mut rng = Pcg64::seed_from_u64(20_240_601);
        check_against_reference((0..200_000).map(|_| random_op(&mut rng)));
    }

    fn op_strategy() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0..20i64, 0..3u8).prop_map(|(delay, class)| Op::Schedule { delay, class }),
            2 => (0..20i64, 0..3u8).prop_map(|(delay, class)| Op::Post { delay, class }),
            1 => any::<usize>().prop_map(|pick| Op::CancelPost { pick }),
            1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
            1 => (any::<usize>(), 0..20i64).prop_map(|(pick, delay)| Op::Reschedule { pick, delay }),
            1 => any::<u64>().prop_map(|pick| Op::ProbeAnyId { pick }),
            3 => Just(Op::Pop),
        ]
    }

    proptest! {
        #[test]
        fn matches_reference_for_arbitrary_operation_sequences(
            ops in proptest::collection::vec(op_strategy(), 0..300)
        ) {
            check_against_reference(ops);
        }
    }
}
