//! Probe (temporary): measure queue statistics to size the theory tests.

use crate::common::{load, simulate, stats};

fn network(arrival_mean_h: f64, stations: &[(u32, f64)], years: f64) -> String {
    let mut y = format!(
        "name: q\ncalendar: {{start: 2025-01-01, years: {years}, record_every_days: 365}}\nelements: []\nmaterials:\n  job: {{role: job}}\nnodes:\n  - {{id: arrivals, kind: source, material: job, interarrival_h: {{exponential: {{mean: {arrival_mean_h}}}}}, lot_kg: {{constant: 1}}}}\n"
    );
    for (i, (c, m)) in stations.iter().enumerate() {
        y += &format!(
            "  - {{id: s{}, kind: station, servers: {c}, service_h: {{exponential: {{mean: {m}}}}}}}\n",
            i + 1
        );
    }
    y += "  - {id: out, kind: sink}\nlinks:\n";
    let mut prev = "arrivals".to_string();
    for i in 0..stations.len() {
        y += &format!("  - {{id: l{i}, from: {prev}, to: s{}, dispatch: immediate}}\n", i + 1);
        prev = format!("s{}", i + 1);
    }
    y += &format!("  - {{id: lout, from: {prev}, to: out, dispatch: immediate}}\n");
    y
}

#[test]
fn probe() {
    for (name, a, st) in [
        ("mm1 0.5", 1.0, vec![(1u32, 0.5)]),
        ("mm1 0.8", 1.0, vec![(1, 0.8)]),
        ("mm3", 0.5, vec![(3, 1.2)]),
        ("tandem", 1.0, vec![(1, 0.5), (1, 0.6)]),
    ] {
        let m = load(&network(a, &st, 10.0));
        let t0 = std::time::Instant::now();
        let mut ev = 0;
        let mut wq = vec![];
        let mut l = vec![];
        let mut soj = vec![];
        for seed in 1..=20 {
            let r = simulate(&m, seed);
            ev += r.events;
            let s = stats(&r, "s1");
            wq.push(s.mean_wait_h.unwrap());
            l.push(s.mean_in_system.unwrap());
            soj.push(stats(&r, "out").mean_sojourn_h.unwrap());
            if seed == 1 {
                let t = 10.0 * 8766.0;
                let lam = stats(&r, "arrivals").units as f64 / t;
                eprintln!(
                    "{name}: units src {} st {} sink {}; little L {} vs {}",
                    stats(&r, "arrivals").units,
                    s.units,
                    stats(&r, "out").units,
                    s.mean_in_system.unwrap(),
                    lam * s.mean_wait_h.unwrap() + st[0].0 as f64 * s.utilisation.unwrap()
                );
            }
        }
        let f = |v: &Vec<f64>| {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            (m, 2.860935 * sd / n.sqrt())
        };
        eprintln!(
            "{name}: {:.2?} events {ev}; wq {:?} l {:?} soj {:?}",
            t0.elapsed(),
            f(&wq),
            f(&l),
            f(&soj)
        );
    }
}

#[test]
fn probe_default() {
    use magloop::model::{Overrides, load_default};
    let m = load_default(&Overrides::default()).unwrap();
    for seed in 1..=3 {
    let t0 = std::time::Instant::now();
    let r = simulate(&m, seed);
    eprintln!("default run {:.2?} events {}", t0.elapsed(), r.events);
    let t_h = m.model.horizon as f64 / 3600.0;
    for (node, hold_h) in [("williston_sc", 0.180556 * 1.25), ("reno_nv", 0.180556 * 1.25), ("dfw_hpms", 14.56 / 3.0)] {
        let s = stats(&r, node);
        let inv = r.timeseries.series(node, "inventory_kg");
        let avg = inv.iter().map(|x| x.1).sum::<f64>() / inv.len() as f64;
        let lam_in = s.in_kg / t_h;
        let lam_out = (s.in_kg - s.inventory_kg) / t_h;
        let w = s.mean_wait_h.unwrap();
        eprintln!(
            "{node}: n {} avg inv {avg:.1} kg; in {:.0} end inv {:.0} util {:.3} avail {:.3} wait {w:.3} h; lam_in*W {:.1} lam_out*W {:.1}; ratio {:.4} max inv {:.0}",
            inv.len(), s.in_kg, s.inventory_kg, s.utilisation.unwrap(), s.availability.unwrap(),
            lam_in * (w + hold_h), lam_out * (w + hold_h), avg / (lam_out * (w + hold_h)),
            inv.iter().map(|x| x.1).fold(0.0, f64::max)
        );
    }
    }
}
