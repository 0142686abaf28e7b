"""Weighted answer distributions over a question's ordered options.

For answers a_i with weights w_i and ordered options o_1 < ... < o_K,

    p_k = sum_i w_i [a_i = o_k] / sum_i w_i [a_i not missing],

so missing and refused answers (the spec's ``missing`` codes, and NaN) are dropped and
the rest renormalised. The order of ``options`` is the ordinal scale that the
Wasserstein metric uses (position k-1 for o_k).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from bench.common.metrics.weights import check_weights


@dataclass(frozen=True)
class AnswerDistribution:
    """p (K,) over ``options`` in order, from ``n`` answered respondents."""

    options: tuple[Hashable, ...]
    probabilities: NDArray[np.float64]  # p_k, sums to 1
    n: int  # respondents who gave one of the options
    n_missing: int  # respondents dropped as missing / refused / NaN
    weight_total: float  # sum of the answered respondents' weights

    def as_series(self) -> pd.Series:
        """p indexed by option code."""
        return pd.Series(self.probabilities, index=list(self.options), name="p")


def answer_distribution(
    answers: ArrayLike,
    options: Sequence[Hashable],
    *,
    weights: ArrayLike | None = None,
    missing: Sequence[Hashable] = (),
    name: str = "answers",
) -> AnswerDistribution:
    """Weighted distribution of ``answers`` (n,) over the ordered ``options`` (K,).

    Answers equal to a ``missing`` code or NaN are dropped and the rest renormalised. An
    answer that is neither an option nor a missing code is an error (a wrong codebook is
    better caught than silently dropped); so is a column with nothing left.
    ``name`` (a question id) is used in error messages.
    """
    values = pd.Series(np.asarray(answers, dtype=object).ravel(), dtype=object)
    w = check_weights(weights, len(values), name=f"{name}: weights")
    options = tuple(options)
    if len(options) == 0:
        raise ValueError(f"{name}: no options given; pass the question's ordered option codes")
    if len(set(options)) != len(options):
        raise ValueError(f"{name}: options {options} contain duplicates")
    is_missing = values.isna().to_numpy() | values.isin(list(missing)).to_numpy()
    position = {code: k for k, code in enumerate(options)}
    index = values.map(position)
    unknown = ~is_missing & index.isna().to_numpy()
    if unknown.any():
        bad = sorted({repr(v) for v in values[unknown]})[:5]
        raise ValueError(
            f"{name}: answer codes {', '.join(bad)} are neither options {list(options)} nor "
            f"missing codes {list(missing)}; add them to one of the two"
        )
    kept = ~is_missing & (w > 0)
    if not kept.any():
        raise ValueError(
            f"{name}: every answer is missing, refused or zero-weight; no distribution to compute"
        )
    mass = np.bincount(
        index.loc[kept].to_numpy(dtype=np.int64), weights=w[kept], minlength=len(options)
    )
    total = float(mass.sum())
    return AnswerDistribution(
        options=options,
        probabilities=mass / total,
        n=int((~is_missing).sum()),
        n_missing=int(is_missing.sum()),
        weight_total=total,
    )
