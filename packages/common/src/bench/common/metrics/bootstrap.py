"""Percentile bootstrap confidence intervals (Efron & Tibshirani 1993, §13.3).

Resample the n respondents with replacement B times, recompute the statistic θ*_b on
each resample, and take the (1-level)/2 and (1+level)/2 quantiles of θ*_1..θ*_B as the
interval. The statistic receives row indices (n,) rather than data so that any table,
weights, group labels or pair of tables can be resampled together by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm


@dataclass(frozen=True)
class BootstrapCI:
    """θ on the full sample, the percentile interval [low, high], and the θ*_b."""

    estimate: float
    low: float
    high: float
    level: float
    samples: NDArray[np.float64]  # (n_resamples,) θ*_b

    @property
    def n_resamples(self) -> int:
        return int(self.samples.shape[0])


def bootstrap_ci(
    statistic: Callable[[NDArray[np.intp]], float],
    n: int,
    *,
    n_resamples: int = 1000,  # B
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    progress: bool = False,
) -> BootstrapCI:
    """Percentile CI of ``statistic(rows)`` where rows (n,) indexes the n respondents.

    ``statistic(np.arange(n))`` is the estimate; each resample passes indices drawn with
    replacement. Resamples on which the statistic raises ValueError (e.g. zero variance
    in a tiny resample) are an error, not silently skipped.
    """
    if n < 2:
        raise ValueError(f"n={n}; the bootstrap needs at least 2 respondents")
    if n_resamples < 1:
        raise ValueError(f"n_resamples={n_resamples}; must be >= 1")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level={level}; must be in (0, 1), e.g. 0.95")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    estimate = float(statistic(np.arange(n)))
    samples = np.empty(n_resamples)
    for b in tqdm(range(n_resamples), desc="bootstrap", disable=not progress):
        samples[b] = statistic(rng.integers(0, n, size=n))
    low, high = np.quantile(samples, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return BootstrapCI(
        estimate=estimate, low=float(low), high=float(high), level=level, samples=samples
    )
