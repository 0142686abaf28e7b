"""The sparse, warm-started LP step and the low-rank detector against their dense references."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

from bench.common.ot.linear_oracle import LinearOracle, comonotone_support
from bench.common.ot.low_rank import low_rank_factors


def test_sparse_lp_sequence_matches_dense_network_simplex():
    rng = np.random.default_rng(0)
    n, m = 220, 200  # above the dense cut-off: the cutting-plane path
    p, q = rng.random(n) + 0.05, rng.random(m) + 0.05
    p, q = p / p.sum(), q / q.sum()
    oracle = LinearOracle(p, q)
    base = rng.random((n, 3)) @ rng.random((3, m))  # smooth, near-degenerate scores
    for step in range(4):
        S = base + 0.05 * step * rng.random((n, m))
        lp = oracle.solve(S)
        plan = np.zeros((n, m))
        np.add.at(plan, (lp.rows, lp.cols), lp.mass)
        dense = ot.emd(p, q, -S, numItermax=10**7)
        assert np.sum(plan * S) == pytest.approx(np.sum(dense * S), rel=1e-12)
        np.testing.assert_allclose(plan.sum(axis=1), p, atol=1e-12)
        np.testing.assert_allclose(plan.sum(axis=0), q, atol=1e-12)


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
    sq = cdist(x, x, "sqeuclidean")
    factors = low_rank_factors(sq)
    assert factors is not None
    assert factors.U.shape == (200, 5)  # d + 2
    np.testing.assert_allclose(factors.U @ factors.V.T, sq, atol=1e-12)
    assert low_rank_factors(cdist(x, x)) is None
