"""Integral transport (integer supplies, unit demands) against the Hungarian optimum of the
expanded assignment problem and POT's network simplex, with its dual certificate."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.optimize import linear_sum_assignment

import bench.common.ot.integral_transport as integral
from bench.common.ot.integral_transport import integral_transport


def check(C, a, result, reference):
    """A plan with the given margins, the reference's total, and a certificate."""
    n, m = C.shape
    assert result.owner.shape == (m,)
    np.testing.assert_array_equal(np.bincount(result.owner, minlength=n), a)
    plan = result.plan(n)
    np.testing.assert_array_equal(plan.sum(axis=1), a)
    np.testing.assert_array_equal(plan.sum(axis=0), np.ones(m))
    assert result.cost == pytest.approx(float(np.sum(plan * C)), rel=1e-12, abs=1e-12)
    assert result.cost == pytest.approx(reference, rel=1e-10, abs=1e-10)
    scale = max(np.abs(C).max(), 1.0)
    reduced = C - result.u[:, None] - result.v[None, :]
    assert reduced.min() >= -1e-10 * scale
    np.testing.assert_allclose(reduced[result.owner, np.arange(m)], 0.0, atol=1e-10 * scale)
    # Strong duality: the certificate's value is the plan's cost.
    dual = float(a @ result.u + result.v.sum())
    assert dual == pytest.approx(result.cost, rel=1e-9, abs=1e-9)


def hungarian_total(C, a):
    """The optimum of the assignment problem with row i repeated a_i times (scipy)."""
    full = np.repeat(C, a, axis=0)
    rows, cols = linear_sum_assignment(full)
    return float(full[rows, cols].sum())


def instance(rng, n, m, kind):
    a = rng.multinomial(m, np.full(n, 1.0 / n))
    if kind == "random":
        C = rng.random((n, m))
    elif kind == "ties":  # few distinct values: many optimal plans
        C = rng.integers(0, 3, size=(n, m)).astype(float)
    else:  # demographic-likelihood shape: -log of peaked probabilities, and a dummy row
        C = -np.log(rng.dirichlet(np.full(n - 1, 0.3), size=m).T + 1e-9)
        a = np.append(rng.multinomial(m // 3, np.full(n - 1, 1.0 / (n - 1))), m - m // 3)
        C = np.vstack([C, np.zeros((1, m))])
    return C, a


@pytest.mark.parametrize("kind", ["random", "ties", "likelihood"])
@pytest.mark.parametrize("seed", range(6))
def test_small_cases_match_the_hungarian_total(kind, seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 9)), int(rng.integers(10, 120))
    C, a = instance(rng, n, m, kind)
    check(C, a, integral_transport(C, a), hungarian_total(C, a))


def test_one_row_zero_supplies_and_constant_costs():
    C = np.arange(5.0)[None, :]
    check(C, np.array([5]), integral_transport(C, [5]), 10.0)
    C = np.random.default_rng(1).random((4, 9))
    a = np.array([0, 9, 0, 0])
    check(C, a, integral_transport(C, a), float(C[1].sum()))
    C = np.ones((3, 12))
    a = np.array([4, 0, 8])
    check(C, a, integral_transport(C, a), 12.0)


def test_short_candidate_lists_are_repaired_and_stay_exact(monkeypatch):
    # One candidate beyond the supply: the paths get stuck and the full check finds
    # violated edges, so the list-doubling and column-freeing branches both run.
    monkeypatch.setattr(integral, "CANDIDATES_BEYOND_SUPPLY", 1)
    monkeypatch.setattr(integral, "RESTART_FRACTION", 0.5)
    rng = np.random.default_rng(7)
    for kind in ("random", "likelihood", "ties"):
        C, a = instance(rng, 12, 300, kind)
        check(C, a, integral_transport(C, a), hungarian_total(C, a))


def test_large_case_with_coarse_start_matches_pot():
    # m >= COARSE_ABOVE: the start comes from the problem on every 4th column.
    rng = np.random.default_rng(8)
    n, m = 40, integral.COARSE_ABOVE + 500
    C, a = instance(rng, n, m, "likelihood")
    plan = ot.emd(a / m, np.full(m, 1.0 / m), C, numItermax=10_000_000)
    check(C, a, integral_transport(C, a), float(np.sum(plan * C)) * m)


@pytest.mark.parametrize(
    "supply, match",
    [
        ([1, 1, 0], "sums to 2 but C has 3 columns"),
        ([1, 1.5, 0.5], "non-negative integers"),
        ([4, -1, 0], "non-negative integers"),
        ([3, 0], "expected 3 non-negative integers"),
    ],
)
def test_bad_supply_names_the_fix(supply, match):
    with pytest.raises(ValueError, match=match):
        integral_transport(np.ones((3, 3)), supply)
