"""Experts: SAC trained on the source domain's true reward, and their one demonstration.

GWIL assumes a single expert trajectory in the source domain (Fickinger et al., 2022, §5).
We make it ourselves: train SAC on the source env's own reward (the same learner GWIL
uses), then roll out its deterministic policy once and keep the (state, action) pairs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
from numpy.typing import NDArray

from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.domains.domain import Domain
from bench.agents.gwil.train import TrainConfig, TrainResult, evaluate, restore_agent, train

DEMO_SEED = 123_456  # reset seed of the recorded demonstration episode


class RewardOf(gym.Wrapper):
    """The env with its reward replaced by ``reward(next_observation)``."""

    def __init__(self, env: gym.Env, reward: Callable[[NDArray], float]):
        super().__init__(env)
        self._reward = reward

    def step(self, action: NDArray) -> tuple[NDArray, float, bool, bool, dict]:
        obs, _, terminated, truncated, info = self.env.step(action)
        return obs, float(self._reward(obs)), terminated, truncated, info


@dataclass(frozen=True)
class ExpertResult:
    """The expert's training outcome and its recorded demonstration."""

    training: TrainResult
    demonstration: Trajectory
    demo_path: Path


def train_expert(
    domain: Domain,
    config: TrainConfig,
    *,
    out: str | os.PathLike,
    seed: int,
    progress: bool = True,
) -> ExpertResult:
    """Train SAC on ``domain``'s source env and save ``out/demo.npz``.

    SAC learns from the env's reward, or from ``domain.expert_reward`` where the domain
    sets one (then the run's logged returns are in that reward); the demonstration's
    ``true_return`` is always the env's own.
    """
    if config.method != "sac-true":
        raise ValueError(
            f"experts learn from the true reward: method must be 'sac-true', got {config.method!r}"
        )
    out = Path(out)
    learn_in, evaluate_in = domain.make_source(), domain.make_source()
    if domain.expert_reward is not None:
        learn_in, evaluate_in = (RewardOf(e, domain.expert_reward) for e in (learn_in, evaluate_in))
    result = train(learn_in, evaluate_in, config, out=out, seed=seed, progress=progress)
    env = domain.make_source()
    agent = restore_agent(env, out / "checkpoints" / "latest.pt")
    episode = evaluate(agent, env, episodes=1, seed=DEMO_SEED).trajectories[0]
    demo = Trajectory(
        episode.observations,
        episode.actions,
        true_return=episode.true_return,
        domain=domain.name,
        env_id=domain.source_id,
    )
    return ExpertResult(training=result, demonstration=demo, demo_path=demo.save(out / "demo.npz"))
