#!/usr/bin/env python3
"""SALib as a peer for magloop's sensitivity estimators (tests/it/sensitivity.rs).

Reads JSON on stdin, as written by the Rust test:
  {"saltelli": {"n": N, "d": D, "skip": S, "x": [[...], ...], "y": [...]},
   "morris":   {"levels": P, "x": [[...], ...], "y": [...]}}
The inputs are in the unit cube (every bound [0, 1]). Prints JSON on stdout:
  {"saltelli_matrix_max_abs_diff": ..., "S1": [...], "ST": [...],
   "mu": [...], "mu_star": [...], "sigma": [...], "salib": "1.x"}
where the matrix difference compares magloop's Saltelli design with SALib's own
`sobol.sample(problem, N, calc_second_order=False, scramble=False, skip_values=S)`, and the
indices are SALib's estimates on magloop's designs and outputs.
"""
import json
import sys
import warnings
from importlib.metadata import version

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample


def problem(d):
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def main():
    req = json.load(sys.stdin)
    out = {"salib": version("SALib")}
    s = req["saltelli"]
    x = np.array(s["x"], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about unscrambled sequences
        theirs = sobol_sample.sample(
            problem(s["d"]), s["n"], calc_second_order=False, scramble=False, skip_values=s["skip"]
        )
    out["saltelli_matrix_max_abs_diff"] = float(np.abs(theirs - x).max()) if theirs.shape == x.shape else None
    si = sobol_analyze.analyze(
        problem(s["d"]), np.array(s["y"], dtype=float), calc_second_order=False, seed=1
    )
    out["S1"] = [float(v) for v in si["S1"]]
    out["ST"] = [float(v) for v in si["ST"]]
    m = req["morris"]
    mx = np.array(m["x"], dtype=float)
    mi = morris_analyze.analyze(
        problem(mx.shape[1]), mx, np.array(m["y"], dtype=float), num_levels=m["levels"], seed=1
    )
    out["mu"] = [float(v) for v in mi["mu"]]
    out["mu_star"] = [float(v) for v in mi["mu_star"]]
    out["sigma"] = [float(v) for v in mi["sigma"]]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
