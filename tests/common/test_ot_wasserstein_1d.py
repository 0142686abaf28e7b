"""Batched 1-D Wasserstein on ordinal supports against scipy.stats.wasserstein_distance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from bench.common.ot import wasserstein_1d


def test_matches_scipy_with_positions_as_values():
    rng = np.random.default_rng(0)
    u, v = rng.random(5), rng.random(5)
    positions = np.array([0.0, 1.0, 2.5, 3.0, 7.0])
    expected = wasserstein_distance(positions, positions, u_weights=u, v_weights=v)
    assert wasserstein_1d(u, v, positions) == pytest.approx(expected, rel=1e-12)


def test_batched_shapes_match_a_scipy_loop():
    rng = np.random.default_rng(1)
    u = rng.random((4, 3, 6))
    v = rng.random((3, 6))  # broadcast over the leading axis
    out = wasserstein_1d(u, v)
    assert isinstance(out, np.ndarray) and out.shape == (4, 3)
    ranks = np.arange(6.0)
    for i in range(4):
        for j in range(3):
            expected = wasserstein_distance(ranks, ranks, u_weights=u[i, j], v_weights=v[j])
            assert out[i, j] == pytest.approx(expected, rel=1e-12)


def test_normalised_scale_divides_by_the_support_width():
    u, v = np.array([1.0, 0, 0, 0]), np.array([0, 0, 0, 1.0])
    assert wasserstein_1d(u, v) == pytest.approx(3.0)
    assert wasserstein_1d(u, v, normalize=True) == pytest.approx(1.0)  # the largest distance
    positions = np.array([1.0, 2.0, 4.0, 9.0])
    assert wasserstein_1d(u, v, positions, normalize=True) == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="u: has negative"):
        wasserstein_1d([-1.0, 2.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        wasserstein_1d([1.0, 2.0], [1.0, 1.0], positions=[1.0, 1.0])
