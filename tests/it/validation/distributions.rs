//! Distributions and dispatch rules (the custom parsers in spec.rs).

use super::{LOOP, MM1, expect, listing, the_problem, with};
use crate::common::problems;

#[test]
fn unknown_distribution_suggests_the_close_one() {
    // `interarrival_h` is line 14. The did-you-mean is part of the parser's message.
    let p = the_problem(&with(
        MM1,
        "{exponential: {mean: 1}}",
        "{exponentail: {mean: 1}}",
    ));
    expect(
        &p,
        "nodes[0].interarrival_h",
        Some((14, 5)),
        "unknown distribution `exponentail` (did you mean `exponential`?)",
        None,
    );
    // The message also lists the forms a distribution may take.
    assert!(p.message.contains("{uniform: [lo, hi]}"), "{}", p.message);
}

#[test]
fn malformed_distributions_are_reported_at_their_field() {
    // Each replaces the station's `service_h` (line 19, column 5) and is the only problem.
    let cases = [
        ("{uniform: [1]}", "`uniform` takes 2 numbers, found 1"),
        (
            "{triangular: [1, 2]}",
            "`triangular` takes 3 numbers, found 2",
        ),
        ("{uniform: [a, b]}", "`uniform` takes a list of 2 numbers"),
        (
            "{uniform: [2, 1]}",
            "uniform needs lo <= hi, got lo = 2, hi = 1",
        ),
        (
            "{triangular: [1, 3, 2]}",
            "triangular needs lo <= mode <= hi",
        ),
        ("{constant: -1}", "constant parameter value must be >= 0"),
        ("-0.5", "constant parameter value must be >= 0"),
        (
            "{normal: {mean: -1, sd: 1}}",
            "normal parameter mean must be >= 0",
        ),
        (
            "{exponential: {mean: .nan}}",
            "exponential parameter mean must be a finite number, got NaN",
        ),
        (
            "{exponential: {mean: .inf}}",
            "exponential parameter mean must be a finite number, got inf",
        ),
        (
            "{exponential: {mean: 0}}",
            "exponential needs mean > 0, got 0",
        ),
        (
            "{lognormal: {mean: 0, sd: 1}}",
            "lognormal needs mean > 0, got 0",
        ),
        ("{normal: {mean: 1}}", "in `normal`: missing field `sd`"),
        (
            "{exponential: {mean: 1, sd: 1}}",
            "in `exponential`: unknown field `sd`",
        ),
        (
            "{discrete: {values: [1, 2], weights: [1]}}",
            "one weight per value, got 2 values and 1 weights",
        ),
        (
            "{discrete: {values: [], weights: []}}",
            "discrete needs at least one value",
        ),
        (
            "{discrete: {values: [1], weights: [0]}}",
            "weights must add up to a positive finite number, got 0",
        ),
        (
            "{uniform: [1, 2], constant: 1}",
            "found a mapping with several keys",
        ),
        ("fast", "found a string"),
        ("[1, 2]", "found a list"),
    ];
    for (dist, message) in cases {
        let yaml = with(MM1, "{exponential: {mean: 0.5}}", dist);
        let ps = problems(&yaml);
        assert_eq!(ps.len(), 1, "service_h: {dist}:{}", listing(&ps));
        expect(&ps[0], "nodes[1].service_h", Some((19, 5)), message, None);
    }
}

#[test]
fn unknown_dispatch_rule_suggests_the_close_one() {
    // links[0] is a flow mapping on line 23: placed at the item.
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch: immediate",
        "to: server, dispatch: imediate",
    ));
    expect(
        &p,
        "links[0].dispatch",
        Some((23, 3)),
        "unknown dispatch rule `imediate` (did you mean `immediate`?)",
        None,
    );
    // links[2] of LOOP is block style: `dispatch` is line 91, column 5.
    let p = the_problem(&with(
        LOOP,
        "{full_load: {load_kg: 19000}}",
        "{full_lod: {load_kg: 19000}}",
    ));
    expect(
        &p,
        "links[2].dispatch",
        Some((91, 5)),
        "unknown dispatch rule `full_lod` (did you mean `full_load`?)",
        None,
    );
    // A rule missing a parameter names the rule.
    let p = the_problem(&with(
        LOOP,
        "{timer: {every_days: 30, min_load_kg: 500}}",
        "{timer: {every_days: 30}}",
    ));
    expect(
        &p,
        "links[4].dispatch",
        Some((93, 3)),
        "in `timer`: missing field `min_load_kg`",
        None,
    );
}

#[test]
fn a_dispatch_rule_without_its_parameters_says_what_it_needs() {
    // `dispatch: full_load` (line 91) is the right rule written without `{load_kg: N}`;
    // the message should say that, not call the rule unknown.
    let p = the_problem(&with(
        LOOP,
        "dispatch: {full_load: {load_kg: 19000}}",
        "dispatch: full_load",
    ));
    expect(
        &p,
        "links[2].dispatch",
        Some((91, 5)),
        "`full_load` needs its parameters",
        None,
    );
    // The forms listed after it show what the parameters are.
    assert!(
        p.message.contains("{full_load: {load_kg: N}}"),
        "{}",
        p.render("bad.yaml")
    );
    assert!(
        !p.message.contains("unknown dispatch rule"),
        "{}",
        p.render("bad.yaml")
    );
    // And the other way round: `immediate` takes none (links[0] of MM1, line 23).
    let p = the_problem(&with(
        MM1,
        "to: server, dispatch: immediate",
        "to: server, dispatch: {immediate: {load_kg: 1}}",
    ));
    expect(
        &p,
        "links[0].dispatch",
        Some((23, 3)),
        "`immediate` takes no parameters",
        None,
    );
}
