"""Domain 3: dm_control cheetah/run (expert) -> walker/walk (agent), as in the paper.

Both are 1000-step episodes with rewards in [0, 1] per step; observations 17-D (cheetah)
and 24-D (walker).

Forced by a shared 2-core CPU: the paper trains for 10^6 steps with 1024-wide networks;
here 256-wide, batch 256, lr 3e-4 and budgets of 10^5 steps at most, so this domain is run
shortened and its numbers are a smoke test of the pipeline, not a reproduction.
"""

from __future__ import annotations

from bench.agents.gwil.domains.domain import dm_control_domain, shortened_sac

CHEETAH_WALKER = dm_control_domain(
    "cheetah-walker",
    ("cheetah", "run"),
    ("walker", "walk"),
    sac=shortened_sac(hidden_dim=256, batch_size=256, lr=3e-4, learning_starts=5000),
    steps=100_000,
    eval_every=10_000,
)
