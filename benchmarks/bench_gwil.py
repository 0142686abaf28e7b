"""GWIL benchmark: true return of GWIL against random and SAC-on-true-reward, mirrored maze.

The agent learns in the mirror image of the point maze from the packaged demonstration of
an expert trained in the original maze (``bench agents gwil expert --domain maze``). The
three methods get the same number of environment steps, the same SAC and the same seed:

* quality: mean true return of the final deterministic policy over the evaluation
  episodes (higher is better), and its success rate, for gwil, sac-true and random;
* info: the fraction of GWIL's wall time spent solving Gromov-Wasserstein problems, its
  environment steps per second, and each method's wall time;
* ratio: GWIL's wall time over SAC-true's (the overhead of the pseudo-reward, run in the
  same process with the same budget).

Budgets: quick = 3000 steps per learner (the paper trains 10^5-10^6 steps with 1024-wide
networks; two cores afford a 64-wide SAC for a few thousand steps), full = the domain's
default (6000 steps). Runs are deterministic for a fixed seed on one thread, so an unchanged
code base reproduces the quality rows exactly; the tolerances guard against changes that
move a return by more than a plausible refactoring would (0.10 relative: the gap between
random and a policy that reaches the goal is over 50% of the return), and success rates
get 0.34, one of three evaluation episodes. Times are noisy on a shared machine.

GWIL compares states alone, both distance matrices in the expert's unit, every visited
state scored as the result of the action that led to it (the maze domain's ``reward``; see
bench.agents.gwil.domains.maze for why). Before that change (the paper's (state, action)
pairs, each matrix scaled by its own maximum) GWIL was no better than random (quick: -84.2
against -76.7): the agent reproduced the expert's distance pattern with oscillating
actions under the wall. Now: quick GWIL -48.4, random -76.7, SAC-true -15.8; full -34.7,
-86.2, -15.1. GWIL is well above random but does not yet reach the goal (success 0).

    .venv/bin/python benchmarks/bench_gwil.py --quick
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from bench.agents.gwil.demonstration import PACKAGED_DEMOS, Trajectory
from bench.agents.gwil.domains import DOMAINS
from bench.agents.gwil.train import TrainConfig, TrainResult, train

SUITE = "gwil"
DEMO = PACKAGED_DEMOS / "maze.npz"
TOLERANCE_RETURN = 0.10
TOLERANCE_SUCCESS = 0.34


def _train(
    method: str, steps: int, root: Path, demo: Trajectory, eval_episodes: int
) -> TrainResult:
    domain = DOMAINS["maze"]
    config = TrainConfig(
        method=method,
        total_steps=steps,
        sac=domain.sac,
        reward=domain.reward,
        eval_every=steps,  # one evaluation, at the end
        eval_episodes=eval_episodes,
        checkpoint_every=10**9,
    )
    return train(
        domain.make_target(),
        domain.make_target(),
        config,
        out=root / method,
        seed=0,
        demonstration=demo if method == "gwil" else None,
        progress=False,
    )


def run(quick: bool) -> list[dict]:
    torch.set_num_threads(1)
    steps = 3000 if quick else DOMAINS["maze"].imitation_steps
    eval_episodes = 3 if quick else 10
    demo = Trajectory.load(DEMO)
    rows: list[dict] = []
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for method in ("random", "sac-true", "gwil"):
            results[method] = _train(method, steps, Path(tmp), demo, eval_episodes)
    for method, result in results.items():
        rows.append(
            {
                "suite": SUITE,
                "name": f"maze_{method}_true_return",
                "value": result.eval_true_return,
                "unit": f"return after {steps} steps",
                "kind": "quality",
                "higher_is_better": True,
                "tolerance": TOLERANCE_RETURN,
            }
        )
        rows.append(
            {
                "suite": SUITE,
                "name": f"maze_{method}_success",
                "value": result.eval_success,
                "unit": "fraction of eval episodes",
                "kind": "quality",
                "higher_is_better": True,
                "tolerance": TOLERANCE_SUCCESS,
            }
        )
    gwil, sac = results["gwil"], results["sac-true"]
    rows += [
        {
            "suite": SUITE,
            "name": f"maze_{method}_wall_seconds",
            "value": result.wall_seconds,
            "unit": f"s for {steps} steps, one thread",
            "kind": "info",
            "higher_is_better": None,
            "tolerance": None,
        }
        for method, result in results.items()
    ]
    rows += [
        {
            "suite": SUITE,
            "name": "maze_gwil_gw_time_fraction",
            "value": gwil.gw_fraction,
            "unit": "fraction of wall time",
            "kind": "info",
            "higher_is_better": None,
            "tolerance": None,
        },
        {
            "suite": SUITE,
            "name": "maze_gwil_steps_per_second",
            "value": gwil.steps / gwil.wall_seconds,
            "unit": "env steps/s",
            "kind": "info",
            "higher_is_better": None,
            "tolerance": None,
        },
        {
            "suite": SUITE,
            "name": "maze_gwil_over_sac_true_wall_time",
            "value": gwil.wall_seconds / sac.wall_seconds,
            "unit": "x",
            "kind": "ratio",
            "higher_is_better": False,
            "tolerance": None,
        },
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short budget (3000 steps)")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'value':>10}  {'kind':<8} unit")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['value']:>10.4g}  {r['kind']:<8} {r['unit']}")


if __name__ == "__main__":
    main()
