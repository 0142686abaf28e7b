"""The human split-half lower bound (Anthology, §4; OpinionQA's human baseline).

Split the n respondents uniformly at random into halves A (floor(n/2)) and B (the rest),
compute a metric between the halves, and average over S random splits:

    LB = (1/S) sum_s metric(A_s, B_s),   S = 100 (n_splits) in the paper.

It is how far two samples of the *same* population already are, the floor a model's
distance to the humans should be read against. The metric receives the two halves' row
indices so that any table, weights or metric can be used by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm


@dataclass(frozen=True)
class SplitHalfResult:
    """Mean and SD over the splits, and each split's value (n_splits,)."""

    mean: float
    std: float  # sample SD (ddof=1) across splits; 0 for one split
    values: NDArray[np.float64]

    @property
    def n_splits(self) -> int:
        return int(self.values.shape[0])


def split_half(
    metric: Callable[[NDArray[np.intp], NDArray[np.intp]], float],
    n: int,
    *,
    n_splits: int = 100,  # S, Anthology §4
    seed: int | np.random.Generator = 0,
    progress: bool = False,
) -> SplitHalfResult:
    """Average ``metric(rows_a, rows_b)`` over ``n_splits`` random halves of n respondents."""
    if n < 4:
        raise ValueError(f"n={n}; a split-half bound needs at least 4 respondents (2 per half)")
    if n_splits < 1:
        raise ValueError(f"n_splits={n_splits}; must be >= 1")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    half = n // 2
    values = np.empty(n_splits)
    for s in tqdm(range(n_splits), desc="split-half", disable=not progress):
        order = rng.permutation(n)
        values[s] = metric(np.sort(order[:half]), np.sort(order[half:]))
    std = float(values.std(ddof=1)) if n_splits > 1 else 0.0
    return SplitHalfResult(mean=float(values.mean()), std=std, values=values)
