"""Exploration benchmark: coverage and speed of Adversarial Surprise and its baselines.

Every method trains for the same number of environment steps on the same small world
(``noisy-dark-small``: 3 rooms in a row, the start room plain, the others dark or noisy),
with the authors' game (4 rounds of 32 steps) but 4 envs instead of 16 (two cores). Rows:

* quality: distinct cells and rooms visited per episode, averaged over every episode of
  training and over seeds (coverage during learning, the area under the curve);
* info: environment steps per second of each method (training included);
* ratio: each method's steps/s over the random policy's, run in the same process: the
  cost of learning on top of plain env stepping through the same wrappers.

The coverage rows are seed statistics (the mean over 3 seeds with its standard error):
a trained policy is not bit-reproducible across CPUs or thread counts, so each seed on
another machine is a new draw, and a row fails only when its mean moves beyond both
runs' standard errors (benchmarks/README.md). Over 5 seeds of the quick budget the
per-seed standard deviation was 5-9% of the mean for cells per episode and 4-14% for
rooms. Quick mode is also too short for learning to separate the methods (random explores
as much as any learner at 2048 steps); it guards the pipeline's numbers, and the full
mode (16384 steps) is where differences start.

    .venv/bin/python benchmarks/bench_surprise.py --quick
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.agents.rl.ppo import PPOConfig
from bench.agents.surprise.train import METHODS, SurpriseRunConfig, train_seed
from bench.common.report.rows import row, seed_statistic
from bench.common.threads import free_cores

SUITE = "surprise"
ENV = "noisy-dark-small"
TOLERANCE = 0.0  # relative margin on top of the statistical one (module docstring)


def _run_method(method: str, *, steps: int, seeds: list[int], root: Path) -> dict[str, Any]:
    """Per-seed mean coverage over training episodes, and the median steps/s."""
    config = SurpriseRunConfig(
        method=method,
        env=ENV,
        total_steps=steps,
        # 4 envs: the authors' 16 would leave a quick run with a single PPO update.
        ppo=dataclasses.replace(PPOConfig(), num_envs=4),
        checkpoint_every=10**9,  # the benchmark never resumes; skip mid-run checkpoints
    )
    cells, rooms, sps = [], [], []
    for seed in seeds:
        run_dir = root / method / f"seed_{seed}"
        train_seed(config, seed=seed, run_dir=run_dir, progress=False)
        rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
        cells.append(np.mean([r["coverage/cells_episode"] for r in rows]))
        rooms.append(np.mean([r["coverage/rooms_episode"] for r in rows]))
        sps.extend(r["charts/sps"] for r in rows)
    return {"cells": cells, "rooms": rooms, "sps": float(np.median(sps))}


def run(quick: bool) -> list[dict]:
    """Train every method briefly; one row per figure (see module docstring)."""
    torch.set_num_threads(free_cores())  # `bench report` sets BENCH_THREADS for the suite
    steps, seeds = (2048, [0, 1, 2]) if quick else (16384, [0, 1, 2])
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        results = {m: _run_method(m, steps=steps, seeds=seeds, root=Path(tmp)) for m in METHODS}
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 seeds x 2048 steps per method (about 40 s of CPU)"
    )
    args = parser.parse_args()
    rows = run(quick=args.quick)
    print(f"{'name':34s} {'value':>10s} {'unit':8s} kind")
    for r in rows:
        print(f"{r['name']:34s} {r['value']:10.3f} {r['unit']:8s} {r['kind']}")


if __name__ == "__main__":
    main()
