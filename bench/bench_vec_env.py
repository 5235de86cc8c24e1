#!/usr/bin/env python3
"""Environment steps per second through VecEnv.step from Python, next to the same pool stepped by
a C++ loop, measured in one run (alternating, median of the repeats) so that the ratio holds on a
shared, noisy machine:

    PYTHONPATH=build/release/python /usr/bin/python3 bench/bench_vec_env.py [--num-envs 64]

Both sides step the same autoscale.VecEnv with the same random actions (drawn beforehand and
cycled, so that neither measures a random generator): the Python side calls vec.step(actions)
in a plain loop, the C++ side runs the pool's own step (decode, step, rewards) in a loop with no
Python between steps. The ratio is what the Python boundary costs.
"""

import argparse
import statistics
import time

import numpy as np

import autoscale


def python_steps_per_second(vec, batches, steps):
    vec.reset(seed=0)
    step = vec.step
    t0 = time.perf_counter()
    for t in range(steps):
        step(batches[t % len(batches)])
    return steps * vec.num_envs / (time.perf_counter() - t0)


def cpp_steps_per_second(vec, batches, steps):
    vec.reset(seed=0)
    return steps * vec.num_envs / vec._core.bench(batches, steps)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="seed")
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--observation", default="seed")
    p.add_argument("--action", default="seed")
    p.add_argument("--steps", type=int, default=20000, help="pool steps per measurement")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()

    print(f"scenario {args.scenario!r}, {args.num_envs} envs, observation {args.observation!r}, "
          f"action {args.action!r}, random actions; median of {args.repeats} alternating runs of {args.steps} steps")
    print(f"| threads | copy  | Python VecEnv.step (steps/s) | C++ pool loop (steps/s) | Python / C++ |")
    print(f"|---------|-------|------------------------------|-------------------------|--------------|")
    for threads in (int(t) for t in args.threads.split(",")):
        for copy in (False, True):
            vec = autoscale.VecEnv(args.scenario, args.num_envs, seed=0, threads=threads, copy=copy,
                                   observation=args.observation, action=args.action)
            nvec = vec.single_action_space.nvec
            batches = np.random.default_rng(1).integers(0, nvec, size=(256, args.num_envs, len(nvec)))
            python_steps_per_second(vec, batches, args.steps // 10)  # warm-up
            py, cpp = [], []
            for _ in range(args.repeats):
                py.append(python_steps_per_second(vec, batches, args.steps))
                cpp.append(cpp_steps_per_second(vec, batches, args.steps))
            ratios = [a / b for a, b in zip(py, cpp)]
            print(f"| {threads:>7} | {str(copy):<5} | {statistics.median(py):>28,.0f} | {statistics.median(cpp):>23,.0f} "
                  f"| {statistics.median(ratios):>12.2f} |", flush=True)


if __name__ == "__main__":
    main()
