//! magloop's sensitivity estimators against SALib on the same matrices and outputs
//! (tests/peer/salib_peer.py), where python3 with SALib is installed; skipped visibly
//! otherwise.

use std::f64::consts::PI;
use std::io::Write as _;
use std::process::{Command, Stdio};

use magloop::kernel::rng::{StreamKey, stream};
use magloop::sensitivity::design::{morris, morris_delta, saltelli};
use magloop::sensitivity::estimators::{morris_indices, sobol_indices};

use crate::common::repo;

/// The Ishigami function on the unit cube (inputs mapped to [-pi, pi]), a = 7, b = 0.1.
fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

#[test]
fn salib_peer_agrees_with_magloop() {
    let has_salib = Command::new("python3")
        .args(["-c", "import SALib"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_salib {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: salib_peer: python3 with SALib not found (pip install SALib)"
        );
        return;
    }
    let mut rng = stream(&StreamKey {
        seed: 3,
        replication: 0,
        entity: "peer",
        purpose: "salib",
    });
    let (n, d, skip) = (1024, 3, 1024);
    let sal = saltelli(n, d, skip).expect("3 inputs fit");
    let sal_y: Vec<f64> = sal.rows.iter().map(|x| ishigami(x)).collect();
    let levels = 4;
    let mor = morris(50, d, levels, &mut rng);
    let mor_y: Vec<f64> = mor.rows.iter().map(|x| ishigami(x)).collect();
    let request = serde_json::json!({
        "saltelli": {"n": n, "d": d, "skip": skip, "x": sal.rows, "y": sal_y},
        "morris": {"levels": levels, "x": mor.rows, "y": mor_y},
    });
    let mut child = Command::new("python3")
        .arg(repo().join("tests/peer/salib_peer.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("the peer reads its input");
    let out = child.wait_with_output().expect("the peer finishes");
    assert!(
        out.status.success(),
        "the SALib peer failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let list = |k: &str| -> Vec<f64> {
        peer[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k} in {peer}"))
            .iter()
            .map(|v| v.as_f64().expect("a number"))
            .collect()
    };
    // The design: SALib's sobol.sample(scramble=False, skip_values=1024) is the same matrix,
    // point for point (both are dyadic fractions of 2^30, so equal exactly).
    assert_eq!(
        peer["saltelli_matrix_max_abs_diff"].as_f64(),
        Some(0.0),
        "Saltelli matrices differ: {peer}"
    );
    // The estimates are the same formulas on the same numbers: equal to rounding.
    let ours = sobol_indices(&sal_y, d, 10, 0.95, &mut rng).expect("whole blocks");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
    for (i, (s1, st)) in list("S1").into_iter().zip(list("ST")).enumerate() {
        eprintln!(
            "sensitivity: Ishigami x{i}: S1 magloop {:.6} SALib {s1:.6}; ST magloop {:.6} SALib {st:.6}",
            ours[i].s1, ours[i].st
        );
        assert!(
            close(ours[i].s1, s1) && close(ours[i].st, st),
            "x{i}: {:?} vs S1 {s1}, ST {st}",
            ours[i]
        );
    }
    let mo = morris_indices(&mor.rows, &mor_y, morris_delta(levels), 10, 0.95, &mut rng)
        .expect("trajectories");
    let (mu, mu_star, sigma) = (list("mu"), list("mu_star"), list("sigma"));
    for i in 0..d {
        eprintln!(
            "sensitivity: Morris x{i}: mu* magloop {:.6} SALib {:.6}; sigma magloop {:.6} SALib {:.6}",
            mo[i].mu_star, mu_star[i], mo[i].sigma, sigma[i]
        );
        assert!(
            close(mo[i].mu, mu[i])
                && close(mo[i].mu_star, mu_star[i])
                && close(mo[i].sigma, sigma[i]),
            "x{i}: {:?} vs mu {} mu* {} sigma {}",
            mo[i],
            mu[i],
            mu_star[i],
            sigma[i]
        );
    }
}
