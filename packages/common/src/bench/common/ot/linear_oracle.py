"""The linear step of conditional gradient for GW: an exact, warm-started transport LP.

    G = argmax_{G in U(p, q)} <S, G>  (equivalently argmin <-S, G>),  S (n, m) a score

is solved exactly with POT's network simplex, but on a sparse candidate set of edges
(cutting planes) instead of all n·m: a small LP is solved, its dual potentials (u, v) are
checked against every edge (reduced cost -S_ij - u_i - v_j >= 0 certifies optimality over
U(p, q), by LP duality), and the most violated edges of each offending row are added until
none is left. Consecutive Frank-Wolfe scores are close, so the previous step's potentials
pick good candidates (and warm-start the dense simplex, ``potentials_init``, on small
problems). The answer is the dense LP's optimum; only the work differs.

The first score of a GW run, S0 = (C1 p)(C2 q)ᵀ, has rank one: by the rearrangement
inequality its optimum is the comonotone coupling of p and q sorted by C1 p and C2 q, which
seeds the candidates.

With uniform p, q and n = m the LP is an assignment problem, solved instead by the
compiled, warm-started shortest-augmenting-path solver of ``assignment`` (exact, with its
own dual certificate over all n² edges); the first steps' prices come from an auction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix

from bench.common.ot.assignment import max_assignment
from bench.common.ot.emd import network_simplex

# Candidate edges per row: the K smallest reduced costs (and K more per offending row and
# cutting round). 16 keeps the LP at ~2% of the dense one for n = 1000 and usually needs
# at most one more round once the potentials are warm (measured: 5, 10, 20, 40 no faster).
CANDIDATES_PER_ROW = 16
# Below this many entries the dense network simplex is as fast as the cutting planes.
DENSE_BELOW = 150 * 150
# Reduced costs above -DUAL_TOLERANCE * max|S| count as non-negative (float rounding).
DUAL_TOLERANCE = 1e-12
# Assignment steps whose start is refined by an auction: the first Frank-Wolfe scores move
# too far for the last step's prices (at n = 1000 and 2000 an auction-started second step
# took a fifth and a tenth of the time of a warm-started one; from the third on, the last
# step's prices alone are the faster start).
AUCTION_STEPS = 2


@dataclass(frozen=True)
class LPSolution:
    """A vertex G of U(p, q) as its support: rows, cols (nnz,), mass (nnz,); potentials u (n,), v (m,)
    (None after the rank-one step of an assignment problem, which needs none)."""

    rows: NDArray[np.intp]
    cols: NDArray[np.intp]
    mass: NDArray[np.float64]
    u: NDArray[np.float64] | None
    v: NDArray[np.float64] | None


def comonotone_support(
    a: NDArray[np.float64], b: NDArray[np.float64], p: NDArray[np.float64], q: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Support (rows, cols) of the coupling of p and q that pairs a and b in sorted order.

    It maximises <a bᵀ, G> over U(p, q) (rearrangement inequality; the north-west corner rule
    on sorted a, b), n + m - 1 edges at most.
    """
    ia, ib = np.argsort(a, kind="stable"), np.argsort(b, kind="stable")
    P, Q = np.cumsum(p[ia]), np.cumsum(q[ib])
    cuts = np.union1d(P[:-1], Q[:-1])
    mids = np.concatenate([[0.0], cuts]) + np.diff(np.concatenate([[0.0], cuts, [1.0]])) / 2
    i = np.minimum(np.searchsorted(P, mids), len(p) - 1)
    j = np.minimum(np.searchsorted(Q, mids), len(q) - 1)
    return ia[i], ib[j]


def _band(rows: NDArray[np.intp], cols: NDArray[np.intp], b: NDArray[np.float64], width: int):
    """Edges (i, j') with j' within ``width`` ranks of b from each support edge (i, j)."""
    order = np.argsort(b, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(b))
    shifts = np.arange(-width, width + 1)
    r = np.clip(rank[cols][:, None] + shifts[None, :], 0, len(b) - 1)
    return np.repeat(rows, len(shifts)), order[r].ravel()


def _reduced_costs(S, u, v) -> NDArray[np.float64]:
    """-S_ij - u_i - v_j (n, m), in one buffer."""
    reduced = np.negative(S)
    reduced -= u[:, None]
    reduced -= v[None, :]
    return reduced


class LinearOracle:
    """Solves a sequence of transport LPs over U(p, q), warm-starting each from the last.

    exact=False lets assignment steps on near-ties return the auction's ε-optimal
    permutation (``max_assignment``); transport steps are always exact."""

    def __init__(self, p: NDArray[np.float64], q: NDArray[np.float64], *, exact: bool = True):
        self.p, self.q, self.exact = p, q, exact
        self.last: LPSolution | None = None
        n = p.shape[0]
        # Uniform p, q and n = m: an assignment problem (vertices P_σ / n).
        self.assignment = (
            n == q.shape[0]
            and bool(np.allclose(p, 1.0 / n, rtol=1e-12, atol=0.0))
            and bool(np.allclose(q, 1.0 / n, rtol=1e-12, atol=0.0))
        )
        self.n_assignments = 0

    def _assignment_step(self, S: NDArray[np.float64]) -> LPSolution:
        # Warm: the last step's column prices and permutation (none after the rank-one step).
        last = self.last
        v, hint = (last.v, last.cols) if last is not None and last.v is not None else (None, None)
        solution = max_assignment(
            S, v, hint, auction=self.n_assignments < AUCTION_STEPS, exact=self.exact
        )
        self.n_assignments += 1
        n = S.shape[0]
        self.last = LPSolution(
            np.arange(n), solution.sigma, np.full(n, 1.0 / n), solution.u, solution.v
        )
        return self.last

    def solve_rank_one(self, a: NDArray[np.float64], b: NDArray[np.float64]) -> LPSolution:
        """argmax <a bᵀ, G>: the comonotone coupling, with potentials from a sparse LP around it."""
        if self.assignment:
            # The sorted matching (rearrangement inequality); no potentials, so the next
            # step starts cold.
            n = a.shape[0]
            sigma = np.empty(n, dtype=np.intp)
            sigma[np.argsort(a, kind="stable")] = np.argsort(b, kind="stable")
            self.last = LPSolution(np.arange(n), sigma, np.full(n, 1.0 / n), None, None)
            return self.last
        rows, cols = comonotone_support(a, b, self.p, self.q)
        if self.p.shape[0] * self.q.shape[0] < DENSE_BELOW or b.shape[0] <= 2 * CANDIDATES_PER_ROW:
            return self.solve(np.outer(a, b))
        band_rows, band_cols = _band(rows, cols, b, CANDIDATES_PER_ROW // 2)
        return self._cutting_planes(
            np.outer(a, b), np.concatenate([rows, band_rows]), np.concatenate([cols, band_cols])
        )

    def solve(self, S: NDArray[np.float64]) -> LPSolution:
        """argmax_{G in U(p, q)} <S, G>, exact."""
        if self.assignment:
            return self._assignment_step(S)
        if self.last is None or S.size < DENSE_BELOW or S.shape[1] <= 2 * CANDIDATES_PER_ROW:
            last = self.last
            warm = None
            if last is not None and last.u is not None and last.v is not None:
                warm = (last.u, last.v)
            plan, u, v = network_simplex(self.p, self.q, -S, potentials_init=warm)
            rows, cols = np.nonzero(plan)
            self.last = LPSolution(rows, cols, plan[rows, cols], u, v)
            return self.last
        u, v = self.last.u, self.last.v
        reduced = _reduced_costs(S, u, v)
        top = np.argpartition(reduced, CANDIDATES_PER_ROW, axis=1)[:, :CANDIDATES_PER_ROW]
        n = S.shape[0]
        # The last vertex's support keeps the sparse LP feasible.
        rows = np.concatenate([np.repeat(np.arange(n), CANDIDATES_PER_ROW), self.last.rows])
        cols = np.concatenate([top.ravel(), self.last.cols])
        return self._cutting_planes(S, rows, cols)

    def _cutting_planes(self, S, rows, cols) -> LPSolution:
        n, m = S.shape
        tolerance = DUAL_TOLERANCE * max(float(np.abs(S).max()), 1e-300)
        K = min(CANDIDATES_PER_ROW, m - 1)
        n_edges = 0
        while True:
            key = np.unique(rows * m + cols)
            if key.shape[0] == n_edges:
                # The worst edges are in the LP already: what is left is the simplex's own
                # rounding, not a better vertex.
                break
            n_edges = key.shape[0]
            rows, cols = key // m, key % m
            sparse_cost = coo_matrix((-S[rows, cols], (rows, cols)), shape=(n, m))
            # (POT's sparse simplex ignores warm potentials; the warm start is in the choice of
            # candidates.) Marginals were checked once by the caller.
            plan, u, v = network_simplex(self.p, self.q, sparse_cost, check_marginals=False)
            reduced = _reduced_costs(S, u, v)
            offending = np.nonzero(reduced.min(axis=1) < -tolerance)[0]
            if offending.size == 0:
                break
            worst = np.argpartition(reduced[offending], K, axis=1)[:, :K]
            rows = np.concatenate([rows, np.repeat(offending, K)])
            cols = np.concatenate([cols, worst.ravel()])
        plan = plan.tocoo()
        keep = plan.data > 0
        self.last = LPSolution(
            plan.row[keep].astype(np.intp), plan.col[keep].astype(np.intp), plan.data[keep], u, v
        )
        return self.last
