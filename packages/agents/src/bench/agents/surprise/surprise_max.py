"""Surprise maximisation: r_t = -log p_θ(o_{t+1}), novelty under the episode's density.

The mirror image of SMiRL (Achiam & Sastry 2017 style surprise as reward) with the same
density and features. Its trap is the noisy TV: randomly flashing tiles stay surprising
for ever, so leaving the TV on pays more than switching it off.
"""

from __future__ import annotations

import jax


def surprise_max_reward(log_p: jax.Array) -> jax.Array:
    """r = -log p_θ(o), elementwise on any array of log-likelihoods."""
    return -log_p
