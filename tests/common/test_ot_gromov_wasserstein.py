"""Exact conditional-gradient GW against POT, brute force and the metric invariances."""

from __future__ import annotations

import itertools
import sys
from typing import Any, Literal

import numpy as np
import ot
import pytest
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from scipy.stats import special_ortho_group

from bench.common.ot import (
    GWConfig,
    gromov_wasserstein,
    gromov_wasserstein_batch,
    gw_objective,
    tensor_product,
)


def distances(x, metric: Literal["euclidean", "sqeuclidean"] = "euclidean") -> NDArray[np.float64]:
    """cdist(x, x, metric), which is float64 (scipy's stub says only "floating")."""
    return np.asarray(cdist(x, x, metric), dtype=np.float64)


def clouds(n, m, d, seed, metric: Literal["euclidean", "sqeuclidean"] = "euclidean"):
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, d)), rng.random((m, d))
    return x, y, distances(x, metric), distances(y, metric)


def gw_dist(log: dict[str, Any]) -> float:
    """The GW cost in a log of POT's (an untyped dict)."""
    return float(log["gw_dist"])


def brute_objective(C1, C2, T):
    """sum_ijkl (C1_ik - C2_jl)² T_ij T_kl, the O(n²m²) definition."""
    L = (C1[:, None, :, None] - C2[None, :, None, :]) ** 2  # (i, j, k, l)
    return float(np.einsum("ijkl,ij,kl->", L, T, T))


CASES = [
    # n, m, d, seed, metric, uniform
    (20, 20, 2, 0, "euclidean", True),
    (40, 40, 2, 1, "euclidean", True),
    (60, 60, 3, 2, "sqeuclidean", True),
    (30, 25, 2, 3, "euclidean", False),
    (200, 200, 2, 4, "sqeuclidean", True),  # exercises the low-rank and sparse-LP paths
    (180, 170, 2, 5, "euclidean", False),  # sparse LP with general marginals
    (300, 300, 2, 13, "euclidean", True),  # assignment solver, C1 G C2ᵀ updated by moved rows
]


@pytest.mark.parametrize("n,m,d,seed,metric,uniform", CASES)
def test_matches_pot_cost_and_marginals(n, m, d, seed, metric, uniform):
    _, _, C1, C2 = clouds(n, m, d, seed, metric)
    rng = np.random.default_rng(seed + 100)
    p = q = None
    if not uniform:
        p, q = rng.random(n) + 0.1, rng.random(m) + 0.1
        p, q = p / p.sum(), q / q.sum()
    _, log = ot.gromov.gromov_wasserstein(C1, C2, p, q, loss_fun="square_loss", log=True)
    ours = gromov_wasserstein(C1, C2, p, q)
    pot_cost = gw_dist(log)
    assert ours.cost <= pot_cost * (1 + 1e-8)
    pu = np.full(n, 1 / n) if p is None else p
    qu = np.full(m, 1 / m) if q is None else q
    np.testing.assert_allclose(ours.coupling.sum(axis=1), pu, atol=1e-9)
    np.testing.assert_allclose(ours.coupling.sum(axis=0), qu, atol=1e-9)
    assert ours.coupling.min() >= 0
    # The reported cost is the objective of the returned coupling, recomputed from scratch.
    assert ours.cost == pytest.approx(gw_objective(C1, C2, pu, qu, ours.coupling), rel=1e-9)
    assert ours.converged


def test_pots_start_on_spread_clouds_and_general_weights_matches_pot():
    # Distances of a few units give first-step costs -(C1 p)(C2 q)ᵀ all below -1, which POT's
    # network simplex alone calls infeasible (a zero plan: the descent stopped after one
    # step at 2.094 here, against POT's 0.572). From POT's start the two runs agree.
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((180, 2)), rng.standard_normal((170, 3))
    p, q = rng.random(180) + 0.1, rng.random(170) + 0.1
    p, q = p / p.sum(), q / q.sum()
    C1, C2 = distances(x), distances(y)
    _, log = ot.gromov.gromov_wasserstein(C1, C2, p, q, loss_fun="square_loss", log=True)
    ours = gromov_wasserstein(C1, C2, p, q, config=GWConfig(starts=("product",)))
    assert ours.cost == pytest.approx(gw_dist(log), rel=1e-9)
    assert ours.n_iters > 1


def test_asymmetric_structures_match_pot():
    _, _, C1, C2 = clouds(25, 30, 2, 6)
    rng = np.random.default_rng(6)
    C1 = C1 + 0.3 * rng.random(C1.shape)
    C2 = C2 + 0.3 * rng.random(C2.shape)
    _, log = ot.gromov.gromov_wasserstein(C1, C2, log=True)
    ours = gromov_wasserstein(C1, C2)
    assert ours.cost <= gw_dist(log) * (1 + 1e-8)


def test_cost_equals_brute_force_objective_on_tiny_case():
    _, _, C1, C2 = clouds(7, 5, 2, 7)
    rng = np.random.default_rng(7)
    p, q = rng.random(7), rng.random(5)
    p, q = p / p.sum(), q / q.sum()
    result = gromov_wasserstein(C1, C2, p, q)
    assert result.cost == pytest.approx(brute_objective(C1, C2, result.coupling), rel=1e-12)
    # L ⊗ T itself against its definition sum_kl (C1_ik - C2_jl)² T_kl.
    L = (C1[:, None, :, None] - C2[None, :, None, :]) ** 2
    expected = np.einsum("ijkl,kl->ij", L, result.coupling)
    np.testing.assert_allclose(result.local_cost, expected, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        tensor_product(C1, C2, p, q, result.coupling), expected, rtol=1e-10, atol=1e-14
    )


def test_target_and_source_costs_sum_to_cost():
    _, _, C1, C2 = clouds(30, 24, 2, 8)
    result = gromov_wasserstein(C1, C2)
    assert result.target_costs.shape == (24,)
    assert result.source_costs.shape == (30,)
    assert result.target_costs.sum() == pytest.approx(result.cost, rel=1e-12)
    assert result.source_costs.sum() == pytest.approx(result.cost, rel=1e-12)
    assert np.all(result.target_costs >= -1e-15)  # squares times masses


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
def test_invariant_under_rigid_motion_and_relabelling(metric):
    n = 150 if metric == "sqeuclidean" else 40  # 150: the low-rank path too
    _, y, C1, C2 = clouds(n, n, 3, 9, metric)
    base = gromov_wasserstein(C1, C2).cost
    R = special_ortho_group.rvs(3, random_state=9)
    moved = y @ R.T + np.array([5.0, -2.0, 0.5])
    assert gromov_wasserstein(C1, cdist(moved, moved, metric)).cost == pytest.approx(base, rel=1e-9)
    perm = np.random.default_rng(9).permutation(n)
    assert gromov_wasserstein(C1, C2[perm][:, perm]).cost == pytest.approx(base, rel=1e-9)


def test_zero_on_identical_inputs():
    _, _, C1, _ = clouds(30, 30, 2, 10)
    result = gromov_wasserstein(C1, C1)
    assert result.cost == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(result.coupling, np.eye(30) / 30, atol=1e-12)


def test_symmetric_in_its_arguments_at_the_brute_force_permutation():
    n = 6
    _, _, C1, C2 = clouds(n, n, 2, 11)
    best, best_sigma = np.inf, None
    for sigma in itertools.permutations(range(n)):
        P = np.zeros((n, n))
        P[np.arange(n), sigma] = 1 / n
        value = brute_objective(C1, C2, P)
        if value < best:
            best, best_sigma = value, sigma
    P = np.zeros((n, n))
    P[np.arange(n), best_sigma] = 1 / n
    forward = gromov_wasserstein(C1, C2, init=P)
    backward = gromov_wasserstein(C2, C1, init=P.T)
    assert forward.cost <= best + 1e-12
    assert backward.cost == pytest.approx(forward.cost, rel=1e-10)
    np.testing.assert_allclose(backward.coupling, forward.coupling.T, atol=1e-12)


def test_batch_equals_loop():
    rng = np.random.default_rng(12)
    C1s = np.stack([cdist(z, z) for z in rng.random((4, 15, 2))])
    C2s = np.stack([cdist(z, z) for z in rng.random((4, 12, 2))])
    batch = gromov_wasserstein_batch(C1s, C2s)
    for k, result in enumerate(batch):
        single = gromov_wasserstein(C1s[k], C2s[k])
        assert result.cost == single.cost
        np.testing.assert_array_equal(result.coupling, single.coupling)


def test_max_iter_reports_not_converged():
    _, _, C1, C2 = clouds(40, 40, 2, 1)
    result = gromov_wasserstein(C1, C2, config=GWConfig(max_iter=1))
    assert result.n_iters == 1
    assert not result.converged


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"p": np.full(10, -0.1)}, "p: has negative"),
        ({"p": np.full(10, 0.2)}, "p: weights sum to 2"),
        ({"q": np.full(7, 1 / 7)}, "q: has 7 weights but C2 has 8"),
        ({"C1": np.ones((10, 9))}, "C1: a structure matrix must be square"),
        ({"C2": np.full((8, 8), np.nan)}, "C2: contains NaN"),
        ({"init": np.ones((10, 8))}, "init: rows must sum to p"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    args = {"C1": np.ones((10, 10)), "C2": np.ones((8, 8)), "p": None, "q": None}
    init = kwargs.pop("init", None)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        gromov_wasserstein(args["C1"], args["C2"], args["p"], args["q"], init=init)


def test_batch_rejects_mismatched_stacks():
    with pytest.raises(ValueError, match="C1s and C2s"):
        gromov_wasserstein_batch(np.ones((3, 4, 4)), np.ones((2, 4, 4)))


def test_permutation_product_update_matches_the_direct_product():
    from bench.common.ot.gromov_wasserstein import _Sandwich

    rng = np.random.default_rng(14)
    n = 120
    C1, C2 = rng.random((n, n)), rng.random((n, n))  # not symmetric: checks the transposes
    sandwich = _Sandwich(C1, C2, None, None, False)
    sigma = rng.permutation(n)
    for moved in (n, 3, 40, 0, n // 2):
        sigma = sigma.copy()
        rows = rng.choice(n, size=moved, replace=False)
        sigma[rows] = sigma[rng.permutation(rows)]
        P = np.zeros((n, n))
        P[np.arange(n), sigma] = 1 / n
        np.testing.assert_allclose(sandwich._of_permutation(sigma), C1 @ P @ C2.T, rtol=1e-12)


def drawn_clouds(kind, n, d, rng):
    """Point clouds of the benchmark's kinds: Gaussian, uniform, clustered (5 blobs)."""
    if kind == "gaussian":
        return rng.standard_normal((n, d))
    if kind == "uniform":
        return rng.random((n, d))
    centers = 3.0 * rng.standard_normal((5, d))
    return centers[rng.integers(0, 5, n)] + 0.5 * rng.standard_normal((n, d))


@pytest.mark.parametrize("kind", ["gaussian", "uniform", "clustered"])
@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
@pytest.mark.parametrize("seed", range(3))
def test_never_above_pot_on_drawn_instances(kind, metric, seed):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 5))
    n = int(rng.integers(60, 140))
    x, y = drawn_clouds(kind, n, d, rng), drawn_clouds(kind, n, d, rng)
    C1, C2 = distances(x, metric), distances(y, metric)
    _, log = ot.gromov.gromov_wasserstein(C1, C2, loss_fun="square_loss", log=True)
    ours = gromov_wasserstein(C1, C2)
    assert ours.cost <= gw_dist(log) * (1 + 1e-9) + 1e-14
    assert ours.cost == pytest.approx(
        gw_objective(C1, C2, np.full(n, 1 / n), np.full(n, 1 / n), ours.coupling), rel=1e-9
    )
    # A permutation coupling (the assignment case): exact marginals 1/n.
    np.testing.assert_allclose(ours.coupling.sum(axis=0), 1 / n, atol=1e-12)
    np.testing.assert_allclose(ours.coupling.sum(axis=1), 1 / n, atol=1e-12)


def test_best_of_starts_beats_pots_start_on_a_uniform_square():
    # POT's start p qᵀ ends in a worse local minimum here; the distance-profile start
    # finds a lower one, and the default keeps it.
    _, _, C1, C2 = clouds(200, 200, 2, 1, "euclidean")
    _, log = ot.gromov.gromov_wasserstein(C1, C2, loss_fun="square_loss", log=True)
    product = gromov_wasserstein(C1, C2, config=GWConfig(starts=("product",)))
    profiles = gromov_wasserstein(C1, C2, config=GWConfig(starts=("profiles",)))
    axes = gromov_wasserstein(C1, C2, config=GWConfig(starts=("axes",)))
    best = gromov_wasserstein(C1, C2)
    assert product.cost == pytest.approx(gw_dist(log), rel=1e-9)
    assert profiles.cost < 0.85 * product.cost
    assert best.cost == min(product.cost, profiles.cost, axes.cost)


def test_principal_axes_are_the_weighted_centred_coordinates():
    from bench.common.ot.gromov_wasserstein import principal_axes

    rng = np.random.default_rng(18)
    x = rng.standard_normal((150, 3)) * np.array([3.0, 2.0, 1.0])
    w = rng.random(150) + 0.1
    w /= w.sum()
    D = distances(x, "sqeuclidean")
    X = principal_axes(D, w)
    centred = x - w @ x
    # The same Gram matrix as the points centred at their w-mean (so the same distances),
    # and axes in decreasing order of weighted variance, uncorrelated under w.
    np.testing.assert_allclose(X @ X.T, centred @ centred.T, atol=1e-9)
    variances = w @ X**2
    assert np.all(np.diff(variances) < 0)
    cross = X.T @ (w[:, None] * X)
    np.testing.assert_allclose(cross - np.diag(np.diag(cross)), 0.0, atol=1e-9)
    # Points in a plane: the third axis has eigenvalue 0 and is dropped.
    flat = principal_axes(distances(x[:, :2], "sqeuclidean"), w)
    assert flat.shape == (150, 2)


def test_a_space_at_one_point_has_no_axes_and_a_constant_cost():
    # C1 = 0 (every point at one place): E(T) = sum_jl C2_jl² q_j q_l for every coupling.
    # principal_axes finds none, and the "axes" starts add none.
    from bench.common.ot.gromov_wasserstein import GW_STARTS, principal_axes

    _, _, _, C2 = clouds(200, 200, 2, 20)
    q = np.full(200, 1 / 200)
    assert principal_axes(np.zeros((200, 200)), q).shape == (200, 0)
    for starts in (GW_STARTS, ("axes",)):  # axes alone: POT's start instead
        result = gromov_wasserstein(np.zeros((200, 200)), C2, config=GWConfig(starts=starts))
        assert result.cost == pytest.approx(q @ C2**2 @ q, rel=1e-12)


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean"])
def test_axes_start_recovers_a_reflected_rotated_relabelled_copy(metric):
    # An anisotropic cloud and a copy moved by an improper rotation and a translation,
    # its points relabelled: one sign pattern of the aligned axes is the copy's own
    # coupling, so the "axes" starts alone reach GW = 0 at the relabelling. n = 150 takes
    # the low-rank path for squared distances, and C² for Euclidean ones.
    rng = np.random.default_rng(19)
    n = 150
    x = rng.standard_normal((n, 3)) * np.array([3.0, 2.0, 1.0])
    R = special_ortho_group.rvs(3, random_state=19) @ np.diag([1.0, 1.0, -1.0])
    perm = rng.permutation(n)
    y = (x @ R.T + np.array([1.0, -4.0, 2.0]))[perm]
    C1, C2 = distances(x, metric), distances(y, metric)
    result = gromov_wasserstein(C1, C2, config=GWConfig(starts=("axes",)))
    assert result.cost == pytest.approx(0.0, abs=1e-14 * C1.max() ** 2)  # rounding of C²
    inverse = np.argsort(perm)  # x_i is y_{inverse[i]}
    np.testing.assert_allclose(result.coupling[np.arange(n), inverse], 1 / n, atol=1e-12)


def test_profile_start_on_general_weights_is_a_coupling():
    _, _, C1, C2 = clouds(40, 30, 2, 15)
    rng = np.random.default_rng(15)
    p, q = rng.random(40) + 0.1, rng.random(30) + 0.1
    p, q = p / p.sum(), q / q.sum()
    result = gromov_wasserstein(C1, C2, p, q, config=GWConfig(starts=("profiles",)))
    np.testing.assert_allclose(result.coupling.sum(axis=1), p, atol=1e-12)
    np.testing.assert_allclose(result.coupling.sum(axis=0), q, atol=1e-12)
    _, log = ot.gromov.gromov_wasserstein(C1, C2, p, q, loss_fun="square_loss", log=True)
    assert gromov_wasserstein(C1, C2, p, q).cost <= gw_dist(log) * (1 + 1e-9)


def test_distance_profiles_are_weighted_quantiles():
    from bench.common.ot.gromov_wasserstein import distance_profiles

    rng = np.random.default_rng(16)
    C = rng.random((5, 9))
    w = rng.random(9)
    w /= w.sum()
    Q = distance_profiles(C, w, levels=4)
    for i in range(5):
        order = np.argsort(C[i])
        mass = np.cumsum(w[order])
        for k, level in enumerate((np.arange(4) + 0.5) / 4):
            # The least value whose cumulative weight reaches the level.
            assert Q[i, k] == C[i, order[np.argmax(mass >= level)]]


def test_unknown_start_names_the_option():
    with pytest.raises(ValueError, match=r"GWConfig\.starts"):
        gromov_wasserstein(np.ones((4, 4)), np.ones((4, 4)), config=GWConfig(starts=("x",)))


def test_distance_profiles_uniform_shortcut_equals_the_weighted_path():
    from bench.common.ot.gromov_wasserstein import distance_profiles

    C = np.random.default_rng(17).random((6, 50))
    uniform = np.full(50, 1 / 50)
    nearly = uniform * (1 + 1e-9 * np.arange(50))  # not uniform: the sorting path
    nearly /= nearly.sum()
    for levels in (4, 32, 64):
        np.testing.assert_array_equal(
            distance_profiles(C, uniform, levels), distance_profiles(C, nearly, levels)
        )


def test_surrogate_descent_ends_at_an_exact_stationary_point_below_pot():
    # n >= surrogate_above with Euclidean (full-rank) structures: the descent starts on
    # rank-48 approximations and finishes on the exact objective.
    n = 420
    _, _, C1, C2 = clouds(n, n, 2, 18, "euclidean")
    _, log = ot.gromov.gromov_wasserstein(C1, C2, loss_fun="square_loss", log=True)
    fast = gromov_wasserstein(C1, C2)
    exact_only = gromov_wasserstein(C1, C2, config=GWConfig(surrogate_above=None))
    u = np.full(n, 1 / n)
    for result in (fast, exact_only):
        assert result.converged
        assert result.cost <= gw_dist(log) * (1 + 1e-9)
        assert result.cost == pytest.approx(gw_objective(C1, C2, u, u, result.coupling), rel=1e-9)
        np.testing.assert_allclose(result.coupling.sum(axis=0), u, atol=1e-12)
    # Stationary for the exact objective: no vertex improves the linearisation at T.
    T = fast.coupling
    gradient = tensor_product(C1, C2, u, u, T)
    rows, cols = linear_sum_assignment(gradient)
    assert gradient[rows, cols].sum() / n >= np.sum(gradient * T) - 1e-12


def test_approximate_factors_reproduce_low_rank_and_euclidean_structures():
    from bench.common.ot.low_rank import approximate_factors

    rng = np.random.default_rng(19)
    x = rng.random((300, 2))
    square = distances(x, "sqeuclidean")  # rank 4
    F = approximate_factors(square, 8)
    np.testing.assert_allclose(F.U @ F.V.T, square, atol=1e-10)
    euclidean = distances(x)
    F = approximate_factors(euclidean, 48)
    assert np.linalg.norm(F.U @ F.V.T - euclidean) < 1e-2 * np.linalg.norm(euclidean)


@pytest.mark.parametrize(
    "n,m,metric,symmetric",
    [
        (420, 420, "euclidean", True),  # surrogate descents, then the exact one
        (60, 60, "sqeuclidean", True),  # factored exact descents
        (50, 40, "euclidean", False),  # general LPs, both orientations (C1ᵀ T C2)
    ],
)
def test_starts_in_threads_give_the_answer_of_one_thread(n, m, metric, symmetric, monkeypatch):
    gw_module = sys.modules["bench.common.ot.gromov_wasserstein"]
    monkeypatch.setattr(gw_module, "THREADS_ABOVE", 0)  # small problems in threads too
    _, _, C1, C2 = clouds(n, m, 2, 19, metric)
    if not symmetric:
        C1 = C1 + np.triu(np.random.default_rng(20).random((n, n)))
    one = gromov_wasserstein(C1, C2, config=GWConfig(threads=1))
    for threads in (2, 3):
        many = gromov_wasserstein(C1, C2, config=GWConfig(threads=threads))
        np.testing.assert_array_equal(many.coupling, one.coupling)
        assert many.cost == pytest.approx(one.cost, rel=1e-12)
        assert many.n_iters == one.n_iters


def test_thread_count_below_one_names_the_option():
    with pytest.raises(ValueError, match=r"GWConfig\.threads=0"):
        GWConfig(threads=0)


def held_still_episode(rng, n, d=3):
    """The states of an oscillator that moves for 30% of its steps, then holds still (GWIL's
    demonstrations): most points nearly coincide, the hard case for the linear steps."""
    x, v, out = rng.standard_normal(d), np.zeros(d), np.empty((n, d))
    for t in range(n):
        if t < 0.3 * n:
            v = 0.98 * v - 0.05 * x + 0.05 * rng.standard_normal(d)
        else:
            v = 0.5 * v + 1e-3 * rng.standard_normal(d)
        x = x + 0.1 * v
        out[t] = x
    return out


def test_answer_does_not_depend_on_blas_threads():
    # Before BLAS was held to one thread during the starts, this instance ended at
    # 0.08968207 with one BLAS thread and at 0.08968173 with two, from other starts.
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    C1, C2 = distances(held_still_episode(rng, 500)), distances(held_still_episode(rng, 500))
    results = []
    for blas in (1, 2):
        with threadpool_limits(limits=blas, user_api="blas"):
            results.append(gromov_wasserstein(C1, C2))
    np.testing.assert_array_equal(results[0].coupling, results[1].coupling)
    assert results[0].cost == pytest.approx(results[1].cost, rel=1e-12)
