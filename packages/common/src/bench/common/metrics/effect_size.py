"""Cohen's d: standardised difference of two group means with the pooled SD.

For groups a (n_a,) and b (n_b,) (Cohen 1988, eq. 2.5.2 with the pooled s of 2.3.2),

    d = (x̄_a - x̄_b) / s,   s² = ((n_a - 1) s_a² + (n_b - 1) s_b²) / (n_a + n_b - 2),

with s_a² the (n_a - 1)-denominator variance. Weighted: x̄ is the weighted mean and
s_a² = n_a / (n_a - 1) · sum_i w_i (x_i - x̄_a)² / sum_i w_i, n_a the number of
respondents (not the weight total, which survey weights leave arbitrary). Equal weights
give the unweighted d; rescaling a group's weights changes nothing. NaN answers are dropped.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from bench.common.metrics.weights import check_weights


def _group(name: str, x: ArrayLike, weights: ArrayLike | None) -> tuple[float, float, int]:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} has shape {x.shape}; expected (n,)")
    w = check_weights(weights, x.shape[0], name=f"weights_{name}")
    keep = ~np.isnan(x) & (w > 0)
    x, w = x[keep], w[keep]
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"group {name} has {n} answered respondent(s); Cohen's d needs at least 2")
    mean = float(w @ x / w.sum())
    variance = float(w @ (x - mean) ** 2 / w.sum()) * n / (n - 1)
    return mean, variance, n


def cohens_d(
    a: ArrayLike,
    b: ArrayLike,
    *,
    weights_a: ArrayLike | None = None,
    weights_b: ArrayLike | None = None,
) -> float:
    """Cohen's d of group a against group b (positive when a's mean is larger)."""
    mean_a, var_a, n_a = _group("a", a, weights_a)
    mean_b, var_b, n_b = _group("b", b, weights_b)
    pooled = ((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2)
    if pooled <= 1e-24 * max(1.0, mean_a**2, mean_b**2):
        raise ValueError("both groups have zero variance; Cohen's d is undefined")
    return float((mean_a - mean_b) / np.sqrt(pooled))
