"""Domain 3: cheetah run (expert, HalfCheetah-v5) -> walker walk (agent, Walker2d-v5).

The paper's pair is dm_control's cheetah/run -> walker/walk; here gymnasium's MuJoCo
equivalents (mujoco 3). Both are 1000-step episodes (Walker2d terminates on falling).

Forced by 2 CPU cores: the paper trains for 10^6 steps with 1024-wide networks; here
256-wide, batch 256, lr 3e-4 and budgets of 10^5 steps at most, so this domain is run
shortened and its numbers are a smoke test of the pipeline, not a reproduction.
"""

from __future__ import annotations

import gymnasium as gym

from bench.agents.gwil.domains.domain import Domain
from bench.agents.rl.sac import SACConfig

CHEETAH_WALKER = Domain(
    name="cheetah-walker",
    source_id="HalfCheetah-v5",
    target_id="Walker2d-v5",
    make_source=lambda: gym.make("HalfCheetah-v5"),
    make_target=lambda: gym.make("Walker2d-v5"),
    sac=SACConfig(
        hidden_dim=256,
        batch_size=256,
        actor_lr=3e-4,
        critic_lr=3e-4,
        alpha_lr=3e-4,
        learning_starts=5000,
    ),
    expert_steps=100_000,
    imitation_steps=100_000,
    eval_every=10_000,
)
