"""Entropic GW: marginals, agreement with POT's PGD solver, and the ε -> 0 limit."""

from __future__ import annotations

from typing import Any

import numpy as np
import ot
import pytest
from scipy.spatial.distance import cdist

from bench.common.ot import EntropicGWConfig, entropic_gromov_wasserstein, gromov_wasserstein


def structures(n, m, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, 2)), rng.random((m, 2))
    return cdist(x, x), cdist(y, y)


def test_matches_pot_entropic_solver():
    C1, C2 = structures(25, 20, 0)
    eps = 0.05
    # POT declares no return type; what pyright infers from its code is a union of tuples.
    pot: Any = ot.gromov.entropic_gromov_wasserstein(C1, C2, epsilon=eps, log=True)
    T_pot, log = pot
    ours = entropic_gromov_wasserstein(C1, C2, config=EntropicGWConfig(epsilon=eps))
    np.testing.assert_allclose(ours.coupling, T_pot, atol=1e-8)
    assert ours.cost == pytest.approx(float(log["gw_dist"]), rel=1e-6)


def test_marginals_hold_at_gwil_epsilon():
    C1, C2 = structures(30, 30, 1)
    result = entropic_gromov_wasserstein(C1, C2)  # ε = 5e-3, GWIL's setting
    np.testing.assert_allclose(result.coupling.sum(axis=1), np.full(30, 1 / 30), atol=1e-9)
    np.testing.assert_allclose(result.coupling.sum(axis=0), np.full(30, 1 / 30), atol=1e-7)
    assert np.all(np.isfinite(result.coupling))
    assert result.target_costs.sum() == pytest.approx(result.cost, rel=1e-12)


def test_cost_approaches_exact_as_epsilon_shrinks():
    C1, C2 = structures(30, 30, 2)
    exact = gromov_wasserstein(C1, C2).cost
    small = entropic_gromov_wasserstein(C1, C2, config=EntropicGWConfig(epsilon=5e-3)).cost
    large = entropic_gromov_wasserstein(C1, C2, config=EntropicGWConfig(epsilon=0.1)).cost
    # Both are local optima of a non-convex problem: at small ε the entropic coupling is
    # within 10% of the exact CG cost or below it (here it finds a lower basin).
    assert small <= 1.1 * exact
    assert large > small


def test_rejects_nonpositive_epsilon():
    C1, C2 = structures(5, 5, 3)
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        entropic_gromov_wasserstein(C1, C2, config=EntropicGWConfig(epsilon=0.0))
