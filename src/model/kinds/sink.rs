//! `sink`: where material leaves the network (a terminal node with no settings of its own).

use serde::Deserialize;

use crate::model::validate::NodeCx;

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &[];

/// Where material leaves the network (oxide buyers, the end of a queueing network).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkSpec {
    pub id: String,
    pub kind: String,
}

/// A sink has nothing to check beyond its fields being known ones.
pub(crate) fn validate(n: &mut NodeCx) -> Option<()> {
    let _: SinkSpec = n.read()?;
    Some(())
}
