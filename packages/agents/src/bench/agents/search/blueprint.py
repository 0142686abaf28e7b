"""Blueprints: the Q-networks that search starts from.

A blueprint is a DQN trained on the environment (deliberately short: the paper's point is
that fine-tuning a weak blueprint online beats training it longer) or a randomly
initialised network of the same shape. On Hanabi the blueprint is trained by self-play:
the partner seats act greedily with the network being trained (independent Q-learning
with shared weights, the searcher's seat alternating between games).

Checkpoints are torch files written by :func:`bench.agents.rl.dqn.save_checkpoint`, with
the env name added; training resumes from an existing checkpoint. A blueprint file holds
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
    if is_hanabi(env):
        return dataclasses.replace(base, lr=2.5e-4)
    return base


def train_blueprint(
    env: str, steps: int, out: Path, *, seed: int, progress: bool = False
) -> DQNResult:
    """Train (or resume) a DQN blueprint for ``env`` and write it to ``out``."""
    sim = make_simulator(env)
    config = blueprint_dqn_config(env, steps)

    def self_play(q: QNetwork) -> None:
        sim.partner = q.greedy  # type: ignore[attr-defined]

    result = train_dqn(
        sim,
        config,
        seed=seed,
        checkpoint=Path(out),
        self_play=self_play if is_hanabi(env) else None,
        progress=progress,
    )
    # Re-saved with the env name, atomically: a kill here leaves the checkpoint as trained.
    _, ckpt = load_q_network(Path(out))
    save_checkpoint(Path(out), {**ckpt, "env": env})
    return result


def load_blueprint(spec: str, env: str, *, seed: int) -> QNetwork:
    """``spec`` is ``random`` (a seeded random-init network) or a checkpoint path for ``env``."""
    sim = make_simulator(env)
    if spec == "random":
        torch.manual_seed(seed)
        return QNetwork(sim.obs_dim, sim.num_actions)
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
