//! Magnet grades, element-aware restrictions and origin requirements, on tiny markets
//! worked by hand and on the default model.

use std::fs;

use super::{read, run_model, run_ok, run_scripts, write_script};
use crate::common::{run_in, stderr, tempdir};

/// A one-year market of `demand` and `imports` (YAML lines) with two grades: `standard`
/// (Nd 24, Pr 6: no Dy or Tb) and `heavy` (Nd 21, Pr 5, Dy 3, Tb 1). A scrap source feeds
/// a sink (a model needs a source).
fn graded(demand: &str, imports: &str) -> String {
    format!(
        "name: graded\ncalendar: {{start: 2025-01-01, years: 1}}\nelements: [Nd, Pr, Dy, Tb, Fe]\nmaterials:\n  scrap: {{role: scrap, composition: {{Nd: 30, Fe: 70}}}}\nnodes:\n  - {{id: scrap, kind: scrap_source, material: scrap, tonnes_per_year: 1, lot_kg: 10, arrivals: regular}}\n  - {{id: bin, kind: sink}}\n  - id: us\n    kind: market\n    grades:\n      - {{grade: standard, composition: {{Nd: 24, Pr: 6}}}}\n      - {{grade: heavy, composition: {{Nd: 21, Pr: 5, Dy: 3, Tb: 1}}}}\n    demand:\n{demand}    imports:\n{imports}links:\n  - {{id: a, from: scrap, to: bin, dispatch: immediate}}\n"
    )
}

/// Runs `model` with `script` and returns (summary shortfall, yearly rows of `all` as
/// (kpi, value), yearly rows as (sector, kpi, value)).
fn run(model: &str, script: &str) -> (f64, Vec<(String, String, f64)>) {
    let dir = tempdir();
    fs::write(dir.path().join("m.yaml"), model).unwrap();
    fs::write(dir.path().join("s.rhai"), script).unwrap();
    let out = std::path::Path::new("out");
    let o = run_model(dir.path(), Some("m.yaml"), out, &["s.rhai"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = read(&dir.path().join("out/summary.parquet"));
    let short = s
        .column("shortfall_t")
        .unwrap()
        .f64()
        .unwrap()
        .get(0)
        .unwrap();
    (short, yearly(&dir.path().join("out/yearly.parquet")))
}

fn yearly(path: &std::path::Path) -> Vec<(String, String, f64)> {
    let y = read(path);
    let sectors = y.column("sector").unwrap().str().unwrap().clone();
    let kpis = y.column("kpi").unwrap().str().unwrap().clone();
    let values = y.column("value").unwrap().f64().unwrap().clone();
    (0..y.height())
        .map(|i| {
            (
                sectors.get(i).unwrap().to_string(),
                kpis.get(i).unwrap().to_string(),
                values.get(i).unwrap(),
            )
        })
        .collect()
}

/// The sum over years of one KPI of one sector.
fn total(rows: &[(String, String, f64)], sector: &str, kpi: &str) -> f64 {
    rows.iter()
        .filter(|r| r.0 == sector && r.1 == kpi)
        .map(|r| r.2)
        .sum()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * b.abs().max(1.0),
        "{what}: {a}, expected {b}"
    );
}

const DAYS: f64 = 365.0;

#[test]
fn an_element_restriction_cuts_only_the_grades_that_carry_it() {
    // Demand 1 t a day, 60 % heavy; China supplies exactly that, 60 % heavy: 0.6 t heavy and
    // 0.4 t standard a day. 365 market days in the year.
    let y = graded(
        "      - {sector: total, t_per_year: 365.25, grades: {heavy: 0.6, standard: 0.4}}\n",
        "      - {origin: china, t_per_year: 365.25, grades: {heavy: 0.6, standard: 0.4}}\n",
    );
    // Halving China's Dy (or Tb, or the grade by name) halves heavy only: 0.3 t a day short,
    // 0.3 * 365 = 109.5 t; standard supply stays 0.4 * 365 = 146 t.
    for items in [r#"["Dy"]"#, r#"["Tb"]"#, r#"["heavy"]"#, r#"["Dy", "Tb"]"#] {
        let (short, rows) = run(
            &y,
            &format!("restrict_imports(\"china\", {items}, 0.5, \"2025-01-01\");\n"),
        );
        close(short, 0.3 * DAYS, items);
        close(total(&rows, "all", "supply_t.standard"), 0.4 * DAYS, items);
        close(total(&rows, "all", "supply_t.heavy"), 0.3 * DAYS, items);
        // Elements supplied by grade composition: Dy 3 % of the heavy magnets only,
        // 0.03 * 109.5 = 3.285 t; Nd 24 % of standard + 21 % of heavy = 35.04 + 22.995.
        close(
            total(&rows, "all", "supply_element_t.Dy"),
            0.03 * 0.3 * DAYS,
            items,
        );
        close(
            total(&rows, "all", "supply_element_t.Nd"),
            0.24 * 0.4 * DAYS + 0.21 * 0.3 * DAYS,
            items,
        );
    }
    // Nd (both grades carry it) and "magnets" halve both: 0.5 t a day short, 182.5 t.
    for items in [r#"["Nd"]"#, r#"["magnets"]"#] {
        let (short, rows) = run(
            &y,
            &format!("restrict_imports(\"china\", {items}, 0.5, \"2025-01-01\");\n"),
        );
        close(short, 0.5 * DAYS, items);
        close(total(&rows, "all", "supply_t.standard"), 0.2 * DAYS, items);
    }
}

#[test]
fn a_restriction_on_an_element_no_grade_carries_is_refused() {
    // Neither grade carries Sm (or Gd): restricting it would change nothing.
    let y = graded(
        "      - {sector: total, t_per_year: 365.25, grades: {heavy: 0.6, standard: 0.4}}\n",
        "      - {origin: china, t_per_year: 365.25, grades: {heavy: 0.6, standard: 0.4}}\n",
    );
    let dir = tempdir();
    fs::write(dir.path().join("m.yaml"), &y).unwrap();
    let s = write_script(
        dir.path(),
        "s.rhai",
        "restrict_imports(\"china\", [\"Sm\"], 0.5, \"2025-01-01\");\n",
    );
    for args in [
        vec!["validate", "m.yaml", "--script", &s],
        vec!["run", "m.yaml", "--script", &s, "--out", "out", "-q"],
    ] {
        let cmd = args[0];
        let o = run_in(dir.path(), &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("would change nothing"), "{cmd}: {err}");
        assert!(err.contains("standard, heavy"), "{cmd}: {err}");
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn the_defence_rule_takes_a_compliant_chain_and_refuses_a_non_compliant_one() {
    // Defence and civil demand 1 t a day each (one grade). Origins, listed in merit order:
    // china 1 t a day (all stages Chinese), mixed 0.5 (Chinese oxide, Japanese magnets),
    // ally 0.2 (Australian mine and oxide, Japanese magnets).
    let y = graded(
        "      - {sector: civil, t_per_year: 365.25, grades: {standard: 1.0}}\n      - {sector: defence, t_per_year: 365.25, grades: {standard: 1.0}}\n",
        "      - {origin: china, t_per_year: 365.25, grades: {standard: 1.0}}\n      - {origin: mixed, t_per_year: 182.625, grades: {standard: 1.0}, chain: {mine: [china, australia], oxide: china, magnet: japan}}\n      - {origin: ally, t_per_year: 73.05, grades: {standard: 1.0}, chain: {mine: australia, oxide: australia, magnet: japan}}\n",
    );
    // Stage `magnet`: only China's chain is barred. China's 1 t goes to civil (defence may
    // not take it), mixed's 0.5 and ally's 0.2 to defence: compliant 0.7 t a day, 255.5 t;
    // short 0.3 t a day, 109.5 t.
    let (short, rows) = run(
        &y,
        "require_origin(\"defence\", \"magnet\", \"china\", \"2025-01-01\");\n",
    );
    close(short, 0.3 * DAYS, "magnet stage");
    close(
        total(&rows, "defence", "compliant_supply_t"),
        0.7 * DAYS,
        "magnet stage",
    );
    // Its share of defence demand (365 t over the year): 255.5 / 365 = 0.7.
    close(total(&rows, "defence", "compliant_share"), 0.7, "share");
    // Stage `mine`: mixed's chain carries Chinese oxide and mines, barred too; only ally's
    // 0.2 t a day is compliant (73 t), 0.8 t a day short (292 t).
    let (short, rows) = run(
        &y,
        "require_origin(\"defence\", \"mine\", \"china\", \"2025-01-01\");\n",
    );
    close(short, 0.8 * DAYS, "mine stage");
    close(
        total(&rows, "defence", "compliant_supply_t"),
        0.2 * DAYS,
        "mine stage",
    );
    close(total(&rows, "civil", "shortfall_t"), 0.0, "civil");
    // Without a rule nothing is barred: no shortfall (1.7 t a day for 2 t of demand is
    // short 0.3 t a day, shared) and no compliant supply is counted.
    let (short, rows) = run(&y, "note(\"no rule\");\n");
    close(short, 0.3 * DAYS, "no rule");
    close(
        total(&rows, "defence", "compliant_supply_t"),
        0.0,
        "no rule",
    );
}

#[test]
fn bad_grade_stage_and_origin_names_get_did_you_mean() {
    let dir = tempdir();
    for (script, says) in [
        (
            "require_origin(\"defence\", \"mines\", \"china\", \"2027-01-01\");",
            "did you mean `mine`",
        ),
        (
            "require_origin(\"defence\", \"mine\", \"chnia\", \"2027-01-01\");",
            "did you mean `china`",
        ),
        (
            "require_origin(\"defense\", \"mine\", \"china\", \"2027-01-01\");",
            "did you mean `defence`",
        ),
        (
            "let x = grade_supply(\"heavy_ree\");",
            "did you mean `heavy_re`",
        ),
        (
            "let x = compliant_supply(\"defense\");",
            "did you mean `defence`",
        ),
    ] {
        let s = write_script(dir.path(), "bad.rhai", &format!("{script}\n"));
        let o = run_scripts(&crate::common::repo(), &dir.path().join("out"), &[&s], "1");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{script}: {err}");
        assert!(err.contains(says), "{script}: {err}");
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn grade_and_compliant_reads_follow_the_yearly_figures() {
    // On the default model under the defence rule, the reads at the end of 2026 equal the
    // sums of yearly.parquet's 2025 and 2026 rows.
    let dir = tempdir();
    let s = write_script(
        dir.path(),
        "reads.rhai",
        "require_origin(\"defence\", \"magnet\", \"china\", \"2025-01-01\");\nat(\"2026-12-31\", || {\n    note(\"heavy \" + grade_supply(\"heavy_re\") + \" standard \" + grade_supply(\"standard\") + \" compliant \" + compliant_supply(\"defence\"));\n});\n",
    );
    let run = run_ok(&dir.path().join("out"), &[&s], "3");
    let shocks = run.shocks();
    let note = shocks
        .iter()
        .find(|x| x.arguments.contains("heavy "))
        .expect("the note");
    let field = |k: &str| -> f64 {
        let rest = note.arguments.split(&format!("{k} ")).nth(1).unwrap();
        rest.split([' ', '"']).next().unwrap().parse().unwrap()
    };
    let rows = read(&run.dir.join("yearly.parquet"));
    let years = rows.column("year").unwrap().i32().unwrap().clone();
    let y = yearly(&run.dir.join("yearly.parquet"));
    let upto = |sector: &str, kpi: &str, through: i32| -> f64 {
        y.iter()
            .enumerate()
            .filter(|(i, r)| r.0 == sector && r.1 == kpi && years.get(*i).unwrap() <= through)
            .map(|(_, r)| r.2)
            .sum()
    };
    // The note runs at 00:00 on 2026-12-31: 2025's 365 market days and 2026's first 364
    // (the day of 2026-12-31 00:00 included). So the reads lie between the 2025 total and
    // the 2025 + 2026 total, within one day's supply (< 0.1 %) of the latter.
    for (k, sector, kpi) in [
        ("heavy", "all", "supply_t.heavy_re"),
        ("standard", "all", "supply_t.standard"),
        ("compliant", "defence", "compliant_supply_t"),
    ] {
        let read_value = field(k);
        let through_2026 = upto(sector, kpi, 2026);
        assert!(read_value > upto(sector, kpi, 2025), "{k}");
        assert!(
            read_value <= through_2026 * (1.0 + 1e-9),
            "{k}: {read_value} vs {through_2026}"
        );
        assert!(
            read_value >= through_2026 * 0.99,
            "{k}: {read_value} vs {through_2026}"
        );
    }
}

#[test]
fn origin_tags_survive_the_hub_the_mine_stage_kept_and_the_magnet_stage_restamped() {
    // The domestic makers' lines are retired before they make anything, so recycled
    // magnets are the only home supply.
    const RETIRE: &str = "for p in [\"mp_independence\", \"mp_10x\", \"evac_sumter\", \"noveon_san_marcos\", \"usare_stillwater\"] {\n    remove_capacity(p, capacity(p), \"2025-01-01\");\n}\n";
    // The default model with its recycled feeds tagged as Chinese at every stage: the hub
    // (dfw_hpms) restamps the magnet stage `us` and keeps the mine and oxide stages. A rule
    // at the magnet stage then accepts the recycled magnets, one down to the mine refuses
    // them. Three years: the hub's first product is 2 July 2027.
    let model = fs::read_to_string(crate::common::repo().join("models/us_magnet_network.yaml"))
        .unwrap()
        .replace(
            "origin: {mine: recycled, oxide: recycled, magnet: recycled}",
            "origin: {mine: china, oxide: china, magnet: china}",
        );
    let dir = tempdir();
    fs::write(dir.path().join("m.yaml"), &model).unwrap();
    let mut compliant = Vec::new();
    for stage in ["magnet", "mine"] {
        let s = write_script(
            dir.path(),
            &format!("{stage}.rhai"),
            &format!(
                "require_origin(\"defence\", \"{stage}\", \"china\", \"2027-01-01\");\nrequire_origin(\"defence\", \"magnet\", \"other\", \"2027-01-01\");\n{RETIRE}"
            ),
        );
        let out = dir.path().join(stage);
        let o = run_model(dir.path(), Some("m.yaml"), &out, &[&s], Some("3"), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let y = yearly(&out.join("yearly.parquet"));
        compliant.push(total(&y, "defence", "compliant_supply_t"));
        // No import complies (China's magnets, other origins' magnets both barred): all
        // compliant supply is recycled, so it is at most what defence bought recycled.
        assert!(
            total(&y, "defence", "compliant_supply_t")
                <= total(&y, "defence", "recycled_supply_t") * (1.0 + 1e-9),
            "{stage}"
        );
    }
    // Magnet stage: the hub's magnets comply (made in the US); mine stage: none do.
    assert!(compliant[0] > 10.0, "{compliant:?}");
    assert_eq!(compliant[1], 0.0, "{compliant:?}");
}

/// `x` rounded to whole units with thousands separators, as the printed report writes it.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < -0.5 { format!("-{out}") } else { out }
}

#[test]
fn the_printed_report_gives_supply_by_grade_and_element_and_the_rules_compliant_supply() {
    // Three years of the default model under the defence rule: the report's lines are the
    // sums of yearly.parquet's rows (sector `all` for grades and elements, `defence` for
    // the rule), rounded to the tonne.
    let dir = tempdir();
    let o = run_in(
        &crate::common::repo(),
        &[
            "run",
            "--years",
            "3",
            "--script",
            "scripts/defence_2027_rule.rhai",
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = crate::common::stdout(&o);
    let y = yearly(&dir.path().join("out/yearly.parquet"));
    let all = |kpi: &str| thousands(total(&y, "all", kpi));
    let grades = format!(
        "  supply by grade: standard {} t, heavy_re {} t; in the magnets sold: Nd {} t, Pr {} t, Dy {} t, Tb {} t\n",
        all("supply_t.standard"),
        all("supply_t.heavy_re"),
        all("supply_element_t.Nd"),
        all("supply_element_t.Pr"),
        all("supply_element_t.Dy"),
        all("supply_element_t.Tb"),
    );
    assert!(printed.contains(&grades), "{grades}not in:\n{printed}");
    let compliant = total(&y, "defence", "compliant_supply_t");
    // The rule holds from the start: the demand under it is all of defence's.
    let demand = total(&y, "defence", "ruled_demand_t");
    assert_eq!(demand, total(&y, "defence", "demand_t"));
    let rules = format!(
        "  supply under origin rules (require_origin): defence {} t of {} t demanded under the rule ({:.1} %), short {} t\n",
        thousands(compliant),
        thousands(demand),
        100.0 * compliant / demand,
        // The rule holds from the start: short under it is the sector's shortfall.
        thousands(demand - compliant),
    );
    assert!(printed.contains(&rules), "{rules}not in:\n{printed}");
    // Without a rule there is no such line.
    let o = run_in(
        &crate::common::repo(),
        &[
            "run",
            "--years",
            "1",
            "--out",
            dir.path().join("plain").to_str().unwrap(),
        ],
    );
    assert!(!crate::common::stdout(&o).contains("origin rules"));
}

/// One maker of `grade_material` at `t_per_day`, for the head-of-line test.
fn hol_maker(id: &str, material: &str, t_per_day: f64) -> String {
    format!(
        "  - id: {id}
    kind: producer
    status: operating
    lines: 1
    line_t_per_year: {}
    commissioning: 2025-01-01
    ramp_years: 0
    availability: 1.0
    magnet_material: {material}
    external_feed: mountain_pass
    external_chain: {{mine: us, oxide: us}}
    cost_usd_per_kg: 50
    input_capacity_kg: 100000000
    storage_capacity_kg: 100000
",
        t_per_day * 365.25
    )
}

#[test]
fn magnets_no_sector_takes_do_not_block_the_ones_behind_them() {
    // A standard maker (10 t a day) and a heavy maker (1 t a day) sell into 10 t a day of
    // demand, half of each grade. Standard magnets beyond standard demand (5 t a day) may
    // not serve heavy demand (`grade_substitution: heavier`), so they pile up at the
    // market's gate; the heavy magnets behind them must still be sold: each day's 1 t of
    // heavy magnets meets heavy demand, which is short by the rest (4 t a day).
    let model = format!(
        "name: hol\ncalendar: {{start: 2025-01-01, days: 365.25}}\nelements: [Nd, Dy, Fe]\nmaterials:\n  std_magnet: {{role: product, composition: {{Nd: 30, Fe: 70}}}}\n  heavy_magnet: {{role: product, composition: {{Nd: 27, Dy: 3, Fe: 70}}}}\nnodes:\n{}{}  - id: us\n    kind: market\n    grades:\n      - {{grade: standard, composition: {{Nd: 30}}}}\n      - {{grade: heavy_re, composition: {{Nd: 27, Dy: 3}}}}\n    demand:\n      - {{sector: a, t_per_year: 3652.5, grades: {{standard: 0.5, heavy_re: 0.5}}}}\n    imports: []\nlinks:\n  - {{id: s_out, from: std_maker, to: us, dispatch: immediate}}\n  - {{id: h_out, from: heavy_maker, to: us, dispatch: immediate}}\n",
        hol_maker("std_maker", "std_magnet", 10.0),
        hol_maker("heavy_maker", "heavy_magnet", 1.0),
    );
    let (short, y) = run(&model, "// no rule\n");
    let heavy = total(&y, "all", "supply_t.heavy_re");
    let standard = total(&y, "all", "supply_t.standard");
    let demand = total(&y, "all", "demand_t");
    let made_heavy = total(&y, "all", "producer_output_t.heavy_maker");
    // Every heavy magnet made is sold, save the last day's if it arrives after the last
    // market day (1 t); standard demand is met in full.
    assert!(heavy >= made_heavy - 1.0 - 1e-6, "{heavy} of {made_heavy}");
    assert!(heavy <= made_heavy + 1e-6, "{heavy} of {made_heavy}");
    assert!(
        (standard - demand / 2.0).abs() < 1e-6 * demand,
        "{standard}"
    );
    assert!(
        (short - (demand / 2.0 - heavy)).abs() < 1e-6 * demand,
        "{short}"
    );
}

#[test]
fn a_rule_counts_only_while_it_holds_and_a_sector_nothing_complies_with_shows_zero() {
    // Defence (heavy, 1 t a day) and civil (standard, 1 t a day) buy from China alone; from
    // 2025-07-01 defence takes no Chinese magnets. Before that the rule does not hold: its
    // demand is not under the rule. After it, nothing complies: defence's demand under the
    // rule is all short, and its compliant share is 0 (a row, not a missing one).
    let model = graded(
        "      - {sector: defence, t_per_year: 365.25, grades: {heavy: 1.0}}\n      - {sector: civil, t_per_year: 365.25, grades: {standard: 1.0}}\n",
        "      - {origin: china, t_per_year: 3652.5, grades: {heavy: 0.5, standard: 0.5}}\n",
    );
    let (short, y) = run(
        &model,
        "require_origin(\"defence\", \"magnet\", \"china\", \"2025-07-01\");\n",
    );
    let ruled = total(&y, "defence", "ruled_demand_t");
    let demand = total(&y, "defence", "demand_t");
    // 2025-07-01 is day 181 of 365.25: about half the year's demand is under the rule.
    assert!(
        (ruled / demand - 184.25 / 365.25).abs() < 0.01,
        "{ruled} of {demand}"
    );
    assert_eq!(total(&y, "defence", "compliant_supply_t"), 0.0);
    assert!((total(&y, "defence", "shortfall_t") - ruled).abs() < 1e-9 * ruled);
    assert!((short - ruled).abs() < 1e-9 * ruled);
    assert_eq!(total(&y, "defence", "compliant_share"), 0.0);
    assert!(
        y.iter()
            .any(|r| r.0 == "defence" && r.1 == "compliant_share" && r.2 == 0.0),
        "no compliant_share row for defence"
    );
}

#[test]
fn two_rules_on_a_sector_each_keep_their_stage_and_a_partial_chain_fills_with_its_origin() {
    // Japan's magnets: chain {mine: china} only, so their oxide and magnet stages are
    // Japan's own. Rule 1 bars Chinese magnets (stage magnet: Japan's pass), rule 2 bars
    // recycled content from the mine on (Japan's pass). Merged into one (mine, china |
    // recycled) rule they would bar Japan (Chinese mine) and leave defence short; kept apart,
    // Japan serves all of defence.
    let model = graded(
        "      - {sector: defence, t_per_year: 365.25, grades: {heavy: 1.0}}\n",
        "      - {origin: china, t_per_year: 3652.5, grades: {heavy: 1.0}}\n      - {origin: japan, t_per_year: 3652.5, grades: {heavy: 1.0}, chain: {mine: china}}\n",
    );
    let (short, y) = run(
        &model,
        "require_origin(\"defence\", \"magnet\", \"china\", \"2025-01-01\");\nrequire_origin(\"defence\", \"mine\", \"recycled\", \"2025-01-01\");\n",
    );
    assert_eq!(short, 0.0);
    assert_eq!(total(&y, "defence", "imports_t.china"), 0.0);
    assert!(total(&y, "defence", "imports_t.japan") > 360.0);
    // A rule barring Japanese magnets bars them: the magnet stage the chain left out is
    // Japan's (without the fill it would be untagged and pass).
    let (short, _) = run(
        &model,
        "require_origin(\"defence\", \"magnet\", \"china\", \"2025-01-01\");\nrequire_origin(\"defence\", \"magnet\", \"japan\", \"2025-01-01\");\n",
    );
    assert!(short > 360.0, "{short}");
}

#[test]
fn a_stockpile_of_untraced_origin_does_not_serve_a_sector_under_a_rule() {
    // Defence (1 t a day) may take no Chinese magnets, China is the only origin (0.5 t a
    // day), and a 100 t stockpile for defence is released on the first day: its origin is
    // not traced, so under the rule defence does not count on it; all its demand is short.
    let model = graded(
        "      - {sector: defence, t_per_year: 365.25, grades: {heavy: 1.0}}\n",
        "      - {origin: china, t_per_year: 182.625, grades: {heavy: 1.0}}\n",
    )
    .replace(
        "links:\n",
        "    stockpile: {initial_t: 100, sectors: [defence]}\nlinks:\n",
    );
    let (short, y) = run(
        &model,
        "require_origin(\"defence\", \"magnet\", \"china\", \"2025-01-01\");\nrelease_stockpile(100.0, \"2025-01-01\");\n",
    );
    assert_eq!(total(&y, "all", "stockpile_release_t"), 0.0);
    assert!((short - total(&y, "defence", "demand_t")).abs() < 1e-9 * short);
    // Without the rule the release serves what China leaves short (0.5 t a day) until
    // the 100 t are gone, on day 200.
    let (_, y) = run(&model, "release_stockpile(100.0, \"2025-01-01\");\n");
    assert!((total(&y, "all", "stockpile_release_t") - 100.0).abs() < 1e-9);
}

#[test]
fn an_empty_or_too_long_grade_list_is_refused_with_its_place() {
    // `grades: []` with a demand entry without `grades` (this once panicked), and 33 grades
    // (grade sets are bits of a u32: at most 32).
    let empty = graded(
        "      - {sector: a, t_per_year: 365.25}\n",
        "      - {origin: china, t_per_year: 365.25}\n",
    );
    let start = empty.find("    grades:\n").unwrap();
    let end = empty.find("    demand:\n").unwrap();
    let empty = format!("{}    grades: []\n{}", &empty[..start], &empty[end..]);
    let p = crate::common::problems(&empty);
    let found = p
        .iter()
        .find(|p| p.path == "nodes[2].grades")
        .expect("grades problem");
    assert!(
        found.message.contains("lists no grade"),
        "{}",
        found.message
    );
    assert!(
        found
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("leave `grades` out")
    );
    assert!(found.line.is_some());
    let many: String = (0..33)
        .map(|g| format!("      - {{grade: g{g}, composition: {{Nd: 30}}}}\n"))
        .collect();
    let long = format!(
        "{}    grades:\n{many}{}",
        &graded("", "")[..start],
        "    demand:\n      - {sector: a, t_per_year: 365.25, grades: {g0: 1.0}}\n    imports:\n      - {origin: china, t_per_year: 365.25, grades: {g0: 1.0}}\nlinks:\n  - {id: a, from: scrap, to: bin, dispatch: immediate}\n"
    );
    let p = crate::common::problems(&long);
    let found = p
        .iter()
        .find(|p| p.path == "nodes[2].grades")
        .expect("grades problem");
    assert!(
        found.message.contains("33 grades, more than the 32"),
        "{}",
        found.message
    );
    assert!(found.hint.as_deref().unwrap_or("").contains("merge grades"));
}
