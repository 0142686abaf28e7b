"""Weighted Pearson correlation and covariance matrices, with listwise or pairwise deletion.

For items j, l answered by respondents i with weights w_i (NaN = missing),

    x̄_j = sum_i w_i x_ij / sum_i w_i
    C_jl = sum_i w_i (x_ij - x̄_j)(x_il - x̄_l) / sum_i w_i          (covariance)
    R_jl = C_jl / sqrt(C_jj C_ll)                                    (Pearson r)

The covariance divides by sum w (no ddof correction, unless ``ddof`` asks for one): the
survey weights are not frequency counts, and Pearson r is a ratio in which that factor
cancels (Cronbach's alpha under pairwise deletion is not: see reliability.py). Deletion of missing answers:

- ``listwise``: the sums run over respondents who answered every item (one sample).
- ``pairwise``: each (j, l) runs over respondents who answered both j and l, means
  included (as ``pandas.DataFrame.corr``); entries then come from different samples and
  the matrix need not be positive semi-definite.

Comparing two sides (:func:`correlation_gap`, the Anthology consistency metric): the
Frobenius norm of R_ref - R_other is taken over the reference's items always; where the
other side has no correlation (it gave one answer to an item) the cell counts as 0, and
how many cells did so is reported beside the norm.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def weighted_covariance(
    table: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    deletion: Deletion = "listwise",
    ddof: float = 0.0,
) -> pd.DataFrame:
    """Weighted covariance matrix C (k, k) of a table (n, k); NaN = missing (see module doc).

    ``ddof`` > 0 divides each entry by (sum of its rows' weights - ddof) instead of the
    sum: with unit weights and ``ddof=1`` this is ``pandas.DataFrame.cov`` (n_jl - 1 per
    pair under pairwise deletion).
    """
    labels, cov, _, _ = _moments(table, weights=weights, deletion=deletion, ddof=ddof)
    if np.isnan(cov).any():
        _raise_undefined(labels, cov, deletion)
    return pd.DataFrame(cov, index=labels, columns=labels)


def correlation_matrix(
    table: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    deletion: Deletion = "listwise",
    undefined: Literal["raise", "nan"] = "raise",
) -> pd.DataFrame:
    """Weighted Pearson correlation matrix R (k, k) of a table (n, k), labelled by its columns.

    A correlation does not exist for an item with zero variance (everyone gave the same
    answer, in the rows used) or for a pair with fewer than 2 shared respondents.
    ``undefined="raise"`` raises ValueError naming the items; ``"nan"`` leaves NaN in
    those cells (the diagonal of a constant item included).
    """
    labels, cov, var, scale = _moments(table, weights=weights, deletion=deletion, ddof=0.0)
    # var[j, l] is item j's variance over the rows it shares with l.
    flat = ~(var > 1e-14 * np.maximum(scale[:, None], 1e-300) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.clip(cov / np.sqrt(var * var.T), -1.0, 1.0)
    result[flat | flat.T] = np.nan
    result[np.diag_indices_from(result)] = np.where(np.diag(flat), np.nan, 1.0)
    if undefined == "raise" and np.isnan(result).any():
        _raise_undefined(labels, cov, deletion, flat=flat)
    if undefined not in ("raise", "nan"):
        raise ValueError(f"undefined={undefined!r}; use 'raise' or 'nan'")
    return pd.DataFrame(result, index=labels, columns=labels)


def _raise_undefined(
    labels: list, cov: np.ndarray, deletion: Deletion, flat: np.ndarray | None = None
) -> None:
    """The ValueError for the first undefined entry: too few rows, or a constant item."""
    if deletion == "listwise" and np.isnan(cov).all():
        raise ValueError(
            "listwise deletion (respondents who answered every item): fewer than 2 "
            "respondents with answers; need at least 2"
        )
    if deletion == "listwise":
        items = [labels[j] for j in range(len(labels)) if flat is not None and flat[j, j]]
        raise ValueError(
            f"items {items} have zero variance after listwise deletion; drop them "
            "(a constant answer has no correlation)"
        )
    few = np.isnan(cov)
    if few.any():
        j, l = np.argwhere(few)[0]
        raise ValueError(
            f"items {labels[j]!r} and {labels[l]!r} (pairwise deletion): fewer than 2 "
            "respondents answered both (or their weights sum to at most ddof); need at least 2"
        )
    assert flat is not None  # weighted_covariance stops above; correlation_matrix passes flat
    j, l = np.argwhere(flat)[0]
    raise ValueError(
        f"items {labels[j]!r} and {labels[l]!r} (pairwise deletion): {labels[j]!r} has zero "
        "variance in the shared respondents; drop the item"
    )


def _moments(
    table: pd.DataFrame | ArrayLike,
    *,
    weights: ArrayLike | None,
    deletion: Deletion,
    ddof: float,
) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """(labels, C (k, k), V (k, k), scale (k,)); NaN in C where too few rows are shared.

    V[j, l] is item j's variance over the rows used for (j, l); scale[j] the largest
    |x_j|, for the zero-variance test.
    """
    if deletion not in ("listwise", "pairwise"):
        raise ValueError(f"deletion={deletion!r}; use 'listwise' or 'pairwise'")
    frame = _as_table(table)
    n, k = frame.shape
    w = check_weights(weights, n)
    x = frame.to_numpy()
    answered = ~np.isnan(x) & (w > 0)[:, None]
    labels = list(frame.columns)
    with np.errstate(all="ignore"):
        scale = np.nanmax(np.abs(np.where(answered, x, np.nan)), axis=0, initial=0.0)
    if deletion == "listwise":
        rows = answered.all(axis=1)
        xs, ws = x[rows], w[rows]
        if rows.sum() < 2 or ws.sum() <= ddof:
            nan = np.full((k, k), np.nan)
            return labels, nan, nan, scale
        centred = xs - (ws @ xs) / ws.sum()
        cov = (centred * ws[:, None]).T @ centred / (ws.sum() - ddof)
        var = np.broadcast_to(np.diag(cov)[:, None], (k, k)).copy()
        return labels, cov, var, scale
    # Pairwise sums over the rows where both items are answered, all pairs at once:
    # with A the answered mask, Wa = w·A and x̃ = x - (overall weighted mean), filled 0
    # where missing (the shift keeps E[x²] - E[x]² from cancelling on offset data),
    #   S_jl = (Waᵀ A)_jl,  Σx_j|l = (Wa x̃)ᵀ A,  Σx_j²|l = (Wa x̃²)ᵀ A,  Σx_j x_l = (Wa x̃)ᵀ x̃.
    a = answered.astype(np.float64)
    counts = a.T @ a
    wa = a * w[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        column_mean = (wa * np.nan_to_num(x)).sum(axis=0) / wa.sum(axis=0)
        xt = np.where(answered, x - np.nan_to_num(column_mean), 0.0)
        total = wa.T @ a
        mean = (wa * xt).T @ a / total  # mean[j, l]: item j's mean over rows shared with l
        second = (wa * xt * xt).T @ a / total
        cov = ((wa * xt).T @ xt) / total - mean * mean.T
        var = second - mean**2  # var[j, l]: item j's variance over rows shared with l
        few = (counts < 2) | (total <= ddof)
        correction = total / (total - ddof)
    cov = np.where(few, np.nan, cov * correction)
    var = np.where(few, np.nan, var)
    return labels, cov, var, scale


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


@dataclass(frozen=True)
class CorrelationGap:
    """How far one side's correlation structure is from a reference's (the humans').

    frobenius : ||R_ref - R_other||_F over the reference's cells (below).
    n_items : k, the reference's items with a correlation (its question set).
    n_undefined : off-diagonal cells where R_other does not exist (a constant item, or a
        pair nobody answered together) and was read as 0, no association.
    reference, other : the (k, k) matrices compared, ``other`` after that reading.
    """

    frobenius: float
    n_items: int
    n_undefined: int
    reference: pd.DataFrame
    other: pd.DataFrame


def correlation_gap(
    reference: pd.DataFrame,
    other: pd.DataFrame,
    *,
    reference_weights: ArrayLike | None = None,
    other_weights: ArrayLike | None = None,
    deletion: Deletion = "pairwise",
) -> CorrelationGap:
    """Frobenius distance between two tables' correlation matrices, on the reference's items.

    ``reference`` (n, k) and ``other`` (m, k') are answer tables whose columns are items;
    ``other`` must hold every column of ``reference``. The items compared are always the
    reference's (those with a defined correlation there), whatever the other side did:

        F = sqrt( sum_{(j,l) defined in R_ref} (R_ref[j,l] - R~_other[j,l])^2 ),
        R~_other[j,l] = R_other[j,l] where it exists, else 0 (j != l); R~_other[j,j] = 1.

    Reading an undefined correlation as 0 means a side that collapses onto one answer
    scores as having no structure, never better than one that varies: dropping such items
    would let a collapsed side be compared on fewer, easier cells.
    """
    absent = [c for c in reference.columns if c not in other.columns]
    if absent:
        raise ValueError(f"the compared table lacks the reference's items {absent[:5]}")
    r_ref = correlation_matrix(
        reference, weights=reference_weights, deletion=deletion, undefined="nan"
    )
    items = [c for c, d in zip(r_ref.columns, np.diag(r_ref.to_numpy())) if d == 1.0]
    r_ref = r_ref.loc[items, items]
    if len(items) < 2:
        empty = pd.DataFrame(index=items, columns=items, dtype=float)
        return CorrelationGap(float("nan"), len(items), 0, r_ref, empty)
    r_other = correlation_matrix(
        other[items], weights=other_weights, deletion=deletion, undefined="nan"
    )
    compared = r_ref.notna().to_numpy()
    missing = compared & r_other.isna().to_numpy()
    np.fill_diagonal(missing, False)
    filled = np.where(missing, 0.0, r_other.to_numpy())
    np.fill_diagonal(filled, 1.0)
    diff = np.where(compared, r_ref.to_numpy() - filled, 0.0)
    return CorrelationGap(
        frobenius=float(np.sqrt((diff**2).sum())),
        n_items=len(items),
        n_undefined=int(missing.sum()),
        reference=r_ref,
        other=pd.DataFrame(filled, index=items, columns=items),
    )
