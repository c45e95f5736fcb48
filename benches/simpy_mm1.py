#!/usr/bin/env python3
"""SimPy peer for `cargo bench`: an M/M/1 queue (arrival rate 1/h, mean service 0.9 h, so
utilisation 0.9) simulated for YEARS years with SimPy, timed as a whole process would be.

Prints one JSON object: {"customers": N, "seconds": S, "customers_per_s": N / S}.
Usage: python3 benches/simpy_mm1.py YEARS
"""

import json
import random
import sys
import time

import simpy


def main():
    years = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    horizon_h = years * 8766.0
    rng = random.Random(1)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    served = [0]

    def customer():
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / 0.9))
        served[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(1.0))
            env.process(customer())

    start = time.perf_counter()
    env.process(arrivals())
    env.run(until=horizon_h)
    seconds = time.perf_counter() - start
    print(json.dumps({"customers": served[0], "seconds": seconds,
                      "customers_per_s": served[0] / seconds}))


if __name__ == "__main__":
    main()
