"""Cronbach's alpha: internal consistency of k items answered by the same respondents.

With C the (k, k) covariance matrix of the items (Cronbach 1951, eq. 2),

    α = k / (k - 1) · (1 - sum_j C_jj / sum_jl C_jl),

where sum_jl C_jl is the variance of the total score. The ddof convention of C cancels in
the ratio, so the weighted form (C from :func:`weighted_covariance`) with equal weights
equals the textbook form with (n-1)-denominators.

Missing answers (NaN): ``listwise`` by default (respondents who answered every item, the
textbook definition and what SPSS and ``pingouin`` do by default); ``pairwise`` uses each
item pair's shared respondents, keeps more data, but can leave α outside (-inf, 1].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bench.common.metrics.correlation import Deletion, weighted_covariance


def cronbach_alpha(
    items: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    deletion: Deletion = "listwise",
) -> float:
    """α of a table ``items`` (n respondents, k >= 2 items); NaN = missing; weights (n,)."""
    shape = items.shape if isinstance(items, pd.DataFrame) else np.shape(items)
    if len(shape) != 2 or shape[1] < 2:
        raise ValueError(
            f"items has shape {tuple(shape)}; Cronbach's alpha needs a (respondents, items) "
            "table with at least 2 items"
        )
    cov = weighted_covariance(items, weights=weights, deletion=deletion).to_numpy()
    k = cov.shape[0]
    total_variance = cov.sum()
    if total_variance <= 1e-12 * max(1.0, np.abs(np.diag(cov)).max()):
        raise ValueError(
            "the total score has zero variance (every respondent has the same sum); alpha is undefined"
        )
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_variance))
