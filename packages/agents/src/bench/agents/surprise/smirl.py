"""SMiRL, surprise minimisation (Berseth et al. 2021): r_t = log p_θ(o_{t+1}).

The agent is paid the log-likelihood of each new view under the density fitted to the
episode's earlier views, the same density and features Adversarial Surprise uses (so the
two differ only in who is paid what). Its trap is standing still in a plain (dark) room:
a view that never changes is perfectly predictable once seen.
"""

from __future__ import annotations

import jax


def smirl_reward(log_p: jax.Array) -> jax.Array:
    """r = log p_θ(o), elementwise on any array of log-likelihoods."""
    return log_p
