"""Exact transport from integer supplies to unit demands, with a dual certificate.

    min_x sum_ij C_ij x_ij   s.t.   sum_j x_ij = a_i (rows),   sum_i x_ij = 1 (columns),
                                    x_ij in {0, 1},

C (n, m), a (n,) non-negative integers summing to m. Every column goes to exactly one row
(``owner``), row i receives a_i columns. Its LP dual

    max sum_i a_i u_i + sum_j v_j   s.t.   u_i + v_j <= C_ij

certifies the plan when every reduced cost C_ij - u_i - v_j is >= 0 and the owned ones
are 0 (complementary slackness); the LP's vertices are integral (a transportation
polytope with integer margins), so the integer program is solved too.

This is a many-to-one assignment: expanding row i into a_i identical rows gives a square
assignment problem with a_i-fold ties, the shape on which the Hungarian method stalls
(humans sharing a demographic profile). The solver keeps the rows collapsed:

* successive shortest paths (Ahuja, Magnanti & Orlin 1993, §9.7) on the bipartite
  residual graph, rows as the only heap nodes: a path enters a row through any column the
  row owns (reduced cost 0) and leaves by one of its candidate edges, and ends at a
  column whose row holds more than its supply (or at a freed column);
* a column's potential is implied by its owner, v_j = C_{owner(j) j} - u_{owner(j)}, so
  an augmentation updates only the potentials of the rows its search settled;
* each row relaxes only its candidate edges, its a_i + K columns of least reduced cost
  C_ij - v_j (cutting planes, as in ``assignment``): after the paths, one pass over all
  n·m edges checks the duals; each violated column gets a feasible potential and is freed,
  the violating rows get fresh candidates, and the paths run again until none is left.

The start: u = 0, v_j = min_i C_ij and each column owned by its cheapest row, so the
paths only move the columns that rows over their supply hold to rows under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from bench.common.ot.inputs import check_matrix

# Candidate columns per row beyond its supply a_i (the least reduced costs). A row can
# only receive columns in its list, so it needs a_i of them; K more leave the paths room.
CANDIDATES_BEYOND_SUPPLY = 16
# Reduced costs above -DUAL_TOLERANCE * max|C| count as non-negative (float rounding).
DUAL_TOLERANCE = 1e-12
# A row whose list would hold this fraction of the columns or more takes them all (the
# dummy row that absorbs spare columns: its costs are all equal, so a partial list is an
# arbitrary cut that the check would keep flagging).
ALL_COLUMNS_ABOVE = 0.25
# Problems with at least COARSE_ABOVE columns start from the potentials of the problem on
# every COARSE_STRIDE-th column (measured at 187 rows x 40,000 columns: the cold start's
# first certificate check freed ~10% of the columns, whose paths took most of the time).
COARSE_ABOVE = 4096
COARSE_STRIDE = 4
# More violated columns than this fraction of m: restart from the row potentials instead
# of freeing the columns one by one (each freed column costs a long path).
RESTART_FRACTION = 0.01
# Lists up to this long are chosen in one compiled pass; longer ones by argpartition.
INSERTION_UP_TO = 128
# Rounds of paths + full check before giving up (each round at least doubles the
# candidates of the rows that violated the check; in practice one or two rounds).
MAX_ROUNDS = 50


@dataclass(frozen=True)
class IntegralTransport:
    """An optimal integral plan and its dual certificate.

    owner (m,): the row each column goes to; row i owns exactly a_i columns.
    u (n,), v (m,): C_ij - u_i - v_j >= 0 for every edge (to rounding), 0 on (owner[j], j).
    cost: sum_j C[owner[j], j], which equals the dual value sum_i a_i u_i + sum_j v_j.
    """

    owner: NDArray[np.intp]
    u: NDArray[np.float64]
    v: NDArray[np.float64]
    cost: float

    def plan(self, n: int) -> NDArray[np.int64]:
        """The plan x (n, m) as a 0/1 matrix."""
        x = np.zeros((n, self.owner.shape[0]), dtype=np.int64)
        x[self.owner, np.arange(self.owner.shape[0])] = 1
        return x


@njit(cache=True)
def _heap_push(keys, vals, size, key, val):  # pragma: no cover - compiled
    """Push (key, val) on the binary min-heap (keys, vals) of ``size`` entries; new size."""
    k = size
    while k > 0:
        parent = (k - 1) // 2
        if keys[parent] <= key:
            break
        keys[k], vals[k] = keys[parent], vals[parent]
        k = parent
    keys[k], vals[k] = key, val
    return size + 1


@njit(cache=True)
def _heap_pop(keys, vals, size):  # pragma: no cover - compiled
    """Remove the least entry; returns (key, val, new size)."""
    key, val = keys[0], vals[0]
    size -= 1
    last_key, last_val = keys[size], vals[size]
    k = 0
    while True:
        child = 2 * k + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= last_key:
            break
        keys[k], vals[k] = keys[child], vals[child]
        k = child
    keys[k], vals[k] = last_key, last_val
    return key, val, size


@njit(cache=True)
def _column_potential(u, owner, base, j):  # pragma: no cover - compiled
    """v_j: C_{owner(j) j} - u_{owner(j)} (base[j] = C_{owner(j) j}), or base[j] when free."""
    o = owner[j]
    return base[j] - u[o] if o >= 0 else base[j]


class _Search(NamedTuple):
    """Work arrays of the shortest-path searches, allocated once per :func:`_augment` call
    and left by each search ready for the next (distances inf, nothing scanned)."""

    dist: NDArray[np.float64]  # (m,) path cost to each column; inf: not reached
    pred: NDArray[np.int64]  # (m,) the row each reached column was reached from
    touched: NDArray[np.int64]  # (m,) the columns whose dist was set, in order
    row_dist: NDArray[np.float64]  # (n,) path cost to each row; inf: not reached
    via: NDArray[np.int64]  # (n,) the column through which each row was reached
    scanned: NDArray[np.bool_]  # (n,) the rows settled by the current search
    settled: NDArray[np.int64]  # (n,) the same rows, in order
    heap_keys: NDArray[np.float64]  # the rows' min-heap: path costs ...
    heap_rows: NDArray[np.int64]  # ... and rows


@njit(cache=True)
def _new_search(n, m, capacity):  # pragma: no cover - compiled
    return _Search(
        np.full(m, np.inf),
        np.full(m, -1, np.int64),
        np.empty(m, np.int64),
        np.full(n, np.inf),
        np.full(n, -1, np.int64),
        np.zeros(n, np.bool_),
        np.empty(n, np.int64),
        np.empty(capacity),
        np.empty(capacity, np.int64),
    )


@njit(cache=True)
def _shortest_path(C, supply, load, owner, base, u, indptr, indices, s, search):  # pragma: no cover
    """Dijkstra over the rows from the deficit row s: a path enters a row through a column
    it owns and leaves by one of its candidate edges (indptr, indices: CSR by row), and
    ends at a freed column or one whose row holds more than its supply. Returns that
    column (-1: none is reachable through the candidate edges), the path's reduced cost,
    and how many rows the search settled (``search.settled``) and columns it touched
    (``search.touched``)."""
    dist, row_dist, scanned = search.dist, search.row_dist, search.scanned
    n_touched, n_settled, size = 0, 0, 0
    row_dist[s] = 0.0
    size = _heap_push(search.heap_keys, search.heap_rows, size, 0.0, s)
    best, sink = np.inf, -1
    while size > 0:
        d, r, size = _heap_pop(search.heap_keys, search.heap_rows, size)
        if scanned[r] or d > row_dist[r]:
            continue
        if best <= d:  # ties go to the surplus column: the path ends sooner
            break
        scanned[r] = True
        search.settled[n_settled] = r
        n_settled += 1
        ur = u[r]
        for k in range(indptr[r], indptr[r + 1]):
            j = indices[k]
            o = owner[j]
            if o == r or (o >= 0 and scanned[o]):
                continue  # already at distance <= d
            nd = d + C[r, j] - ur - _column_potential(u, owner, base, j)
            if nd < dist[j]:
                if dist[j] == np.inf:
                    search.touched[n_touched] = j
                    n_touched += 1
                dist[j] = nd
                search.pred[j] = r
                if o < 0 or load[o] > supply[o]:
                    if nd < best:
                        best, sink = nd, j
                elif nd < row_dist[o]:
                    row_dist[o] = nd
                    search.via[o] = j
                    size = _heap_push(search.heap_keys, search.heap_rows, size, nd, o)
    return sink, best, n_settled, n_touched


@njit(cache=True)
def _reprice(u, search, n_settled, best):  # pragma: no cover - compiled
    """Rows settled at d_r < D = best move by D - d_r, which keeps every candidate edge's
    reduced cost >= 0 and makes the path's edges tight; the columns they own follow
    through v_j = C_{owner(j) j} - u_{owner(j)}."""
    for k in range(n_settled):
        r = search.settled[k]
        u[r] += best - search.row_dist[r]


@njit(cache=True)
def _flip(C, load, owner, base, search, s, sink):  # pragma: no cover - compiled
    """Move the columns along the path from ``sink`` back to the row s, each to the row
    that reached it: s gains a column, the sink's row (if any) loses one."""
    j = sink
    if owner[j] >= 0:
        load[owner[j]] -= 1
    while True:
        r = search.pred[j]
        owner[j] = r
        base[j] = C[r, j]
        if r == s:
            break
        j = search.via[r]
    load[s] += 1


@njit(cache=True)
def _reset(search, owner, n_settled, n_touched):  # pragma: no cover - compiled
    """Undo what one search wrote, for the next."""
    for k in range(n_settled):
        r = search.settled[k]
        search.scanned[r] = False
        search.row_dist[r] = np.inf
    for k in range(n_touched):
        j = search.touched[k]
        search.dist[j] = np.inf
        o = owner[j]
        if o >= 0:
            search.row_dist[o] = np.inf


@njit(cache=True)
def _augment(C, supply, load, owner, base, u, indptr, indices):  # pragma: no cover
    """Fill every row's deficit by shortest augmenting paths over the candidate edges
    (indptr, indices: CSR by row). load, owner, base (C_{owner(j) j}, kept beside C so
    that v_j needs no access to another row of C) and u in place.
    Returns -1 when done, else a row from which no surplus column is reachable in the
    candidate graph (its search's rows need more candidates)."""
    n, m = C.shape
    search = _new_search(n, m, indices.shape[0] + n + 1)
    for s in range(n):
        while load[s] < supply[s]:
            sink, best, n_settled, n_touched = _shortest_path(
                C, supply, load, owner, base, u, indptr, indices, s, search
            )
            if sink < 0:
                return s
            _reprice(u, search, n_settled, best)
            _flip(C, load, owner, base, search, s, sink)
            _reset(search, owner, n_settled, n_touched)
    return -1


@njit(cache=True)
def _cheapest(C, u):  # pragma: no cover - compiled
    """min_i (C_ij - u_i) (m,) and the row attaining it, in one pass over C."""
    n, m = C.shape
    floor = np.full(m, np.inf)
    argmin = np.zeros(m, np.int64)
    for i in range(n):
        ui = u[i]
        for j in range(m):
            r = C[i, j] - ui
            if r < floor[j]:
                floor[j] = r
                argmin[j] = i
    return floor, argmin


@njit(cache=True)
def _least_k(C, v, rows, ks, indptr, out):  # pragma: no cover - compiled
    """For each rows[t], its ks[t] columns of least C_ij - v_j into out[indptr[t]:indptr[t+1]]
    (insertion into a sorted buffer: one pass over the row, cheap while ks[t] is small)."""
    m = C.shape[1]
    vals = np.empty(ks.max())
    for t in range(rows.shape[0]):
        i, k, at = rows[t], ks[t], indptr[t]
        vals[:k] = np.inf
        for j in range(m):
            r = C[i, j] - v[j]
            if r < vals[k - 1]:
                q = k - 1
                while q > 0 and vals[q - 1] > r:
                    vals[q] = vals[q - 1]
                    out[at + q] = out[at + q - 1]
                    q -= 1
                vals[q] = r
                out[at + q] = j


def _candidates(C, v, rows, ks):
    """Each row's ks columns of least reduced cost C_ij - v_j: {row: columns}; all columns
    for rows whose ks reach ALL_COLUMNS_ABOVE * m."""
    m = C.shape[1]
    ks = np.clip(ks, 1, m)
    out = {}
    whole = ks >= ALL_COLUMNS_ABOVE * m
    for i in rows[whole]:
        out[int(i)] = np.arange(m)
    small = ~whole & (ks <= INSERTION_UP_TO)
    if small.any():
        indptr = np.concatenate([[0], np.cumsum(ks[small])])
        flat = np.empty(indptr[-1], dtype=np.int64)
        _least_k(C, v, rows[small], ks[small], indptr, flat)
        for t, i in enumerate(rows[small]):
            out[int(i)] = flat[indptr[t] : indptr[t + 1]]
    for i, k in zip(rows[~whole & ~small], ks[~whole & ~small]):
        out[int(i)] = np.argpartition(C[i] - v, k - 1)[:k]
    return out


def _csr(lists, n):
    lengths = np.array([lists[i].shape[0] for i in range(n)], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return indptr, np.concatenate([lists[i] for i in range(n)]).astype(np.int64)


def integral_transport(C: ArrayLike, supply: ArrayLike) -> IntegralTransport:
    """The min-cost plan sending a_i = supply[i] columns to row i, each column once.

    C (n, m) finite costs; supply (n,) non-negative integers summing to m. Returns the
    owner of each column and the dual certificate (see the module docstring).
    """
    C = np.ascontiguousarray(check_matrix("C", C, square=False))
    n, m = C.shape
    a = np.asarray(supply)
    if a.shape != (n,) or not np.all(np.equal(np.mod(a, 1), 0)) or np.any(a < 0):
        raise ValueError(f"supply: expected {n} non-negative integers (one per row of C)")
    a = a.astype(np.int64)
    if int(a.sum()) != m:
        raise ValueError(
            f"supply: sums to {int(a.sum())} but C has {m} columns; every column is sent "
            "once, so add a zero-cost dummy row taking the spare columns"
        )
    return _solve(C, a, _coarse_potentials(C, a))


def _coarse_potentials(C, a):
    """Row potentials from the problem on every COARSE_STRIDE-th column with supplies
    scaled alike (recursively): row prices of a subsample approximate the full ones, so
    the full problem's start is nearly balanced. Zeros for small problems."""
    n, m = C.shape
    if m < COARSE_ABOVE:
        return np.zeros(n)
    columns = np.arange(0, m, COARSE_STRIDE)
    share = a * (columns.shape[0] / m)
    coarse = np.floor(share).astype(np.int64)
    # Largest remainders take the columns the floors left over.
    left = columns.shape[0] - int(coarse.sum())
    coarse[np.argsort(coarse - share, kind="stable")[:left]] += 1
    sub = np.ascontiguousarray(C[:, columns])
    return _solve(sub, coarse, _coarse_potentials(sub, coarse)).u


class _State:
    """A plan under construction: each column's owner (-1: freed), base[j] = C_{owner(j) j}
    (v_j itself when freed), the rows' loads, and each row's candidate list."""

    def __init__(self, C, a, floor, argmin, extra):
        m = C.shape[1]
        # Each column to its cheapest row under u: v_j = min_i (C_ij - u_i) is feasible on
        # every edge, and the paths only have to balance the rows' loads.
        self.owner = argmin.copy()
        self.base = C[self.owner, np.arange(m)]
        self.load = np.bincount(self.owner, minlength=C.shape[0]).astype(np.int64)
        self.lists = _candidates(C, floor, np.arange(C.shape[0]), a + extra)

    def free(self, C, a, u, columns, floor, rows, extra):
        """Lower each violated column's potential to min_i (C_ij - u_i) and free it (its
        owner's edge is no longer tight); the violating rows get fresh lists."""
        np.subtract.at(self.load, self.owner[columns], 1)
        self.owner[columns] = -1
        self.base[columns] = floor[columns]
        v = _potentials(u, self.owner, self.base)
        self.lists.update(_candidates(C, v, rows, a[rows] + extra[rows]))

    def augment(self, C, a, u, extra):
        """Paths until every row holds its supply; the lists of all rows double while
        some deficit row reaches no surplus column through them."""
        while True:
            indptr, indices = _csr(self.lists, C.shape[0])
            if _augment(C, a, self.load, self.owner, self.base, u, indptr, indices) < 0:
                return
            extra *= 2
            v = _potentials(u, self.owner, self.base)
            self.lists = _candidates(C, v, np.arange(C.shape[0]), a + extra)


def _solve(C, a, u):
    n, m = C.shape
    u = u.copy()
    extra = np.full(n, CANDIDATES_BEYOND_SUPPLY, dtype=np.int64)
    tolerance = DUAL_TOLERANCE * max(float(np.abs(C).max()), 1e-300)
    floor, argmin = _cheapest(C, u)
    state = _State(C, a, floor, argmin, extra)
    for _ in range(MAX_ROUNDS):
        state.augment(C, a, u, extra)
        # The certificate: v_j <= min_i (C_ij - u_i) on every column, i.e. no edge has
        # a reduced cost below -tolerance.
        floor, argmin = _cheapest(C, u)
        v = _potentials(u, state.owner, state.base)
        columns = np.flatnonzero(floor - v < -tolerance)
        if columns.shape[0] == 0:
            cost = float(C[state.owner, np.arange(m)].sum())
            return IntegralTransport(owner=state.owner.astype(np.intp), u=u, v=v, cost=cost)
        rows = np.unique(argmin[columns])
        extra[rows] *= 2
        if columns.shape[0] > RESTART_FRACTION * m:
            state = _State(C, a, floor, argmin, extra)  # restart from the potentials u
        else:
            state.free(C, a, u, columns, floor, rows, extra)
    raise RuntimeError(f"integral_transport: no certificate after {MAX_ROUNDS} rounds")


def _potentials(u, owner, base):
    """v (m,) from the owners' potentials (see :func:`_column_potential`)."""
    return np.where(owner >= 0, base - u[np.maximum(owner, 0)], base)
