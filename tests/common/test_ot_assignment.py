"""The warm-started assignment solver against scipy's Hungarian optimum, with its certificate."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from bench.common.ot import assignment
from bench.common.ot.assignment import max_assignment


def check_optimal(S, result, rel=1e-12):
    """Same value as scipy's optimum, a permutation, and a dual certificate for C = -S."""
    n = S.shape[0]
    assert np.array_equal(np.sort(result.sigma), np.arange(n))
    rows, cols = linear_sum_assignment(S, maximize=True)
    best = S[rows, cols].sum()
    assert S[np.arange(n), result.sigma].sum() == pytest.approx(best, rel=rel, abs=1e-12)
    reduced = -S - result.u[:, None] - result.v[None, :]
    scale = max(np.abs(S).max(), 1.0)
    assert reduced.min() >= -1e-10 * scale
    np.testing.assert_allclose(reduced[np.arange(n), result.sigma], 0.0, atol=1e-10 * scale)


def smooth_scores(n, rng, d=2):
    """Scores like a GW gradient: a smooth function of points, with near-ties."""
    x, y = rng.random((n, d)), rng.random((n, d))
    return -((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


@pytest.mark.parametrize("n", [1, 2, 5, 40, 200])  # 200: the sparse search and its check
@pytest.mark.parametrize("use_auction", [True, False])
def test_random_and_smooth_scores_match_hungarian(n, use_auction):
    rng = np.random.default_rng(n)
    for S in (rng.random((n, n)), smooth_scores(n, rng)):
        check_optimal(S, max_assignment(S, auction=use_auction))


def test_ties_and_constant_scores():
    rng = np.random.default_rng(3)
    S = rng.integers(0, 3, size=(150, 150)).astype(float)  # many optimal permutations
    check_optimal(S, max_assignment(S))
    check_optimal(np.ones((100, 100)), max_assignment(np.ones((100, 100))))


def test_warm_starts_along_a_sequence_stay_exact():
    rng = np.random.default_rng(4)
    n = 250
    base = smooth_scores(n, rng)
    result = max_assignment(base)
    for step in range(6):
        S = base + 0.05 * step * rng.standard_normal((n, n))
        result = max_assignment(S, result.v, result.sigma, auction=step < 2)
        check_optimal(S, result)


def test_bad_prices_are_refined_and_still_exact():
    rng = np.random.default_rng(5)
    n = 300
    S = smooth_scores(n, rng)
    v = 10.0 * rng.standard_normal(n)  # far from any optimal dual
    check_optimal(S, max_assignment(S, v, rng.permutation(n), auction=False))


def test_dense_fallback_when_the_sparse_search_cannot_finish(monkeypatch):
    # One candidate per row and one round: the dense search matches what is left.
    monkeypatch.setattr(assignment, "CANDIDATES_PER_ROW", 1)
    monkeypatch.setattr(assignment, "SPARSE_ROUNDS", 1)
    rng = np.random.default_rng(6)
    S = smooth_scores(200, rng)
    check_optimal(S, max_assignment(S, auction=False))


def settling_scores(n, rng, held=0.7):
    """Scores like a GW gradient between two episodes that hold still (noise 1e-3) for
    their last ``held`` share of steps: most rows and columns nearly coincide, and the
    sparse search after the auction leaves most of the rows (263 of 400 at seed 7)."""

    def episode():
        x = np.cumsum(0.1 * rng.standard_normal((n, 2)), axis=0)
        start = int((1 - held) * n)
        x[start:] = x[start] + 1e-3 * rng.standard_normal((n - start, 2))
        return x

    x, y = episode(), episode()
    return -((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def spy_auctions(monkeypatch):
    """Record (ε_final, finished) of every auction max_assignment runs."""
    calls = []
    real = assignment._auction_prices

    def spy(S, v, hint, *args):
        out = real(S, v, hint, *args)
        eps_final = args[1] if args else assignment.AUCTION_EPS_FINAL
        calls.append((eps_final, out[2]))
        return out

    monkeypatch.setattr(assignment, "_auction_prices", spy)
    return calls


def test_near_ties_refine_the_auction_and_stay_exact(monkeypatch):
    calls = spy_auctions(monkeypatch)
    left = []  # rows left free for the dense search
    real_augment = assignment._augment

    def augment(S, u, v, col4row, row4col):
        left.append(int(np.sum(col4row < 0)))
        real_augment(S, u, v, col4row, row4col)

    monkeypatch.setattr(assignment, "_augment", augment)
    n = 400
    S = settling_scores(n, np.random.default_rng(7))
    check_optimal(S, max_assignment(S))
    # The first auction left too many rows; its ε-scaling went on to a finer ε, after
    # which the sparse search matched all but a few.
    assert (assignment.REFINE_EPS_FINAL, True) in calls
    assert left[0] <= assignment.DENSE_FRACTION * n


def test_a_price_war_stops_at_its_bid_limit_and_stays_exact(monkeypatch):
    # Exact ties (repeated rows) and a limit of one bid per row: every refinement stops
    # short, and the dense search matches the rows left.
    monkeypatch.setattr(assignment, "REFINE_BIDS", 1)
    calls = spy_auctions(monkeypatch)
    rng = np.random.default_rng(8)
    S = np.repeat(settling_scores(100, rng)[:50], 2, axis=0)[:, :100]
    S = S + 1e-12 * rng.integers(0, 2, size=S.shape).astype(np.float64)  # ties to 1e-12
    check_optimal(S, max_assignment(S))
    assert (assignment.REFINE_EPS_FINAL, False) in calls


def test_an_auction_over_its_bid_limit_leaves_the_prices_unchanged():
    rng = np.random.default_rng(9)
    S = smooth_scores(100, rng)
    v, hint = rng.standard_normal(100), rng.permutation(100)
    out_v, out_hint, finished = assignment._auction_prices(S, v, hint, 0.25, 1e-9, 5)
    assert not finished and out_v is v and out_hint is hint
    out_v, out_hint, finished = assignment._auction_prices(S, v, hint, 0.25, 1e-9)
    assert finished and sorted(out_hint) == list(range(100))


def test_inexact_answers_on_near_ties_are_epsilon_optimal(monkeypatch):
    # exact=False: where the sparse search leaves too many rows, the auction's permutation
    # comes back, within n ε of the optimum (ε = INEXACT_EPS_FINAL of the range), with a
    # feasible dual u_i = min_j (-S_ij - v_j); no refinement and no dense search run.
    calls = spy_auctions(monkeypatch)
    n = 400
    S = settling_scores(n, np.random.default_rng(7))
    result = max_assignment(S, exact=False)
    assert (assignment.REFINE_EPS_FINAL, True) not in calls
    assert np.array_equal(np.sort(result.sigma), np.arange(n))
    rows, cols = linear_sum_assignment(S, maximize=True)
    gap = S[rows, cols].sum() - S[np.arange(n), result.sigma].sum()
    assert 0.0 <= gap <= n * assignment.INEXACT_EPS_FINAL * (S.max() - S.min())
    reduced = -S - result.u[:, None] - result.v[None, :]
    assert reduced.min() >= -1e-12 * np.abs(S).max()
    # Warm from those prices, on nearby scores (the next Frank-Wolfe step).
    S2 = S + 1e-3 * settling_scores(n, np.random.default_rng(8))
    warm = max_assignment(S2, result.v, result.sigma, auction=False, exact=False)
    rows, cols = linear_sum_assignment(S2, maximize=True)
    gap = S2[rows, cols].sum() - S2[np.arange(n), warm.sigma].sum()
    assert 0.0 <= gap <= n * assignment.INEXACT_EPS_FINAL * (S2.max() - S2.min())
    # Scores without near-ties: the sparse search finishes, and the answer is exact.
    rng = np.random.default_rng(10)
    S = rng.random((n, n))
    check_optimal(S, max_assignment(S, exact=False))
