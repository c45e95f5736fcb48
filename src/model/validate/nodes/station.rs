//! `station`: a plain c-server FIFO station (queueing networks, validation against theory).

use super::NodeCx;
use crate::model::network::Station;
use crate::model::spec::StationSpec;
use crate::model::validate::MAX_SERVERS;

pub(super) fn station(n: &mut NodeCx) -> Option<Station> {
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
