//! The event kernel: integer time, the event queue, keyed random streams and distributions.

pub mod dist;
pub mod queue;
pub mod rng;
pub mod time;

pub use dist::{Dist, DistError, Sampler};
pub use queue::{EventClass, EventId, EventQueue, PostId};
pub use rng::{Rng, StreamKey, stream};
pub use time::*;
