"""Perception gap: Δ and Cohen's d against hand-computed values, weights, edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common.metrics import cohens_d, perception_gap


def test_unweighted_gap_and_d_equal_the_hand_computed_values():
    # a = (3, 4, 5): mean 4, s_a² = 1; b = (1, 2): mean 1.5, s_b² = 0.5
    # Δ = 2.5; s² = (2·1 + 1·0.5) / 3 = 0.8333...; d = 2.5 / 0.91287 = 2.7386127875
    result = perception_gap([3, 4, 5], [1, 2])
    assert result.gap == pytest.approx(2.5)
    assert result.mean_a == pytest.approx(4.0) and result.mean_b == pytest.approx(1.5)
    assert result.cohens_d == pytest.approx(2.7386127875258306)
    assert (result.n_a, result.n_b) == (3, 2)


def test_weighted_gap_and_d_equal_the_hand_computed_values():
    # a = (1, 3) with weights (3, 1): ā = 6/4 = 1.5, s_a² = 2/1 · (3·.25 + 1·2.25)/4 = 1.5
    # b = (2, 2, 4): b̄ = 8/3, s_b² = 4/3; Δ = -7/6; s² = (1.5 + 2·4/3)/3 = 1.38889
    # d = -1.16667 / 1.17851 = -0.98994949
    result = perception_gap([1, 3], [2, 2, 4], weights_a=[3, 1])
    assert result.gap == pytest.approx(-7 / 6)
    assert result.cohens_d == pytest.approx(-0.9899494936611666)
    assert result.cohens_d == pytest.approx(cohens_d([1, 3], [2, 2, 4], weights_a=[3, 1]))
    # rescaling a side's weights changes nothing
    assert perception_gap([1, 3], [2, 2, 4], weights_a=[30, 10]) == result


def test_missing_answers_are_dropped_and_undefined_d_is_nan():
    result = perception_gap([3, np.nan, 4, 5], [1, 2, np.nan])
    assert result.gap == pytest.approx(2.5) and (result.n_a, result.n_b) == (3, 2)
    one = perception_gap([2], [0, 1])  # a single rating: a gap, no SD
    assert one.gap == pytest.approx(1.5) and np.isnan(one.cohens_d)
    flat = perception_gap([2, 2], [1, 1])  # no spread on either side
    assert flat.gap == pytest.approx(1.0) and np.isnan(flat.cohens_d)


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="ratings b have no answered"):
        perception_gap([1, 2], [np.nan])
    with pytest.raises(ValueError, match="negative"):
        perception_gap([1, 2], [1, 2], weights_b=[1, -1])
    with pytest.raises(ValueError, match=r"expected \(n,\)"):
        perception_gap([[1, 2]], [1, 2])
