"""Surprise maximisation: r_t = -log p_θ(o_{t+1}), novelty under the episode's density.

The mirror image of SMiRL (Achiam & Sastry 2017 style surprise as reward) with the same
density and features. The argument against it is the noisy TV: randomly flashing tiles
stay surprising for ever, so watching them should pay more than exploring. On multiroom-ab
at 10^7 frames that trap did not bite: surprise-max covered the most rooms of any method
(benchmarks/long_runs/surprise_multiroom_ab_1e7.md).
"""

from __future__ import annotations

import jax


def surprise_max_reward(log_p: jax.Array) -> jax.Array:
    """r = -log p_θ(o), elementwise on any array of log-likelihoods."""
    return -log_p
