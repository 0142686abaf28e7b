"""Optimal transport: our exact Gromov-Wasserstein against POT's, and batched 1-D W1 vs scipy.

Gromov-Wasserstein: a case set drawn fresh per seed (``--seed``, default 0), so that no
instance is tuned to: two independent clouds of n points of one kind — Gaussian
(standard normal), uniform (unit cube), clustered (5 Gaussian blobs of scale 0.5
around centres of scale 3) or trajectory (the states of one episode, shaped like GWIL's
demonstrations: a noise-driven oscillator for the first 30% of the steps, then held
near where it stopped, so that most points nearly coincide) — in d dimensions, uniform
weights, structure matrices C = cdist(x, x, metric) unnormalised:

    gaussian-2d sqeuclidean, uniform-2d euclidean, clustered-3d euclidean, uniform-3d sqeuclidean,
    trajectory-3d euclidean.

The trajectory case is where ours is slowest against POT. Most of its points nearly
coincide, so the linear steps' scores have hundreds of nearly equal rows: the auction's
ε cannot tell them apart, and the sparse search left ~70% of the rows to the dense one
until the auction's ε-scaling went on to 1e-9 of the range for such steps (see
``assignment``). CPU speed-up against POT before -> after that change: seed 71, x0.62 ->
x1.58 at n = 1000 and x0.06 -> x0.24 at n = 2000 (POT stopped after 2 steps there, 7.4%
above our cost); seed 81, x0.29 -> x0.72 and x0.60 -> x1.84.

POT 0.9.7's ``ot.gromov.gromov_wasserstein(C1, C2, loss_fun="square_loss")`` (exact
conditional gradient from p qᵀ) and our ``bench.common.ot.gromov_wasserstein`` (the same
algorithm from POT's start, a distance-profile start and the principal-axes starts, keeping
the lowest cost; on dense structures of n >= 400 it descends first on rank-48
approximations) run on the same
inputs in this process; each row set gives both times, our speed-up (POT time / our
time), both GW costs E(T), our cost's relative difference to POT's (<= 0: never worse)
and both iteration counts. Squared-Euclidean structures factor with rank d + 2, which our
solver detects and uses; Euclidean ones do not.

OTT-JAX (optional, the ``ott`` extra of bench-common; skipped when not installed): its
entropic GW with default settings — ``ott.solvers.quadratic.solve(PointCloud(x),
PointCloud(y))``, the same metric as ``cost_fn``, epsilon 1.0, default Sinkhorn, JAX's
default float32 — at n = 1000 and 2000 in the full run. Its time is the second call (the
first, which compiles, is reported apart); its cost is E(T) of its coupling on the same
float64 C1, C2, so that the three costs compare.

Our solver's rows are taken on one thread (``GWConfig(threads=1)``), as POT runs. With
more than one free core, from ``THREADS_ABOVE`` points on, its default (the starts in
threads, one per free core) is timed as well: the wall-time speed-up over one thread and the
cost, which must be the same (``threads_cost_rel_diff``, tolerance 0). On two cores, seed
111: 1.46-2.00x at n = 500-5000, every cost equal.

Our solver compiles its assignment kernels with numba (cached on disk after the first
run); that one-off load or compile time is a row of its own, taken before any timing.

1-D Wasserstein: 10,000 pairs of 5-option distributions (Dirichlet(1)), our vectorised
``wasserstein_1d`` against a loop of ``scipy.stats.wasserstein_distance``.

quick=True: n in (100, 500), no OTT-JAX, about a minute on one thread. The full run adds
n = 1000 and 2000 (POT needs about a minute per case at 2000) and our solver alone at
n = 5000 (POT: tens of minutes). BLAS threads are set to the free cores
(bench.common.threads) when this file is run as a script; wall times taken while other
jobs share the cores are noisy, so CPU times (process_time) and their ratio are reported
too.
"""

from __future__ import annotations

import os

from bench.common.threads import free_cores

# Effective only when numpy is not imported yet (running this file as a script).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(free_cores()))
if free_cores() == 1:  # XLA's CPU client (OTT-JAX) otherwise uses every core
    os.environ.setdefault(
        "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any, Literal, TypeVar  # noqa: E402

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from bench.common.report.rows import row  # noqa: E402

Metric = Literal["sqeuclidean", "euclidean"]
Array = NDArray[np.float64]  # points (n, d) and structure matrices (n, n)
Result = TypeVar("Result")

SUITE = "ot"
QUICK_SIZES = (100, 500)
FULL_SIZES = (100, 500, 1000, 2000)
OURS_ONLY_SIZES = (5000,)  # full run; POT would take tens of minutes per case
KINDS = ("gaussian", "uniform", "clustered", "trajectory")
METRICS: tuple[Metric, ...] = ("sqeuclidean", "euclidean")
# (kind, d, metric) of each GW case.
GW_CASES: tuple[tuple[str, int, Metric], ...] = (
    ("gaussian", 2, "sqeuclidean"),
    ("uniform", 2, "euclidean"),
    ("clustered", 3, "euclidean"),
    ("uniform", 3, "sqeuclidean"),
    ("trajectory", 3, "euclidean"),
)
# The trajectory kind: the share of an episode spent moving before it holds still.
SETTLE = 0.3
OTT_SIZES = (1000, 2000)  # full run only


def _jit_warmup() -> list[dict]:
    """Load (or compile, on the first run) our numba kernels before any timing."""
    from bench.common.ot import gromov_wasserstein

    x = np.random.default_rng(1).random((80, 2))  # above the sparse search's cut-off
    C = (x[:, None, :] - x[None, :, :]) ** 2
    start = time.perf_counter()
    gromov_wasserstein(C.sum(-1), np.sqrt(C.sum(-1)))
    return [row(SUITE, "gw/jit_warmup_seconds", time.perf_counter() - start, "s", "info")]


def _ott_gw(
    x: Array,
    y: Array,
    metric: Metric,
    C1: Array,
    C2: Array,
) -> tuple[float, float, float, float] | None:
    """OTT-JAX's entropic GW with its defaults: (first-call s, second-call s and CPU s, E(T)),
    or None when OTT-JAX is not installed."""
    try:
        # The optional "ott" extra of bench-common, not in the default install.
        from ott.geometry import costs, pointcloud  # pyright: ignore[reportMissingImports]
        from ott.solvers import quadratic  # pyright: ignore[reportMissingImports]
    except ImportError:
        return None
    from bench.common.ot import gw_objective

    cost_fn = costs.SqEuclidean() if metric == "sqeuclidean" else costs.Euclidean()
    times = []
    for _ in range(2):
        start, cpu = time.perf_counter(), time.process_time()
        out = quadratic.solve(
            pointcloud.PointCloud(x, cost_fn=cost_fn), pointcloud.PointCloud(y, cost_fn=cost_fn)
        )
        T = np.asarray(out.matrix, dtype=np.float64)  # blocks until the solve is done
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    n, m = C1.shape[0], C2.shape[0]
    cost = gw_objective(C1, C2, np.full(n, 1 / n), np.full(m, 1 / m), T)
    return times[0][0], times[1][0], times[1][1], cost


def _timed(solve: Callable[[], Result]) -> tuple[Result, float, float]:
    """(result, wall s, CPU s) of one call."""
    start, cpu = time.perf_counter(), time.process_time()
    result = solve()
    return result, time.perf_counter() - start, time.process_time() - cpu


def _best_of(
    solve: Callable[[], Result], budget: float = 0.5, most: int = 7
) -> tuple[Result, float, float]:
    """(result, wall s, CPU s) of the fastest of repeated calls: a solve that takes
    milliseconds (n=100) is repeated until ``budget`` seconds are spent (at most ``most``
    times; twice at least when one call fits in twice the budget), so one scheduler hiccup
    or a first-call cost cannot make its speed-up row."""
    best = _timed(solve)
    spent, runs = best[1], 1
    while runs < most and (spent < budget or (runs == 1 and spent < 2 * budget)):
        timed = _timed(solve)
        spent, runs = spent + timed[1], runs + 1
        if timed[1] < best[1]:
            best = timed
    return best


def _trajectory(rng: np.random.Generator, n: int, d: int) -> Array:
    """The states (n, d) of one episode: an oscillator (frequencies drawn per dimension,
    damping 0.98, noise 0.05 per step) until SETTLE of the way, then strongly damped and
    held with noise 1e-3."""
    x, v, out = rng.standard_normal(d), np.zeros(d), np.empty((n, d))
    omega = rng.uniform(0.02, 0.1, d)
    for t in range(n):
        if t < SETTLE * n:
            v = 0.98 * v - omega * x + 0.05 * rng.standard_normal(d)
        else:
            v = 0.5 * v + 1e-3 * rng.standard_normal(d)
        x = x + 0.1 * v
        out[t] = x
    return out


def _cloud(rng: np.random.Generator, kind: str, n: int, d: int) -> Array:
    if kind == "gaussian":
        return rng.standard_normal((n, d))
    if kind == "uniform":
        return rng.random((n, d))
    if kind == "trajectory":
        return _trajectory(rng, n, d)
    centers = 3.0 * rng.standard_normal((5, d))  # clustered
    return centers[rng.integers(0, 5, n)] + 0.5 * rng.standard_normal((n, d))


def _gw_instance(
    n: int, kind: str, d: int, metric: Metric, seed: int
) -> tuple[Array, Array, Array, Array]:
    from scipy.spatial.distance import cdist

    # One stream per case shape and seed: the same instance whichever cases run with it.
    rng = np.random.default_rng([seed, n, d, KINDS.index(kind), METRICS.index(metric)])
    x, y = _cloud(rng, kind, n, d), _cloud(rng, kind, n, d)
    # cdist returns float64 (its stub says only "floating"); asarray makes no copy.
    C1, C2 = (np.asarray(cdist(z, z, metric), dtype=np.float64) for z in (x, y))
    return x, y, C1, C2


def _gw_case(
    n: int, kind: str, d: int, metric: Metric, seed: int, with_ott: bool = False, pot: bool = True
) -> list[dict]:
    from bench.common.ot import GWConfig, gromov_wasserstein
    from bench.common.ot.pot import ot  # POT without the array backends we never use

    x, y, C1, C2 = _gw_instance(n, kind, d, metric, seed)
    one_thread = GWConfig(threads=1)
    ours, ours_s, ours_cpu = _best_of(lambda: gromov_wasserstein(C1, C2, config=one_thread))
    name = f"gw/{metric}/{kind}-{d}d/n{n}"
    rows = [
        row(SUITE, f"{name}/ours_seconds", ours_s, "s", "info"),
        row(SUITE, f"{name}/ours_cpu_seconds", ours_cpu, "s", "info"),
        row(SUITE, f"{name}/ours_cost", ours.cost, "", "quality", False, 1e-6),
        row(SUITE, f"{name}/ours_iterations", ours.n_iters, "count", "info"),
        *_threads_rows(name, C1, C2, ours.cost, ours_s),
    ]
    if not pot:
        return rows
    (_, pot_log), pot_s, pot_cpu = _best_of(
        lambda: ot.gromov.gromov_wasserstein(C1, C2, loss_fun="square_loss", log=True)
    )
    log: dict[str, Any] = pot_log  # POT's log is an untyped dict
    pot_cost, pot_iters = float(log["gw_dist"]), len(log["loss"]) - 1
    # Below n=500 a solve takes milliseconds and the ratio measures call overhead and the
    # scheduler (it swung 5x-100x between identical runs): reported, not judged.
    judged = "ratio" if n >= 500 else "info"
    rows += [
        row(SUITE, f"{name}/pot_seconds", pot_s, "s", "info"),
        row(SUITE, f"{name}/speedup_vs_pot", pot_s / ours_s, "x", judged, higher_is_better=True),
        # CPU seconds (all threads): steadier than wall time when other jobs share the cores.
        row(SUITE, f"{name}/pot_cpu_seconds", pot_cpu, "s", "info"),
        row(
            SUITE,
            f"{name}/cpu_speedup_vs_pot",
            pot_cpu / ours_cpu,
            "x",
            judged,
            higher_is_better=True,
        ),
        row(SUITE, f"{name}/pot_cost", pot_cost, "", "info"),
        # <= 0: our cost is never above POT's on the same instance.
        row(
            SUITE,
            f"{name}/cost_rel_diff_vs_pot",
            (ours.cost - pot_cost) / pot_cost,
            "",
            "quality",
            False,
            None,
        ),
        row(SUITE, f"{name}/pot_iterations", pot_iters, "count", "info"),
    ]
    ott_result = _ott_gw(x, y, metric, C1, C2) if with_ott else None
    if ott_result is not None:
        first_s, ott_s, ott_cpu, ott_cost = ott_result
        rows += [
            row(SUITE, f"{name}/ott_first_call_seconds", first_s, "s", "info"),  # with JIT compile
            row(SUITE, f"{name}/ott_seconds", ott_s, "s", "info"),
            row(SUITE, f"{name}/ott_cpu_seconds", ott_cpu, "s", "info"),
            row(
                SUITE, f"{name}/speedup_vs_ott", ott_s / ours_s, "x", "ratio", higher_is_better=True
            ),
            row(SUITE, f"{name}/ott_cost", ott_cost, "", "info"),
            row(SUITE, f"{name}/ott_cost_over_ours", ott_cost / ours.cost, "x", "info"),
        ]
    return rows


def _threads_rows(name: str, C1: Array, C2: Array, cost: float, seconds: float) -> list[dict]:
    """Our solver with its starts in threads, one per free core (its default), against the
    same solver on one thread (``cost``, ``seconds``): the wall-time speed-up and the cost,
    which must not change. No rows on one core, or below the size where threads run."""
    from bench.common.ot import gromov_wasserstein
    from bench.common.ot.gromov_wasserstein import THREADS_ABOVE

    threads = free_cores()
    if threads < 2 or min(C1.shape[0], C2.shape[0]) < THREADS_ABOVE:
        return []
    many, many_s, many_cpu = _best_of(lambda: gromov_wasserstein(C1, C2))
    return [
        row(SUITE, f"{name}/threads", threads, "count", "info"),
        row(SUITE, f"{name}/ours_threads_seconds", many_s, "s", "info"),
        row(SUITE, f"{name}/ours_threads_cpu_seconds", many_cpu, "s", "info"),
        row(SUITE, f"{name}/threads_speedup", seconds / many_s, "x", "ratio", True),
        # 0: the starts' descents are the same computations whichever thread runs them.
        row(
            SUITE,
            f"{name}/threads_cost_rel_diff",
            (many.cost - cost) / cost,
            "",
            "quality",
            None,
            0.0,
        ),
    ]


def _w1d_case(pairs: int = 10_000, options: int = 5) -> list[dict]:
    from scipy.stats import wasserstein_distance

    from bench.common.ot import wasserstein_1d

    rng = np.random.default_rng(0)
    u = rng.dirichlet(np.ones(options), size=pairs)
    v = rng.dirichlet(np.ones(options), size=pairs)
    ranks = np.arange(options, dtype=float)

    ours, ours_s, _ = _best_of(lambda: wasserstein_1d(u, v))
    ref, ref_s, _ = _best_of(
        lambda: np.array([wasserstein_distance(ranks, ranks, a, b) for a, b in zip(u, v)]), most=1
    )

    name = f"w1d/{pairs}x{options}"
    return [
        row(SUITE, f"{name}/scipy_loop_seconds", ref_s, "s", "info"),
        row(SUITE, f"{name}/ours_seconds", ours_s, "s", "info"),
        row(SUITE, f"{name}/speedup_vs_scipy", ref_s / ours_s, "x", "ratio", higher_is_better=True),
        row(
            SUITE,
            f"{name}/max_abs_diff_vs_scipy",
            np.abs(ours - ref).max(),
            "",
            "quality",
            False,
            None,
        ),
    ]


def run(quick: bool, seed: int = 0) -> list[dict]:
    """Benchmark rows (see the module docstring); quick=True takes about a minute."""
    from tqdm import tqdm

    rows = _w1d_case() + _jit_warmup()
    sizes = QUICK_SIZES if quick else FULL_SIZES
    cases = [(n, *case, True) for n in sizes for case in GW_CASES]
    if not quick:
        cases += [(n, *case, False) for n in OURS_ONLY_SIZES for case in GW_CASES[:2]]
    for n, kind, d, metric, pot in tqdm(cases, desc="bench ot: GW", leave=False):
        with_ott = not quick and n in OTT_SIZES
        rows += _gw_case(n, kind, d, metric, seed, with_ott=with_ott, pot=pot)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n in (100, 500) only")
    parser.add_argument("--seed", type=int, default=0, help="draws the GW case set")
    args = parser.parse_args()
    rows = run(quick=args.quick, seed=args.seed)
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'value':>14}  unit   kind")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['value']:>14.6g}  {r['unit']:<5}  {r['kind']}")


if __name__ == "__main__":
    main()
