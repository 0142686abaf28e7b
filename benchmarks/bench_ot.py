"""Optimal transport: our exact Gromov-Wasserstein against POT's, and batched 1-D W1 vs scipy.

Gromov-Wasserstein: two independent clouds of n points drawn uniformly in the unit square
(2-D, seed 0), uniform weights, structure matrices C = cdist(x, x, metric) unnormalised,
for metric in {"sqeuclidean", "euclidean"}. POT 0.9.7's ``ot.gromov.gromov_wasserstein
(C1, C2, loss_fun="square_loss")`` (exact conditional gradient) and our
``bench.common.ot.gromov_wasserstein`` (the same algorithm, same start and stopping rule)
run on the same inputs in this process; each row set gives both times, our speed-up
(POT time / our time), both GW costs E(T) and both iteration counts. Squared-Euclidean
structures factor with rank d + 2 = 4, which our solver detects and uses; Euclidean ones
do not, so that case measures the sparse warm-started linear step and the single product
per step alone.

1-D Wasserstein: 10,000 pairs of 5-option distributions (Dirichlet(1)), our vectorised
``wasserstein_1d`` against a loop of ``scipy.stats.wasserstein_distance``.

quick=True: n in (100, 500), under a minute on 2 idle cores. The full run adds n = 1000
and 2000 (POT needs about a minute per metric at 2000). BLAS threads are set to the free
cores (bench.common.threads) when this file is run as a script; wall times taken while
other jobs share the cores are noisy, so CPU times (process_time) and their ratio are
reported too.
"""

from __future__ import annotations

import os

from bench.common.threads import free_cores

# Effective only when numpy is not imported yet (running this file as a script).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(free_cores()))

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SUITE = "ot"
QUICK_SIZES = (100, 500)
FULL_SIZES = (100, 500, 1000, 2000)
METRICS = ("sqeuclidean", "euclidean")


def _row(name, value, unit, kind, higher_is_better=None, tolerance=None) -> dict:
    return {
        "suite": SUITE,
        "name": name,
        "value": float(value),
        "unit": unit,
        "kind": kind,
        "higher_is_better": higher_is_better,
        "tolerance": tolerance,
    }


def _gw_case(n: int, metric: str) -> list[dict]:
    import ot
    from scipy.spatial.distance import cdist

    from bench.common.ot import gromov_wasserstein

    rng = np.random.default_rng(0)
    x, y = rng.random((n, 2)), rng.random((n, 2))
    C1, C2 = cdist(x, x, metric), cdist(y, y, metric)

    start, cpu = time.perf_counter(), time.process_time()
    _, log = ot.gromov.gromov_wasserstein(C1, C2, loss_fun="square_loss", log=True)
    pot_s, pot_cpu = time.perf_counter() - start, time.process_time() - cpu
    pot_cost, pot_iters = float(log["gw_dist"]), len(log["loss"]) - 1

    start, cpu = time.perf_counter(), time.process_time()
    ours = gromov_wasserstein(C1, C2)
    ours_s, ours_cpu = time.perf_counter() - start, time.process_time() - cpu

    name = f"gw/{metric}/n{n}"
    return [
        _row(f"{name}/pot_seconds", pot_s, "s", "info"),
        _row(f"{name}/ours_seconds", ours_s, "s", "info"),
        _row(f"{name}/speedup_vs_pot", pot_s / ours_s, "x", "ratio", higher_is_better=True),
        # CPU seconds (all threads): steadier than wall time when other jobs share the cores.
        _row(f"{name}/pot_cpu_seconds", pot_cpu, "s", "info"),
        _row(f"{name}/ours_cpu_seconds", ours_cpu, "s", "info"),
        _row(f"{name}/cpu_speedup_vs_pot", pot_cpu / ours_cpu, "x", "ratio", higher_is_better=True),
        _row(f"{name}/pot_cost", pot_cost, "", "info"),
        _row(f"{name}/ours_cost", ours.cost, "", "quality", False, 1e-6),
        _row(
            f"{name}/cost_rel_diff_vs_pot",
            (ours.cost - pot_cost) / pot_cost,
            "",
            "quality",
            False,
            None,
        ),
        _row(f"{name}/pot_iterations", pot_iters, "count", "info"),
        _row(f"{name}/ours_iterations", ours.n_iters, "count", "info"),
    ]


def _w1d_case(pairs: int = 10_000, options: int = 5) -> list[dict]:
    from scipy.stats import wasserstein_distance

    from bench.common.ot import wasserstein_1d

    rng = np.random.default_rng(0)
    u = rng.dirichlet(np.ones(options), size=pairs)
    v = rng.dirichlet(np.ones(options), size=pairs)
    ranks = np.arange(options, dtype=float)

    start = time.perf_counter()
    ours = wasserstein_1d(u, v)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    ref = np.array([wasserstein_distance(ranks, ranks, a, b) for a, b in zip(u, v)])
    ref_s = time.perf_counter() - start

    name = f"w1d/{pairs}x{options}"
    return [
        _row(f"{name}/scipy_loop_seconds", ref_s, "s", "info"),
        _row(f"{name}/ours_seconds", ours_s, "s", "info"),
        _row(f"{name}/speedup_vs_scipy", ref_s / ours_s, "x", "ratio", higher_is_better=True),
        _row(f"{name}/max_abs_diff_vs_scipy", np.abs(ours - ref).max(), "", "quality", False, None),
    ]


def run(quick: bool) -> list[dict]:
    """Benchmark rows (see the module docstring); quick=True takes under a minute."""
    from tqdm import tqdm

    rows = _w1d_case()
    cases = [(n, metric) for n in (QUICK_SIZES if quick else FULL_SIZES) for metric in METRICS]
    for n, metric in tqdm(cases, desc="bench ot: GW", leave=False):
        rows += _gw_case(n, metric)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n in (100, 500) only")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'value':>14}  unit   kind")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['value']:>14.6g}  {r['unit']:<5}  {r['kind']}")


if __name__ == "__main__":
    main()
