"""Weighted Pearson, correlation matrices with listwise / pairwise deletion, Frobenius."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr

from bench.common.metrics import (
    correlation_gap,
    correlation_matrix,
    frobenius_distance,
    weighted_covariance,
    weighted_pearson,
)


def test_equal_weights_match_scipy_pearsonr():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = 0.4 * x + rng.normal(size=200)
    expected = pearsonr(x, y).statistic
    assert weighted_pearson(x, y) == pytest.approx(expected, rel=1e-12)
    assert weighted_pearson(x, y, weights=np.full(200, 3.7)) == pytest.approx(expected, rel=1e-12)


def test_integer_weights_equal_repeated_rows():
    rng = np.random.default_rng(1)
    table = rng.integers(1, 6, size=(40, 4)).astype(float)
    counts = rng.integers(0, 4, size=40)
    counts[0] = 1
    repeated = np.repeat(table, counts, axis=0)
    weighted = correlation_matrix(table, weights=counts)
    np.testing.assert_allclose(weighted, np.corrcoef(repeated, rowvar=False), atol=1e-12)
    np.testing.assert_allclose(
        weighted_covariance(table, weights=counts),
        np.cov(repeated, rowvar=False, ddof=0),
        atol=1e-12,
    )


def _holey_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": [1, 2, 3, 4, 2],
            "y": [1, 2, 3, np.nan, 5],
            "z": [1, np.nan, 3, 2, 3],
        },
        dtype=float,
    )


def test_listwise_by_hand():
    # Complete rows 0, 2, 4: x = (1, 3, 2), y = (1, 3, 5), z = (1, 3, 3).
    # dx = (-1, 1, 0), dy = (-2, 0, 2), dz = (-4/3, 2/3, 2/3)
    # r_xy = 2 / sqrt(2 * 8) = 1/2;  r_xz = 2 / sqrt(2 * 8/3) = sqrt(3)/2;
    # r_yz = 4 / sqrt(8 * 8/3) = sqrt(3)/2.
    r = correlation_matrix(_holey_table(), deletion="listwise")
    assert r.loc["x", "y"] == pytest.approx(0.5)
    assert r.loc["x", "z"] == pytest.approx(np.sqrt(3) / 2)
    assert r.loc["y", "z"] == pytest.approx(np.sqrt(3) / 2)
    assert list(r.columns) == ["x", "y", "z"]


def test_pairwise_by_hand_and_against_pandas():
    table = _holey_table()
    r = correlation_matrix(table, deletion="pairwise")
    # x, y over rows 0, 1, 2, 4: x = (1, 2, 3, 2), y = (1, 2, 3, 5); x̄ = 2, ȳ = 11/4
    # dx = (-1, 0, 1, 0), dy = (-7/4, -3/4, 1/4, 9/4): sum dxdy = 2, sum dx² = 2, sum dy² = 35/4
    assert r.loc["x", "y"] == pytest.approx(2 / np.sqrt(2 * 35 / 4))
    np.testing.assert_allclose(r, table.corr(), atol=1e-12)  # pandas' corr is pairwise
    assert r.loc["x", "y"] != pytest.approx(correlation_matrix(table).loc["x", "y"])


def test_frobenius_distance():
    a = pd.DataFrame([[1.0, 0.5], [0.5, 1.0]], index=["p", "q"], columns=["p", "q"])
    b = pd.DataFrame([[1.0, -0.1], [-0.1, 1.0]], index=["p", "q"], columns=["p", "q"])
    # Two off-diagonal entries differ by 0.6: sqrt(2 * 0.36).
    assert frobenius_distance(a, b) == pytest.approx(np.sqrt(0.72))
    assert frobenius_distance(a, a) == 0.0
    assert frobenius_distance(a, b) == frobenius_distance(b, a)
    reordered = b.loc[["q", "p"], ["q", "p"]]
    assert frobenius_distance(a, reordered) == pytest.approx(np.sqrt(0.72))
    with pytest.raises(ValueError, match="different labels"):
        frobenius_distance(a, b.rename(columns={"p": "r"}, index={"p": "r"}))
    with pytest.raises(ValueError, match="shapes"):
        frobenius_distance(np.eye(2), np.eye(3))


def test_bad_inputs():
    table = _holey_table()
    with pytest.raises(ValueError, match="zero variance"):
        correlation_matrix(table.assign(c=7.0))
    with pytest.raises(ValueError, match="zero variance"):
        correlation_matrix(table.assign(c=7.0), deletion="pairwise")
    with pytest.raises(ValueError, match="negative"):
        correlation_matrix(table, weights=[1, 1, -1, 1, 1])
    with pytest.raises(ValueError, match=r"expected \(5,\)"):
        correlation_matrix(table, weights=[1, 1])
    with pytest.raises(ValueError, match="x has shape"):
        weighted_pearson([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="deletion='both'"):
        correlation_matrix(table, deletion="both")


def test_pairwise_weights_equal_repeated_rows_with_holes():
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.integers(1, 8, size=(60, 5)).astype(float)) + 1e6  # offset data
    table = table.mask(rng.random(table.shape) < 0.2)
    counts = rng.integers(1, 4, size=60)
    repeated = table.loc[table.index.repeat(counts)]
    np.testing.assert_allclose(
        correlation_matrix(table, weights=counts, deletion="pairwise"), repeated.corr(), atol=1e-9
    )
    np.testing.assert_allclose(
        weighted_covariance(table, weights=counts, deletion="pairwise"),
        repeated.cov() * _ddof0_factors(repeated),
        atol=1e-9,
    )


def _ddof0_factors(frame: pd.DataFrame) -> np.ndarray:
    # pandas' pairwise cov divides by n_jl - 1; ours by n_jl (the weight total).
    present = frame.notna().to_numpy(dtype=float)
    n = present.T @ present
    return (n - 1) / n


def test_undefined_correlations_are_nan_on_request():
    table = _holey_table().assign(c=7.0)
    for deletion in ("listwise", "pairwise"):
        r = correlation_matrix(table, deletion=deletion, undefined="nan")
        assert r["c"].isna().all() and r.loc["c"].isna().all()
        defined = correlation_matrix(_holey_table(), deletion=deletion)
        np.testing.assert_allclose(r.loc[["x", "y", "z"], ["x", "y", "z"]], defined, atol=1e-12)


def test_correlation_gap_counts_undefined_cells_as_zero():
    # Reference: x, y, z with the pairwise correlations of the holey table. The other side
    # answers z with one value: its r_xz and r_yz do not exist and count as 0.
    reference = _holey_table()
    other = reference.assign(z=2.0)
    gap = correlation_gap(reference, other)
    r = correlation_matrix(reference, deletion="pairwise")
    r_other = correlation_matrix(other[["x", "y"]], deletion="pairwise")
    expected = np.sqrt(
        2 * (r.loc["x", "y"] - r_other.loc["x", "y"]) ** 2
        + 2 * r.loc["x", "z"] ** 2
        + 2 * r.loc["y", "z"] ** 2
    )
    assert gap.n_items == 3 and gap.n_undefined == 4
    assert gap.frobenius == pytest.approx(expected, rel=1e-12)
    assert gap.other.loc["x", "z"] == 0 and gap.other.loc["z", "z"] == 1
    # A side that collapses everywhere has no structure at all: ||R_ref - I||_F.
    flat = correlation_gap(reference, reference * 0 + 1.0)
    off_diagonal = r.to_numpy() - np.eye(3)
    assert flat.frobenius == pytest.approx(np.sqrt((off_diagonal**2).sum()), rel=1e-12)
    assert flat.n_undefined == 6
    assert correlation_gap(reference, reference).frobenius == pytest.approx(0, abs=1e-12)
