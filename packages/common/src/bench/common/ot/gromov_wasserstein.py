"""Exact Gromov-Wasserstein by conditional gradient (Frank-Wolfe), square loss.

    GW(C1, C2, p, q) = min_{T in U(p, q)} E(T),   E(T) = sum_ijkl (C1_ik - C2_jl)² T_ij T_kl,

U(p, q) = {T (n, m) >= 0 : T 1 = p, Tᵀ 1 = q}; C1 (n, n), C2 (m, m) structure matrices.
The same algorithm as POT's ``ot.gromov.gromov_wasserstein(C1, C2, p, q, "square_loss")``
(Peyré, Cuturi & Solomon 2016; Vayer et al. 2019, Alg. 2), with the same exact line
search and stopping rule. The problem is non-convex and where the descent ends depends on
its start, so it runs from several and keeps the lowest cost (``GWConfig.starts``):

* POT's own start T0 = p qᵀ, which alone ended in a worse local minimum than POT's at
  n = 2000 on 3 of 4 held-out clouds (POT's capped simplex steps take it elsewhere);
* the LP coupling of points with similar distance profiles (the quantiles of each
  point's distances, Mémoli 2011's third lower bound): 1-45% lower costs than POT's on
  the benchmark's Gaussian, uniform and clustered clouds at n = 1000;
* the LP couplings that align both spaces' principal axes (classical MDS), one per sign
  pattern of the k <= 3 axes, since an isometry fixes each axis only up to its sign.
  With the two starts above, three n = 2000 instances of the benchmark's (seeds 51, 81)
  still ended 0.2-3.6% above POT; with these, two of them ended 2-3% below it.

Each descent is organised to do less work per step:

* Prop. 1 (``square_loss``): L ⊗ T = constC - 2 A with A = C1 T C2ᵀ, and <constC, G> is
  the same for every G in U(p, q), so the linear step is  G = argmax_{G in U(p, q)} <A, G>.
* A is carried along the iterations instead of recomputed: T_{k+1} = T_k + α (G - T_k)
  gives A_{k+1} = A_k + α (C1 G C2ᵀ - A_k), and A_0 = (C1 p)(C2 q)ᵀ is rank one. One
  product per step instead of POT's four; the line-search coefficients are inner
  products of A, G and T.
* The linear step is solved exactly by POT's network simplex on a sparse set of candidate
  edges chosen with the previous step's dual potentials, and certified against all n·m
  edges (``linear_oracle``). POT caps its simplex at 1e5 pivots, which at n = 2000 stops
  short of the LP optimum (it warns); ours runs to optimality, so there the two paths
  part and ours reached 12-15% lower costs in the benchmark.
* With uniform p, q and n = m the linear step is an assignment problem and its solution a
  permutation matrix G = P_σ / n (Birkhoff), solved by a compiled shortest-augmenting-path
  solver warm-started from the last step's prices, with its own certificate over all n²
  edges (``assignment``). Then C1 G C2ᵀ = C1 C2ᵀ[σ] / n and <X, G> is a gather; on the
  benchmark's inputs every step has α = 1, so T stays a permutation and C1 G C2ᵀ is
  updated from the last one over the rows σ moved only.
* When C1 and C2 factor exactly with low rank (squared-Euclidean distances: rank d + 2,
  ``low_rank``), C1 G C2ᵀ = U1 (V1ᵀ G V2) U2ᵀ and no step needs an n³ product.
* When they do not (Euclidean distances), large problems descend first on rank-48
  approximations (n² r per step), and the exact descent goes on from the end point of
  the start that ended lowest: one n³ product, then the moved-rows updates. On the
  benchmark's clouds the exact descent then stopped after one step (its linear step
  returned the same vertex). The answer is a stationary point of the exact objective.
  These approximate descents only choose where the exact one starts, so their linear
  steps may be ε-optimal where near-ties make exact ones slow (``max_assignment``'s
  ``exact=False``). On the benchmark's trajectory case (n = 2000, seed 81, all ten
  starts): 130 s with exact steps, 19 s with these, final costs equal to 1e-5.

The starts are independent, so from THREADS_ABOVE points on they descend in threads, one
per free core (``GWConfig.threads``); the compiled kernels release the GIL. BLAS runs on
one thread meanwhile, so that which start wins, and from where the exact descent goes on,
do not depend on the number of threads or cores (``_one_blas_thread``). On two cores, the
benchmark's clouds took 1.4-1.8x less wall time at n = 1000-2000 (seed 101).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import ThreadpoolController

from bench.common.ot.gw_result import GWResult
from bench.common.ot.inputs import check_coupling, check_gw_problem
from bench.common.ot.linear_oracle import LinearOracle, LPSolution
from bench.common.ot.low_rank import LowRankFactors, approximate_factors, low_rank_factors
from bench.common.ot.square_loss import const_c
from bench.common.threads import free_cores


@dataclass(frozen=True)
class GWConfig:
    """Frank-Wolfe settings; defaults are those of POT 0.9.7's ``gromov_wasserstein``.

    use_low_rank: factor C1, C2 when they are exactly low-rank (a speed switch only; the
    iterates are the same up to rounding).
    starts: where Frank-Wolfe starts (see GW_STARTS); the best run is kept. The "axes"
    starts are 2^k of them (k <= 3 principal axes). On the benchmark's clouds at
    n = 1000-2000 all three took 2-5x the time of ("product", "profiles") and found costs
    0-10% lower (up to 28% lower at n = 100).
    """

    max_iter: int = 10_000  # max_iter (numItermax) = 1e4, POT
    tol_rel: float = 1e-9  # stop when |E_k - E_{k-1}| / |E_k| < tol_rel (stopThr), POT
    tol_abs: float = 1e-9  # stop when |E_k - E_{k-1}| < tol_abs (stopThr2), POT
    use_low_rank: bool = True
    # Frank-Wolfe runs from each start, the lowest cost kept: "product" is POT's
    # T0 = p qᵀ, "profiles" the LP coupling of points with similar distance profiles,
    # "axes" the 2^k LP couplings that align the principal axes up to their signs.
    starts: tuple[str, ...] = ("product", "profiles", "axes")
    # Dense structures with n, m >= surrogate_above descend first on rank-surrogate_rank
    # approximations (see _Problem); None: never.
    surrogate_above: int | None = 400
    surrogate_rank: int = 48
    # Starts descending at once, in threads (None: the free cores, bench.common.threads),
    # when n and m are at least THREADS_ABOVE. Each start's descent is the same computation
    # whichever thread runs it (BLAS on one thread each), so the answer does not depend on it
    # (the coupling; the cost to rounding, see _one_blas_thread).
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.threads is not None and self.threads < 1:
            raise ValueError(
                f"GWConfig.threads={self.threads}: give a thread count of 1 or more, or None "
                f"for the free cores"
            )


GW_STARTS = ("product", "profiles", "axes")
DEFAULT_GW_CONFIG = GWConfig()
# Quantile levels per distance profile (the "profiles" start).
PROFILE_LEVELS = 32
# Principal axes aligned by the "axes" starts (2^AXES sign patterns), and the least
# eigenvalue kept, relative to the largest.
AXES = 3
AXIS_EIGENVALUE_FLOOR = 1e-9
# Update C1 G C2ᵀ from the last permutation's when at most this fraction of rows moved
# (the update is a product of inner size |K| instead of n, plus two row gathers; both run
# at BLAS peak, so the flop count decides).
MAX_MOVED_FRACTION = 0.95
# Starts run in threads only when n and m are at least this (GWConfig.threads): on two cores,
# 2-D clouds of n points took per problem, one thread -> two: 39 -> 42 ms at n = 200,
# 58 -> 52 at 300, 316 -> 242 at 600, 1.0 -> 0.67 s at 1000; below, starting the threads
# and setting BLAS's costs more than they save.
THREADS_ABOVE = 300


# A start: a function giving its first vertex (None: p qᵀ) and the LP oracle that found it.
Start = Callable[[], tuple["_Vertex | None", LinearOracle]]
# A start's screened descent: (E at its end, its end, its oracle) (``_screen``).
_Run = tuple[float, "GWResult | _Vertex | NDArray[np.float64]", LinearOracle]


class _Vertex:
    """A vertex G of U(p, q): a permutation σ (G_{i σ(i)} = 1/n) or a sparse plan."""

    def __init__(self, lp: LPSolution, assignment: bool, n: int):
        self.rows, self.cols, self.mass = lp.rows, lp.cols, lp.mass
        # With uniform weights and n = m the simplex's vertex is a permutation matrix.
        self.sigma = None
        if assignment and lp.rows.shape[0] == n:
            sigma = np.empty(n, dtype=np.intp)
            sigma[lp.rows] = lp.cols
            self.sigma = sigma

    def inner(self, X: NDArray[np.float64]) -> float:
        """<X, G>."""
        if self.sigma is not None:
            return float(X[np.arange(X.shape[0]), self.sigma].sum() / X.shape[0])
        return float(np.dot(X[self.rows, self.cols], self.mass))

    def dense(self, shape: tuple[int, int]) -> NDArray[np.float64]:
        """G as an (n, m) array."""
        G = np.zeros(shape)
        np.add.at(G, (self.rows, self.cols), self.mass)
        return G

    def step(self, T: NDArray[np.float64], alpha: float) -> None:
        """T <- (1 - α) T + α G, in place."""
        if alpha == 1.0:
            T.fill(0.0)
        else:
            T *= 1.0 - alpha
        np.add.at(T, (self.rows, self.cols), alpha * self.mass)


class _Sandwich:
    """X -> C1 X C2ᵀ for couplings X, kept as a "core": the dense (n, m) product, or
    V1ᵀ X V2 (r1, r2) when C1 = U1 V1ᵀ and C2 = U2 V2ᵀ. Linear in X, so cores of convex
    combinations are convex combinations of cores."""

    def __init__(
        self,
        C1: NDArray[np.float64],
        C2: NDArray[np.float64],
        F1: LowRankFactors | None,
        F2: LowRankFactors | None,
        symmetric: bool,
    ):
        self.C1, self.C2 = C1, C2
        self.factored = F1 is not None and F2 is not None
        if F1 is not None and F2 is not None:
            self.U1, self.V1, self.U2, self.V2 = F1.U, F1.V, F2.U, F2.V
        else:
            # Row gathers of C1ᵀ and C2ᵀ are contiguous column gathers of C1 and C2.
            self.C1t = C1 if symmetric else np.ascontiguousarray(C1.T)
            self.C2t = C2 if symmetric else np.ascontiguousarray(C2.T)
        # The last permutation vertex σ' and its dense product, for the update below.
        self.last: tuple[NDArray[np.intp], NDArray[np.float64]] | None = None

    def fresh(self) -> _Sandwich:
        """The same sandwich without a last permutation: one per descent, so that descents
        running in threads at once never update from each other's permutations."""
        sandwich = copy.copy(self)
        sandwich.last = None
        return sandwich

    def of_outer(self, p, q):
        """Core of p qᵀ (rank one: no product)."""
        if self.factored:
            return np.outer(self.V1.T @ p, self.V2.T @ q)
        return np.outer(self.C1 @ p, self.C2 @ q)

    def of_dense(self, T):
        if self.factored:
            return self.V1.T @ T @ self.V2
        return self.C1 @ T @ self.C2.T

    def of_vertex(self, G: _Vertex):
        if self.factored:
            if G.sigma is not None:
                return self.V1.T @ self.V2[G.sigma] / G.sigma.shape[0]
            return self.V1[G.rows].T @ (G.mass[:, None] * self.V2[G.cols])
        if G.sigma is not None:
            return self._of_permutation(G.sigma)
        return (self.C1[:, G.rows] * G.mass) @ self.C2[:, G.cols].T

    def _of_permutation(self, sigma: NDArray[np.intp]) -> NDArray[np.float64]:
        """C1 P_σ C2ᵀ / n = C1 C2ᵀ[σ] / n, (n, n); from the last permutation σ' when few rows
        moved (:meth:`_moved_rows_update`)."""
        product = None if self.last is None else self._moved_rows_update(sigma, *self.last)
        if product is None:
            product = self.C1 @ (self.C2t[sigma] / sigma.shape[0])
        self.last = (sigma, product)
        return product

    def _moved_rows_update(
        self,
        sigma: NDArray[np.intp],
        last_sigma: NDArray[np.intp],
        last_product: NDArray[np.float64],
    ) -> NDArray[np.float64] | None:
        """C1 P_σ C2ᵀ / n from C1 P_σ' C2ᵀ / n: C1 (P_σ - P_σ') C2ᵀ / n = C1[:, K] (C2ᵀ[σ(K)] -
        C2ᵀ[σ'(K)]) / n over the moved rows K, an O(n² |K|) product instead of O(n³); None
        when more than MAX_MOVED_FRACTION of the rows moved. In the benchmark's runs |K|
        falls from ~0.85 n to a few rows over the iterations (about a third of the work)."""
        n = sigma.shape[0]
        moved = np.flatnonzero(sigma != last_sigma)
        if moved.shape[0] > MAX_MOVED_FRACTION * n:
            return None
        delta = (self.C2t[sigma[moved]] - self.C2t[last_sigma[moved]]) / n
        return last_product + self.C1t[moved].T @ delta

    def expand(self, core):
        """The dense (n, m) matrix C1 X C2ᵀ of a core."""
        return self.U1 @ core @ self.U2.T if self.factored else core

    def inner_vertex(self, core, G: _Vertex) -> float:
        """<C1 X C2ᵀ, G> without forming the dense matrix in the factored case."""
        if not self.factored:
            return G.inner(core)
        left = self.U1 @ core  # (n, r2)
        if G.sigma is not None:
            return float(np.sum(left * self.U2[G.sigma]) / G.sigma.shape[0])
        return float(np.dot(np.sum(left[G.rows] * self.U2[G.cols], axis=1), G.mass))


def _is_symmetric(C: NDArray[np.float64]) -> bool:
    # Exact equality first: distance matrices are symmetric to the bit, and the test is
    # one pass instead of allclose's several.
    return bool(np.array_equal(C, C.T) or np.allclose(C, C.T, atol=1e-10))


def _is_uniform(w: NDArray[np.float64]) -> bool:
    return bool(np.allclose(w, 1.0 / w.shape[0], rtol=1e-12, atol=0.0))


def _quadratic_step(a: float, b: float) -> float:
    """argmin_{0<=α<=1} a α² + b α, for convex or concave a (POT's solve_1d_linesearch_quad)."""
    if a > 0:
        return min(1.0, max(0.0, -b / (2.0 * a)))
    return 1.0 if a + b < 0 else 0.0


def distance_profiles(
    C: NDArray[np.float64], w: NDArray[np.float64], levels: int = PROFILE_LEVELS
) -> NDArray[np.float64]:
    """Q (n, levels): Q_ik is the ((k + 1/2) / levels)-quantile of row i of C under the
    weights w (the least C_ij whose cumulative weight reaches it), the distribution of
    distances from point i (its "distance profile")."""
    targets = (np.arange(levels) + 0.5) / levels
    n = C.shape[1]
    if _is_uniform(w):
        # Rank ceil(level n) - 1 in each row. A full sort: numpy's vectorised sort took a
        # third of the time of a 32-way partition at n = 2000.
        ranks = np.clip(np.ceil(targets * n).astype(np.intp) - 1, 0, n - 1)
        return np.sort(C, axis=1)[:, ranks]
    order = np.argsort(C, axis=1)
    sorted_rows = np.take_along_axis(C, order, axis=1)
    mass = np.cumsum(w[order], axis=1)
    at = np.stack([np.searchsorted(row, targets) for row in mass])
    return np.take_along_axis(sorted_rows, np.minimum(at, n - 1), axis=1)


def _profile_start(problem: _Problem, oracle: LinearOracle) -> tuple[_Vertex, LinearOracle]:
    """The coupling of U(p, q) that pairs points with similar distance profiles:
    argmin_G sum_ij ||Q1_i - Q2_j||² G_ij (Mémoli 2011's third lower bound, on quantiles),
    solved by the same exact LP as the Frank-Wolfe steps (an auction's ε-optimal
    permutation instead led to worse local minima on the benchmark's clouds)."""
    Q1, Q2 = distance_profiles(problem.C1, problem.p), distance_profiles(problem.C2, problem.q)
    S = 2.0 * Q1 @ Q2.T
    S -= np.sum(Q1**2, axis=1)[:, None]
    S -= np.sum(Q2**2, axis=1)[None, :]
    return _Vertex(oracle.solve(S), oracle.assignment, S.shape[0]), oracle


def principal_axes(
    D: NDArray[np.float64], w: NDArray[np.float64], k: int = AXES
) -> NDArray[np.float64]:
    """X (n, k'): weighted classical MDS of the squared dissimilarities D (n, n) under the
    weights w, k' <= k its axes with eigenvalues above AXIS_EIGENVALUE_FLOOR of the largest.
    With B = -1/2 J D Jᵀ, J = I - 1 wᵀ (centring at the w-mean), X = W^-1/2 V Λ^1/2 from the
    top eigenpairs (Λ, V) of W^1/2 B W^1/2: for D the squared distances of points with
    positive weights, X is the points centred and rotated onto their principal axes."""
    from scipy.sparse.linalg import ArpackError, eigsh

    n = D.shape[0]
    k = min(k, n - 1)
    if k < 1:
        return np.zeros((n, 0))
    D = (D + D.T) / 2.0
    centred = D - (D @ w)[:, None]
    centred -= (w @ centred)[None, :]
    root = np.sqrt(w)
    B = -0.5 * root[:, None] * centred * root[None, :]
    if not np.any(B):  # all points at one place (or weighted to one): no axes
        return np.zeros((n, 0))
    top = None
    if n > 3 * k + 1:  # tiny problems (and ARPACK's failures): a dense solve
        try:  # a fixed start vector: the same axes on every call
            top = eigsh(B, k=k, which="LA", v0=np.random.default_rng(0).standard_normal(n))
        except ArpackError:
            pass
    values, vectors = top if top is not None else np.linalg.eigh(B)
    order = np.argsort(-values)[:k]
    values, vectors = values[order], vectors[:, order]
    keep = values > AXIS_EIGENVALUE_FLOOR * max(values[0], 0.0)
    safe = np.where(root > 0, root, 1.0)
    return vectors[:, keep] * np.sqrt(values[keep]) / safe[:, None]


def _axis_starts(problem: _Problem) -> list[Start]:
    """LP couplings that align the principal axes of both spaces (``principal_axes``),
    one per sign pattern s: argmax_G <X diag(s) Yᵀ, G>. GW is invariant under isometries,
    so an alignment is only known up to each axis' sign; 2^k starts instead of one. C is
    taken as squared distances when it factors exactly with low rank (squared-Euclidean
    distances), else C² is. On the benchmark's clouds at n = 2000 the best of these ended
    2-3% below POT where the other starts ended 0.2-3.6% above it."""
    squared = problem.fwd.factored
    X = principal_axes(problem.C1 if squared else problem.C1**2, problem.p)
    Y = principal_axes(problem.C2 if squared else problem.C2**2, problem.q)
    k = min(X.shape[1], Y.shape[1])
    # A space with all its points at one place has no axes to align: no starts.
    return [
        partial(_aligned, problem, X[:, :k], Y[:, :k] * np.array(signs))
        for signs in itertools.product((1.0, -1.0), repeat=k)
    ]


def _aligned(problem: _Problem, X, Y) -> tuple[_Vertex, LinearOracle]:
    """The vertex argmax_G <X Yᵀ, G> and the oracle that found it."""
    oracle = _oracle(problem)
    return _Vertex(oracle.solve(X @ Y.T), oracle.assignment, problem.n), oracle


@dataclass
class _Problem:
    """What every start shares: inputs, the sandwich X -> C1 X C2ᵀ (and its transpose
    when C1 or C2 is not symmetric), constC, and the kind of LP."""

    C1: NDArray[np.float64]
    C2: NDArray[np.float64]
    p: NDArray[np.float64]
    q: NDArray[np.float64]
    config: GWConfig

    def __post_init__(self):
        C1, C2, config = self.C1, self.C2, self.config
        self.n, self.m = C1.shape[0], C2.shape[0]
        self.symmetric = _is_symmetric(C1) and _is_symmetric(C2)
        self.assignment = self.n == self.m and _is_uniform(self.p) and _is_uniform(self.q)
        F1 = low_rank_factors(C1) if config.use_low_rank else None
        F2 = low_rank_factors(C2) if config.use_low_rank and F1 is not None else None
        self.fwd = _Sandwich(C1, C2, F1, F2, self.symmetric)  # A = C1 T C2ᵀ
        self.bwd = None
        if not self.symmetric:  # Aᵗ = C1ᵀ T C2
            self.bwd = _Sandwich(
                C1.T,
                C2.T,
                None if F1 is None else LowRankFactors(U=F1.V, V=F1.U),
                None if F2 is None else LowRankFactors(U=F2.V, V=F2.U),
                False,
            )
        self.constC = const_c(C1, C2, self.p, self.q)
        # Dense, symmetric and large: Frank-Wolfe first runs on rank-r approximations of
        # C1 and C2 (n² r per step instead of n³), and the exact descent goes on from its
        # last vertex. Only the start of the exact descent depends on the approximation.
        self.surrogate = None
        if (
            self.symmetric
            and not self.fwd.factored
            and config.surrogate_above is not None
            and min(self.n, self.m) >= config.surrogate_above
        ):
            self.surrogate = _Sandwich(
                C1,
                C2,
                approximate_factors(C1, config.surrogate_rank),
                approximate_factors(C2, config.surrogate_rank),
                True,
            )


def gromov_wasserstein(
    C1: ArrayLike,
    C2: ArrayLike,
    p: ArrayLike | None = None,
    q: ArrayLike | None = None,
    *,
    config: GWConfig = DEFAULT_GW_CONFIG,
    init: ArrayLike | None = None,
) -> GWResult:
    """A local minimiser of the square-loss GW objective by conditional gradient.

    Parameters
    ----------
    C1 : (n, n) structure matrix of the source space (e.g. pairwise distances).
    C2 : (m, m) structure matrix of the target space.
    p : (n,) source weights, >= 0 summing to 1; uniform when None.
    q : (m,) target weights, >= 0 summing to 1; uniform when None.
    config : stopping rule (POT's defaults) and the starts.
    init : (n, m) starting coupling T0 in U(p, q); when None, every start of
        ``config.starts`` runs and the lowest cost is kept.

    Returns
    -------
    GWResult with the coupling T (n, m), E(T), L ⊗ T and the iteration count (of the run
    kept). The problem is non-convex: T is a stationary point. The "product" start is
    POT's T0 = p qᵀ, from which POT's solver reaches the same point (up to ties in the
    linear steps, and as long as its network simplex reaches its optimum).
    """
    C1, C2, p, q = check_gw_problem(C1, C2, p, q)
    if init is None and (set(config.starts) - set(GW_STARTS) or not config.starts):
        unknown = sorted(set(config.starts) - set(GW_STARTS))
        raise ValueError(f"GWConfig.starts: {unknown} not among {GW_STARTS}")
    with _one_blas_thread(min(C1.shape[0], C2.shape[0])):
        problem = _Problem(C1, C2, p, q, config)
        if init is not None:
            return _descend(problem, dense=check_coupling("init", init, p, q).copy())[0]
        # The lowest cost, the first start among equal ones (start order, not finishing
        # order). Without a surrogate that run is the answer; with one, the exact descent
        # goes on from the end point of the start whose approximate descent ended lowest
        # (exact costs of its end point; the exact descent only lowers them).
        starts = _starts(problem, config.starts)
        _, end, oracle = _best_run(problem, lambda start: _screen(problem, *start()), starts)
    if isinstance(end, GWResult):
        return end
    oracle.exact = True
    if isinstance(end, _Vertex):
        return _descend(problem, vertex=end, oracle=oracle)[0]
    return _descend(problem, dense=end, oracle=oracle)[0]


def _screen(problem: _Problem, vertex: _Vertex | None, oracle: LinearOracle) -> _Run:
    """One start's descent: (E at its end, the end, its oracle). The end is the result
    itself, or, on a surrogate, the end point (a vertex or a dense coupling) from which the
    exact descent would go on."""
    if problem.surrogate is None:
        result, _ = _descend(problem, vertex=vertex, oracle=oracle)
        return result.cost, result, oracle
    rough, end = _descend(problem, vertex=vertex, oracle=oracle, fwd=problem.surrogate)
    if end is None:
        return _exact_cost(problem, rough.coupling), rough.coupling, oracle
    return _vertex_cost(problem, end), end, oracle


def _best_run(problem: _Problem, work: Callable[[Start], _Run], starts: list[Start]) -> _Run:
    """The run of least cost among work(start) for the starts, the first in start order among
    equal costs; ``GWConfig.threads`` at a time (None: the free cores) from THREADS_ABOVE
    points on. Runs are dropped as soon as an earlier one is better."""
    threads = problem.config.threads
    threads = min(len(starts), free_cores() if threads is None else threads)
    if threads == 1 or min(problem.n, problem.m) < THREADS_ABOVE:
        return _first_least(map(work, starts))
    with ThreadPoolExecutor(threads) as pool:
        return _first_least(pool.map(work, starts))


def _first_least(runs: Iterator[_Run]) -> _Run:
    best = next(runs)
    for run in runs:
        if run[0] < best[0]:
            best = run
    return best


def _one_blas_thread(size: int) -> AbstractContextManager:
    """BLAS and LAPACK on one thread from THREADS_ABOVE points on, while the problem is set
    up and the starts descend, however many threads run them. Some products round
    differently on another thread count: C (C R) with R (500, 56), in the surrogate's
    factors, differed by 1e-10 between one thread and two. The benchmark's trajectory case
    at n = 500 then ended at 0.1216898 with one BLAS thread and at 0.1216909 with two, from
    different starts. Held to one, the starts' descents are the same bits on any machine.
    The final exact descent runs on all of BLAS's threads (its n³ product is most of its
    time); it gave the same coupling in the tests, the cost to the last bits."""
    if size < THREADS_ABOVE:
        return nullcontext()
    return _blas().limit(limits=1, user_api="blas")


@cache
def _blas() -> ThreadpoolController:
    """The loaded thread pools (BLAS among them), found once: finding them takes
    milliseconds, more than a problem of a few hundred points takes to solve."""
    return ThreadpoolController()


def _starts(problem: _Problem, names: tuple[str, ...]) -> list[Start]:
    """For each start named, a function giving (its vertex, or None for p qᵀ, and its LP
    oracle): each start's LP is solved by the thread that runs its descent. POT's start
    when the names give none (only "axes", and a space with all its points at one place)."""
    starts = [start for name in names for start in _named_starts(problem, name)]
    return starts or [lambda: (None, _oracle(problem))]


def _named_starts(problem: _Problem, name: str) -> list[Start]:
    if name == "product":
        return [lambda: (None, _oracle(problem))]
    if name == "profiles":
        return [lambda: _profile_start(problem, _oracle(problem))]
    return _axis_starts(problem)


def _oracle(problem: _Problem) -> LinearOracle:
    """A start's LP oracle: ε-optimal on near-ties while it serves the surrogate descent,
    which only chooses where the exact descent starts (``gromov_wasserstein``)."""
    return LinearOracle(problem.p, problem.q, exact=problem.surrogate is None)


def _vertex_cost(problem: _Problem, G: _Vertex) -> float:
    """E(G) for a vertex, exactly, in O(nnz²): <constC, G> - 2 <C1 G C2ᵀ, G> with
    <C1 G C2ᵀ, G> = sum_ef g_e g_f C1[i_e, i_f] C2[j_e, j_f] over its support."""
    quad = problem.C1[np.ix_(G.rows, G.rows)] * problem.C2[np.ix_(G.cols, G.cols)]
    return G.inner(problem.constC) - 2.0 * float(G.mass @ quad @ G.mass)


def _exact_cost(problem: _Problem, T: NDArray[np.float64]) -> float:
    """E(T) for a dense coupling (two n³ products)."""
    return float(np.vdot(problem.constC - 2.0 * (problem.C1 @ T @ problem.C2.T), T))


@dataclass(frozen=True)
class _Side:
    """One orientation of the iterate's product, A = C1 T C2ᵀ (or Aᵗ = C1ᵀ T C2): its core
    in a sandwich, and the dense (n, m) matrix."""

    sandwich: _Sandwich
    core: NDArray[np.float64]
    A: NDArray[np.float64]

    @classmethod
    def of(cls, sandwich: _Sandwich, core: NDArray[np.float64]) -> _Side:
        return cls(sandwich, core, sandwich.expand(core))


class _Iterate:
    """The Frank-Wolfe iterate T, with A = C1 T C2ᵀ (``fwd``) and, when C1 or C2 is not
    symmetric, Aᵗ = C1ᵀ T C2 (``bwd``). After a full step (α = 1, most steps) T is the
    vertex G itself: kept as G, so that <X, T> is a gather and T is not rewritten each step."""

    def __init__(self, T: NDArray[np.float64] | _Vertex, fwd: _Side, bwd: _Side | None):
        self.T, self.fwd, self.bwd = T, fwd, bwd

    @property
    def vertex(self) -> _Vertex | None:
        return self.T if isinstance(self.T, _Vertex) else None

    def dense(self, shape: tuple[int, int]) -> NDArray[np.float64]:
        return self.T.dense(shape) if isinstance(self.T, _Vertex) else self.T

    def inner(self, X: NDArray[np.float64]) -> float:
        """<X, T>."""
        return self.T.inner(X) if isinstance(self.T, _Vertex) else float(np.vdot(X, self.T))

    def cost(self, constC: NDArray[np.float64]) -> float:
        """E(T) = <constC - 2 A, T>."""
        return self.inner(constC) - 2.0 * self.inner(self.fwd.A)

    def score(self) -> NDArray[np.float64]:
        """What the linear step maximises over G: ∇E(T) = 2 (L ⊗ T) in the symmetric case
        (the mean of both orientations otherwise), and constC is constant on U(p, q), so
        <A + Aᵗ, G> (<A, G> when symmetric)."""
        return self.fwd.A if self.bwd is None else self.fwd.A + self.bwd.A

    def line_search(self, G: _Vertex, core_G: NDArray[np.float64]) -> tuple[float, float]:
        """(a, b) of E(T + αΔ) = E(T) + b α + a α², Δ = G - T (Prop. 1 with <constC, Δ> = 0):
        a = -2 <C1 Δ C2ᵀ, Δ>, b = -2 (<C1 T C2ᵀ, Δ> + <C1 Δ C2ᵀ, T>), and
        <C1 G C2ᵀ, T> = <G, C1ᵀ T C2> = <G, Aᵗ>. core_G: the core of C1 G C2ᵀ."""
        AG = G.inner(self.fwd.A)
        AT = self.inner(self.fwd.A)
        if self.bwd is None:
            AtT, AtG = AT, AG
        else:
            AtG = G.inner(self.bwd.A)
            AtT = self.inner(self.bwd.A)
        a = -2.0 * (self.fwd.sandwich.inner_vertex(core_G, G) - AtG - AG + AT)
        b = -2.0 * ((AG - AT) + (AtG - AtT))
        return a, b

    def step(self, G: _Vertex, core_G: NDArray[np.float64], alpha: float, shape: tuple[int, int]):
        """T <- T + α (G - T), and A, Aᵗ with it (they are linear in T)."""
        fwd = self.fwd
        if alpha == 1.0:
            self.T = G
            core = core_G
        else:
            if isinstance(self.T, _Vertex):
                self.T = self.T.dense(shape)
            G.step(self.T, alpha)
            core = fwd.core + alpha * (core_G - fwd.core)
        self.fwd = _Side.of(fwd.sandwich, core)
        if self.bwd is not None:
            bwd = self.bwd
            self.bwd = _Side.of(
                bwd.sandwich, bwd.core + alpha * (bwd.sandwich.of_vertex(G) - bwd.core)
            )


def _start(
    problem: _Problem,
    fwd: _Sandwich,
    dense: NDArray[np.float64] | None,
    vertex: _Vertex | None,
) -> _Iterate:
    """The iterate at an LP vertex, at a dense coupling, or at p qᵀ (neither given)."""
    p, q = problem.p, problem.q

    def side(sandwich: _Sandwich) -> _Side:
        if vertex is not None:
            return _Side.of(sandwich, sandwich.of_vertex(vertex))
        if dense is not None:
            return _Side.of(sandwich, sandwich.of_dense(dense))
        return _Side.of(sandwich, sandwich.of_outer(p, q))  # rank one: no product

    T = vertex if vertex is not None else dense if dense is not None else np.outer(p, q)
    return _Iterate(T, side(fwd), None if problem.bwd is None else side(problem.bwd.fresh()))


def _descend(
    problem: _Problem,
    *,
    dense: NDArray[np.float64] | None = None,
    vertex: _Vertex | None = None,
    oracle: LinearOracle | None = None,
    fwd: _Sandwich | None = None,
) -> tuple[GWResult, _Vertex | None]:
    """Frank-Wolfe from p qᵀ (neither given), a dense coupling or an LP vertex; with the
    sandwich ``fwd`` (a surrogate, symmetric problems only) instead of the exact one.
    Returns the result and its coupling as a vertex, when it is one."""
    fwd = (fwd or problem.fwd).fresh()  # this descent's own last permutation
    config, shape = problem.config, (problem.n, problem.m)
    T = _start(problem, fwd, dense, vertex)
    cost = T.cost(problem.constC)
    oracle = oracle or LinearOracle(problem.p, problem.q)
    rank_one_first = dense is None and vertex is None and problem.symmetric
    converged = False
    n_iters = 0
    while n_iters < config.max_iter:
        n_iters += 1
        if n_iters == 1 and rank_one_first:  # A0 = (C1 p)(C2 q)ᵀ
            lp = oracle.solve_rank_one(problem.C1 @ problem.p, problem.C2 @ problem.q)
        else:
            lp = oracle.solve(T.score())
        G = _Vertex(lp, problem.assignment, problem.n)
        core_G = fwd.of_vertex(G)  # core of B = C1 G C2ᵀ
        a, b = T.line_search(G, core_G)
        alpha = _quadratic_step(a, b)
        new_cost = cost + a * alpha**2 + b * alpha
        if alpha > 0.0:
            T.step(G, core_G, alpha, shape)
        delta = abs(new_cost - cost)
        cost = new_cost
        if delta < config.tol_abs or (cost != 0.0 and delta / abs(cost) < config.tol_rel):
            converged = True
            break
    coupling = T.dense(shape)
    local_cost = problem.constC - 2.0 * T.fwd.A
    result = GWResult(
        coupling=coupling,
        local_cost=local_cost,
        cost=float(np.sum(local_cost * coupling)),
        n_iters=n_iters,
        converged=converged,
    )
    return result, T.vertex


def gromov_wasserstein_batch(
    C1s: ArrayLike,
    C2s: ArrayLike,
    p: ArrayLike | None = None,
    q: ArrayLike | None = None,
    *,
    config: GWConfig = DEFAULT_GW_CONFIG,
) -> list[GWResult]:
    """:func:`gromov_wasserstein` for B pairs (C1s[k], C2s[k]), C1s (B, n, n), C2s (B, m, m).

    p (n,) and q (m,) are shared by all pairs. Results come back in input order.

    A loop, measured to be the right call on CPU: for 200 pairs of n = m = 20 the network
    simplex takes ~60% of the time and has no batched form (POT, scipy), and the products
    it would batch are microseconds.
    """
    C1s = np.asarray(C1s, dtype=np.float64)
    C2s = np.asarray(C2s, dtype=np.float64)
    if C1s.ndim != 3 or C2s.ndim != 3 or C1s.shape[0] != C2s.shape[0]:
        raise ValueError(
            f"C1s and C2s must be stacks (B, n, n) and (B, m, m) of one length B, "
            f"got shapes {C1s.shape} and {C2s.shape}"
        )
    return [gromov_wasserstein(c1, c2, p, q, config=config) for c1, c2 in zip(C1s, C2s)]
