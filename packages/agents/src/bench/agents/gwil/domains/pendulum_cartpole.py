"""Domain 2: pendulum swing-up (expert, gymnasium Pendulum-v1) -> cart-pole swing-up (agent).

The paper's pair is dm_control's pendulum/swingup -> cartpole/swingup; dm_control is not
installed here, so the source is gymnasium's Pendulum-v1 (200 steps of 0.05 s) and the
target our numpy cart-pole swing-up with the same 10 s horizon
(:mod:`bench.agents.envs.cartpole_swingup`). The state spaces differ (3-D vs 5-D), so
only GW's intra-domain geometry links them.

SAC settings forced by 2 CPU cores (paper: 1024 wide, batch 1024, lr 1e-4): 128-wide
networks, batch 256, lr 1e-3 (few updates), 2000 random steps.
"""

from __future__ import annotations

import gymnasium as gym

from bench.agents.envs.cartpole_swingup import CartPoleSwingUp
from bench.agents.gwil.domains.domain import Domain
from bench.agents.rl.sac import SACConfig

PENDULUM_CARTPOLE = Domain(
    name="pendulum-cartpole",
    source_id="Pendulum-v1",
    target_id="CartPoleSwingUp (numpy)",
    make_source=lambda: gym.make("Pendulum-v1"),
    make_target=lambda: CartPoleSwingUp(),
    sac=SACConfig(
        hidden_dim=128,
        batch_size=256,
        actor_lr=1e-3,
        critic_lr=1e-3,
        alpha_lr=1e-3,
        learning_starts=2000,
    ),
    expert_steps=15_000,
    imitation_steps=50_000,
    eval_every=5_000,
)
