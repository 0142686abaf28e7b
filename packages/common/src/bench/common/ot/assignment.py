"""Exact, warm-started linear assignment: the linear step of GW when p, q are uniform and n = m.

    σ* = argmax_σ sum_i S_{i σ(i)},   S (n, n) a score,

is the transport LP max_{G in U(1/n, 1/n)} <S, G> (Birkhoff: its vertices are the
permutation matrices P_σ / n). Its dual, in the cost form C = -S,

    max sum_i u_i + sum_j v_j   s.t.   u_i + v_j <= C_ij,

certifies σ when every reduced cost C_ij - u_i - v_j is >= 0 and the matched ones are 0.

The solver is the shortest-augmenting-path (Hungarian) method in the form of Jonker &
Volgenant (1987) and Crouse (2016, Alg. 1 — scipy's ``linear_sum_assignment``), started
from any dual-feasible (u, v) and a partial matching of tight edges instead of from
zero. Each free row is then matched by one Dijkstra search over reduced costs; with good
column prices v only a few columns are visited. The answer is exact (optimal up to the
rounding of C - u - v); the start changes only the work.

Good prices come from the previous Frank-Wolfe step, or, when there is none or the score
moved too far, from Bertsekas' (1988) auction with ε-scaling: each unassigned row bids
for its best column, raising its price by the gap to the second best plus ε, which gives
an ε-optimal assignment and prices in O(n²) per phase. The auction's answer is never
used as such: its prices seed the exact search.

Above SPARSE_ABOVE rows the searches first run over each row's few columns of least
reduced cost and the column the last (or the auction's) permutation gives it (cutting
planes, as in ``linear_oracle``), and one pass over all n² edges checks the duals; rows
it finds violated are freed and searched again. When the scores have near-ties finer
than the auction's ε (points that nearly coincide), too many rows are left for the dense
search, and the auction's ε-scaling goes on to a finer ε first (REFINE_EPS_FINAL).

On the benchmark's GW steps (n = 1000, one core) auction + sparse search took about a
fifth of the time of POT's dense network simplex and a twentieth of a cold Hungarian run;
a step warm-started from the last step's prices, a fifth of that again (the dense search
from the same prices: 1.5-4 times as long).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

# Auction ε schedule, relative to the range of S: start at AUCTION_EPS_START of it, divide
# by θ each phase, stop at ε_final. Measured on the benchmark's first GW steps (n = 1000,
# 2000), over θ in {4, 8, 16} and ε_final in 1e-4..1e-10: finer ε costs more bids than it
# saves in the exact search that follows.
AUCTION_THETA = 4.0  # θ, ε-scaling factor
AUCTION_EPS_FINAL = 1e-5  # ε_final / (max S - min S)
# ε / range at the start, with or without prices from the last step. A warm start at
# ε = 1e-2 (the earlier setting) could start a price war from the last step's prices: one
# step took 0.65 s of a 1.4 s solve on a clustered cloud at n = 1000, 0.03 s from 1/4. At
# n = 2000 (seed 12, four cloud kinds) the coarse start was as fast or faster on each, and
# 2.1x faster on the clustered ones; the answer is the same (the search after it is exact).
AUCTION_EPS_START = 0.25
# Above this n the augmenting paths first run over each row's CANDIDATES_PER_ROW columns
# of least reduced cost; a check over all n² edges then frees the rows it finds violated,
# with fresh candidates, and the sparse search runs again (at n = 2000 a single round
# left ~920 rows, almost half, to the dense search on some steps).
SPARSE_ABOVE = 64
CANDIDATES_PER_ROW = 16
# Sparse search + check rounds, while the number of violated rows falls, before the dense
# search takes the rows left free. When more than DENSE_FRACTION of the rows are left, the
# start prices were too far off (a dense search over that many rows costs more than an
# auction): an auction refines them and the search starts again.
SPARSE_ROUNDS = 8
DENSE_FRACTION = 0.05
# When the sparse search leaves more than DENSE_FRACTION of the rows after an auction, the
# scores have near-ties finer than its ε_final (points that nearly coincide: a trajectory
# that holds still). The auction's ε-scaling then goes on from its prices down to
# REFINE_EPS_FINAL of the range, and the sparse search runs again. Exact ties can make
# that a price war: it stops after REFINE_BIDS bids per row, and the dense search takes
# the rows left. Measured on GW's steps between two trajectory episodes (n = 2000, the
# benchmark's trajectory case, seeds 51 and 71): ~1,400 of 2,000 rows went to the dense
# search at ε_final (1.2-3.5 s per step); refined to 1e-7, still ~1,350; to 1e-9, 0-50
# (0.7-1.5 s per step in all). The refinement took 40-340 bids per row there; with a
# limit of 100 it stopped short on most steps.
REFINE_EPS_FINAL = 1e-9
REFINE_BIDS = 1000
# exact=False (GW's surrogate descent, which only chooses where the exact descent starts):
# auctions stop at INEXACT_EPS_FINAL, and where the exact search would refine, the
# auction's permutation is the answer; from warm prices its ε-scaling starts at
# INEXACT_EPS_START. On the benchmark's trajectory case (n = 2000, seed 81) warm auctions
# from 1/4 to 1e-5 took 0.11 s per step, 32 s in all; from 1e-3 to 1e-4, 21 s, the same
# final cost to 1e-5.
INEXACT_EPS_START = 1e-3
INEXACT_EPS_FINAL = 1e-4
# Reduced costs above -DUAL_TOLERANCE * max|S| count as non-negative (float rounding).
DUAL_TOLERANCE = 1e-13


@dataclass(frozen=True)
class Assignment:
    """An optimal permutation and a dual certificate for the cost C = -S.

    sigma (n,): row i goes to column sigma[i]; u (n,), v (n,): C_ij - u_i - v_j >= 0,
    with equality on (i, sigma[i]) (to within the auction's ε per row when it was asked
    for with exact=False).
    """

    sigma: NDArray[np.intp]
    u: NDArray[np.float64]
    v: NDArray[np.float64]


@njit(cache=True, nogil=True)
def _auction(S, price, eps, eps_final, theta, max_bids):  # pragma: no cover - compiled
    """Gauss-Seidel auction for max sum S[i, σ(i)] with ε-scaling; ``price`` (n,) in place.

    Returns σ (n,) of the last phase (ε_final-optimal), or an empty σ once max_bids bids
    are spent (the prices are then partway). Every phase restarts the matching and keeps
    the prices (Bertsekas 1988, §5).
    """
    n = S.shape[0]
    bids = 0
    col4row = np.full(n, -1, np.int64)
    row4col = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    while True:
        col4row[:] = -1
        row4col[:] = -1
        for k in range(n):
            stack[k] = n - 1 - k
        top = n
        while top > 0:
            if bids == max_bids:
                return np.empty(0, np.int64)
            bids += 1
            top -= 1
            i = stack[top]
            best, second, jbest = -np.inf, -np.inf, -1
            for j in range(n):
                w = S[i, j] - price[j]
                if w > best:
                    second = best
                    best = w
                    jbest = j
                elif w > second:
                    second = w
            if second == -np.inf:  # n = 1
                second = best
            price[jbest] += best - second + eps
            owner = row4col[jbest]
            row4col[jbest] = i
            col4row[i] = jbest
            if owner >= 0:
                col4row[owner] = -1
                stack[top] = owner
                top += 1
        if eps <= eps_final:
            return col4row
        eps = max(eps / theta, eps_final)


@njit(cache=True, nogil=True)
def _least_reduced(S, v, i, cand, vals):  # pragma: no cover - compiled
    """Row i's K columns of least reduced cost C_ij - v_j (C = -S) into cand[i], in
    increasing order (insertion into the sorted buffer ``vals``); returns the least."""
    K = cand.shape[1]
    vals[:] = np.inf
    for j in range(S.shape[1]):
        r = -S[i, j] - v[j]
        if r < vals[K - 1]:
            k = K - 1
            while k > 0 and vals[k - 1] > r:
                vals[k] = vals[k - 1]
                cand[i, k] = cand[i, k - 1]
                k -= 1
            vals[k] = r
            cand[i, k] = j
    return vals[0]


@njit(cache=True, nogil=True)
def _tight_start(S, v, hint, K):  # pragma: no cover - compiled
    """Dual-feasible u_i = min_j (C_ij - v_j) for C = -S, each row's K columns of least
    C_ij - v_j (n, K) (insertion into a sorted buffer, one pass over S), and a matching of
    tight edges: row i keeps hint[i] when that edge is tight and its column is free, else
    takes its argmin column if free. Returns u, cand, col4row, row4col (-1: free), max |S|."""
    n = S.shape[0]
    u = np.empty(n)
    lo, hi = _spread(S)
    largest = max(abs(lo), abs(hi))
    cand = np.empty((n, K), np.int64)
    vals = np.empty(K)
    for i in range(n):
        u[i] = _least_reduced(S, v, i, cand, vals)
    col4row = np.full(n, -1, np.int64)
    row4col = np.full(n, -1, np.int64)
    if hint.shape[0] == n:
        for i in range(n):
            j = hint[i]
            if -S[i, j] - v[j] - u[i] <= 0.0 and row4col[j] == -1:
                col4row[i] = j
                row4col[j] = i
    for i in range(n):
        if col4row[i] == -1:
            j = cand[i, 0]
            if row4col[j] == -1:
                col4row[i] = j
                row4col[j] = i
    return u, cand, col4row, row4col, largest


@njit(cache=True, nogil=True)
def _spread(S):  # pragma: no cover - compiled
    """min S, max S in one pass."""
    lo, hi = np.inf, -np.inf
    for i in range(S.shape[0]):
        for j in range(S.shape[1]):
            x = S[i, j]
            lo = min(lo, x)
            hi = max(hi, x)
    return lo, hi


class _Search(NamedTuple):
    """Work arrays of the shortest-path searches, (n,) each: allocated once per solve, left
    by each search ready for the next (dist all inf, nothing scanned)."""

    dist: NDArray[np.float64]  # shortest reduced path cost to each column; inf: not reached
    path: NDArray[np.int64]  # the row each reached column was reached from
    rows_seen: NDArray[np.int64]  # the search tree's rows, in the order met (the start first)
    cols_seen: NDArray[np.int64]  # the columns scanned, in order
    pending: NDArray[np.int64]  # columns not scanned yet (dense), or reached but not (sparse)
    scanned: NDArray[np.bool_]  # the columns the current search scanned (sparse)


@njit(cache=True, nogil=True)
def _new_search(n):  # pragma: no cover - compiled
    return _Search(
        np.full(n, np.inf),
        np.full(n, -1, np.int64),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.zeros(n, np.bool_),
    )


@njit(cache=True, nogil=True)
def _reprice(u, v, col4row, search, n_rows, n_cols, min_val):  # pragma: no cover - compiled
    """The dual step after a search that reached a free column at distance min_val, over
    the n_rows rows and n_cols columns it met: u_i += min_val - d(i) (d(start) = 0, else
    the distance of i's column), v_j -= min_val - dist_j. Keeps C - u - v >= 0 and makes
    the augmenting path tight."""
    u[search.rows_seen[0]] += min_val
    for k in range(1, n_rows):
        i = search.rows_seen[k]
        u[i] += min_val - search.dist[col4row[i]]
    for k in range(n_cols):
        j = search.cols_seen[k]
        v[j] -= min_val - search.dist[j]


@njit(cache=True, nogil=True)
def _flip(col4row, row4col, path, start, sink):  # pragma: no cover - compiled
    """Augment: along the path from the free column ``sink`` back to the free row ``start``,
    each row takes the column that reached it; the matching grows by one."""
    j = sink
    while True:
        i = path[j]
        row4col[j] = i
        j, col4row[i] = col4row[i], j
        if i == start:
            break


@njit(cache=True, nogil=True)
def _dense_path(S, u, v, row4col, start, search):  # pragma: no cover - compiled
    """Dijkstra over the reduced costs C_ij - u_i - v_j (C = -S) of all columns, from the free
    row ``start`` to the nearest free column. Returns that column, its distance, and how
    many rows and columns the search met (``search.rows_seen``, ``search.cols_seen``)."""
    n = S.shape[0]
    dist, path, remaining = search.dist, search.path, search.pending
    for k in range(n):
        remaining[k] = n - 1 - k
    n_remaining, n_rows, n_cols = n, 0, 0
    min_val = 0.0
    i, sink = start, -1
    while sink == -1:
        search.rows_seen[n_rows] = i
        n_rows += 1
        lowest, index = np.inf, -1
        ui = u[i]
        for it in range(n_remaining):
            j = remaining[it]
            r = min_val - S[i, j] - ui - v[j]
            if r < dist[j]:
                path[j] = i
                dist[j] = r
            # Ties go to a free column: the path ends sooner.
            if dist[j] < lowest or (dist[j] == lowest and row4col[j] == -1):
                lowest = dist[j]
                index = it
        min_val = lowest
        j = remaining[index]
        if row4col[j] == -1:
            sink = j
        else:
            i = row4col[j]
        search.cols_seen[n_cols] = j
        n_cols += 1
        n_remaining -= 1
        remaining[index] = remaining[n_remaining]
    return sink, min_val, n_rows, n_cols


@njit(cache=True, nogil=True)
def _augment(S, u, v, col4row, row4col):  # pragma: no cover - compiled
    """Match every free row by a shortest augmenting path (Crouse 2016, Alg. 1) for
    C = -S; u, v, col4row, row4col in place. Needs C - u - v >= 0, 0 on matched edges."""
    search = _new_search(S.shape[0])
    for start in range(S.shape[0]):
        if col4row[start] >= 0:
            continue
        sink, min_val, n_rows, n_cols = _dense_path(S, u, v, row4col, start, search)
        _reprice(u, v, col4row, search, n_rows, n_cols, min_val)
        search.dist[:] = np.inf
        _flip(col4row, row4col, search.path, start, sink)


@njit(cache=True, nogil=True)
def _relax_candidates(S, u, v, cand, i, min_val, search, n_front):  # pragma: no cover
    """Relax row i's candidate edges from path cost min_val; columns reached for the first
    time join the front ``search.pending[:n_front]``. Returns the front's new size."""
    dist = search.dist
    ui = u[i]
    for k in range(cand.shape[1]):
        j = cand[i, k]
        if search.scanned[j]:
            continue
        r = min_val - S[i, j] - ui - v[j]
        if r < dist[j]:
            if dist[j] == np.inf:
                search.pending[n_front] = j
                n_front += 1
            dist[j] = r
            search.path[j] = i
    return n_front


@njit(cache=True, nogil=True)
def _nearest(front, n_front, dist, row4col):  # pragma: no cover - compiled
    """Index in front[:n_front] of the column of least dist; ties go to a free column."""
    lowest, index = np.inf, -1
    for t in range(n_front):
        j = front[t]
        if dist[j] < lowest or (dist[j] == lowest and row4col[j] == -1):
            lowest = dist[j]
            index = t
    return index


@njit(cache=True, nogil=True)
def _sparse_path(S, u, v, row4col, cand, start, search):  # pragma: no cover - compiled
    """:func:`_dense_path` over the candidate edges ``cand`` (n, K) only (plus the matched
    ones): each Dijkstra step relaxes K edges instead of n. Returns the free column reached
    (-1 when none is reachable in the sparse graph), its distance, how many rows and
    columns the search met, and how many reached columns it left unscanned
    (``search.pending``)."""
    front = search.pending
    n_front, n_rows, n_cols = 0, 0, 0
    min_val = 0.0
    i = start
    while True:
        search.rows_seen[n_rows] = i
        n_rows += 1
        n_front = _relax_candidates(S, u, v, cand, i, min_val, search, n_front)
        if n_front == 0:
            return -1, min_val, n_rows, n_cols, n_front
        index = _nearest(front, n_front, search.dist, row4col)
        j = front[index]
        n_front -= 1
        front[index] = front[n_front]
        min_val = search.dist[j]
        search.scanned[j] = True
        search.cols_seen[n_cols] = j
        n_cols += 1
        if row4col[j] == -1:
            return j, min_val, n_rows, n_cols, n_front
        i = row4col[j]


@njit(cache=True, nogil=True)
def _augment_sparse(S, u, v, col4row, row4col, cand):  # pragma: no cover - compiled
    """:func:`_augment` over the candidate edges ``cand`` (n, K): potentials stay feasible
    on the candidate edges, not necessarily on the others (``_repair`` checks). A free row
    with no augmenting path in the sparse graph is left free."""
    search = _new_search(S.shape[0])
    for start in range(S.shape[0]):
        if col4row[start] >= 0:
            continue
        sink, min_val, n_rows, n_cols, n_front = _sparse_path(S, u, v, row4col, cand, start, search)
        if sink >= 0:
            _reprice(u, v, col4row, search, n_rows, n_cols, min_val)
            _flip(col4row, row4col, search.path, start, sink)
        # Every column the search reached was scanned or is still in its front.
        for k in range(n_front):
            search.dist[search.pending[k]] = np.inf
        for k in range(n_cols):
            j = search.cols_seen[k]
            search.dist[j] = np.inf
            search.scanned[j] = False


@njit(cache=True, nogil=True)
def _repair(S, u, v, col4row, row4col, tolerance, cand):  # pragma: no cover - compiled
    """Make (u, v) feasible on all n² edges: every row with a reduced cost below
    -tolerance, or still free, gets u_i = min_j (C_ij - v_j), is unmatched, and gets as
    candidates its K columns of least C_ij - v_j (which include the violated edges).
    Returns how many rows were freed."""
    n, K = cand.shape
    freed = 0
    vals = np.empty(K)
    for i in range(n):
        best = np.inf
        for j in range(n):
            best = min(best, -S[i, j] - v[j])
        if best - u[i] >= -tolerance and col4row[i] >= 0:
            continue
        u[i] = best
        j = col4row[i]
        if j >= 0:
            row4col[j] = -1
            col4row[i] = -1
        freed += 1
        _least_reduced(S, v, i, cand, vals)
    return freed


def max_assignment(
    S: NDArray[np.float64],
    v: NDArray[np.float64] | None = None,
    hint: NDArray[np.intp] | None = None,
    *,
    auction: bool = True,
    exact: bool = True,
) -> Assignment:
    """argmax_σ sum_i S_{i σ(i)} for S (n, n), exactly, with its dual certificate.

    v (n,): column potentials of a previous, nearby problem (cost form C = -S); hint (n,):
    a previous permutation. auction: refine the start by an ε-scaling auction first (from
    v when given, else from zero prices) — worth it when v is absent or far from optimal.
    exact=False: the auctions stop at ε = INEXACT_EPS_FINAL of the range, and where the
    exact search would go on to the refinement and the dense search, the auction's
    permutation is the answer: optimal to within n ε, with u_i = min_j (-S_ij - v_j).
    """
    S = np.ascontiguousarray(S, dtype=np.float64)
    n = S.shape[0]
    if S.ndim != 2 or S.shape[1] != n:
        raise ValueError(f"S must be square (n, n), got shape {S.shape}")
    v = np.zeros(n) if v is None else np.array(v, dtype=np.float64)
    hint = np.empty(0, np.int64) if hint is None else np.asarray(hint, dtype=np.int64)
    if auction:
        eps_final = AUCTION_EPS_FINAL if exact else INEXACT_EPS_FINAL
        v, hint, _ = _auction_prices(S, v, hint, AUCTION_EPS_START, eps_final)
    auction_v = v.copy()  # the searches below change v in place
    sparse = n > SPARSE_ABOVE
    refined = False
    while True:
        u, cand, col4row, row4col, largest = _tight_start(
            S, v, hint, CANDIDATES_PER_ROW if sparse else 1
        )
        if not sparse:
            break
        tolerance = DUAL_TOLERANCE * max(largest, 1e-300)
        still_free = _sparse_rounds(S, u, v, col4row, row4col, cand, hint, tolerance)
        if still_free <= DENSE_FRACTION * n or refined:
            break
        if auction and not exact and hint.shape[0] == n:
            u = np.min(-S - auction_v[None, :], axis=1)
            return Assignment(sigma=hint.astype(np.intp), u=u, v=auction_v)
        if not auction:
            # The prices were too far from optimal for the sparse search: refine them first.
            auction = True
            if exact:
                v, hint, _ = _auction_prices(S, v, hint)
            else:
                v, hint, _ = _auction_prices(S, v, hint, INEXACT_EPS_START, INEXACT_EPS_FINAL)
            auction_v = v.copy()
        else:
            # Near-ties finer than the auction's ε: its ε-scaling goes on, from its prices.
            refined = True
            refined_v, refined_hint, finished = _auction_prices(
                S, auction_v, hint, AUCTION_EPS_FINAL, REFINE_EPS_FINAL, REFINE_BIDS * n
            )
            if not finished:  # a price war: the dense search takes the rows left
                break
            v, hint = refined_v, refined_hint
    # Rows still free (none once a sparse round passed the check) by the dense search.
    _augment(S, u, v, col4row, row4col)
    return Assignment(sigma=col4row.astype(np.intp), u=u, v=v)


def _sparse_rounds(S, u, v, col4row, row4col, cand, hint, tolerance) -> int:
    """Sparse search and check rounds while the rows left free fall; how many are left."""
    n = S.shape[0]
    freed = still_free = n
    for _ in range(SPARSE_ROUNDS):
        if hint.shape[0] == n:
            # The permutation's edges keep a perfect matching in the sparse graph: rows
            # that nearly coincide share their least columns.
            cand[:, -1] = hint
        _augment_sparse(S, u, v, col4row, row4col, cand)
        still_free = _repair(S, u, v, col4row, row4col, tolerance, cand)
        if still_free == 0 or still_free >= freed or still_free > 4 * DENSE_FRACTION * n:
            break
        freed = still_free
    return still_free


def _auction_prices(
    S, v, hint, eps_start=AUCTION_EPS_START, eps_final=AUCTION_EPS_FINAL, max_bids=-1
):
    """Column potentials (cost form), a permutation and True from an ε-scaling auction
    started at prices -v, from ε = eps_start * range down to eps_final * range. v, hint and
    False when it spent max_bids bids first (-1: no limit). Constant or non-finite S: v and
    hint unchanged (the auction needs ε > 0 to end)."""
    n = S.shape[0]
    lo, hi = _spread(S) if n else (0.0, 0.0)
    spread = hi - lo
    if n < 2 or not (spread > 0.0 and np.isfinite(spread)):
        return v, hint, True
    price = -v
    sigma = _auction(S, price, spread * eps_start, spread * eps_final, AUCTION_THETA, max_bids)
    if sigma.shape[0] == 0:
        return v, hint, False
    return -price, sigma, True
