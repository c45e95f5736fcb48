//! `station`: a plain c-server FIFO station (queueing networks, validation against theory).

use serde::Deserialize;

use crate::kernel::Dist;
use crate::model::network::Failures;
use crate::model::spec::{DistSpec, FailureSpec};
use crate::model::validate::{MAX_SERVERS, NodeCx};

/// Output ports, in port-index order.
pub const PORTS: &[&str] = &["out"];

/// A plain c-server FIFO station (queueing networks, validation against theory).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationSpec {
    pub id: String,
    pub kind: String,
    pub servers: u32,
    pub service_h: DistSpec,
    pub failures: Option<FailureSpec>,
    /// Jobs waiting (not in service), at most; unlimited when absent.
    pub queue_capacity_jobs: Option<u64>,
    /// Finished jobs waiting for dispatch, at most; unlimited when absent.
    pub storage_capacity_kg: Option<f64>,
}

/// A validated `station`: servers, service time, failures, and optional capacities (storage in mg).
#[derive(Debug, Clone)]
pub struct Station {
    pub servers: u32,
    pub service_h: Dist,
    pub failures: Option<Failures>,
    pub queue_capacity_jobs: Option<u64>,
    pub storage_capacity_mg: Option<i64>,
}

/// Checks one `station` node and builds its settings; `None` if its fields cannot be read.
pub(crate) fn validate(n: &mut NodeCx) -> Option<Station> {
    let s: StationSpec = n.read()?;
    n.count("servers", s.servers, MAX_SERVERS);
    let service = n.dist("service_h", &s.service_h);
    let f = n.failures(&s.failures);
    if s.queue_capacity_jobs == Some(0) {
        n.problem(
            "queue_capacity_jobs",
            "must be at least 1",
            Some("leave it out for an unlimited queue".into()),
        );
    }
    let storage = s
        .storage_capacity_kg
        .map(|c| n.capacity("storage_capacity_kg", c));
    Some(Station {
        servers: s.servers,
        service_h: service,
        failures: f,
        queue_capacity_jobs: s.queue_capacity_jobs,
        storage_capacity_mg: storage,
    })
}
