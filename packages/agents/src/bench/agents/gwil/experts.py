"""Experts: SAC trained on the source domain's true reward, and their one demonstration.

GWIL assumes a single expert trajectory in the source domain (Fickinger et al., 2022, §5).
We make it ourselves: train SAC on the source env's own reward (the same learner GWIL
uses), then roll out its deterministic policy once and keep the (state, action) pairs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.domains.domain import Domain
from bench.agents.gwil.train import TrainConfig, TrainResult, evaluate, restore_agent, train

DEMO_SEED = 123_456  # reset seed of the recorded demonstration episode


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
    """Train SAC on ``domain``'s source env (true reward) and save ``out/demo.npz``."""
    if config.method != "sac-true":
        raise ValueError(
            f"experts learn from the true reward: method must be 'sac-true', got {config.method!r}"
        )
    out = Path(out)
    result = train(
        domain.make_source(), domain.make_source(), config, out=out, seed=seed, progress=progress
    )
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
