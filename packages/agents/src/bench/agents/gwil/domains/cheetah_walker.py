"""Domain 3: dm_control cheetah/run (expert) -> walker/walk (agent), as in the paper.

Both are 1000-step episodes with rewards in [0, 1] per step; observations 17-D (cheetah)
and 24-D (walker).

Forced by a shared 2-core CPU: the paper trains for 10^6 steps with 1024-wide networks;
here 256-wide, batch 256, lr 3e-4 and budgets of 10^5 steps at most, so this domain is run
shortened and its numbers are a smoke test of the pipeline, not a reproduction.

The packaged demonstration comes from SAC trained 6 x 10^4 steps on cheetah/run (13 min on
one core): true return 104, a slow runner (random actions: 2-5; the paper's experts run at
600+). Run at 2 x 10^4 steps, 3 seeds (``bench agents gwil compare``): GWIL 24.0 ± 10.1,
random 33.0 ± 6.3, SAC on walker/walk's reward 84.3 ± 9.2. The diagnostic says why GWIL
cannot beat random with this demonstration: under every geometry it tries, uniform random
actions are the cheapest kind (GW cost 0.008 against the ceiling's 0.10 and holding
still's 0.10), and the GWIL agents sit between (0.059). A cheetah that flails forward at
104 has the metric shape of random motion, not of a gait.
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
