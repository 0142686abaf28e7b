"""Exploration benchmark: coverage and speed of Adversarial Surprise and its baselines.

Every method trains for the same number of environment steps on the same small world
(``noisy-dark-small``: 3 rooms in a row, the start room plain, the others dark or noisy),
with the authors' game (4 rounds of 32 steps) but 4 envs instead of 16 (two cores). Rows:

* quality: distinct cells and rooms visited per episode, averaged over every episode of
  training and over seeds (coverage during learning, the area under the curve);
* info: environment steps per second of each method (training included);
* ratio: each method's steps/s over the random policy's, run in the same process: the
  cost of learning on top of plain env stepping through the same wrappers.

Tolerances of the quality rows come from seed noise. Over 5 seeds of the quick budget
(2048 steps) the per-seed standard deviation was 5-9% of the mean for cells per episode
and 4-14% for rooms per episode, depending on the method; the quick figures average 3
seeds, so their standard error is at most ~5% (cells) and ~8% (rooms), and the
tolerances are 3x that: 0.15 and 0.25. A flag then means a change beyond seed noise.
Runs are deterministic for a fixed seed on one thread, so an unchanged code base
reproduces the figures exactly. Quick mode is also too short for learning to separate
the methods (random explores as much as any learner at 2048 steps); it guards the
pipeline's numbers, and the full mode (16384 steps) is where differences start.

    .venv/bin/python benchmarks/bench_surprise.py --quick
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import torch

from bench.agents.rl.ppo import PPOConfig
from bench.agents.surprise.train import METHODS, SurpriseRunConfig, train_seed

SUITE = "surprise"
ENV = "noisy-dark-small"
TOLERANCE_CELLS = 0.15  # relative; 3x the seed noise of a 3-seed mean (module docstring)
TOLERANCE_ROOMS = 0.25


def _run_method(method: str, *, steps: int, seeds: list[int], root: Path) -> dict[str, float]:
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
    return {
        "cells": float(np.mean(cells)),
        "rooms": float(np.mean(rooms)),
        "sps": float(np.median(sps)),
    }


def run(quick: bool) -> list[dict]:
    """Train every method briefly; one row per figure (see module docstring)."""
    torch.set_num_threads(1)
    steps, seeds = (2048, [0, 1, 2]) if quick else (16384, [0, 1, 2])
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        results = {m: _run_method(m, steps=steps, seeds=seeds, root=Path(tmp)) for m in METHODS}
    for method, r in results.items():
        rows.append(
            dict(suite=SUITE, name=f"cells_per_episode/{method}", value=r["cells"], unit="cells",
                 kind="quality", higher_is_better=True, tolerance=TOLERANCE_CELLS)
        )  # fmt: skip
        rows.append(
            dict(suite=SUITE, name=f"rooms_per_episode/{method}", value=r["rooms"], unit="rooms",
                 kind="quality", higher_is_better=True, tolerance=TOLERANCE_ROOMS)
        )  # fmt: skip
        rows.append(
            dict(suite=SUITE, name=f"steps_per_s/{method}", value=r["sps"], unit="steps/s",
                 kind="info", higher_is_better=True, tolerance=None)
        )  # fmt: skip
    for method, r in results.items():
        if method != "random":
            rows.append(
                dict(suite=SUITE, name=f"speed_vs_random/{method}",
                     value=r["sps"] / results["random"]["sps"], unit="x",
                     kind="ratio", higher_is_better=True, tolerance=None)
            )  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 seeds x 2048 steps per method (about 40 s of CPU)"
    )
    args = parser.parse_args()
    rows = run(quick=args.quick)
    print(f"{'name':34s} {'value':>10s} {'unit':8s} kind")
    for row in rows:
        print(f"{row['name']:34s} {row['value']:10.3f} {row['unit']:8s} {row['kind']}")


if __name__ == "__main__":
    main()
