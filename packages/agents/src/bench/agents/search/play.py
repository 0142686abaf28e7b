"""Play games with a planning method at a per-move time budget, one row per game.

Methods (all over the same simulator and blueprint):

- ``blueprint``: act greedily with the blueprint Q-network, no search;
- ``mcts``: UCT (:mod:`bench.agents.search.mcts`) with uniformly random rollouts;
- ``mcts-blueprint``: UCT whose rollouts follow the blueprint greedily and end in its value;
- ``sparta``: SPARTA single-agent search (:mod:`bench.agents.search.sparta`), Hanabi;
- ``rl-search``: RL fine-tuning of the blueprint, Algorithm 2 (:mod:`bench.agents.search.rl_search`).

On Hanabi the non-searching seats play the blueprint, and the searcher's belief over its
own hand is updated between moves, off the search's clock (``wall_s`` includes it). Games are paired across methods:
game g uses seed ``seed + g`` for every method and budget (same deck, same no-op start).

Besides the score, a game's row says how its search behaved: ``search_proposals``, the
moves where the search's own best action differed from the blueprint's;
``search_accepted``, those it played (SPARTA's δ rule, RL search's safety check), so that
accepted / proposals is the check's accept rate; ``q_shift``, RL search's mean over
fine-tuned moves of mean_a |Q_after(s, a) − Q_bp(s, a)|, how far fine-tuning moved the
network; ``updates_per_move``, its mean number of gradient updates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from bench.agents.rl.dqn import QNetwork, ReplayBuffer
from bench.agents.search.budget import Budget
from bench.agents.search.envs import is_hanabi, make_simulator
from bench.agents.search.mcts import UCTConfig, uct_search
from bench.agents.search.rl_search import RLSearchConfig, rl_search
from bench.agents.search.sparta import SpartaConfig, sparta_search
from bench.common.metrics import mean_ci

# (appended, never reordered: a method's index seeds its games' random stream)
METHODS: tuple[str, ...] = ("blueprint", "mcts", "sparta", "rl-search", "mcts-blueprint")

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
    "search_proposals",
    "search_accepted",
    "q_shift",
    "updates_per_move",
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
    proposals: int = 0  # moves where the search's best differed from the blueprint's
    accepted: int = 0  # of those, the moves played (passed δ / the safety check)
    q_shift: float = float("nan")  # RL search: mean |Q_after − Q_bp| over fine-tuned moves
    updates_per_move: float = float("nan")  # RL search: mean updates over fine-tuned moves


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
    if is_hanabi(sim.name):
        sim.set_blueprint_partner(policy)
    sim.reset(seed=seed)
    budget = None
    if method != "blueprint":
        budget = Budget(seconds=seconds_per_move, iterations=config.iterations_per_move)
    global_buffer = ReplayBuffer(config.rl_search.global_capacity, sim.obs_dim, sim.num_actions)
    tally = _SearchTally()
    score, moves = 0.0, 0
    started = time.perf_counter()
    while not sim.game_over and (config.max_moves is None or moves < config.max_moves):
        obs, mask = sim.observation(), sim.legal_mask()
        greedy = policy.greedy(obs, mask)
        if budget is None:  # the blueprint plays alone
            action = greedy
        else:
            if hasattr(sim, "belief"):
                # Belief tracking is the player's bookkeeping between moves (the authors'
                # hand distribution is updated after every move), not the search's: it is
                # computed here, off the move's clock, and kept for the search's worlds.
                sim.belief(rng=rng)
            action = _searched_action(
                method,
                sim,
                blueprint,
                config,
                budget,
                rng=rng,
                global_buffer=global_buffer,
                tally=tally,
                greedy=greedy,
            )
        tally.deviations += int(action != greedy)
        score += sim.step(action).score
        moves += 1
    if is_hanabi(sim.name):
        score = sim.score  # losing every life token zeroes the score
    return GameResult(
        score=score,
        moves=moves,
        wall_s=time.perf_counter() - started,
        search_iterations=tally.iterations / max(1, moves) if method != "blueprint" else 0.0,
        rollout_steps=tally.steps,
        deviations=tally.deviations,
        proposals=tally.proposals,
        accepted=tally.accepted,
        q_shift=float(np.mean(tally.shifts)) if tally.shifts else float("nan"),
        updates_per_move=float(np.mean(tally.updates)) if tally.updates else float("nan"),
    )


def _searched_action(
    method: str,
    sim,
    blueprint: QNetwork,
    config: PlayConfig,
    budget: Budget,
    *,
    rng: np.random.Generator,
    global_buffer: ReplayBuffer,
    tally: _SearchTally,
    greedy: int,
) -> int:
    """The move ``method``'s search picks from ``sim``'s state; its work goes into ``tally``."""
    if method in ("mcts", "mcts-blueprint"):
        rollout = blueprint.frozen() if method == "mcts-blueprint" else None
        res = uct_search(sim, config.uct, budget, rng=rng, rollout_policy=rollout)
        tally.add(res.simulations, res.steps)
        return res.action
    if method == "sparta":
        res = sparta_search(sim, blueprint, config.sparta, budget, rng=rng)
        tally.add(res.worlds, res.steps, proposed=res.proposed != greedy, accepted=res.deviated)
        return res.action
    res = rl_search(sim, blueprint, config.rl_search, budget, rng=rng, global_buffer=global_buffer)
    tally.add(res.iterations, res.rollout_steps, res.proposed != greedy, res.accepted)
    if not res.skipped:
        tally.shifts.append(res.q_shift)
        tally.updates.append(res.updates)
    return res.action


@dataclass
class _SearchTally:
    """A game's running totals of search work and decisions."""

    iterations: int = 0
    steps: int = 0
    deviations: int = 0
    proposals: int = 0
    accepted: int = 0
    shifts: list[float] = field(default_factory=list)
    updates: list[int] = field(default_factory=list)

    def add(self, iterations: int, steps: int, proposed=False, accepted=False) -> None:
        self.iterations += iterations
        self.steps += steps
        self.proposals += int(proposed)
        self.accepted += int(proposed and accepted)


@threadpool_limits.wrap(limits=1)  # one core per game: NumPy's BLAS must not spin on another
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
    # torch imports its compiler on the first optimiser built (seconds): not on a move's clock
    torch.optim.Adam(torch.nn.Linear(1, 1).parameters())
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
                "search_proposals": result.proposals,
                "search_accepted": result.accepted,
                "q_shift": result.q_shift,
                "updates_per_move": result.updates_per_move,
            }
        )
        if on_game is not None:
            on_game(pd.DataFrame(rows, columns=RESULT_COLUMNS))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Per (method, seconds_per_move): games, mean score ± s.e.m. and the 95% half-width
    ``ci95``, perfect-game rate, the paired difference to the blueprint over the same games
    (``vs_blueprint`` ± ``vs_blueprint_ci95``, over ``paired_games``), the search's accept
    rate (accepted / proposed deviations, pooled over games) and RL search's mean
    |Q_after − Q_bp| and updates per move."""
    results = results.reindex(columns=RESULT_COLUMNS)  # rows from before a column existed
    grouped = results.groupby(["method", "seconds_per_move"], sort=True)
    table = grouped.agg(
        games=("score", "size"),
        mean_score=("score", "mean"),
        sem=("score", "sem"),
        perfect_rate=("perfect", "mean"),
        mean_moves=("moves", "mean"),
        wall_s_per_game=("wall_s", "mean"),
        iterations_per_move=("search_iterations", "mean"),
        proposals=("search_proposals", "sum"),
        accepted=("search_accepted", "sum"),
        q_shift=("q_shift", "mean"),
        updates_per_move=("updates_per_move", "mean"),
    )
    table["accept_rate"] = table["accepted"] / table["proposals"].where(table["proposals"] > 0)
    table["ci95"] = [mean_ci(rows["score"].to_numpy())[1] for _, rows in grouped]
    table["vs_blueprint"], table["vs_blueprint_ci95"], table["paired_games"] = zip(
        *[_paired_to_blueprint(results, rows) for _, rows in grouped]
    )
    return table.reset_index()


def _paired_to_blueprint(results: pd.DataFrame, rows: pd.DataFrame) -> tuple[float, float, int]:
    """Mean and 95% half-width of score − the blueprint's score over the games both played
    (the same seeds: same deck or no-op start), and how many; NaN without blueprint games."""
    blueprint = results[results["method"] == "blueprint"].set_index("game")["score"]
    paired = rows.set_index("game")["score"].sub(blueprint).dropna()
    if rows["method"].iloc[0] == "blueprint" or paired.empty:
        return float("nan"), float("nan"), 0
    mean, half = mean_ci(paired.to_numpy())
    return mean, half, len(paired)
