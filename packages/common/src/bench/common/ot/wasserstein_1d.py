"""Wasserstein-1 distance between distributions on an ordered, discrete support.

For two distributions u, v over ordered positions x_1 < ... < x_K,

    W1(u, v) = sum_{k=1}^{K-1} |U_k - V_k| (x_{k+1} - x_k),

where U_k = sum_{i<=k} u_i and V_k are the cumulative distributions (Villani 2009,
Remark 2.19; the 1-D closed form used by ``scipy.stats.wasserstein_distance``). With unit
spacing (the ordinal positions 0..K-1 of a survey's options) this is the Anthology code's
"raw" scale; dividing by x_K - x_1, the largest distance two distributions on the support
can have, gives OpinionQA's normalised scale in [0, 1].

Batched over any leading axes: thousands of (question, group) pairs in one call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _as_distribution(name: str, weights: ArrayLike) -> NDArray[np.float64]:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 0 or w.shape[-1] == 0:
        raise ValueError(f"{name}: needs at least one option on the last axis, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name}: contains NaN or infinite weights; drop or impute them first")
    if np.any(w < 0):
        raise ValueError(f"{name}: has negative weights; weights must be >= 0")
    total = w.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError(f"{name}: a distribution has zero total weight (no answers to compare)")
    return w / total


def wasserstein_1d(
    u: ArrayLike,
    v: ArrayLike,
    positions: ArrayLike | None = None,
    *,
    normalize: bool = False,
) -> NDArray[np.float64] | float:
    """W1 between histograms ``u`` and ``v`` on the same ordered support.

    Parameters
    ----------
    u, v : array (..., K)
        Non-negative weights over K ordered options; each row is normalised to sum to 1
        (so raw counts or survey-weighted totals may be passed). Leading axes broadcast.
    positions : array (K,), optional
        Increasing positions x_k of the options; default 0, 1, ..., K-1 (ordinal ranks).
    normalize : bool
        Divide by x_K - x_1, the largest possible distance (OpinionQA's scale).

    Returns
    -------
    array (...) or float
        The distance for each pair of rows (a float when both inputs are 1-D).
    """
    u = _as_distribution("u", u)
    v = _as_distribution("v", v)
    if u.shape[-1] != v.shape[-1]:
        raise ValueError(
            f"u and v have {u.shape[-1]} and {v.shape[-1]} options; they must share one support"
        )
    k = u.shape[-1]
    x = np.arange(k, dtype=np.float64) if positions is None else np.asarray(positions, np.float64)
    if x.shape != (k,):
        raise ValueError(f"positions has shape {x.shape}; expected ({k},), one per option")
    gaps = np.diff(x)
    if np.any(gaps <= 0):
        raise ValueError("positions must be strictly increasing (options are ordered)")
    cdf_gap = np.abs(np.cumsum(u, axis=-1)[..., :-1] - np.cumsum(v, axis=-1)[..., :-1])
    distance = cdf_gap @ gaps
    if normalize:
        distance = distance / (x[-1] - x[0]) if k > 1 else distance
    return float(distance) if np.ndim(distance) == 0 else distance
