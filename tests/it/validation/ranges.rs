//! Ranges, node kind by node kind, then links.

use magloop::model::{self, Overrides};

use super::{Case, LOOP, MM1, at, check_cases, expect, listing, the_problem, with};
use crate::common::problems;

#[test]
fn calendar_ranges() {
    check_cases(
        MM1,
        &[
            Case {
                from: "start: 2025-01-01",
                to: "start: yesterday",
                path: "calendar.start",
                at: (3, 3),
                message: "`yesterday` is not a date",
                why: "a start that is not YYYY-MM-DD",
            },
            Case {
                from: "start: 2025-01-01",
                to: "start: 2025-02-30",
                path: "calendar.start",
                at: (3, 3),
                message: "`2025-02-30` is not a date",
                why: "February has no 30th",
            },
            Case {
                from: "years: 1",
                to: "years: 1e9",
                path: "calendar.years",
                at: (4, 3),
                message: "must be a number above 0 and at most",
                why: "a horizon of a billion years is above the 200-year limit",
            },
            Case {
                from: "years: 1",
                to: "years: 0",
                path: "calendar.years",
                at: (4, 3),
                message: "found 0",
                why: "a horizon must be above 0",
            },
            Case {
                from: "years: 1",
                to: "years: -3",
                path: "calendar.years",
                at: (4, 3),
                message: "found -3",
                why: "a negative horizon",
            },
            Case {
                from: "record_every_days: 1",
                to: "record_every_days: 0.01",
                path: "calendar.record_every_days",
                at: (5, 3),
                message: "must be at least one hour (1/24 day)",
                why: "0.01 day is 14.4 minutes, below one hour",
            },
            Case {
                from: "record_every_days: 1",
                to: "record_every_days: 5000",
                path: "calendar.record_every_days",
                at: (5, 3),
                message: "found 5000",
                why: "at most 3660 days (ten years)",
            },
        ],
    );
}

#[test]
fn a_years_override_is_checked_like_the_file() {
    // `--years` is parsed by the CLI, but batches pass overrides straight to the loader.
    let err = model::load_str(MM1, "mm1.yaml", &Overrides { years: Some(1e9) }).err();
    let Some(magloop::Error::Model { problems, .. }) = err else {
        panic!("a billion-year override should be rejected")
    };
    assert_eq!(problems.len(), 1, "{}", listing(&problems));
    expect(
        &problems[0],
        "calendar.years",
        Some((4, 3)),
        "found 1000000000",
        None,
    );
}

#[test]
fn range_limits_are_written_as_plain_numbers() {
    // models/README.md says "above 0, at most 200" and "at most 3660"; the messages use the
    // same numbers (with thousands separators), not `2e2` and `3.66e3`.
    let p = the_problem(&with(MM1, "years: 1", "years: 1e9"));
    expect(
        &p,
        "calendar.years",
        Some((4, 3)),
        "at most 200, found 1000000000",
        None,
    );
    let p = the_problem(&with(
        MM1,
        "record_every_days: 1",
        "record_every_days: 5000",
    ));
    expect(
        &p,
        "calendar.record_every_days",
        Some((5, 3)),
        "at most 3,660, found 5000",
        None,
    );
    // Limits of a billion and more stay in exponent form: 1e10 drives a year (line 26).
    let p = the_problem(&with(LOOP, "drives_per_year: 100000", "drives_per_year: 0"));
    expect(
        &p,
        "nodes[0].drives_per_year",
        Some((26, 5)),
        "at most 1e10, found 0",
        None,
    );
}

#[test]
fn source_ranges() {
    check_cases(
        MM1,
        &[
            Case {
                from: "interarrival_h: {exponential: {mean: 1}}",
                to: "interarrival_h: {exponential: {mean: 0.0001}}",
                path: "nodes[0].interarrival_h",
                at: (14, 5),
                message: "the mean gap between arrivals must be at least one second",
                why: "0.0001 h is 0.36 s; time is counted in whole seconds",
            },
            Case {
                from: "lot_kg: {constant: 1}",
                to: "lot_kg: {uniform: [5, 1]}",
                path: "nodes[0].lot_kg",
                at: (15, 5),
                message: "uniform needs lo <= hi",
                why: "lot_kg's distribution is checked like any other",
            },
        ],
    );
}

#[test]
fn unknown_material_suggests_the_declared_one() {
    // `material` of nodes[0] is line 13.
    let p = the_problem(&with(MM1, "material: job", "material: jobs"));
    expect(
        &p,
        "nodes[0].material",
        Some((13, 5)),
        "unknown material `jobs`",
        Some("did you mean `job`?"),
    );
    let p = the_problem(&with(MM1, "material: job", "material: widgets"));
    expect(
        &p,
        "nodes[0].material",
        Some((13, 5)),
        "unknown material `widgets`",
        Some("declare it under `materials:`"),
    );
}

#[test]
fn too_many_arrivals_from_a_source_are_refused() {
    // A gap of 0.001 h (3.6 s, above the one-second floor) over 50 years:
    // 8,766 h / 0.001 h = 8,766,000 arrivals a year, * 50 = 4.38e8 > 2e8.
    let yaml = with(MM1, "years: 1", "years: 50");
    let p = the_problem(&with(
        &yaml,
        "{exponential: {mean: 1}}",
        "{exponential: {mean: 0.001}}",
    ));
    expect(
        &p,
        "nodes[0].interarrival_h",
        Some((14, 5)),
        "would create about 4.38e8 arrivals over 50 years, more than the 2e8 a run can hold",
        Some("use larger lots"),
    );
}

#[test]
fn too_many_arrivals_from_scrap_and_drives_are_refused() {
    // Scrap: 50 t/yr in 0.1 kg lots over 2 years = 50,000 kg / 0.1 kg * 2 = 1.00e6 lots:
    // fine; in 0.0001 kg lots it is 5e8 * 2 = 1.00e9 > 2e8, placed at `lot_kg` (line 36).
    let p = the_problem(&with(
        LOOP,
        "lot_kg: {uniform: [200, 800]}",
        "lot_kg: {constant: 0.0001}",
    ));
    expect(
        &p,
        "nodes[1].lot_kg",
        Some((36, 5)),
        "would create about 1.00e9 arrivals over 2 years",
        None,
    );
    // Drives: 1e9 drives a year one per pallet over 2 years = 2.00e9 pallets, placed at
    // `pallet_drives` (line 27).
    let yaml = with(
        LOOP,
        "drives_per_year: 100000",
        "drives_per_year: 1000000000",
    );
    let p = the_problem(&with(&yaml, "pallet_drives: 300", "pallet_drives: 1"));
    expect(
        &p,
        "nodes[0].pallet_drives",
        Some((27, 5)),
        "would create about 2.00e9 arrivals over 2 years",
        None,
    );
}

#[test]
fn an_end_before_the_start_is_refused() {
    // Inserted after `lot_kg` (line 15): start is line 16, end line 17.
    let yaml = with(
        MM1,
        "    lot_kg: {constant: 1}\n",
        "    lot_kg: {constant: 1}\n    start: 2025-06-01\n    end: 2025-03-01\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[0].end",
        Some((17, 5)),
        "ends before it starts",
        Some("swap start and end"),
    );
    let yaml = with(
        MM1,
        "    lot_kg: {constant: 1}\n",
        "    lot_kg: {constant: 1}\n    start: soon\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[0].start",
        Some((16, 5)),
        "`soon` is not a date",
        Some("YYYY-MM-DD"),
    );
}

#[test]
fn an_end_that_is_not_a_date_is_reported_once() {
    // start on line 16 is fine; end on line 17 is not a date, and that is all that is
    // wrong: the bad date must not also read as "ends before it starts".
    let yaml = with(
        MM1,
        "    lot_kg: {constant: 1}\n",
        "    lot_kg: {constant: 1}\n    start: 2025-06-01\n    end: later\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[0].end",
        Some((17, 5)),
        "`later` is not a date",
        Some("YYYY-MM-DD"),
    );
}

#[test]
fn station_ranges() {
    check_cases(
        MM1,
        &[
            Case {
                from: "servers: 1",
                to: "servers: 0",
                path: "nodes[1].servers",
                at: (18, 5),
                message: "must be from 1 to 10000, found 0",
                why: "a station without servers never serves",
            },
            Case {
                from: "servers: 1",
                to: "servers: 20000",
                path: "nodes[1].servers",
                at: (18, 5),
                message: "found 20000",
                why: "at most 10,000 servers",
            },
            Case {
                from: "    servers: 1\n",
                to: "    servers: 1\n    storage_capacity_kg: -1\n",
                path: "nodes[1].storage_capacity_kg",
                at: (19, 5),
                message: "must be a number above 0 and at most 1e12, found -1",
                why: "a negative capacity (the optional field, inserted as line 19)",
            },
        ],
    );
}

#[test]
fn a_zero_queue_capacity_is_refused_with_a_hint() {
    // Inserted after `servers` (line 18), it is line 19.
    let p = the_problem(&with(
        MM1,
        "    servers: 1\n",
        "    servers: 1\n    queue_capacity_jobs: 0\n",
    ));
    expect(
        &p,
        "nodes[1].queue_capacity_jobs",
        Some((19, 5)),
        "must be at least 1",
        Some("leave it out for an unlimited queue"),
    );
}

#[test]
fn failures_must_average_at_least_one_second() {
    // A flow `failures` inserted as line 20; the locator places its fields at the key.
    // 0.0001 h = 0.36 s.
    let yaml = with(
        MM1,
        "    service_h: {exponential: {mean: 0.5}}\n",
        "    service_h: {exponential: {mean: 0.5}}\n    failures: {tbf_h: 0.0001, repair_h: 1}\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[1].failures.tbf_h",
        Some((20, 5)),
        "must average at least one second",
        Some("whole seconds"),
    );
    let yaml = with(
        MM1,
        "    service_h: {exponential: {mean: 0.5}}\n",
        "    service_h: {exponential: {mean: 0.5}}\n    failures: {tbf_h: 10, repair_h: {uniform: [3, 1]}}\n",
    );
    let p = the_problem(&yaml);
    expect(
        &p,
        "nodes[1].failures.repair_h",
        Some((20, 5)),
        "uniform needs lo <= hi",
        None,
    );
}

#[test]
fn hdd_source_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "drives_per_year: 100000",
                to: "drives_per_year: 0",
                path: "nodes[0].drives_per_year",
                at: (26, 5),
                message: "must be a number above 0 and at most 1e10, found 0",
                why: "no drives",
            },
            Case {
                from: "    drives_per_year: 100000\n",
                to: "    drives_per_year: 100000\n    growth_per_year: 1.5\n",
                path: "nodes[0].growth_per_year",
                at: (27, 5),
                message: "must be a yearly growth rate above -1 and at most 1, found 1.5",
                why: "+150 % a year is above the limit (inserted as line 27)",
            },
            Case {
                from: "    drives_per_year: 100000\n",
                to: "    drives_per_year: 100000\n    capture_share: 1.2\n",
                path: "nodes[0].capture_share",
                at: (27, 5),
                message: "must be a share between 0 and 1, found 1.2",
                why: "more than every drive cannot be captured",
            },
            Case {
                from: "pallet_drives: 300",
                to: "pallet_drives: 0",
                path: "nodes[0].pallet_drives",
                at: (27, 5),
                message: "must be from 1 to 1000000, found 0",
                why: "an empty pallet",
            },
            Case {
                from: "{triangular: [15, 20, 25]}",
                to: "{triangular: [25, 20, 15]}",
                path: "nodes[0].magnet_g_per_drive",
                at: (28, 5),
                message: "triangular needs lo <= mode <= hi",
                why: "the bounds are swapped",
            },
            Case {
                from: "body_g_per_drive: 600",
                to: "body_g_per_drive: -600",
                path: "nodes[0].body_g_per_drive",
                at: (29, 5),
                message: "must be >= 0",
                why: "a negative mass",
            },
            Case {
                from: "body_material: body",
                to: "body_material: magnet",
                path: "nodes[0].body_material",
                at: (31, 5),
                message: "material `magnet` has role",
                why: "a drive body must be a carrier",
            },
        ],
    );
}

#[test]
fn an_unknown_material_is_not_also_a_wrong_role() {
    // `magnet_material` of `drives` is line 30. `magnets` is not declared, and that is all
    // that is wrong; `body` is not even named there.
    let p = the_problem(&with(
        LOOP,
        "magnet_material: magnet",
        "magnet_material: magnets",
    ));
    expect(
        &p,
        "nodes[0].magnet_material",
        Some((30, 5)),
        "unknown material `magnets`",
        Some("did you mean `magnet`?"),
    );
    // The same on the HPMS plant (line 55): the role of `body` is beside the point.
    let p = the_problem(&with(
        LOOP,
        "magnet_material: sintered",
        "magnet_material: sinterd",
    ));
    expect(
        &p,
        "nodes[3].magnet_material",
        Some((55, 5)),
        "unknown material `sinterd`",
        None,
    );
}

#[test]
fn enormous_drive_counts_are_refused() {
    // 1e30 drives a year is above the 1e10 limit (line 26); with it the arrival guard
    // also fires at `pallet_drives` (line 27): 1e30 / 300 * 2 years is far above 2e8; and
    // the mass guard at `drives_per_year`: 1e30 drives of ~0.6 kg is far above 1e8 t.
    let ps = problems(&with(
        LOOP,
        "drives_per_year: 100000",
        "drives_per_year: 1e30",
    ));
    assert_eq!(ps.len(), 3, "{}", listing(&ps));
    assert!(
        ps.iter().any(|p| p.path == "nodes[0].drives_per_year"
            && p.message.contains("magloop's exact mass accounting holds")),
        "{}",
        listing(&ps)
    );
    expect(
        at(&ps, "nodes[0].drives_per_year"),
        "nodes[0].drives_per_year",
        Some((26, 5)),
        "at most 1e10",
        None,
    );
    expect(
        at(&ps, "nodes[0].pallet_drives"),
        "nodes[0].pallet_drives",
        Some((27, 5)),
        "arrivals over 2 years",
        None,
    );
}

#[test]
fn a_zero_capture_share_is_refused_with_a_hint() {
    // 0 is a valid share, but no drive would ever arrive (inserted as line 27).
    let p = the_problem(&with(
        LOOP,
        "    drives_per_year: 100000\n",
        "    drives_per_year: 100000\n    capture_share: 0\n",
    ));
    expect(
        &p,
        "nodes[0].capture_share",
        Some((27, 5)),
        "must be above 0 (no drive would ever arrive)",
        Some("remove the source instead"),
    );
}

#[test]
fn scrap_source_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "tonnes_per_year: 50",
                to: "tonnes_per_year: 0",
                path: "nodes[1].tonnes_per_year",
                at: (35, 5),
                message: "must be a number above 0 and at most 100,000,000, found 0",
                why: "no scrap",
            },
            Case {
                from: "    tonnes_per_year: 50\n",
                to: "    tonnes_per_year: 50\n    max_tonnes_per_year: -5\n",
                path: "nodes[1].max_tonnes_per_year",
                at: (36, 5),
                message: "found -5",
                why: "a negative ceiling (inserted as line 36)",
            },
            Case {
                from: "    tonnes_per_year: 50\n",
                to: "    tonnes_per_year: 50\n    growth_per_year: -1\n",
                path: "nodes[1].growth_per_year",
                at: (36, 5),
                message: "above -1",
                why: "-100 % a year is not above -1",
            },
            Case {
                from: "lot_kg: {uniform: [200, 800]}",
                to: "lot_kg: {uniform: [0, 0]}",
                path: "nodes[1].lot_kg",
                at: (36, 5),
                message: "lots must weigh more than 0 kg on average",
                why: "a valid distribution whose mean is 0",
            },
            Case {
                from: "material: magnet\n    tonnes",
                to: "material: body\n    tonnes",
                path: "nodes[1].material",
                at: (34, 5),
                message: "material `body` has role",
                why: "scrap sources carry magnet or scrap, not carrier",
            },
        ],
    );
}

#[test]
fn preprocessor_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "lines: 1",
                to: "lines: 0",
                path: "nodes[2].lines",
                at: (39, 5),
                message: "must be from 1 to 10000, found 0",
                why: "no separation line",
            },
            Case {
                from: "cycle_s_per_drive: 2",
                to: "cycle_s_per_drive: {exponential: {mean: 0}}",
                path: "nodes[2].cycle_s_per_drive",
                at: (40, 5),
                message: "exponential needs mean > 0",
                why: "an exponential of mean 0",
            },
            Case {
                from: "recovery_yield: 0.95",
                to: "recovery_yield: 1.5",
                path: "nodes[2].recovery_yield",
                at: (41, 5),
                message: "must be a share between 0 and 1, found 1.5",
                why: "a yield above 1 would create magnet",
            },
            Case {
                from: "magnet_share: 0.35",
                to: "magnet_share: 0",
                path: "nodes[2].magnet_share",
                at: (42, 5),
                message: "must be above 0",
                why: "an output stream with no magnet",
            },
            Case {
                from: "carrier_material: steel",
                to: "carrier_material: magnet",
                path: "nodes[2].carrier_material",
                at: (43, 5),
                message: "material `magnet` has role",
                why: "the carrier label must be a carrier",
            },
            Case {
                from: "input_capacity_drives: 10000",
                to: "input_capacity_drives: 0",
                path: "nodes[2].input_capacity_drives",
                at: (44, 5),
                message: "must be at least 1",
                why: "an input that holds no drive",
            },
            Case {
                from: "storage_capacity_kg: 60000",
                to: "storage_capacity_kg: -60000",
                path: "nodes[2].storage_capacity_kg",
                at: (45, 5),
                message: "must be a number above 0 and at most 1e12, found -60000",
                why: "a negative capacity",
            },
        ],
    );
}

#[test]
fn hpms_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "vessels: 2",
                to: "vessels: 0",
                path: "nodes[3].vessels",
                at: (48, 5),
                message: "must be from 1 to 10000, found 0",
                why: "no vessel",
            },
            Case {
                from: "batch_kg: 400",
                to: "batch_kg: 0",
                path: "nodes[3].batch_kg",
                at: (49, 5),
                message: "must be a number above 0 and at most 10,000,000, found 0",
                why: "an empty batch",
            },
            Case {
                from: "cycle_h: {triangular: [4, 5, 6]}",
                to: "cycle_h: {constant: 0.0001}",
                path: "nodes[3].cycle_h",
                at: (50, 5),
                message: "a batch must take at least one second on average",
                why: "0.0001 h is 0.36 s",
            },
            Case {
                from: "extraction_yield: 0.9",
                to: "extraction_yield: .nan",
                path: "nodes[3].extraction_yield",
                at: (51, 5),
                message: "must be a share between 0 and 1, found NaN",
                why: "NaN is no share",
            },
            Case {
                from: "unsuitable_share: 0.2",
                to: "unsuitable_share: -0.1",
                path: "nodes[3].unsuitable_share",
                at: (52, 5),
                message: "found -0.1",
                why: "a negative share",
            },
            Case {
                from: "commissioning: 2025-06-01",
                to: "commissioning: 2027-13-01",
                path: "nodes[3].commissioning",
                at: (53, 5),
                message: "`2027-13-01` is not a date",
                why: "there is no 13th month",
            },
            Case {
                from: "    commissioning: 2025-06-01\n",
                to: "    commissioning: 2025-06-01\n    ramp_years: -1\n",
                path: "nodes[3].ramp_years",
                at: (54, 5),
                message: "found -1",
                why: "a negative ramp (inserted as line 54)",
            },
            Case {
                from: "sintered_t_per_year: 50",
                to: "sintered_t_per_year: 0",
                path: "nodes[3].sintered_t_per_year",
                at: (54, 5),
                message: "found 0",
                why: "a hub that makes no sintered magnets",
            },
            Case {
                from: "magnet_material: sintered",
                to: "magnet_material: residue",
                path: "nodes[3].magnet_material",
                at: (55, 5),
                message: "material `residue` has role",
                why: "HPMS magnets must be a product",
            },
            Case {
                from: "residue_material: residue",
                to: "residue_material: sintered",
                path: "nodes[3].residue_material",
                at: (57, 5),
                message: "material `sintered` has role",
                why: "HPMS residue must be scrap",
            },
            Case {
                from: "input_capacity_kg: 100000",
                to: "input_capacity_kg: 300",
                path: "nodes[3].input_capacity_kg",
                at: (58, 5),
                message: "holds less than one batch (400 kg)",
                why: "300 kg of room never fills a 400 kg batch",
            },
            Case {
                from: "storage_capacity_kg: 100000",
                to: "storage_capacity_kg: 0",
                path: "nodes[3].storage_capacity_kg",
                at: (59, 5),
                message: "found 0",
                why: "no room for output",
            },
            Case {
                from: "coproducts_t_per_year: 50",
                to: "coproducts_t_per_year: -1",
                path: "nodes[3].coproducts_t_per_year",
                at: (60, 5),
                message: "found -1",
                why: "negative co-products",
            },
            Case {
                from: "    coproducts_t_per_year: 50\n",
                to: "    coproducts_t_per_year: 50\n    co2_kg_per_kg_product: -1\n",
                path: "nodes[3].co2_kg_per_kg_product",
                at: (61, 5),
                message: "found -1",
                why: "negative emissions (inserted as line 61)",
            },
        ],
    );
}

#[test]
fn hpms_input_capacity_below_one_batch_has_a_hint() {
    let p = the_problem(&with(
        LOOP,
        "input_capacity_kg: 100000",
        "input_capacity_kg: 300",
    ));
    expect(
        &p,
        "nodes[3].input_capacity_kg",
        Some((58, 5)),
        "holds less than one batch (400 kg)",
        Some("raise input_capacity_kg above batch_kg"),
    );
}

#[test]
fn a_zero_initial_capacity_share_is_refused_with_a_hint() {
    // 0 is a valid share, but a plant at 0 % never starts (inserted as line 54).
    let p = the_problem(&with(
        LOOP,
        "    commissioning: 2025-06-01\n",
        "    commissioning: 2025-06-01\n    initial_capacity_share: 0\n",
    ));
    expect(
        &p,
        "nodes[3].initial_capacity_share",
        Some((54, 5)),
        "must be above 0",
        Some("0.2 for 20 %"),
    );
}

#[test]
fn shares_and_yields_have_a_hint() {
    let p = the_problem(&with(LOOP, "recovery_yield: 0.95", "recovery_yield: 1.5"));
    expect(
        &p,
        "nodes[2].recovery_yield",
        Some((41, 5)),
        "found 1.5",
        Some("write a fraction, e.g. 0.35 for 35 %"),
    );
}

#[test]
fn oxide_plant_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "feed_t_per_year: 100",
                to: "feed_t_per_year: 0",
                path: "nodes[4].feed_t_per_year",
                at: (63, 5),
                message: "found 0",
                why: "no feed capacity",
            },
            Case {
                from: "commissioning: 2025-01-01",
                to: "commissioning: 2027/01/01",
                path: "nodes[4].commissioning",
                at: (64, 5),
                message: "`2027/01/01` is not a date",
                why: "slashes are not YYYY-MM-DD",
            },
            Case {
                from: "recovery: {Nd: 0.95, Pr: 0.95}",
                to: "recovery: {Nd: 0.95, Pr: 1.5}",
                path: "nodes[4].recovery.Pr",
                at: (65, 5),
                message: "must be a share between 0 and 1, found 1.5",
                why: "a recovery above 1 (placed at `recovery`, a flow mapping)",
            },
            Case {
                from: "recovery: {Nd: 0.95, Pr: 0.95}",
                to: "recovery: {Nd: 0.95, Pr: 0.95, Dy: 0.9}",
                path: "nodes[4].recovery.Dy",
                at: (65, 5),
                message: "element `Dy` is not declared",
                why: "Dy is not in `elements:`",
            },
            Case {
                from: "material: oxide",
                to: "material: magnet",
                path: "nodes[4].products[0].material",
                at: (67, 9),
                message: "material `magnet` has role",
                why: "an oxide must be a product",
            },
            Case {
                from: "oxide_factor: {Nd: 1.1664, Pr: 1.2082}",
                to: "oxide_factor: {Nd: 0.5, Pr: 1.2082}",
                path: "nodes[4].products[0].oxide_factor.Nd",
                at: (68, 9),
                message: "from 1 to 3; found 0.5",
                why: "an oxide weighs more than its metal",
            },
            Case {
                from: "purity: 0.998",
                to: "purity: 1.5",
                path: "nodes[4].products[0].purity",
                at: (69, 9),
                message: "must be a share between 0 and 1, found 1.5",
                why: "purity above 100 %",
            },
            Case {
                from: "storage_capacity_kg: 10000\n",
                to: "storage_capacity_kg: 1e13\n",
                path: "nodes[4].storage_capacity_kg",
                at: (71, 5),
                message: "at most 1e12",
                why: "above the largest mass a capacity may hold",
            },
        ],
    );
}

#[test]
fn market_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "growth_per_year: 0.05}",
                to: "growth_per_year: -1.5}",
                path: "nodes[5].demand[0].growth_per_year",
                at: (75, 7),
                message: "must be a yearly growth rate above -1 and at most 1, found -1.5",
                why: "demand cannot shrink by more than all of it",
            },
            Case {
                from: "{sector: ev, t_per_year: 100,",
                to: "{sector: ev, t_per_year: -100,",
                path: "nodes[5].demand[0].t_per_year",
                at: (75, 7),
                message: "must be a number from 0 to 100,000,000, found -100",
                why: "negative demand",
            },
            Case {
                from: "{origin: china, t_per_year: 100}",
                to: "{origin: china, t_per_year: 100, growth_per_year: 2}",
                path: "nodes[5].imports[0].growth_per_year",
                at: (77, 7),
                message: "found 2",
                why: "+200 % a year is above the limit",
            },
        ],
    );
}

#[test]
fn growth_has_a_hint() {
    let p = the_problem(&with(
        LOOP,
        "growth_per_year: 0.05}",
        "growth_per_year: -1.5}",
    ));
    expect(
        &p,
        "nodes[5].demand[0].growth_per_year",
        Some((75, 7)),
        "found -1.5",
        Some("write 0.05 for +5 % a year"),
    );
}

#[test]
fn link_ranges() {
    check_cases(
        LOOP,
        &[
            Case {
                from: "distance_mi: 1000",
                to: "distance_mi: -1",
                path: "links[2].distance_mi",
                at: (86, 5),
                message: "must be a number from 0 to 100,000, found -1",
                why: "a negative distance",
            },
            Case {
                from: "truck_capacity_kg: 20000",
                to: "truck_capacity_kg: 2e12",
                path: "links[2].truck_capacity_kg",
                at: (87, 5),
                message: "at most 1e12",
                why: "a truck above the largest mass",
            },
            Case {
                from: "cost_per_mile_usd: 2.26",
                to: "cost_per_mile_usd: -2.26",
                path: "links[2].cost_per_mile_usd",
                at: (88, 5),
                message: "found -2.26",
                why: "a negative cost",
            },
            Case {
                from: "co2_kg_per_tonne_mile: 0.19",
                to: "co2_kg_per_tonne_mile: 2000",
                path: "links[2].co2_kg_per_tonne_mile",
                at: (89, 5),
                message: "found 2000",
                why: "at most 1000 kg per tonne-mile",
            },
            Case {
                from: "{triangular: [1.8, 2.0, 2.5]}",
                to: "{triangular: [2.5, 2.0, 1.8]}",
                path: "links[2].transit_days",
                at: (90, 5),
                message: "triangular needs lo <= mode <= hi",
                why: "swapped bounds",
            },
            Case {
                from: "{load_kg: 19000}",
                to: "{load_kg: 0}",
                path: "links[2].dispatch.full_load.load_kg",
                at: (91, 5),
                message: "found 0",
                why: "a full load of nothing (placed at `dispatch`, a flow mapping)",
            },
            Case {
                from: "{load_kg: 19000}",
                to: "{load_kg: 0.0004}",
                path: "links[2].dispatch.full_load.load_kg",
                at: (91, 5),
                message: "a truck load of 0.0004 kg is under the smallest, 1 g (0.001 kg)",
                why: "0.4 g: split to the milligram per element, such a load could take nothing \
                      from a parcel and the dock would ask for it again forever",
            },
            Case {
                from: "{id: oxides_out, from: separator, to: buyers, dispatch: immediate}",
                to: "{id: oxides_out, from: separator, to: buyers, truck_capacity_kg: 1e-6, dispatch: immediate}",
                path: "links[5].truck_capacity_kg",
                at: (94, 3),
                message: "under the smallest, 1 g",
                why: "a milligram truck (placed at the flow link's dash)",
            },
            Case {
                from: "every_days: 30,",
                to: "every_days: 0.01,",
                path: "links[4].dispatch.timer.every_days",
                at: (93, 3),
                message: "must be at least one hour (1/24 day)",
                why: "0.01 day is 14.4 minutes (placed at the flow link's dash)",
            },
            Case {
                from: "min_load_kg: 500}",
                to: "min_load_kg: -500}",
                path: "links[4].dispatch.timer.min_load_kg",
                at: (93, 3),
                message: "found -500",
                why: "a negative minimum load",
            },
        ],
    );
}

#[test]
fn a_nan_share_is_refused() {
    // links[0] of MM1 is a flow mapping on line 23.
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch",
        "to: server, share: .nan, dispatch",
    ));
    expect(
        &p,
        "links[0].share",
        Some((23, 3)),
        "must be a share between 0 and 1, found NaN",
        Some("write a fraction"),
    );
}

#[test]
fn a_full_load_above_the_truck_is_refused_with_a_hint() {
    // 25,000 kg does not fit a 20,000 kg truck (links[2], `dispatch` on line 91).
    let p = the_problem(&with(LOOP, "{load_kg: 19000}", "{load_kg: 25000}"));
    expect(
        &p,
        "links[2].dispatch.full_load.load_kg",
        Some((91, 5)),
        "a full load of 25000 kg is more than the truck carries (20000 kg)",
        Some("lower load_kg or raise truck_capacity_kg"),
    );
}
