"""Weighted Pearson correlation and covariance matrices, with listwise or pairwise deletion.

For items j, l answered by respondents i with weights w_i (NaN = missing),

    x̄_j = sum_i w_i x_ij / sum_i w_i
    C_jl = sum_i w_i (x_ij - x̄_j)(x_il - x̄_l) / sum_i w_i          (covariance)
    R_jl = C_jl / sqrt(C_jj C_ll)                                    (Pearson r)

The covariance divides by sum w (no ddof correction): the survey weights are not
frequency counts, and Pearson r and Cronbach's alpha are ratios in which that factor
cancels. Deletion of missing answers:

- ``listwise``: the sums run over respondents who answered every item (one sample).
- ``pairwise``: each (j, l) runs over respondents who answered both j and l, means
  included (as ``pandas.DataFrame.corr``); entries then come from different samples and
  the matrix need not be positive semi-definite.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bench.common.metrics.weights import check_weights

Deletion = Literal["listwise", "pairwise"]


def _as_table(table: pd.DataFrame | ArrayLike) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        frame = table
    else:
        array = np.asarray(table, dtype=np.float64)
        if array.ndim != 2:
            raise ValueError(f"table has shape {array.shape}; expected (respondents, items)")
        frame = pd.DataFrame(array)
    try:
        return frame.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"table has non-numeric columns ({exc}); map answer codes to ordinal positions first"
        ) from exc


def _min_rows(rows: int, what: str) -> None:
    if rows < 2:
        raise ValueError(f"{what}: only {rows} respondent(s) with answers; need at least 2")


def weighted_covariance(
    table: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    deletion: Deletion = "listwise",
) -> pd.DataFrame:
    """Weighted covariance matrix C (k, k) of a table (n, k); NaN = missing (see module doc)."""
    return _moments(table, weights=weights, deletion=deletion, correlate=False)


def correlation_matrix(
    table: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    deletion: Deletion = "listwise",
) -> pd.DataFrame:
    """Weighted Pearson correlation matrix R (k, k) of a table (n, k), labelled by its columns.

    An item with zero variance (everyone gave the same answer, in the rows used) has no
    correlation and raises ValueError naming it.
    """
    return _moments(table, weights=weights, deletion=deletion, correlate=True)


def _moments(
    table: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None,
    deletion: Deletion,
    correlate: bool,
) -> pd.DataFrame:
    frame = _as_table(table)
    n, k = frame.shape
    w = check_weights(weights, n)
    x = frame.to_numpy()
    answered = ~np.isnan(x) & (w > 0)[:, None]
    labels = list(frame.columns)
    if deletion == "listwise":
        rows = answered.all(axis=1)
        _min_rows(int(rows.sum()), "listwise deletion (respondents who answered every item)")
        xs, ws = x[rows], w[rows]
        centred = xs - (ws @ xs) / ws.sum()
        cov = (centred * ws[:, None]).T @ centred / ws.sum()
        variances = np.diag(cov)
        if not correlate:
            return pd.DataFrame(cov, index=labels, columns=labels)
        flat = [labels[j] for j in range(k) if variances[j] <= 1e-14 * np.abs(xs[:, j]).max() ** 2]
        if flat:
            raise ValueError(
                f"items {flat} have zero variance after listwise deletion; drop them "
                "(a constant answer has no correlation)"
            )
        sd = np.sqrt(variances)
        result = cov / np.outer(sd, sd)
        np.fill_diagonal(result, 1.0)
        return pd.DataFrame(np.clip(result, -1.0, 1.0), index=labels, columns=labels)
    if deletion != "pairwise":
        raise ValueError(f"deletion={deletion!r}; use 'listwise' or 'pairwise'")
    # Pairwise sums over the rows where both items are answered, all pairs at once:
    # with A the answered mask, Wa = w·A and x̃ = x - (overall weighted mean), filled 0
    # where missing (the shift keeps E[x²] - E[x]² from cancelling on offset data),
    #   S_jl = (Waᵀ A)_jl,  Σx_j|l = (Wa x̃)ᵀ A,  Σx_j²|l = (Wa x̃²)ᵀ A,  Σx_j x_l = (Wa x̃)ᵀ x̃.
    a = answered.astype(np.float64)
    counts = a.T @ a
    if (counts < 2).any():
        j, l = np.argwhere(counts < 2)[0]
        _min_rows(int(counts[j, l]), f"items {labels[j]!r} and {labels[l]!r} (pairwise deletion)")
    wa = a * w[:, None]
    column_mean = (wa * np.nan_to_num(x)).sum(axis=0) / wa.sum(axis=0)
    xt = np.where(answered, x - column_mean, 0.0)
    total = wa.T @ a
    mean = (wa * xt).T @ a / total  # mean[j, l]: item j's mean over rows shared with l
    second = (wa * xt * xt).T @ a / total
    cov = ((wa * xt).T @ xt) / total - mean * mean.T
    var = second - mean**2  # var[j, l]: item j's variance over rows shared with l
    if not correlate:
        return pd.DataFrame(cov, index=labels, columns=labels)
    scale = np.nanmax(np.abs(np.where(answered, x, np.nan)), axis=0)
    flat = var <= 1e-14 * np.maximum(scale[:, None], 1e-300) ** 2
    if flat.any():
        j, l = np.argwhere(flat)[0]
        raise ValueError(
            f"items {labels[j]!r} and {labels[l]!r} (pairwise deletion): {labels[j]!r} has zero "
            "variance in the shared respondents; drop the item"
        )
    result = np.clip(cov / np.sqrt(var * var.T), -1.0, 1.0)
    np.fill_diagonal(result, 1.0)
    return pd.DataFrame(result, index=labels, columns=labels)


def weighted_pearson(x: ArrayLike, y: ArrayLike, *, weights: ArrayLike | None = None) -> float:
    """Weighted Pearson r between x (n,) and y (n,), over rows where both are present."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x has shape {x.shape} and y {y.shape}; expected two equal (n,) arrays")
    table = pd.DataFrame({"x": x, "y": y})
    return float(correlation_matrix(table, weights=weights, deletion="pairwise").iloc[0, 1])


def frobenius_distance(a: pd.DataFrame | ArrayLike, b: pd.DataFrame | ArrayLike) -> float:
    """||A - B||_F = sqrt(sum_jl (A_jl - B_jl)^2) between two (k, k) matrices.

    Labelled DataFrames are aligned on their labels first (so a reordered question list
    is not a difference); differing labels raise ValueError.
    """
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        if set(a.index) != set(b.index) or set(a.columns) != set(b.columns):
            raise ValueError(
                f"matrices have different labels ({sorted(map(str, a.columns))} vs "
                f"{sorted(map(str, b.columns))}); compare the same questions"
            )
        b = b.loc[a.index, a.columns]
    a_arr = np.asarray(a, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    if a_arr.shape != b_arr.shape or a_arr.ndim != 2:
        raise ValueError(
            f"matrices have shapes {a_arr.shape} and {b_arr.shape}; expected equal (k, k)"
        )
    if np.isnan(a_arr).any() or np.isnan(b_arr).any():
        raise ValueError("a matrix contains NaN; compute it with enough answers per item pair")
    return float(np.linalg.norm(a_arr - b_arr, ord="fro"))
