//! Agreement with queueing theory (M/M/1, M/M/c, a Jackson tandem, Little's law) and with
//! a SimPy peer (`tests/peer/simpy_queues.py`) where python3 and simpy are installed.
//!
//! Each queueing model is run for `R` independent replications in-process (seeds 1..=R,
//! `YEARS` each). A check takes the mean over replications and its two-sided 99 % Student t
//! confidence interval, and asserts both that the theoretical value lies inside the
//! interval and that the interval is tight (half-width under a stated share of the value),
//! so a biased simulator fails and a vacuously wide interval cannot pass. The seeds are
//! fixed, so a run passes or fails the same way every time.
//!
//! Why whole-run averages from an empty start are good enough: an M/M/1 queue forgets its
//! start on the scale of its relaxation time tau = 1 / (mu (1 - sqrt(rho))^2) (Morse 1955).
//! At the heaviest load here (rho = 0.8, mu = 1.25/h) tau = 1 / (1.25 * (1 - 0.894)^2)
//! = 72 h; an empty start lowers the integral of the expected queue by about L * tau (the
//! deficit decays on that scale), so a time average over T is biased by roughly tau / T =
//! 72 h / 175,320 h (20 years) = 0.04 %, against intervals of 0.2-2 % (the M/M/3 queue at
//! the same load relaxes faster). Nothing is discarded. magloop rounds every drawn time to
//! whole seconds; at means of 0.5 h and more that moves the averages by under 1e-4.
//!
//! Run with `cargo test --release --test it theory -- --nocapture` to see each check's
//! expected value beside the measured mean and interval.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use magloop::model;
use magloop::sim::RunResult;

use crate::common::{last, load, repo, simulate, stats};

/// Independent replications per model (seeds 1..=R).
const R: u64 = 20;
/// Student t quantile t(0.995; R - 1 = 19 degrees of freedom), for a two-sided 99 %
/// interval (statistical tables; also by numerical integration of the t density).
const T_99: f64 = 2.860935;
/// Simulated years per replication: 20 years x 20 replications = 400 job-years, about
/// 3.5 M jobs per single-station model, 1-2 s each in release.
const YEARS: f64 = 20.0;
/// Hours in magloop's year (365.25 days).
const HOURS_PER_YEAR: f64 = 8766.0;

/// A source of Poisson arrivals (mean gap `arrival_mean_h`), stations in series (each
/// `(servers, exponential service mean in h)`, ids `s1`, `s2`, ...) and a sink `out`, all
/// linked with immediate dispatch: the format of `models/mm1.yaml`. Recording once a year
/// keeps the time series small; the statistics checked here are whole-run.
fn queue_network(arrival_mean_h: f64, stations: &[(u32, f64)]) -> String {
    let mut nodes = format!(
        "  - id: arrivals
    kind: source
    material: job
    interarrival_h: {{exponential: {{mean: {arrival_mean_h}}}}}
    lot_kg: {{constant: 1}}
"
    );
    let mut links = String::new();
    let mut from = "arrivals".to_string();
    for (i, (servers, mean_h)) in stations.iter().enumerate() {
        let id = format!("s{}", i + 1);
        nodes += &format!(
            "  - id: {id}
    kind: station
    servers: {servers}
    service_h: {{exponential: {{mean: {mean_h}}}}}
"
        );
        links +=
            &format!("  - {{id: {from}_to_{id}, from: {from}, to: {id}, dispatch: immediate}}\n");
        from = id;
    }
    nodes += "  - {id: out, kind: sink}\n";
    links += &format!("  - {{id: {from}_to_out, from: {from}, to: out, dispatch: immediate}}\n");
    format!(
        "name: theory
calendar: {{start: 2025-01-01, years: {YEARS}, record_every_days: 365}}
elements: []
materials:
  job: {{role: job}}
nodes:
{nodes}links:
{links}"
    )
}

/// The queueing models checked here, each run once (all replications) and shared.
#[derive(Clone, Copy)]
enum Case {
    /// M/M/1, lambda = 1/h, service mean 0.5 h: rho = 0.5.
    Mm1Half,
    /// M/M/1, lambda = 1/h, service mean 0.8 h: rho = 0.8.
    Mm1EightTenths,
    /// M/M/3, lambda = 2/h, service mean 1.2 h: rho = 2 * 1.2 / 3 = 0.8.
    Mm3,
    /// Two M/M/1 stations in series, lambda = 1/h, service means 0.5 h then 0.6 h.
    Tandem,
}

impl Case {
    const ALL: [Case; 4] = [Case::Mm1Half, Case::Mm1EightTenths, Case::Mm3, Case::Tandem];

    fn yaml(self) -> String {
        match self {
            Case::Mm1Half => queue_network(1.0, &[(1, 0.5)]),
            Case::Mm1EightTenths => queue_network(1.0, &[(1, 0.8)]),
            Case::Mm3 => queue_network(0.5, &[(3, 1.2)]),
            Case::Tandem => queue_network(1.0, &[(1, 0.5), (1, 0.6)]),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Case::Mm1Half => "M/M/1 rho 0.5",
            Case::Mm1EightTenths => "M/M/1 rho 0.8",
            Case::Mm3 => "M/M/3 rho 0.8",
            Case::Tandem => "tandem M/M/1 -> M/M/1",
        }
    }
}

/// What one replication measured at one station.
#[derive(Debug, Clone, Copy)]
struct StationRun {
    servers: f64,
    /// Mean wait in queue of the jobs that started service (h).
    wq_h: f64,
    /// Time-average number of jobs at the station, queue + service.
    l: f64,
    /// Busy server time / (servers * T).
    utilisation: f64,
    /// Jobs that started service during the run.
    started: f64,
}

/// What one replication measured.
#[derive(Debug, Clone)]
struct Replication {
    stations: Vec<StationRun>,
    /// Mean time from birth at the source to arrival at the sink (h).
    sojourn_h: f64,
}

/// Reads one replication's statistics; `servers` holds each station's server count.
fn measure(r: &RunResult, servers: &[u32]) -> Replication {
    // A station's own `units` count stays 0 (jobs are counted at sources and sinks), so
    // the jobs that started service at station k are worked out from what the run
    // recorded: the source's arrivals, less the jobs still at stations 1..k-1 at the end
    // (links are immediate, so nothing is held on them), less those queued at k.
    let mut arrived = stats(r, "arrivals").units as f64;
    let mut stations = Vec::new();
    for (k, &c) in servers.iter().enumerate() {
        let id = format!("s{}", k + 1);
        let s = stats(r, &id);
        stations.push(StationRun {
            servers: c as f64,
            wq_h: s.mean_wait_h.expect("a station records waits"),
            l: s.mean_in_system
                .expect("a station records its mean in system"),
            utilisation: s.utilisation.expect("a station records utilisation"),
            started: arrived - last(r, &id, "queue_jobs"),
        });
        arrived -= last(r, &id, "in_system_jobs");
    }
    Replication {
        stations,
        sojourn_h: stats(r, "out").mean_sojourn_h.expect("jobs reach the sink"),
    }
}

/// All replications of `case`, run once and shared by the tests below.
fn replications(case: Case) -> &'static [Replication] {
    static CACHE: [OnceLock<Vec<Replication>>; 4] = [const { OnceLock::new() }; 4];
    CACHE[case as usize].get_or_init(|| {
        let m = load(&case.yaml());
        let servers: Vec<u32> = m
            .model
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                model::NodeKind::Station(s) => Some(s.servers),
                _ => None,
            })
            .collect();
        (1..=R)
            .map(|seed| measure(&simulate(&m, seed), &servers))
            .collect()
    })
}

/// A mean over replications with the half-width of its two-sided 99 % interval.
#[derive(Debug, Clone, Copy)]
struct Estimate {
    mean: f64,
    half_width: f64,
}

impl Estimate {
    /// Student t interval: mean +- t(0.995; R - 1) * s / sqrt(R).
    fn of(samples: impl IntoIterator<Item = f64>) -> Estimate {
        let xs: Vec<f64> = samples.into_iter().collect();
        assert_eq!(xs.len() as u64, R, "one sample per replication");
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        Estimate {
            mean,
            half_width: T_99 * (var / n).sqrt(),
        }
    }
}

/// Asserts that `theory` lies in the 99 % interval of `est` and that the interval's
/// half-width is under `max_rel_half_width` of `theory`.
fn assert_agrees(what: &str, est: Estimate, theory: f64, max_rel_half_width: f64) {
    eprintln!(
        "theory: {what}: expected {theory:.4}, measured {:.4} +- {:.4} (99 % CI, {:.2} % of expected, R = {R} x {YEARS} years)",
        est.mean,
        est.half_width,
        100.0 * est.half_width / theory
    );
    assert!(
        (est.mean - theory).abs() <= est.half_width,
        "{what}: theory {theory} lies outside the 99 % interval {} +- {}",
        est.mean,
        est.half_width
    );
    assert!(
        est.half_width <= max_rel_half_width * theory,
        "{what}: the interval +- {} is wider than {} % of {theory}: too few replications or years to tell",
        est.half_width,
        100.0 * max_rel_half_width
    );
}

/// The three station checks of an M/M/1 queue with arrival rate `lambda` and service rate
/// `mu` (per hour): Wq = rho / (mu - lambda), L = rho / (1 - rho), utilisation rho.
fn check_mm1(case: Case, lambda: f64, mu: f64, wq: f64, l: f64) {
    let reps = replications(case);
    let rho = lambda / mu;
    // The caller's hand-worked values must be the formulas' values.
    assert!((wq - rho / (mu - lambda)).abs() < 1e-12);
    assert!((l - rho / (1.0 - rho)).abs() < 1e-12);
    let st = |f: fn(&StationRun) -> f64| Estimate::of(reps.iter().map(|r| f(&r.stations[0])));
    let name = case.name();
    assert_agrees(&format!("{name}: Wq (h)"), st(|s| s.wq_h), wq, 0.03);
    assert_agrees(&format!("{name}: L"), st(|s| s.l), l, 0.03);
    assert_agrees(
        &format!("{name}: utilisation"),
        st(|s| s.utilisation),
        rho,
        0.01,
    );
}

#[test]
fn mm1_at_utilisation_one_half_matches_theory() {
    // lambda = 1/h, mu = 1 / 0.5 h = 2/h, rho = 1/2 = 0.5.
    // Wq = rho / (mu - lambda) = 0.5 / (2 - 1) = 0.5 h; L = rho / (1 - rho) = 0.5 / 0.5 = 1.
    check_mm1(Case::Mm1Half, 1.0, 2.0, 0.5, 1.0);
}

#[test]
fn mm1_at_utilisation_eight_tenths_matches_theory() {
    // lambda = 1/h, mu = 1 / 0.8 h = 1.25/h, rho = 1 / 1.25 = 0.8.
    // Wq = rho / (mu - lambda) = 0.8 / (1.25 - 1) = 3.2 h; L = 0.8 / (1 - 0.8) = 4.
    check_mm1(Case::Mm1EightTenths, 1.0, 1.25, 3.2, 4.0);
}

/// Erlang C: the probability that an arrival at an M/M/c queue waits, with `c` servers and
/// offered load `a = lambda / mu` (erlangs, `a < c`):
/// C(c, a) = [a^c / c! * c / (c - a)] / [sum_{k=0}^{c-1} a^k / k! + a^c / c! * c / (c - a)].
fn erlang_c(c: u32, a: f64) -> f64 {
    assert!(a < c as f64, "the queue must be stable");
    let mut term = 1.0; // a^k / k!, from k = 0
    let mut below = 0.0; // sum over k < c
    for k in 0..c {
        below += term;
        term *= a / (k + 1) as f64;
    }
    let waiting = term * c as f64 / (c as f64 - a);
    waiting / (below + waiting)
}

#[test]
fn erlang_c_matches_hand_arithmetic() {
    // c = 1: C = rho, the M/M/1 probability of waiting.
    assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
    // c = 3, a = 2.4: sum_{k<3} a^k/k! = 1 + 2.4 + 2.88 = 6.28; a^3/3! = 13.824 / 6 = 2.304,
    // times c / (c - a) = 3 / 0.6 = 5 gives 11.52; C = 11.52 / (6.28 + 11.52) = 0.647191.
    assert!((erlang_c(3, 2.4) - 11.52 / 17.8).abs() < 1e-12);
}

#[test]
fn mm3_matches_erlang_c() {
    // lambda = 2/h (mean gap 0.5 h), mu = 1 / 1.2 h = 0.8333/h, c = 3.
    // a = lambda / mu = 2.4 erlangs, rho = a / c = 0.8; C(3, 2.4) = 0.647191 (above).
    // Wq = C / (c mu - lambda) = 0.647191 / (2.5 - 2) = 1.294382 h;
    // Lq = lambda Wq = 2.588764; L = Lq + a = 4.988764.
    let (c, lambda, mu) = (3, 2.0, 1.0 / 1.2);
    let a = lambda / mu;
    let wq = erlang_c(c, a) / (c as f64 * mu - lambda);
    let l = lambda * wq + a;
    assert!((wq - 1.294382).abs() < 1e-6 && (l - 4.988764).abs() < 1e-6);
    let reps = replications(Case::Mm3);
    let st = |f: fn(&StationRun) -> f64| Estimate::of(reps.iter().map(|r| f(&r.stations[0])));
    assert_agrees("M/M/3 rho 0.8: Wq (h)", st(|s| s.wq_h), wq, 0.03);
    assert_agrees("M/M/3 rho 0.8: L", st(|s| s.l), l, 0.03);
    assert_agrees(
        "M/M/3 rho 0.8: utilisation",
        st(|s| s.utilisation),
        0.8,
        0.01,
    );
}

#[test]
fn tandem_end_to_end_time_matches_jackson() {
    // Jackson: the departures of an M/M/1 queue are Poisson (Burke), so the second station
    // is M/M/1 too and W = 1 / (mu1 - lambda) + 1 / (mu2 - lambda).
    // lambda = 1/h, mu1 = 1 / 0.5 = 2/h, mu2 = 1 / 0.6 = 1.6667/h:
    // W = 1 / (2 - 1) + 1 / (1.6667 - 1) = 1 + 1.5 = 2.5 h, measured at the sink.
    // Each station on its own: L1 = 0.5 / (1 - 0.5) = 1, L2 = 0.6 / (1 - 0.6) = 1.5.
    let reps = replications(Case::Tandem);
    let w: f64 = 1.0 / (2.0 - 1.0) + 1.0 / (1.0 / 0.6 - 1.0);
    assert!((w - 2.5).abs() < 1e-12);
    let sojourn = Estimate::of(reps.iter().map(|r| r.sojourn_h));
    assert_agrees("tandem: W end to end (h)", sojourn, w, 0.03);
    let l = |k: usize| Estimate::of(reps.iter().map(|r| r.stations[k].l));
    assert_agrees("tandem: L at station 1", l(0), 1.0, 0.03);
    assert_agrees("tandem: L at station 2", l(1), 1.5, 0.03);
}

#[test]
fn littles_law_holds_at_every_station_on_every_run() {
    // On one sample path, the area under the number-in-station curve is the sum of the
    // jobs' times in the station: L T = sum of waits + busy server time (+ the partial
    // waits of the few jobs still queued at T, which no tally holds). Busy server time is
    // c U T, so L = lambda_hat Wq + c U, with lambda_hat = jobs started / T. This is
    // Little's L = lambda (Wq + 1/mu) with the run's own service times (c U = lambda_hat *
    // mean service) rather than their expectation, so it must hold far tighter than the
    // theory checks: to 0.1 %. The only gap is the partial waits of the jobs queued at T
    // (a handful of jobs times hours, against L T = L x 175,320 job-hours): at most
    // 1.8e-4 of L over the 100 station-runs here.
    let t_h = YEARS * HOURS_PER_YEAR;
    for case in Case::ALL {
        for (i, rep) in replications(case).iter().enumerate() {
            for (k, s) in rep.stations.iter().enumerate() {
                let little = s.started / t_h * s.wq_h + s.servers * s.utilisation;
                assert!(
                    (s.l - little).abs() <= 1e-3 * s.l,
                    "{}, seed {}, station {}: L = {} but lambda Wq + c U = {}",
                    case.name(),
                    i + 1,
                    k + 1,
                    s.l,
                    little
                );
            }
        }
    }
}

/// Time average of a recorded level over the run, each record standing for the interval
/// since the previous one (the last interval may be shorter: the horizon is 3,652.5 days).
fn time_average(series: &[(i64, f64)]) -> f64 {
    let mut prev = 0;
    let mut area = 0.0;
    for &(t, v) in series {
        area += v * (t - prev) as f64;
        prev = t;
    }
    area / prev as f64
}

#[test]
fn littles_law_holds_for_the_default_models_plants() {
    // The default model, recorded every 3 hours instead of daily. Recording draws no random
    // numbers, so the run is the daily run's sample path (the same waits and flows); it
    // only samples the inventory more often. Daily snapshots are too coarse for the
    // preprocessors: their inventory swings within hours (a 6-hour line repair piles up
    // tonnes of drives, then drains), so the mean of 3,653 daily snapshots misses the true
    // time average by a standard error of 3.2-3.8 % (measured over seeds 1-6); every 3 h
    // the miss was at most 0.5 % over seeds 1-8.
    let yaml = model::DEFAULT_MODEL_YAML
        .replace("  record_every_days: 1\n", "  record_every_days: 0.125\n");
    assert_ne!(yaml, model::DEFAULT_MODEL_YAML, "the edit must apply");
    let m = load(&yaml);
    assert_eq!(m.model.years, 10.0);
    let r = simulate(&m, 1);
    let t_h = m.model.horizon as f64 / 3600.0;
    // Mean time a kilogram spends in each node, rebuilt from what the run records (the
    // mean wait in queue) and the model's parameters (models/us_magnet_network.yaml):
    //
    // Preprocessors: a job is a pallet of 300 drives, cycle triangular(1.5, 2.0, 3.0) s per
    // drive, mean (1.5 + 2 + 3) / 3 = 2.1667 s: S = 300 * 2.1667 s = 650 s = 0.180556 h.
    // Lines fail after exponential(24 h) of up time and are repaired in a mean 6 h; a job
    // caught by a failure resumes after the repair (preemptive resume), so the failures
    // during its S hours of service are Poisson with mean S / 24 and each holds it 6 h more:
    // time at a line = S (1 + 6 / 24) = 0.180556 * 1.25 = 0.225694 h. Leaving out that
    // repair hold puts Williston 11 % and Reno 2.4 % off, so the 2 % tolerance would catch it.
    // (Waits are per drive and inventory is in kg; every pallet has 300 drives of nearly
    // equal mass, so the two weightings agree.)
    //
    // HPMS hub: no failures; every batch is exactly 400 kg, cycle triangular(4.4, 4.86,
    // 5.3) h, mean 14.56 / 3 = 4.853333 h for every kg. Ramp-up rests come after a batch
    // has left, so they hold no material. Its wait (per kg) includes the feed stored before
    // commissioning in mid-2027, hence a mean wait of months, which dominates W; leaving out
    // the cycle time would be 0.07 % off, above the 0.05 % tolerance (measured: 0.01 %).
    //
    // Neither node ever blocks on full storage (preprocessors ship every 19 t against 60 t
    // of storage; the hub's residue leaves every 30 days against 200 t), asserted below,
    // so nothing else holds material. Then Little: mean inventory (kg) = throughput (kg/h)
    // x (Wq + time in service), with throughput the mass that passed through over T.
    let cases = [
        ("williston_sc", 0.180556 * 1.25, 60_000.0, 0.02),
        ("reno_nv", 0.180556 * 1.25, 60_000.0, 0.02),
        ("dfw_hpms", 14.56 / 3.0, 200_000.0, 0.0005),
    ];
    for (node, service_h, storage_kg, tolerance) in cases {
        let s = stats(&r, node);
        let inventory_kg = time_average(&r.timeseries.series(node, "inventory_kg"));
        let stored = r.timeseries.series(node, "storage_kg");
        let max_stored = stored.iter().map(|x| x.1).fold(0.0, f64::max);
        assert!(
            max_stored < 0.5 * storage_kg,
            "{node}: storage reached {max_stored} kg"
        );
        // What passed through: all that came in and is no longer held. At the hub the
        // steel carriers leave at the gate, spending no time there, so only what it sent on
        // through its ports (recorded cumulative output: product and residue) counts.
        let passed_kg = if node == "dfw_hpms" {
            last(&r, node, "cumulative_output_kg")
        } else {
            s.in_kg - s.inventory_kg
        };
        let throughput_kg_per_h = passed_kg / t_h;
        let wq_h = s.mean_wait_h.expect("a server node records waits");
        let little = throughput_kg_per_h * (wq_h + service_h);
        eprintln!(
            "theory: Little at {node}: mean inventory {inventory_kg:.1} kg; throughput {throughput_kg_per_h:.2} kg/h x (Wq {wq_h:.4} h + service {service_h:.4} h) = {little:.1} kg; ratio {:.4}",
            inventory_kg / little
        );
        assert!(
            (inventory_kg - little).abs() <= tolerance * little,
            "{node}: mean inventory {inventory_kg} kg against lambda W = {little} kg"
        );
    }
}

/// The peer's estimate of `quantity` in `model`, from its JSON report.
fn peer(report: &serde_json::Value, model: &str, quantity: &str) -> Estimate {
    let e = &report[model][quantity];
    Estimate {
        mean: e["mean"].as_f64().expect("a mean"),
        half_width: e["half_width"].as_f64().expect("a half-width"),
    }
}

#[test]
fn simpy_peer_agrees_with_magloop() {
    let has_simpy = Command::new("python3")
        .args(["-c", "import simpy"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_simpy {
        // Written to the stderr handle, not with eprintln!, so that the test harness does
        // not capture it: the line shows in every log, not only with --nocapture.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: simpy_peer: python3 with simpy not found (pip install simpy)"
        );
        return;
    }
    // The peer runs 10 replications of 5 years of each model (about 12 s in CPython);
    // magloop's replications run meanwhile.
    let child = Command::new("python3")
        .arg(repo().join("tests/peer/simpy_queues.py"))
        .args(["--replications", "10", "--years", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mm1 = replications(Case::Mm1EightTenths);
    let tandem = replications(Case::Tandem);
    let out = child.wait_with_output().expect("the peer finishes");
    assert!(
        out.status.success(),
        "the SimPy peer failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("the peer prints JSON");
    let ours = [
        (
            "mm1_rho_0.8",
            "wq_h",
            Estimate::of(mm1.iter().map(|r| r.stations[0].wq_h)),
        ),
        (
            "mm1_rho_0.8",
            "l",
            Estimate::of(mm1.iter().map(|r| r.stations[0].l)),
        ),
        (
            "mm1_rho_0.8",
            "utilisation",
            Estimate::of(mm1.iter().map(|r| r.stations[0].utilisation)),
        ),
        (
            "tandem",
            "sojourn_h",
            Estimate::of(tandem.iter().map(|r| r.sojourn_h)),
        ),
    ];
    for (model, quantity, m) in ours {
        let p = peer(&report, model, quantity);
        // Two independent estimates: the difference's 99 % half-width is about
        // sqrt(h1^2 + h2^2).
        let combined = (m.half_width.powi(2) + p.half_width.powi(2)).sqrt();
        eprintln!(
            "theory: SimPy peer {model} {quantity}: magloop {:.4} +- {:.4}, SimPy {:.4} +- {:.4}, difference {:.4} against {combined:.4}",
            m.mean,
            m.half_width,
            p.mean,
            p.half_width,
            m.mean - p.mean
        );
        assert!(
            (m.mean - p.mean).abs() <= combined,
            "{model} {quantity}: magloop {} +- {} and SimPy {} +- {} disagree",
            m.mean,
            m.half_width,
            p.mean,
            p.half_width
        );
        // A peer with a vacuous interval would agree with anything.
        assert!(
            p.half_width <= 0.1 * p.mean,
            "{model} {quantity}: the peer's interval +- {} is too wide to compare",
            p.half_width
        );
    }
}
