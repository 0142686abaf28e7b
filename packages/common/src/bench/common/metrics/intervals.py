"""The 95% Student-t interval of a mean: x̄ ± t_{0.975, n-1} · s / √n (s with ddof 1)."""

from __future__ import annotations

import numpy as np
from scipy import stats


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """(mean, half-width of the 95% Student-t interval) of a 1-D sample, NaNs dropped;
    NaN width for n < 2. A paired comparison passes the per-pair differences."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    if len(values) < 2:
        return float(values.mean()), float("nan")
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(half)
