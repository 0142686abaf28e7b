"""Survey weights: validation shared by every weighted statistic.

A weight w_i >= 0 says how many population members respondent i stands for. Every
weighted statistic here is invariant to rescaling w (w and c·w give the same answer), so
weights need not sum to n or to 1. Equal weights reproduce the unweighted statistic, and
integer weights reproduce the statistic on rows repeated w_i times (Cronbach's alpha with
pairwise deletion: integer weights averaging 1, since its n - 1 divisors do not cancel).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def check_weights(
    weights: ArrayLike | None, n: int, *, name: str = "weights"
) -> NDArray[np.float64]:
    """Weights as a float array (n,); ones when ``weights`` is None.

    Raises ValueError naming the problem: wrong length, NaN/inf, negative values, or a
    zero total.
    """
    if weights is None:
        return np.ones(n, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{name} has shape {w.shape}; expected ({n},), one weight per respondent")
    if not np.all(np.isfinite(w)):
        raise ValueError(
            f"{name} contains NaN or infinite values; drop those respondents or fix their weights"
        )
    if np.any(w < 0):
        raise ValueError(f"{name} contains negative values; survey weights must be >= 0")
    if n > 0 and w.sum() <= 0:
        raise ValueError(f"{name} sum to zero; at least one respondent needs a positive weight")
    return w
