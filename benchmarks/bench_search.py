"""Benchmark: online planning by RL fine-tuning (RL search) against UCT, SPARTA and the blueprint.

Rows (suite "search"):

- corridor (known optimum): success rates of the blueprint alone, RL search and UCT at
  finding the optimal first action, over seeds, at fixed iteration budgets (quality);
- Ms. Pac-Man: a few moves per method at a fixed wall-clock budget; rollout steps per
  second of UCT and RL search, and their ratio against the plain blueprint's stepping
  rate in the same process (throughput: how much simulation each method buys per second);
- tiny Hanabi: paired games of the blueprint, SPARTA and RL search on a blueprint trained
  here by the self-play trainer (20,000 turns, under a minute; quality: mean score), with SPARTA's and RL search's cost per
  move, how often their checks let a proposed deviation through (accept rate), and how far
  RL search's fine-tuning moved the root Q-values (mean |Q_after − Q_bp|) (info).

Success rates and mean scores are seed statistics (the mean over seeds or games with its
standard error, judged with both runs' spreads: benchmarks/README.md), because the
blueprints are trained here and training is not bit-reproducible across CPUs or thread
counts. The corridor blueprint's own success is a single 0/1 figure, kept exact.

quick=True shrinks every count (documented beside each) to finish in about a minute and a
half on two idle cores; the full run uses more seeds, moves and games.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from bench.agents.search.blueprint import load_blueprint, train_blueprint
from bench.agents.search.budget import Budget
from bench.agents.search.corridor import CorridorSimulator
from bench.agents.search.envs import make_simulator
from bench.agents.search.hanabi_simulator import HanabiSimulator
from bench.agents.search.mcts import UCTConfig, uct_search
from bench.agents.search.play import PlayConfig, play_game
from bench.agents.search.rl_search import RLSearchConfig, rl_search
from bench.common.report.rows import row, seed_statistic
from bench.common.threads import free_cores

SUITE = "search"


def _corridor(quick: bool, workdir: Path) -> list[dict]:
    seeds = 3 if quick else 10
    path = workdir / "corridor.pt"
    train_blueprint("corridor", 2000, path, seed=1)
    q = load_blueprint(str(path), "corridor", seed=0)
    sim = CorridorSimulator()
    sim.reset(seed=0)
    optimum = sim.optimal_first_action(RLSearchConfig().gamma)
    # ε = 0.5 and lr 1e-3: the corridor's far reward needs harder exploration than the
    # default; θ⁻ ← θ every 20 updates carries it back the 4 steps within 1,000 updates
    search_config = dataclasses.replace(
        RLSearchConfig(), epsilon=0.5, H=5, lr=1e-3, target_period=20
    )
    rl_hits, uct_hits = [], []
    started = time.perf_counter()
    for seed in range(seeds):
        res = rl_search(
            sim, q, search_config, Budget(iterations=100), rng=np.random.default_rng(seed)
        )
        rl_hits.append(float(res.action == optimum))
    rl_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for seed in range(seeds):
        res = uct_search(sim, UCTConfig(), Budget(iterations=300), rng=np.random.default_rng(seed))
        uct_hits.append(float(res.action == optimum))
    uct_seconds = time.perf_counter() - started
    blueprint_hit = q.greedy(sim.observation(), sim.legal_mask()) == optimum
    return [
        row(SUITE, "corridor/blueprint_success", blueprint_hit, "rate", "quality", True, 0.0),
        seed_statistic(SUITE, "corridor/rl_search_success", rl_hits, "rate", True, 0.0),
        seed_statistic(SUITE, "corridor/uct_success", uct_hits, "rate", True, 0.0),
        row(SUITE, "corridor/rl_search_seconds_per_search", rl_seconds / seeds, "s", "info"),
        row(SUITE, "corridor/uct_seconds_per_search", uct_seconds / seeds, "s", "info"),
    ]


def _mspacman(quick: bool, blueprint: str | None) -> list[dict]:
    moves = 4 if quick else 20  # quick: 4 moves per method at 0.25 s each
    seconds = 0.25
    sim = make_simulator("mspacman")
    q = load_blueprint(blueprint or "random", "mspacman", seed=0)
    sim.reset(seed=0)
    root = sim.clone()
    rng = np.random.default_rng(0)
    # reference: the plain blueprint stepping the emulator, same process
    started, n = time.perf_counter(), 0
    while time.perf_counter() - started < seconds * moves / 2:
        step = sim.step(q.greedy(sim.observation(), sim.legal_mask()))
        n += 1
        if step.game_over:
            sim.restore(root)
    blueprint_rate = n / (time.perf_counter() - started)
    rates, updates, shifts = {}, [], []
    for method in ("mcts", "rl-search"):
        sim.restore(root)
        steps, spent = 0, 0.0
        for _ in range(moves):
            if method == "mcts":
                res = uct_search(sim, UCTConfig(), Budget(seconds=seconds), rng=rng)
                steps, spent = steps + res.steps, spent + res.seconds
            else:
                res = rl_search(sim, q, RLSearchConfig(), Budget(seconds=seconds), rng=rng)
                steps, spent = steps + res.rollout_steps, spent + res.seconds
                updates.append(res.updates)
                shifts.append(res.q_shift)
            sim.step(res.action)
        rates[method] = steps / spent
    return [
        row(SUITE, "mspacman/blueprint_steps_per_s", blueprint_rate, "steps/s", "info"),
        row(SUITE, "mspacman/uct_rollout_steps_per_s", rates["mcts"], "steps/s", "info"),
        row(SUITE, "mspacman/rl_search_rollout_steps_per_s", rates["rl-search"], "steps/s", "info"),
        # at the default B = 128 the clock, not the authors' 5,000, ends fine-tuning
        row(
            SUITE, "mspacman/rl_search_updates_per_move", float(np.mean(updates)), "updates", "info"
        ),
        row(SUITE, "mspacman/rl_search_q_shift", float(np.mean(shifts)), "Q", "info"),
        row(
            SUITE,
            "mspacman/uct_vs_blueprint_stepping",
            rates["mcts"] / blueprint_rate,
            "x",
            "ratio",
            True,
        ),
        row(
            SUITE,
            "mspacman/rl_search_vs_blueprint_stepping",
            rates["rl-search"] / blueprint_rate,
            "x",
            "ratio",
            True,
        ),
    ]


def _hanabi(quick: bool, workdir: Path) -> list[dict]:
    games = 6 if quick else 40  # quick: 6 paired games, 4 worlds / 2 iterations per move
    path = workdir / "hanabi-tiny.pt"
    # the self-play trainer's small configuration: 39 rollouts of 32 games x 16 turns
    train_blueprint("hanabi-tiny", 20_000, path, seed=0)
    q = load_blueprint(str(path), "hanabi-tiny", seed=0)
    sim = HanabiSimulator("hanabi-tiny")
    # the safety check's paired rollouts per move: the authors' 5,000 would dwarf the
    # 2 fine-tuning iterations here
    rl_config = dataclasses.replace(RLSearchConfig(), eval_rollouts=16 if quick else 64)
    rows = []
    for method, iterations in (("blueprint", None), ("sparta", 4), ("rl-search", 2)):
        config = PlayConfig(iterations_per_move=iterations, rl_search=rl_config)
        results = [play_game(sim, method, q, None, config, seed=seed) for seed in range(games)]
        name = method.replace("-", "_")
        scores = [r.score for r in results]
        per_move = sum(r.wall_s for r in results) / max(1, sum(r.moves for r in results))
        # each game is a seed (deck and play): the mean score is a seed statistic
        rows.append(seed_statistic(SUITE, f"hanabi_tiny/{name}_mean_score", scores, "points", True))
        rows.append(row(SUITE, f"hanabi_tiny/{name}_seconds_per_move", per_move, "s", "info"))
        if method != "blueprint":
            proposals = sum(r.proposals for r in results)
            accepted = sum(r.accepted for r in results)
            rate = accepted / proposals if proposals else float("nan")
            rows.append(row(SUITE, f"hanabi_tiny/{name}_accept_rate", rate, "rate", "info"))
        if method == "rl-search":
            shift = float(np.nanmean([r.q_shift for r in results]))
            rows.append(row(SUITE, "hanabi_tiny/rl_search_q_shift", shift, "Q", "info"))
    return rows


def run(quick: bool, blueprint_mspacman: str | None = None) -> list[dict]:
    """All rows; ``blueprint_mspacman`` is a checkpoint (default: a random-init network)."""
    torch.set_num_threads(free_cores())  # `bench report` sets BENCH_THREADS for the suite
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rows = _corridor(quick, workdir)
        rows += _mspacman(quick, blueprint_mspacman)
        rows += _hanabi(quick, workdir)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the ~90 s version")
    parser.add_argument(
        "--blueprint-mspacman", default=None, help="Ms. Pac-Man blueprint checkpoint"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    table = run(args.quick, args.blueprint_mspacman)
    width = max(len(r["name"]) for r in table)
    for r in table:
        print(f"{r['name']:<{width}}  {r['value']:>12.4g} {r['unit']:<8} {r['kind']}")
    print(f"total {time.perf_counter() - started:.1f} s", file=sys.stderr)
