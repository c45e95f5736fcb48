//! `sink`: where material leaves the network (a terminal node with no settings of its own).

use super::NodeCx;
use crate::model::spec::SinkSpec;

/// A sink has nothing to check beyond its fields being known ones.
pub(super) fn sink(n: &mut NodeCx) -> Option<()> {
    let _: SinkSpec = n.read()?;
    Some(())
}
