//! Several problems in one file are reported together.

use super::{at, expect, five_mistakes, listing};
use crate::common::problems;

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let ps = problems(&five_mistakes());
    assert_eq!(ps.len(), 5, "{}", listing(&ps));
    expect(
        at(&ps, "calendar.years"),
        "calendar.years",
        Some((4, 3)),
        "found -1",
        None,
    );
    expect(
        at(&ps, "nodes[0].interarrival_h"),
        "nodes[0].interarrival_h",
        Some((14, 5)),
        "uniform needs lo <= hi",
        None,
    );
    expect(
        at(&ps, "nodes[1].servers"),
        "nodes[1].servers",
        Some((18, 5)),
        "found 0",
        None,
    );
    expect(
        at(&ps, "nodes[2].capacity"),
        "nodes[2].capacity",
        Some((22, 5)),
        "unknown field `capacity`",
        Some("known fields: id, kind"),
    );
    expect(
        at(&ps, "links[1].to"),
        "links[1].to",
        Some((25, 3)),
        "no node named `departure`",
        Some("did you mean `departures`?"),
    );
}
