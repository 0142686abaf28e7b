"""Can GWIL's pseudo-reward work in a domain? Asked before any agent trains on it.

GWIL's agent maximises the pseudo-return Σ_j r_j = -GW(expert, episode). If a policy that
does nothing has a lower GW cost than a policy that solves the target task, no amount of
training on the pseudo-reward can solve the task: its optimum lies elsewhere. The
diagnostic scores the target-domain episodes of reference policies against the
demonstration:

    hold-still       the action box's centre at every step (no force, no move)
    push-then-rest   uniform random actions for the first PUSH_STEPS steps, then the
                     centre: the exploit GWIL agents found on cart-pole (a small push,
                     then rest), which each matrix scaled by its own maximum can make
                     look like a swing-up followed by balance
    random           uniform random actions
    sac-true         SAC trained on the target's true reward (the ceiling), deterministic
    sac-true+ε       the ceiling with a share ε of its actions replaced by random ones
    mirrored-expert  the demonstration's actions mapped into the target (maze only: the
                     mirror is an isometry, so a correct geometry gives it cost ~0)
    trained          GWIL agents trained on the pseudo-reward (``diagnose --agent``),
                     deterministic: did the learner reach the pseudo-reward's optimum?

and reports each kind's mean GW cost and true return, whether hold-still costs more than
the ceiling (``ordered``), and the Spearman correlation between pseudo-return and true
return over the whole pool (the ε-mixtures spread the pool between random and the
ceiling). :func:`compare_geometries` does this for several GW geometries on one pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import gymnasium as gym
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.domains.domain import Domain
from bench.agents.gwil.rewards import GWRewardConfig, episode_pseudo_rewards
from bench.agents.gwil.rollout import Episode, Policy, flat_box, rollout, uniform_policy
from bench.agents.gwil.train import TrainConfig, restore_agent, train
from bench.agents.rl.sac import SAC

HOLD_STILL, PUSH, RANDOM, CEILING, MIXED, MIRROR, TRAINED = (
    "hold-still",
    "push-then-rest",
    "random",
    "sac-true",
    "sac-true+ε",
    "mirrored-expert",
    "trained",
)
KINDS = (HOLD_STILL, PUSH, RANDOM, MIXED, CEILING, MIRROR, TRAINED)
# Random steps before the push-then-rest probe rests (a 30-step maze episode: a third).
PUSH_STEPS = 10


@dataclass(frozen=True)
class PoolEpisode:
    """One reference episode: its policy's kind, ε (share of random actions), reset seed."""

    kind: str
    noise: float
    seed: int
    episode: Episode


def _mixed(ceiling: SAC, box: gym.spaces.Box, noise: float, rng: np.random.Generator) -> Policy:
    random = uniform_policy(box, rng)
    return lambda obs: random(obs) if rng.random() < noise else ceiling.act(obs, deterministic=True)


def _push_then_rest(box: gym.spaces.Box, rng: np.random.Generator, steps: int) -> Policy:
    """Uniform random actions for ``steps`` calls, the box's centre afterwards."""
    random, centre, count = uniform_policy(box, rng), ((box.low + box.high) / 2), [0]

    def act(obs: np.ndarray) -> np.ndarray:
        count[0] += 1
        return random(obs) if count[0] <= steps else centre.astype(np.float32)

    return act


def _replay(actions: np.ndarray, box: gym.spaces.Box) -> Policy:
    """Play ``actions`` in order, then hold still if the episode runs on."""
    steps = iter(actions)
    centre = ((box.low + box.high) / 2).astype(np.float32)
    return lambda obs: next(steps, centre)


def collect_pool(
    env: gym.Env,
    ceiling: SAC,
    *,
    episodes: int,
    noise_levels: tuple[float, ...] = (0.25, 0.5, 0.75),
    mirror: tuple[np.ndarray, int] | None = None,
    trained: tuple[SAC, ...] = (),
    seed: int,
) -> list[PoolEpisode]:
    """``episodes`` episodes of each reference policy in the target ``env``.

    ``mirror`` is (actions (n, da) already mapped into the target, reset seed of the
    demonstration) where the domain has a mirror; ``trained`` are GWIL agents, each
    played ``episodes`` times. Episode k of every kind starts from
    ``env.reset(seed=seed + k)``, so kinds are compared from the same start states.
    """
    box = flat_box(env.action_space)
    rng = np.random.default_rng(seed)
    centre = ((box.low + box.high) / 2).astype(np.float32)
    # each episode gets a fresh policy (push-then-rest counts its steps)
    policies: list[tuple[str, float, Callable[[], Policy]]] = [
        (HOLD_STILL, 0.0, lambda: lambda obs: centre),
        (PUSH, 0.0, lambda: _push_then_rest(box, rng, PUSH_STEPS)),
        (RANDOM, 1.0, lambda: uniform_policy(box, rng)),
        (CEILING, 0.0, lambda: lambda obs: ceiling.act(obs, deterministic=True)),
        *((MIXED, eps, lambda eps=eps: _mixed(ceiling, box, eps, rng)) for eps in noise_levels),
        *((TRAINED, 0.0, lambda a=a: lambda obs: a.act(obs, deterministic=True)) for a in trained),
    ]
    pool = [
        PoolEpisode(kind, eps, seed + k, rollout(env, make(), seed=seed + k))
        for kind, eps, make in policies
        for k in range(episodes)
    ]
    if mirror is not None:
        actions, demo_seed = mirror
        episode = rollout(env, _replay(actions, box), seed=demo_seed)
        pool.append(PoolEpisode(MIRROR, 0.0, demo_seed, episode))
    return pool


@dataclass(frozen=True)
class Diagnosis:
    """The pool scored under one geometry: ``episodes`` holds one row per episode
    (kind, noise, seed, steps, true_return, gw_cost, pseudo_return)."""

    episodes: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        """Per kind: mean GW cost, mean true return and episode count, in KINDS order."""
        table = self.episodes.groupby("kind").agg(
            gw_cost=("gw_cost", "mean"),
            true_return=("true_return", "mean"),
            episodes=("gw_cost", "size"),
        )
        return table.reindex([k for k in KINDS if k in table.index]).reset_index()

    def cost(self, kind: str) -> float:
        """Mean GW cost of one kind's episodes (NaN if the pool has none)."""
        rows = self.episodes.loc[self.episodes["kind"] == kind]
        return float(rows["gw_cost"].mean()) if len(rows) else float("nan")

    @property
    def spearman(self) -> float:
        """Spearman's ρ between pseudo-return and true return over every episode."""
        result = spearmanr(self.episodes["pseudo_return"], self.episodes["true_return"])
        return float(result.statistic)  # pyright: ignore[reportAttributeAccessIssue]  # scipy stubs omit SignificanceResult.statistic

    @property
    def cheapest(self) -> str:
        """The kind of least mean GW cost: where maximising the pseudo-return leads."""
        kinds = [kind for kind in KINDS if kind in set(self.episodes["kind"])]
        return min(kinds, key=self.cost)

    @property
    def ordered(self) -> bool:
        """True when holding still costs more than the ceiling (the pseudo-reward prefers
        solving the task to doing nothing)."""
        return self.cost(HOLD_STILL) > self.cost(CEILING)


def _every(stride: int, observations: np.ndarray, actions: np.ndarray):
    """Every ``stride``-th state (s_0, s_k, ...) and the action taken in each."""
    observations = observations[::stride]
    actions = actions[::stride][: len(observations) - 1]
    return observations[: len(actions) + 1], actions


def diagnose(
    demonstration: Trajectory,
    pool: list[PoolEpisode],
    geometry: GWRewardConfig,
    *,
    stride: int = 1,
) -> Diagnosis:
    """Score every pool episode against the demonstration under ``geometry``.

    ``stride`` > 1 keeps every stride-th step of the demonstration and of each episode: a
    GW problem stride² times smaller, for comparing many geometries; training scores
    every step.
    """
    if stride > 1:
        demonstration = Trajectory(
            demonstration.observations[::stride], demonstration.actions[::stride]
        )
    rows = []
    for item in pool:
        observations, actions = _every(stride, item.episode.observations, item.episode.actions)
        gw = episode_pseudo_rewards(demonstration, observations, actions, geometry)
        rows.append(
            {
                "kind": item.kind,
                "noise": item.noise,
                "seed": item.seed,
                "steps": len(actions),  # the steps scored
                "true_return": item.episode.true_return,
                "gw_cost": gw.cost,
                "pseudo_return": float(gw.rewards.sum()),
            }
        )
    return Diagnosis(pd.DataFrame(rows))


def compare_geometries(
    demonstration: Trajectory,
    pool: list[PoolEpisode],
    geometries: dict[str, GWRewardConfig],
    *,
    stride: int = 1,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """One row per geometry: mean GW cost of each kind, Spearman's ρ and ``ordered``."""
    rows = []
    for name, geometry in geometries.items():
        if progress is not None:
            progress(name)
        d = diagnose(demonstration, pool, geometry, stride=stride)
        costs = {f"cost {kind}": d.cost(kind) for kind in KINDS if kind != MIXED}
        rows.append(
            {
                "geometry": name,
                **costs,
                "spearman": d.spearman,
                "ordered": d.ordered,
                "cheapest": d.cheapest,
            }
        )
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as a Markdown table, floats to ``digits`` significant digits."""

    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "n/a" if np.isnan(v) else f"{v:.{digits}g}"
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join([head, rule, *body]) + "\n"


def geometry_study(base: GWRewardConfig) -> dict[str, GWRewardConfig]:
    """The geometry choices compared by ``diagnose --geometries``, from GWIL's own
    ((state, action) pairs, each matrix by its own maximum, Euclidean) one change at a time;
    ``base``'s solver and ``next_states`` are kept."""
    paper = replace(base, use_actions=True, scale="each", distance="euclidean", standardize=False)
    states = replace(paper, use_actions=False)
    return {
        "paper: (s,a), euclidean, each/max": paper,
        "states": states,
        "(s,a) standardised": replace(paper, standardize=True),
        "states standardised": replace(states, standardize=True),
        "states, expert's unit": replace(states, scale="expert"),
        "(s,a), expert's unit": replace(paper, scale="expert"),
        "states, each/mean": replace(states, scale="mean"),
        "states, squared euclidean": replace(states, distance="sqeuclidean"),
        "states, cityblock": replace(states, distance="cityblock"),
        "states standardised, expert's unit": replace(states, standardize=True, scale="expert"),
    }


def trained_agent(domain: Domain, run_dir: Path) -> SAC:
    """The policy of a ``bench agents gwil run`` directory; ValueError when it has none."""
    agent = restore_agent(domain.make_target(), run_dir / "checkpoints" / "latest.pt")
    if agent is None:
        raise ValueError(f"{run_dir} is a random-policy run; pass a `--method gwil` run")
    return agent


def ceiling_agent(
    domain: Domain, run_dir: Path | None, *, steps: int, out: Path, seed: int
) -> tuple[SAC, str]:
    """The ceiling policy and a sentence saying where it came from.

    ``run_dir`` is a ``bench agents gwil run --method sac-true`` directory; without one, SAC
    is trained on the target's true reward for ``steps`` steps into ``out`` (resumed, not
    retrained, when ``out`` already holds that run).
    """
    env = domain.make_target()
    if run_dir is None:
        config = TrainConfig(
            method="sac-true",
            total_steps=steps,
            sac=domain.sac,
            eval_every=steps,
            eval_episodes=domain.eval_episodes,
            checkpoint_every=max(steps // 5, 1000),
        )
        result = train(env, domain.make_target(), config, out=out, seed=seed, progress=False)
        run_dir = out
        note = (
            f"ceiling: SAC trained here for {steps} steps on the true reward "
            f"(eval return {result.eval_true_return:.1f}); a short run, not a converged one"
        )
    else:
        note = f"ceiling: the SAC policy of {run_dir}"
    agent = restore_agent(env, run_dir / "checkpoints" / "latest.pt")
    if agent is None:
        raise ValueError(f"{run_dir} is a random-policy run; pass a `--method sac-true` run")
    return agent, note
