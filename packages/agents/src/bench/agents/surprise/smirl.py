"""SMiRL, surprise minimisation (Berseth et al. 2021): r_t = log p_θ(o_{t+1}).

The agent is paid the log-likelihood of each new view under the density fitted to the
episode's earlier views, the same density and features Adversarial Surprise uses (so the
two differ only in who is paid what). Its trap is the dark room: a blank view is perfectly
predictable once seen.
"""

from __future__ import annotations

import numpy as np


def smirl_reward(log_p: np.ndarray) -> np.ndarray:
    """r = log p_θ(o), elementwise on any array of log-likelihoods."""
    return np.asarray(log_p, dtype=np.float64)
