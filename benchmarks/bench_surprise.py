"""Exploration benchmark: coverage and speed of Adversarial Surprise and its baselines (JAX).

Every method trains for the same number of environment steps on the same small world
(``noisy-dark-small``: 3 rooms in a row, the start room plain, the others dark or noisy),
with the authors' game (4 rounds of 32 steps) and their 16 envs; the seeds of a method
train together as one vmapped batch. Rows:

* quality: distinct cells and rooms visited per episode, averaged over every episode of
  training and over seeds (coverage during learning, the area under the curve);
* info: environment steps per second of each method's full training (world, density,
  rewards and PPO updates; all seeds together, compilation excluded);
* ratio: each method's steps/s over the random policy's, run in the same process: the
  cost of learning on top of stepping the same worlds.

The coverage rows are seed statistics (the mean over 3 seeds with its standard error): a
trained policy is not bit-reproducible across CPUs or thread counts, so each seed on
another machine is a new draw, and a row fails only when its mean moves beyond both runs'
standard errors (benchmarks/README.md). Quick mode (8 iterations, 16k steps per seed) is
too short for learning to separate the methods; it guards the pipeline's numbers, and the
full mode (128 iterations, 262k steps per seed) is where differences start.

    .venv/bin/python benchmarks/bench_surprise.py --quick
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bench.common.threads import limit_xla_threads

limit_xla_threads()  # before jax starts: `bench report` sets BENCH_THREADS for the suite

import jax  # noqa: E402
import numpy as np  # noqa: E402

from bench.agents.surprise.train import (  # noqa: E402
    METHODS,
    SurpriseRunConfig,
    compiled_iteration,
    init_state,
    make_bank,
)
from bench.common.report.rows import row, seed_statistic  # noqa: E402

SUITE = "surprise"
ENV = "noisy-dark-small"
SEEDS = (0, 1, 2)
TOLERANCE = 0.0  # relative margin on top of the statistical one (module docstring)


def _run_method(method: str, *, iterations: int) -> dict[str, Any]:
    """Per-seed mean coverage over the training episodes, and the steps/s after compilation."""
    config = SurpriseRunConfig(method=method, env=ENV, layouts=256)
    bank = make_bank(config)
    keys = jax.vmap(jax.random.PRNGKey)(jax.numpy.asarray(SEEDS))
    states = jax.vmap(lambda k: init_state(k, bank, config))(keys)
    step = compiled_iteration(config)
    states, first = step(states, bank)  # compiles; its episodes count like the others
    history = [jax.device_get(first)]
    started = time.perf_counter()
    for _ in range(iterations - 1):
        states, metrics = step(states, bank)
        history.append(metrics)
    history = jax.device_get(history)
    elapsed = time.perf_counter() - started
    cells = np.mean([m["coverage/cells_episode"] for m in history], axis=0)
    rooms = np.mean([m["coverage/rooms_episode"] for m in history], axis=0)
    sps = len(SEEDS) * config.steps_per_iteration * (iterations - 1) / elapsed
    return {"cells": cells.tolist(), "rooms": rooms.tolist(), "sps": sps}


def run(quick: bool) -> list[dict]:
    """Train every method briefly; one row per figure (see module docstring)."""
    iterations = 8 if quick else 128
    results = {m: _run_method(m, iterations=iterations) for m in METHODS}
    rows: list[dict] = []
    for method, r in results.items():
        rows.append(
            seed_statistic(
                SUITE, f"cells_per_episode/{method}", r["cells"], "cells", True, TOLERANCE
            )
        )
        rows.append(
            seed_statistic(
                SUITE, f"rooms_per_episode/{method}", r["rooms"], "rooms", True, TOLERANCE
            )
        )
        rows.append(row(SUITE, f"steps_per_s/{method}", r["sps"], "steps/s", "info"))
    for method, r in results.items():
        if method != "random":
            speed = r["sps"] / results["random"]["sps"]
            rows.append(row(SUITE, f"speed_vs_random/{method}", speed, "x", "ratio", True))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 seeds x 8 iterations (16k steps) per method"
    )
    args = parser.parse_args()
    rows = run(quick=args.quick)
    print(f"{'name':34s} {'value':>10s} {'unit':8s} kind")
    for r in rows:
        print(f"{r['name']:34s} {r['value']:10.3f} {r['unit']:8s} {r['kind']}")


if __name__ == "__main__":
    main()
