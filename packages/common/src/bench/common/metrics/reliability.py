"""Cronbach's alpha: internal consistency of k items answered by the same respondents.

With C the (k, k) covariance matrix of the items (Cronbach 1951, eq. 2),

    α = k / (k - 1) · (1 - sum_j C_jj / sum_jl C_jl),

where sum_jl C_jl is the variance of the total score.

Missing answers (NaN). ``pairwise`` (the default) is the Anthology code's α:
``pingouin.cronbach_alpha`` with its default ``nan_policy="pairwise"``, whose C is
``pandas.DataFrame.cov``: each entry over the respondents who answered both items, divided
by n_jl - 1. Survey items with split forms or many refusals keep every answer this way;
the matrix need not be positive semi-definite, so α can leave (-inf, 1]. ``listwise``
keeps only respondents who answered every item (the textbook definition, pingouin's
``nan_policy="listwise"``); there every entry has the same divisor, which cancels.

Weights. The weights are first scaled to mean 1 over the table's rows, then C_jl divides
by (the weight of the rows shared by j and l) - 1: with unit weights that is n_jl - 1,
pingouin's value; α does not depend on the weights' scale; and integer weights that
average 1 give pingouin's α of the table with each row repeated w_i times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bench.common.metrics.correlation import Deletion, weighted_covariance
from bench.common.metrics.weights import check_weights


def cronbach_alpha(
    items: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    deletion: Deletion = "pairwise",
) -> float:
    """α of a table ``items`` (n respondents, k >= 2 items); NaN = missing; weights (n,)."""
    shape = items.shape if isinstance(items, pd.DataFrame) else np.shape(items)
    if len(shape) != 2 or shape[1] < 2:
        raise ValueError(
            f"items has shape {tuple(shape)}; Cronbach's alpha needs a (respondents, items) "
            "table with at least 2 items"
        )
    w = check_weights(weights, shape[0])
    w = w * (len(w) / w.sum())  # mean 1: the (n - 1) divisor counts respondents
    cov = weighted_covariance(items, weights=w, deletion=deletion, ddof=1).to_numpy()
    k = cov.shape[0]
    total_variance = cov.sum()
    if total_variance <= 1e-12 * max(1.0, np.abs(np.diag(cov)).max()):
        raise ValueError(
            "the total score has zero variance (every respondent has the same sum); alpha is undefined"
        )
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_variance))
