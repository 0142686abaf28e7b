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
networks; two cores afford a 64-wide SAC for a few thousand steps), full = 20,000 steps
(FULL_STEPS; the domain's default, 10^5, takes 7 min per run: the 15 runs would take an
hour and a half); 5 seeds each. A trained policy's return is not bit-reproducible across
CPUs or thread counts (one different float early in SAC changes the whole run: the same
seed gave -48.4 on one machine and -62.4 on another), so every return and success rate is
a seed statistic, the mean over seeds with its standard error, judged with both runs'
spreads (benchmarks/README.md) plus a 0.05 relative margin on returns. Times are noisy on
a shared machine.

GWIL compares states alone, both distance matrices in the expert's unit, every visited
state scored as the result of the action that led to it (the maze domain's ``reward``; see
bench.agents.gwil.domains.maze for why). Before that change (the paper's (state, action)
pairs, each matrix scaled by its own maximum) GWIL was no better than random (quick: -84.2
against -76.7): the agent reproduced the expert's distance pattern with oscillating
actions under the wall. The pseudo-rewards are divided by their standard deviation, not
centred (``TrainConfig.reward_scaling``; centring paid the agent for not reaching the
goal). Quick, 5 seeds: GWIL -49.4 ± 4.3 (centred: -60.2 ± 2.4), random -84.3, SAC-true
-15.7; success 0 for GWIL at this budget. At 20,000 steps 2 of 5 seeds reach the goal,
at 10^5 steps 3 of 5 (bench.agents.gwil.domains.maze).

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
from bench.common.report.rows import row, seed_statistic
from bench.common.threads import free_cores

SUITE = "gwil"
DEMO = PACKAGED_DEMOS / "maze.npz"
SEEDS = (0, 1, 2, 3, 4)
FULL_STEPS = 20_000  # per learner in the full run (the maze domain's default is 10^5)
TOLERANCE_RETURN = 0.05  # relative, on top of the statistical margin
TOLERANCE_SUCCESS = 0.0  # a rate in [0, 1]: the statistical margin alone
METHODS = ("random", "sac-true", "gwil")


def _train(
    method: str, steps: int, root: Path, demo: Trajectory, eval_episodes: int, seed: int
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
        out=root / f"{method}-seed{seed}",
        seed=seed,
        demonstration=demo if method == "gwil" else None,
        progress=False,
    )


def run(quick: bool) -> list[dict]:
    torch.set_num_threads(free_cores())  # `bench report` sets BENCH_THREADS for the suite
    steps = 3000 if quick else FULL_STEPS
    eval_episodes = 3 if quick else 10
    demo = Trajectory.load(DEMO)
    results: dict[str, list[TrainResult]] = {m: [] for m in METHODS}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in SEEDS:
            for method in METHODS:
                results[method].append(_train(method, steps, Path(tmp), demo, eval_episodes, seed))
    rows: list[dict] = []
    for method, runs in results.items():
        returns = [r.eval_true_return for r in runs]
        successes = [r.eval_success for r in runs]
        unit = f"return after {steps} steps"
        rows.append(
            seed_statistic(
                SUITE, f"maze_{method}_true_return", returns, unit, True, TOLERANCE_RETURN
            )
        )
        rows.append(
            seed_statistic(
                SUITE, f"maze_{method}_success", successes, "fraction of eval episodes", True,
                TOLERANCE_SUCCESS,
            )
        )  # fmt: skip
        wall = sum(r.wall_seconds for r in runs)
        rows.append(
            row(
                SUITE,
                f"maze_{method}_wall_seconds",
                wall,
                f"s for {len(SEEDS)}x{steps} steps",
                "info",
            )
        )
    gwil, sac = results["gwil"], results["sac-true"]
    gwil_wall = sum(r.wall_seconds for r in gwil)
    gw_seconds = sum(r.gw_fraction * r.wall_seconds for r in gwil)
    rows += [
        row(SUITE, "maze_gwil_gw_time_fraction", gw_seconds / gwil_wall, "fraction of wall time", "info"),
        row(SUITE, "maze_gwil_steps_per_second", sum(r.steps for r in gwil) / gwil_wall, "env steps/s", "info"),
        row(
            SUITE, "maze_gwil_over_sac_true_wall_time",
            gwil_wall / sum(r.wall_seconds for r in sac), "x", "ratio", False,
        ),
    ]  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short budget (5 seeds x 3000 steps)")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'value':>10}  {'kind':<8} unit")
    for r in rows:
        se = f"± {r['stderr']:.3g}" if "stderr" in r else ""
        print(f"{r['name']:<{width}}  {r['value']:>10.4g} {se:>9}  {r['kind']:<8} {r['unit']}")


if __name__ == "__main__":
    main()
