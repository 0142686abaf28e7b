"""Domain 1: the point-mass maze (expert) and its mirror image (agent).

The mirror is an isometry of the (state, action) space, so GW between an expert and an
agent trajectory is exactly what it would be in the expert's own maze; the wall makes the
mirrored path the only isometric copy of the expert's path that the agent can follow.

SAC settings forced by 2 CPU cores (paper: 1024 wide, batch 1024, lr 1e-4, 5000 random
steps, 10^5+ steps): 64-wide networks, batch 128, lr 1e-3 (so that a few thousand
updates suffice), 1000 random steps; γ = 0.99 and τ = 0.005 as in the paper. Budgets:
3000 steps for the expert, 6000 for imitation.
"""

from __future__ import annotations

from bench.agents.envs.point_maze import PointMaze
from bench.agents.gwil.domains.domain import Domain
from bench.agents.rl.sac import SACConfig

MAZE = Domain(
    name="maze",
    source_id="PointMaze",
    target_id="PointMaze-mirrored",
    make_source=lambda: PointMaze(mirrored=False),
    make_target=lambda: PointMaze(mirrored=True),
    sac=SACConfig(
        hidden_dim=64,
        batch_size=128,
        actor_lr=1e-3,
        critic_lr=1e-3,
        alpha_lr=1e-3,
        learning_starts=1000,
    ),
    expert_steps=3000,
    imitation_steps=6000,
    eval_every=1000,
)
