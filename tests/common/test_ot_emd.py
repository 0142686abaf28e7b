"""Exact EMD against POT's emd2 and scipy's 1-D Wasserstein distance."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import wasserstein_distance

from bench.common.ot import emd, emd_points


def test_emd_equals_pot_emd2():
    rng = np.random.default_rng(0)
    a, b = rng.random(30), rng.random(40)
    a, b = a / a.sum(), b / b.sum()
    M = cdist(rng.random((30, 3)), rng.random((40, 3)))
    result = emd(a, b, M)
    assert result.cost == pytest.approx(ot.emd2(a, b, M), rel=1e-12)
    np.testing.assert_allclose(result.plan.sum(axis=1), a, atol=1e-12)
    np.testing.assert_allclose(result.plan.sum(axis=0), b, atol=1e-12)


def test_emd_points_in_1d_equals_scipy_wasserstein_distance():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=50), rng.normal(1.0, 2.0, size=70)
    a, b = rng.random(50), rng.random(70)
    result = emd_points(x, y, a / a.sum(), b / b.sum())
    expected = wasserstein_distance(x, y, u_weights=a, v_weights=b)
    assert result.cost == pytest.approx(expected, rel=1e-10)


def test_emd_uniform_default_is_assignment_cost():
    # Uniform weights on n points each: the optimum is the best permutation (Birkhoff).
    rng = np.random.default_rng(2)
    M = rng.random((6, 6))
    from itertools import permutations

    best = min(M[np.arange(6), list(s)].sum() for s in permutations(range(6))) / 6
    assert emd(None, None, M).cost == pytest.approx(best, rel=1e-12)


@pytest.mark.parametrize(
    "a, b, M, match",
    [
        (np.array([0.5, 0.6]), None, np.ones((2, 2)), "a: weights sum to 1.1"),
        (None, np.array([-0.5, 1.5]), np.ones((2, 2)), "b: has negative"),
        (None, None, np.array([[0.0, np.nan], [1.0, 0.0]]), "M: contains NaN"),
        (np.array([1.0]), None, np.ones((2, 2)), "a: has 1 weights but M's rows has 2"),
    ],
)
def test_bad_input(a, b, M, match):
    with pytest.raises(ValueError, match=match):
        emd(a, b, M)


def test_emd_points_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match="one dimension d"):
        emd_points(np.ones((3, 2)), np.ones((3, 3)))


def test_negative_costs_give_the_plan_of_the_shifted_costs():
    # POT's network simplex alone returns a zero plan for costs all below about -1; a constant
    # added to M changes no optimal plan, only the cost, by that constant.
    rng = np.random.default_rng(22)
    M = -5.0 - rng.random((30, 20))
    a = rng.random(30) + 0.1
    b = rng.random(20) + 0.1
    a, b = a / a.sum(), b / b.sum()
    ours = emd(a, b, M)
    shifted = ot.emd2(a, b, M + 6.0)
    np.testing.assert_allclose(ours.plan.sum(axis=1), a, atol=1e-12)
    np.testing.assert_allclose(ours.plan.sum(axis=0), b, atol=1e-12)
    assert ours.cost == pytest.approx(shifted - 6.0, rel=1e-12)
