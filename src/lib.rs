//! magloop: a discrete-event simulator of the US rare-earth magnet recycling network.
//!
//! Dependencies point one way: `kernel` (time, events, random streams) knows nothing of the
//! rest; `model` turns YAML into a validated network; `sim` runs that network on the
//! kernel and records what happened; `script` drives policies in Rhai through the
//! simulation's one policy door; `output` writes what was recorded; `report` draws it (HTML); `sensitivity` holds
//! the designs and estimators (pure functions) that `batch` uses for uncertain inputs and
//! attribution; `app` wires the commands together for `main`.

pub mod app;
pub mod batch;
pub mod error;
pub mod files;
pub mod kernel;
pub mod model;
pub mod output;
pub mod report;
pub mod script;
pub mod sensitivity;
pub mod sim;

pub use error::{Error, Result};
