"""The sparse, warm-started LP step and the low-rank detector against their dense references."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

from bench.common.ot.linear_oracle import LinearOracle, comonotone_support
from bench.common.ot.low_rank import low_rank_factors


def _weights(kind, rng, n, m):
    if kind == "uniform":
        return np.full(n, 1 / n), np.full(m, 1 / m)
    p, q = rng.random(n) + 0.05, rng.random(m) + 0.05
    return p / p.sum(), q / q.sum()


# (weights, seed, n, m, marginal tolerance): non-uniform weights take the cutting-plane
# path (above the dense cut-off); uniform ones with n = m the warm-started assignment solver.
LP_SEQUENCES = {
    "cutting planes": ("random", 0, 220, 200, 1e-12),
    "assignment": ("uniform", 7, 220, 220, 1e-15),
}


@pytest.mark.parametrize("case", LP_SEQUENCES)
def test_lp_sequence_matches_dense_network_simplex(case):
    kind, seed, n, m, atol = LP_SEQUENCES[case]
    rng = np.random.default_rng(seed)
    p, q = _weights(kind, rng, n, m)
    oracle = LinearOracle(p, q)
    assert oracle.assignment == (kind == "uniform")
    base = rng.random((n, 3)) @ rng.random((3, m))  # smooth, near-degenerate scores
    for step in range(4):
        S = base + 0.05 * step * rng.random((n, m))
        lp = oracle.solve(S)
        plan = np.zeros((n, m))
        np.add.at(plan, (lp.rows, lp.cols), lp.mass)
        dense = ot.emd(p, q, -S, numItermax=10**7)
        assert np.sum(plan * S) == pytest.approx(np.sum(dense * S), rel=1e-12)
        np.testing.assert_allclose(plan.sum(axis=1), p, atol=atol)
        np.testing.assert_allclose(plan.sum(axis=0), q, atol=atol)


def test_rank_one_step_is_the_sorted_matching():
    rng = np.random.default_rng(1)
    n = 300
    a, b = rng.random(n), rng.random(n)
    p = np.full(n, 1 / n)
    lp = LinearOracle(p, p).solve_rank_one(a, b)
    sigma = np.empty(n, dtype=int)
    sigma[lp.rows] = lp.cols
    # Rearrangement inequality: the i-th smallest a meets the i-th smallest b.
    np.testing.assert_array_equal(sigma[np.argsort(a)], np.argsort(b))
    rows, cols = comonotone_support(a, b, p, p)
    assert rows.shape == (n,)
    np.testing.assert_array_equal(cols[np.argsort(a[rows])], np.argsort(b))


def test_low_rank_detects_squared_euclidean_and_rejects_euclidean():
    x = np.random.default_rng(2).random((200, 3))
    sq = np.asarray(cdist(x, x, "sqeuclidean"), dtype=np.float64)
    factors = low_rank_factors(sq)
    assert factors is not None
    assert factors.U.shape == (200, 5)  # d + 2
    np.testing.assert_allclose(factors.U @ factors.V.T, sq, atol=1e-12)
    assert low_rank_factors(np.asarray(cdist(x, x), dtype=np.float64)) is None


@pytest.mark.parametrize("n,m", [(50, 40), (220, 200)])  # the dense and the sparse paths
def test_scores_far_above_zero_still_give_optimal_couplings(n, m):
    # Costs -S all below about -1: POT's network simplex alone calls the problem
    # infeasible and returns a zero plan. The reference is POT on the shifted costs max S - S >= 0,
    # which have the same optimal plans over U(p, q).
    rng = np.random.default_rng(21)
    p, q = _weights("random", rng, n, m)
    oracle = LinearOracle(p, q)
    for step in range(3):
        S = 5.0 + rng.random((n, 3)) @ rng.random((3, m)) + 0.1 * step * rng.random((n, m))
        lp = oracle.solve(S)
        plan = np.zeros((n, m))
        np.add.at(plan, (lp.rows, lp.cols), lp.mass)
        reference = ot.emd(p, q, S.max() - S, numItermax=10**7)
        np.testing.assert_allclose(plan.sum(axis=1), p, atol=1e-12)
        np.testing.assert_allclose(plan.sum(axis=0), q, atol=1e-12)
        assert np.sum(plan * S) == pytest.approx(np.sum(reference * S), rel=1e-12)
        # The duals certify it for the unshifted costs: -S_ij - u_i - v_j >= 0.
        assert lp.u is not None and lp.v is not None
        assert (-S - lp.u[:, None] - lp.v[None, :]).min() >= -1e-9
