"""Cronbach's alpha and Cohen's d: hand-worked cases and their properties."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common.metrics import cohens_d, cronbach_alpha


def test_alpha_by_hand():
    # Items x1 = (1, 2, 3), x2 = (2, 3, 3); total = (3, 5, 6).
    # var(x1) = 1, var(x2) = (4/9 + 1/9 + 1/9) / 2 = 1/3, var(total) = (25 + 1 + 16)/9 / 2 = 7/3
    # α = 2/1 · (1 - (1 + 1/3) / (7/3)) = 2 · 3/7 = 6/7.
    assert cronbach_alpha([[1, 2], [2, 3], [3, 3]]) == pytest.approx(6 / 7)


def test_alpha_weights_and_listwise_deletion():
    items = np.array([[1, 2], [2, 3], [3, 3]], dtype=float)
    # Integer weights are repeated rows; equal weights change nothing.
    assert cronbach_alpha(items, weights=[2, 1, 3]) == pytest.approx(
        cronbach_alpha(np.repeat(items, [2, 1, 3], axis=0))
    )
    assert cronbach_alpha(items, weights=[5, 5, 5]) == pytest.approx(6 / 7)
    # Listwise (the default): a respondent with a hole is dropped entirely.
    holey = np.vstack([items, [[np.nan, 1.0]]])
    assert cronbach_alpha(holey) == pytest.approx(6 / 7)
    assert cronbach_alpha(holey, deletion="pairwise") != pytest.approx(6 / 7)


def test_alpha_properties():
    # Identical items: α = k/(k-1) · (1 - k s² / (k² s²)) = 1.
    x = np.array([1.0, 4.0, 2.0, 5.0])
    assert cronbach_alpha(np.column_stack([x, x, x])) == pytest.approx(1.0)


def test_alpha_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha([[1], [2], [3]])
    with pytest.raises(ValueError, match="zero variance"):
        cronbach_alpha([[1, 3], [2, 2], [3, 1]])  # every total is 4
    with pytest.raises(ValueError, match="NaN"):
        cronbach_alpha([[1, 2], [2, 3], [3, 3]], weights=[1, np.nan, 1])


def test_cohens_d_by_hand():
    # a = (2, 4, 6): mean 4, s² = (4 + 0 + 4)/2 = 4;  b = (1, 2, 3): mean 2, s² = 1.
    # pooled s² = (2·4 + 2·1) / 4 = 2.5;  d = 2 / sqrt(2.5).
    assert cohens_d([2, 4, 6], [1, 2, 3]) == pytest.approx(2 / np.sqrt(2.5))
    assert cohens_d([1, 2, 3], [2, 4, 6]) == pytest.approx(-2 / np.sqrt(2.5))


def test_cohens_d_weighted_by_hand():
    # a = (0, 2), w = (1, 3): mean 6/4 = 1.5; Σw(x-x̄)²/Σw = (2.25 + 3·0.25)/4 = 0.75;
    # s_a² = 0.75 · n/(n-1) = 1.5.  b = (0, 1) unweighted: mean 0.5, s_b² = 0.5.
    # pooled s² = (1·1.5 + 1·0.5) / 2 = 1;  d = (1.5 - 0.5) / 1 = 1.
    assert cohens_d([0, 2], [0, 1], weights_a=[1, 3]) == pytest.approx(1.0)
    # Rescaling weights and NaN answers (dropped) change nothing.
    assert cohens_d([0, 2, np.nan], [0, 1], weights_a=[10, 30, 5]) == pytest.approx(1.0)
    assert cohens_d([2, 4, 6], [1, 2, 3], weights_b=[7, 7, 7]) == pytest.approx(2 / np.sqrt(2.5))


def test_cohens_d_bad_inputs():
    with pytest.raises(ValueError, match="zero variance"):
        cohens_d([1, 1], [2, 2])
    with pytest.raises(ValueError, match="group b has 1"):
        cohens_d([1, 2], [3])
    with pytest.raises(ValueError, match="weights_a has shape"):
        cohens_d([1, 2], [1, 3], weights_a=[1, 2, 3])
