"""Play games with a planning method at a per-move time budget, one row per game.

Methods (all over the same simulator and blueprint):

- ``blueprint``: act greedily with the blueprint Q-network, no search;
- ``mcts``: UCT (:mod:`bench.agents.search.mcts`);
- ``sparta``: SPARTA single-agent search (:mod:`bench.agents.search.sparta`), Hanabi;
- ``rl-search``: RL fine-tuning of the blueprint, Algorithm 2 (:mod:`bench.agents.search.rl_search`).

On Hanabi the non-searching seats play the blueprint. Games are paired across methods:
game g uses seed ``seed + g`` for every method and budget (same deck, same no-op start).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from bench.agents.rl.dqn import QNetwork, ReplayBuffer
from bench.agents.search.budget import Budget
from bench.agents.search.mcts import UCTConfig, uct_search
from bench.agents.search.rl_search import RLSearchConfig, rl_search
from bench.agents.search.simulators import is_hanabi, make_simulator
from bench.agents.search.sparta import SpartaConfig, sparta_search

METHODS: tuple[str, ...] = ("blueprint", "mcts", "sparta", "rl-search")

RESULT_COLUMNS = [
    "env",
    "method",
    "seconds_per_move",
    "game",
    "seed",
    "score",
    "perfect",
    "moves",
    "wall_s",
    "search_iterations",
    "rollout_steps",
    "deviations",
]


@dataclass(frozen=True)
class PlayConfig:
    """How games are played. ``max_moves`` caps a game's length (None: play to the end)."""

    max_moves: int | None = None
    rl_search: RLSearchConfig = field(default_factory=RLSearchConfig)
    uct: UCTConfig = field(default_factory=UCTConfig)
    sparta: SpartaConfig = field(default_factory=SpartaConfig)
    iterations_per_move: int | None = None  # a fixed count instead of (or with) the clock


@dataclass(frozen=True)
class GameResult:
    score: float
    moves: int
    wall_s: float
    search_iterations: float  # mean per searched move
    rollout_steps: int
    deviations: int  # moves where search chose other than the blueprint's greedy action


def play_game(
    sim,
    method: str,
    blueprint: QNetwork,
    seconds_per_move: float | None,
    config: PlayConfig,
    *,
    seed: int,
) -> GameResult:
    """Play one game of ``sim`` (reset with ``seed``) with ``method`` and return its score."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "sparta" and not is_hanabi(sim.name):
        raise ValueError(
            "sparta needs Hanabi (it samples the searcher's hidden hand); use --env hanabi*"
        )
    rng = np.random.default_rng([seed, METHODS.index(method)])
    policy = blueprint.frozen()
    if hasattr(sim, "partner"):
        sim.partner = policy.greedy
    sim.reset(seed=seed)
    budget = None
    if method != "blueprint":
        budget = Budget(seconds=seconds_per_move, iterations=config.iterations_per_move)
    global_buffer = ReplayBuffer(config.rl_search.global_capacity, sim.obs_dim, sim.num_actions)
    score, moves, iterations, steps, deviations = 0.0, 0, 0, 0, 0
    started = time.perf_counter()
    while not sim.game_over and (config.max_moves is None or moves < config.max_moves):
        obs, mask = sim.observation(), sim.legal_mask()
        greedy = policy.greedy(obs, mask)
        if method == "blueprint":
            action = greedy
        elif method == "mcts":
            res = uct_search(sim, config.uct, budget, rng=rng)
            action, iterations, steps = res.action, iterations + res.simulations, steps + res.steps
        elif method == "sparta":
            res = sparta_search(sim, blueprint, config.sparta, budget, rng=rng)
            action, iterations, steps = res.action, iterations + res.worlds, steps + res.steps
        else:
            res = rl_search(
                sim, blueprint, config.rl_search, budget, rng=rng, global_buffer=global_buffer
            )
            action, iterations, steps = (
                res.action,
                iterations + res.iterations,
                steps + res.rollout_steps,
            )
        deviations += int(action != greedy)
        score += sim.step(action).score
        moves += 1
    if is_hanabi(sim.name):
        score = sim.score  # losing every life token zeroes the score
    return GameResult(
        score=score,
        moves=moves,
        wall_s=time.perf_counter() - started,
        search_iterations=iterations / max(1, moves) if method != "blueprint" else 0.0,
        rollout_steps=steps,
        deviations=deviations,
    )


def play_games(
    env: str,
    methods: Iterable[str],
    seconds_per_move: Iterable[float],
    games: int,
    blueprint: QNetwork,
    config: PlayConfig,
    *,
    seed: int,
    done: pd.DataFrame | None = None,
    on_game: Callable[[pd.DataFrame], None] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """All (method, budget, game) combinations not already in ``done``, one row each.

    ``blueprint`` is played once per game (its budget is irrelevant: seconds_per_move 0).
    ``on_game`` receives the table so far after every game, to save partial results.
    """
    torch.set_num_threads(1)
    sim = make_simulator(env)
    rows = [] if done is None else done.to_dict("records")
    finished = {(r["method"], float(r["seconds_per_move"]), int(r["game"])) for r in rows}
    budgets = sorted({float(s) for s in seconds_per_move})
    jobs = []
    for method in methods:
        for spm in [0.0] if method == "blueprint" else budgets:
            jobs += [(method, spm, g) for g in range(games) if (method, spm, g) not in finished]
    for method, spm, game in tqdm(jobs, disable=not progress, desc=f"{env} games"):
        result = play_game(sim, method, blueprint, spm or None, config, seed=seed + game)
        max_score = getattr(sim, "max_score", None)
        rows.append(
            {
                "env": env,
                "method": method,
                "seconds_per_move": spm,
                "game": game,
                "seed": seed + game,
                "score": result.score,
                "perfect": float(result.score == max_score) if max_score else float("nan"),
                "moves": result.moves,
                "wall_s": result.wall_s,
                "search_iterations": result.search_iterations,
                "rollout_steps": result.rollout_steps,
                "deviations": result.deviations,
            }
        )
        if on_game is not None:
            on_game(pd.DataFrame(rows, columns=RESULT_COLUMNS))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean score ± s.e.m., perfect-game rate and games per (method, seconds_per_move)."""
    grouped = results.groupby(["method", "seconds_per_move"], sort=True)
    table = grouped.agg(
        games=("score", "size"),
        mean_score=("score", "mean"),
        sem=("score", "sem"),
        perfect_rate=("perfect", "mean"),
        mean_moves=("moves", "mean"),
        wall_s_per_game=("wall_s", "mean"),
        iterations_per_move=("search_iterations", "mean"),
    )
    return table.reset_index()
