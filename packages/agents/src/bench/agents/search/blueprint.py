"""Blueprints: the Q-networks that search starts from.

A blueprint is a Q-network trained on the environment or a randomly initialised network
of the same shape. On Ms. Pac-Man and the corridor it is a DQN (deliberately short: the
paper's point is that fine-tuning a weak blueprint online beats training it longer). On
Hanabi it is trained by self-play Q-learning in JAX over many parallel games
(:mod:`bench.agents.search.hanabi_blueprint`); its training state lives beside the
blueprint file, in ``<out>.train/`` (checkpoint, metrics.jsonl, learning curve).

Checkpoints are torch files in the format of :func:`bench.agents.rl.dqn.save_checkpoint`,
with the env name added; training resumes from an existing checkpoint. A blueprint file holds
tensors and plain values only and is loaded without running code
(:mod:`bench.agents.checkpoint`), so a downloaded one is safe to pass to ``--blueprint``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from bench.agents.checkpoint import save_checkpoint
from bench.agents.rl.dqn import DQNConfig, DQNResult, QNetwork, load_q_network, train_dqn
from bench.agents.search.envs import is_hanabi, make_simulator


def blueprint_dqn_config(env: str, steps: int) -> DQNConfig:
    """DQN settings for a CPU-sized blueprint on ``env`` with ``steps`` agent steps.

    Mnih et al.'s values scaled to runs of 10^4-10^5 steps on two cores: replay start,
    target period and ε annealing shrink with the run; network and batch stay.
    On the corridor the episode is cut at 3 steps, shorter than the 4 steps to the far
    reward, so the blueprint only ever learns the deceptive nearby one.
    """
    base = DQNConfig(
        total_steps=steps,
        buffer_size=min(100_000, steps),
        learning_starts=min(1_000, max(32, steps // 10)),
        target_update=1_000,
        eps_fraction=0.5,
        eps_end=0.05,
        checkpoint_every=max(1_000, steps // 10),
        max_episode_steps=27_000,
    )
    if env == "corridor":
        return dataclasses.replace(
            base, hidden=(32,), learning_starts=64, target_update=100, max_episode_steps=3, lr=1e-3
        )
    return base


def train_blueprint(
    env: str, steps: int, out: Path, *, seed: int, progress: bool = False
) -> DQNResult | dict:
    """Train (or resume) a blueprint for ``env`` and write it to ``out``: a DQN, or on
    Hanabi the self-play trainer (returns its last evaluation)."""
    if is_hanabi(env):
        from bench.agents.search.hanabi_blueprint import (
            hanabi_blueprint_config,
            train_hanabi_blueprint,
        )

        return train_hanabi_blueprint(
            env, hanabi_blueprint_config(steps), Path(out), seed=seed, progress=progress
        )
    sim = make_simulator(env)
    result = train_dqn(
        sim, blueprint_dqn_config(env, steps), seed=seed, checkpoint=Path(out), progress=progress
    )
    # Re-saved with the env name, atomically: a kill here leaves the checkpoint as trained.
    _, ckpt = load_q_network(Path(out))
    save_checkpoint(Path(out), {**ckpt, "env": env})
    return result


# Blueprints shipped as package data, by env, with the command that retrains each
# (see blueprints/README.md).
SHIPPED_DIR = Path(__file__).parent / "blueprints"
SHIPPED: dict[str, str] = {"hanabi": "hanabi.pt", "mspacman": "mspacman.pt"}


def default_blueprint(env: str) -> str:
    """``shipped`` where a trained blueprint ships for ``env``, else ``random``."""
    return "shipped" if env in SHIPPED else "random"


def load_blueprint(spec: str, env: str, *, seed: int) -> QNetwork:
    """``spec`` is ``random`` (a seeded random-init network), ``shipped`` (the packaged
    blueprint for ``env``) or a checkpoint path for ``env``."""
    sim = make_simulator(env)
    if spec == "random":
        torch.manual_seed(seed)
        return QNetwork(sim.obs_dim, sim.num_actions)
    if spec == "shipped":
        if env not in SHIPPED:
            raise ValueError(
                f"no blueprint ships for {env!r} (only for {', '.join(SHIPPED)}); pass "
                f"'random' or train one with `bench agents search blueprint --env {env}`"
            )
        spec = str(SHIPPED_DIR / SHIPPED[env])
    path = Path(spec)
    if not path.exists():
        raise ValueError(
            f"blueprint {spec!r} not found; pass 'random' or a checkpoint from "
            f"`bench agents search blueprint --env {env} --out PATH`"
        )
    q, ckpt = load_q_network(path)
    if ckpt.get("env", env) != env or q.obs_dim != sim.obs_dim:
        raise ValueError(
            f"blueprint {spec} was trained on {ckpt.get('env')!r} (obs_dim {q.obs_dim}), "
            f"not {env!r} (obs_dim {sim.obs_dim}); train one with --env {env}"
        )
    return q
