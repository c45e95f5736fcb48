#!/usr/bin/env python3
"""SimPy peer for magloop's theory tests: the same M/M/1 (rho 0.8) and two-station tandem
models, simulated independently, so that magloop's estimates can be compared with another
simulator's, not only with formulas.

Prints one JSON object on stdout:

    {"replications": R, "years": Y,
     "mm1_rho_0.8": {"wq_h": {"mean": ..., "half_width": ...}, "l": {...}, "utilisation": {...}},
     "tandem": {"sojourn_h": {...}}}

where each half_width is that of a two-sided 99 % Student t confidence interval over the R
independent replications (seeds 1..R). The statistics are defined as magloop defines them:
  wq_h         mean wait in queue of the jobs that started service by the horizon (h)
  l            time-average number of jobs at the station, queue + service, over [0, T]
  utilisation  busy server time / (servers * T)
  sojourn_h    mean time from a job's birth at the source to its arrival at the sink, over
               the jobs that reached the sink by the horizon (h)

Usage: python3 tests/peer/simpy_queues.py [--replications R] [--years Y]
Needs simpy (pip install simpy); nothing else outside the standard library.
"""

import argparse
import json
import math
import random
import statistics

import simpy

HOURS_PER_YEAR = 8766.0  # 365.25 days, as magloop's calendar

# Two-sided 99 % Student t quantiles t_{0.995, df}, df = R - 1 (statistical tables; checked
# by numerical integration of the t density).
T_995 = {
    4: 4.604095,
    7: 3.499483,
    9: 3.249836,
    11: 3.105807,
    14: 2.976843,
    15: 2.946713,
    19: 2.860935,
    24: 2.796940,
    29: 2.756386,
    39: 2.707913,
}


class Level:
    """A count that changes at events, with its integral over time."""

    def __init__(self):
        self.value = 0
        self.since = 0.0
        self.area = 0.0

    def add(self, now, delta):
        self.area += self.value * (now - self.since)
        self.since = now
        self.value += delta

    def area_to(self, now):
        return self.area + self.value * (now - self.since)


class Station:
    """c exponential servers taking jobs first come first served from one unlimited queue
    (a simpy.Store); each server is a process."""

    def __init__(self, env, servers, service_mean_h, rng):
        self.env = env
        self.queue = simpy.Store(env)
        self.servers = servers
        self.service_mean_h = service_mean_h
        self.rng = rng
        self.in_system = Level()
        self.busy = Level()
        self.wait_sum = 0.0
        self.started = 0
        self.next = None  # the next station, or None for the sink
        self.sink = None
        for _ in range(servers):
            env.process(self.serve())

    def receive(self, born):
        """A job (known by its birth time at the source) arrives now."""
        self.in_system.add(self.env.now, 1)
        self.queue.put((born, self.env.now))

    def serve(self):
        env = self.env
        while True:
            born, arrived = yield self.queue.get()
            self.wait_sum += env.now - arrived
            self.started += 1
            self.busy.add(env.now, 1)
            yield env.timeout(self.rng.expovariate(1.0 / self.service_mean_h))
            self.busy.add(env.now, -1)
            self.in_system.add(env.now, -1)
            if self.next is not None:
                self.next.receive(born)
            else:
                self.sink["sojourn_sum"] += env.now - born
                self.sink["count"] += 1


def source(env, arrival_mean_h, rng, first):
    while True:
        yield env.timeout(rng.expovariate(1.0 / arrival_mean_h))
        first.receive(env.now)


def replicate(seed, arrival_mean_h, stations_spec, horizon_h):
    """One run; returns per-station (wq, l, utilisation) and the sink's mean sojourn."""
    env = simpy.Environment()
    # One stream per purpose, as magloop keys its streams by (seed, entity, purpose).
    stations = [
        Station(env, c, mean, random.Random(f"{seed}/s{i + 1}/service"))
        for i, (c, mean) in enumerate(stations_spec)
    ]
    sink = {"sojourn_sum": 0.0, "count": 0}
    for st, nxt in zip(stations, stations[1:] + [None]):
        st.next = nxt
        st.sink = sink
    env.process(source(env, arrival_mean_h, random.Random(f"{seed}/arrivals"), stations[0]))
    env.run(until=horizon_h)
    per_station = [
        {
            "wq_h": st.wait_sum / st.started,
            "l": st.in_system.area_to(horizon_h) / horizon_h,
            "utilisation": st.busy.area_to(horizon_h) / (st.servers * horizon_h),
        }
        for st in stations
    ]
    return per_station, sink["sojourn_sum"] / sink["count"]


def estimate(samples):
    """Mean and 99 % CI half-width over replications."""
    n = len(samples)
    return {
        "mean": statistics.fmean(samples),
        "half_width": T_995[n - 1] * statistics.stdev(samples) / math.sqrt(n),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--years", type=float, default=5.0)
    args = ap.parse_args()
    if args.replications - 1 not in T_995:
        ap.error(f"--replications must be one of {sorted(k + 1 for k in T_995)}")
    horizon_h = args.years * HOURS_PER_YEAR
    seeds = range(1, args.replications + 1)

    # M/M/1: lambda = 1/h, service mean 0.8 h (rho = 0.8).
    mm1 = [replicate(s, 1.0, [(1, 0.8)], horizon_h)[0][0] for s in seeds]
    # Tandem: lambda = 1/h, service means 0.5 h then 0.6 h.
    tandem = [replicate(s, 1.0, [(1, 0.5), (1, 0.6)], horizon_h)[1] for s in seeds]

    out = {
        "replications": args.replications,
        "years": args.years,
        "mm1_rho_0.8": {k: estimate([r[k] for r in mm1]) for k in ("wq_h", "l", "utilisation")},
        "tandem": {"sojourn_h": estimate(tandem)},
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
