"""Perception gap: how far apart two sets of ratings lie, raw and standardised.

For ratings a (n_a,) and b (n_b,) with survey weights u (n_a,) and v (n_b,), e.g. a
group's placements of the other side (a) and of its own side (b) on an ordinal scale,

    Δ = ā - b̄,        ā = sum_i u_i a_i / sum_i u_i,   b̄ = sum_j v_j b_j / sum_j v_j,
    d = Δ / s,        s² = ((n_a - 1) s_a² + (n_b - 1) s_b²) / (n_a + n_b - 2),

Δ in the scale's units (option positions), d Cohen's d with the pooled SD of
:func:`bench.common.metrics.cohens_d` (weighted variances with the n/(n-1) correction,
n the number of respondents). NaN ratings are dropped. Δ needs one answer per side; d
needs two per side and some spread, and is NaN otherwise (a model that gives every unit
the same answer has a gap but no standardised gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bench.common.metrics.effect_size import cohens_d
from bench.common.metrics.weights import check_weights


@dataclass(frozen=True)
class PerceptionGap:
    """Δ = ā - b̄ and Cohen's d of ratings a against ratings b."""

    gap: float  # Δ, scale units
    cohens_d: float  # Δ / s_pooled; NaN when undefined (n < 2 on a side, or no spread)
    mean_a: float  # ā
    mean_b: float  # b̄
    n_a: int  # answered ratings in a
    n_b: int  # answered ratings in b


def _side(name: str, x: ArrayLike, weights: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"ratings {name} have shape {x.shape}; expected (n,)")
    w = check_weights(weights, x.shape[0], name=f"weights_{name}")
    keep = ~np.isnan(x) & (w > 0)
    if not keep.any():
        raise ValueError(f"ratings {name} have no answered, positively weighted value; no gap")
    return x[keep], w[keep]


def perception_gap(
    a: ArrayLike,
    b: ArrayLike,
    *,
    weights_a: ArrayLike | None = None,
    weights_b: ArrayLike | None = None,
) -> PerceptionGap:
    """Δ = ā - b̄ (weighted means) and Cohen's d (pooled SD) of ratings a (n_a,) vs b (n_b,)."""
    x_a, w_a = _side("a", a, weights_a)
    x_b, w_b = _side("b", b, weights_b)
    mean_a = float(w_a @ x_a / w_a.sum())
    mean_b = float(w_b @ x_b / w_b.sum())
    d = float("nan")
    spread = np.ptp(x_a) > 0 or np.ptp(x_b) > 0
    if len(x_a) >= 2 and len(x_b) >= 2 and spread:
        d = cohens_d(x_a, x_b, weights_a=w_a, weights_b=w_b)
    return PerceptionGap(
        gap=mean_a - mean_b,
        cohens_d=d,
        mean_a=mean_a,
        mean_b=mean_b,
        n_a=len(x_a),
        n_b=len(x_b),
    )
