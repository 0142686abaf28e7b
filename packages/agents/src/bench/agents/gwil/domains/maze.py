"""Domain 1: the point-mass maze (expert) and its mirror image (agent).

The mirror is an isometry of the (state, action) space, so GW between an expert and an
agent trajectory is exactly what it would be in the expert's own maze; the wall makes the
mirrored path the only isometric copy of the expert's path that the agent can follow.

SAC settings forced by 2 CPU cores (paper: 1024 wide, batch 1024, lr 1e-4, 5000 random
steps, 10^5+ steps): 64-wide networks, batch 128, lr 1e-3 (so that a few thousand
updates suffice), 1000 random steps; γ = 0.99 and τ = 0.005 as in the paper. Budgets:
3000 steps for the expert, 10^5 for imitation (7 min on one core; the goal is first
reached by some seeds after 10^4).

GW geometry: states alone, both distance matrices scaled by the expert's largest distance
(not the paper's (state, action) pairs, each scaled by its own maximum). Measured on this
maze (benchmarks/bench_gwil.py, tests/agents/test_gwil_imitation.py):

* with actions, the cheapest imitations need not move: alternating actions reproduce the
  expert's two clusters of actions (straight, then turned), and along the mirrored expert
  path the GW cost is not monotone (it rises when the turn is half done), so SAC settles
  under the wall, no better than random;
* with each matrix scaled by its own maximum, size is free: a path that barely moves in
  a line costs 0.02, below random episodes (0.03), and a shrunken copy of the expert's
  path fits under the wall. The two mazes share units, so one scale (the expert's) keeps
  the mirrored path the only zero-cost match: size, the fixed start, the arena's edges
  and the wall rule out the other isometric copies (going right, down, or reflected in
  a diagonal leaves the arena or hits the wall).

The agent's geometry holds every state it visited, s_0..s_m, and r_j scores s_{j+1}, the
state a_j leads to (``next_states``): the mirrored expert still costs ~0 (0.008, random
episodes 0.09-0.18), and r_j credits a_j at once.

Reward scaling decides whether the goal is reached. The pseudo-rewards are costs (every
r_j <= 0), and the goal ends the episode. Standardised over the buffer (centred, as one
option of GWIL's code does), every step is paid -mean(r) > 0 on top. The agent then
valued staying in the maze above arriving (its Q-values rose to +6): in 5 seeds of 20,000
steps it went round the wall tip and stopped short every time (success 0, true return
-56.4 ± 16.2). Divided by the standard deviation only (``TrainConfig.reward_scaling="std"``,
the default), 2 of 5 seeds reach the goal by the shortest path within 20,000 steps
(return -15.7, as SAC on the true reward; 5-seed mean -36.7 ± 23.9, random -83.2 ± 1.0),
and 3 of 5 within 10^5 (success 0.60, return -31.4 ± 27.9; random -85.2 ± 2.8, SAC on
the true reward -14.9). The others stop short, and so do all five at 3,000 steps.

``bench agents gwil diagnose --domain maze --agent ...`` puts the trained agents in the
pool. Under every geometry but one the pseudo-reward's cheapest kind is the task's
solution (the ceiling costs 0.0018, the mirrored expert 0.0065). The two agents that reach
the goal cost 0.002-0.003, the three that stop short 0.07-0.12, about random's 0.10. So
where GWIL fails here, the learner did not find the optimum; the pseudo-reward did not
point elsewhere. Tried without a clear gain at 5,000 steps:
episodes as long as the demonstration (12 steps), γ = 0.9, α_0 = 0.01, batch 256,
lr 3e-4, the entropic solver.
"""

from __future__ import annotations

import numpy as np

from bench.agents.envs.point_maze import PointMaze
from bench.agents.gwil.domains.domain import Domain, shortened_sac
from bench.agents.gwil.rewards import GWRewardConfig

MAZE = Domain(
    name="maze",
    source_id="PointMaze",
    target_id="PointMaze-mirrored",
    make_source=lambda: PointMaze(mirrored=False),
    make_target=lambda: PointMaze(mirrored=True),
    sac=shortened_sac(hidden_dim=64, batch_size=128, lr=1e-3, learning_starts=1000),
    expert_steps=3000,
    imitation_steps=100_000,
    eval_every=2000,
    reward=GWRewardConfig(use_actions=False, scale="expert", next_states=True),
    mirror_action=lambda a: a * np.array([-1.0, 1.0]),  # R = diag(-1, 1), its own inverse
)
