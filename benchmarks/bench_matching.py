"""Maximum-weight matching of humans to personas: profiles + exact OT vs the Hungarian method.

Weights have the shape of demographic likelihoods: humans are GSS 2018 respondents'
real demographic profiles (resampled to n_h), each persona has a Dirichlet(0.3)
distribution over every trait's options (peaked, like a model's answers), and
log w(h, v) = sum_t log P_v(t, a_t(h)). Humans sharing a profile share a row, so ties
abound when the traits are few.

Both solvers are exact; every case reports the total log-weight of each (they must be
equal) beside the times:

- ``transport``: bench.personas.matching with solver="transport" (distinct profiles x
  personas, bench.common.ot.integral_transport: shortest paths over each profile's best
  columns, certified by its duals on every edge);
- ``pot_emd``: the same profile transport problem by POT's network simplex
  (bench.common.ot.emd, the solver ``transport`` used before), where it runs in minutes;
- ``auto``: the solver bench.personas.matching picks (transport when humans outnumber
  profiles 50 to 1, else the Hungarian method);
- reference: scipy.optimize.linear_sum_assignment on the full (n_h, n_v) matrix.

quick=True runs two small cases (2 and 7 traits) and 10,000 humans x 40,000 personas on
4 traits (~190 profiles) in about two minutes on one thread; the full run adds larger
ones and 10,000 x 40,000 on 2 and 7 traits for our method (scipy's reference is not run
at 10,000 x 40,000: minutes to hours on tie-heavy weights; POT's network simplex runs on
the 2- and 4-trait ones, about a minute each).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bench.common.report.rows import row

if TYPE_CHECKING:
    import pandas as pd

    from bench.personas.matching import ProfileWeights

SUITE = "matching"
FEW = ("sex", "race")  # 6 profiles: heavy ties
SOME = ("age", "sex", "race", "party")  # ~190 profiles
ALL = ("age", "sex", "education", "race", "income", "party", "ideology")  # ~1,800 profiles


def _weights(traits: tuple[str, ...], n_h: int, n_v: int, seed: int = 0) -> ProfileWeights:
    from bench.personas.datasets import load_dataset
    from bench.personas.matching import PersonaLikelihoods, profile_weights

    dataset = load_dataset("gss2018")
    rng = np.random.default_rng(seed)
    log_p = {
        t.name: np.log(np.maximum(rng.dirichlet(np.full(t.n_options, 0.3), size=n_v), 1e-9))
        for t in dataset.demographics
        if t.name in traits
    }
    personas = PersonaLikelihoods(np.arange(n_v).astype(object), log_p)
    profiles: pd.DataFrame = dataset.profiles()[list(traits)]  # pyright: ignore[reportAssignmentType] (pandas has no stubs: df[list] reads as DataFrame | Series)
    humans = profiles.sample(n_h, replace=True, random_state=seed)
    return profile_weights(humans.reset_index(drop=True), personas)


def _timed(solve: Callable[[], NDArray[np.intp]]) -> tuple[float, NDArray[np.intp], float]:
    """(wall s, answer, CPU s): CPU time is steadier when other jobs share the cores."""
    start, cpu = time.perf_counter(), time.process_time()
    chosen = solve()
    return time.perf_counter() - start, chosen, time.process_time() - cpu


def _pot_emd(weights: ProfileWeights) -> tuple[float, float]:
    """(seconds, total log-weight) of the profile transport problem by POT's network simplex."""
    from bench.common.ot import emd

    n_u, n_v = weights.log_w.shape
    n_h = int(weights.counts.sum())
    M = np.vstack([-weights.log_w, np.zeros((1, n_v))])
    a = np.append(weights.counts, n_v - n_h).astype(np.float64) / n_v
    start = time.perf_counter()
    plan = emd(a, np.full(n_v, 1.0 / n_v), M).plan
    seconds = time.perf_counter() - start
    return seconds, float(np.sum(np.rint(plan[:n_u] * n_v) * weights.log_w))


def _case(
    traits: tuple[str, ...], n_h: int, n_v: int, *, reference: bool, pot: bool = False
) -> list[dict]:
    """The rows of one case: our solvers' times and totals, then POT's and scipy's when asked."""
    from bench.personas.matching import maxweight_solver

    weights = _weights(traits, n_h, n_v)
    name = f"{len(traits)}traits_{n_h}x{n_v}"
    results = _solve(weights)
    # The label names the solver "auto" picked: auto(transport) or auto(hungarian).
    labels = {s: f"{s}({maxweight_solver(weights)})" if s == "auto" else s for s in results}
    rows = [row(SUITE, f"{name}/profiles", len(weights.counts), "count", "info")]
    for solver, (seconds, chosen, cpu) in results.items():
        label = f"{name}/{labels[solver]}"
        rows += [
            row(SUITE, f"{label}/seconds", seconds, "s", "info"),
            row(SUITE, f"{label}/cpu_seconds", cpu, "s", "info"),
            row(
                SUITE,
                f"{label}/total_log_weight",
                _total(weights, chosen),
                "nats",
                "quality",
                True,
                1e-9,
            ),
        ]
    if pot and "transport" in results:
        rows += _pot_rows(weights, name, results["transport"][0])
    if reference:
        rows += _reference_rows(weights, name, {labels[s]: r[0] for s, r in results.items()})
    return rows


def _solve(weights: ProfileWeights) -> dict[str, tuple[float, NDArray[np.intp], float]]:
    """(wall s, chosen persona per human, CPU s) of the "transport" and "auto" solvers."""
    from bench.personas.matching import match_weights, maxweight_solver

    results = {}
    for solver in ("transport", "auto"):
        if solver == "auto" and maxweight_solver(weights) == "transport" and "transport" in results:
            results["auto"] = results["transport"]  # the same computation
        else:
            results[solver] = _timed(lambda s=solver: match_weights(weights, "maxweight", solver=s))
    return results


def _total(weights: ProfileWeights, chosen: NDArray[np.intp]) -> float:
    """The matching's total log-weight."""
    return float(weights.log_w[weights.human_profile, chosen].sum())


def _pot_rows(weights: ProfileWeights, name: str, transport_seconds: float) -> list[dict]:
    pot_seconds, pot_total = _pot_emd(weights)
    return [
        row(SUITE, f"{name}/pot_emd/seconds", pot_seconds, "s", "info"),
        row(SUITE, f"{name}/pot_emd/total_log_weight", pot_total, "nats", "info"),
        row(
            SUITE,
            f"{name}/transport/speedup_vs_pot_emd",
            pot_seconds / max(transport_seconds, 1e-9),
            "x",
            "ratio",
            True,
        ),
    ]


def _reference_rows(weights: ProfileWeights, name: str, seconds: dict[str, float]) -> list[dict]:
    """scipy's Hungarian method on the full (n_h, n_v) matrix, and each solver's speed-up
    over it (``seconds``: by solver label)."""
    from scipy.optimize import linear_sum_assignment

    full = -weights.log_w[weights.human_profile]
    start = time.perf_counter()
    r, c = linear_sum_assignment(full)
    lsa_seconds = time.perf_counter() - start
    chosen = np.empty(full.shape[0], dtype=np.int64)
    chosen[r] = c
    rows = [
        row(SUITE, f"{name}/lsa/seconds", lsa_seconds, "s", "info"),
        row(
            SUITE,
            f"{name}/lsa/total_log_weight",
            _total(weights, chosen),
            "nats",
            "quality",
            True,
            1e-9,
        ),
    ]
    for label, solver_seconds in seconds.items():
        speedup = lsa_seconds / max(solver_seconds, 1e-9)
        rows.append(row(SUITE, f"{name}/{label}/speedup_vs_lsa", speedup, "x", "ratio", True))
    return rows


def _cases(quick: bool) -> list[tuple[tuple[str, ...], int, int, bool, bool]]:
    """(traits, n_h, n_v, run scipy's reference?, run POT's network simplex?) of each case."""
    cases = [(FEW, 1000, 4000, True, False), (ALL, 500, 2000, True, False)]
    if quick:
        return [*cases, (SOME, 10000, 40000, False, False)]
    return [
        *cases,
        (FEW, 2000, 8000, True, True),
        (SOME, 2000, 8000, True, True),
        (ALL, 2000, 8000, True, False),
        (FEW, 5000, 20000, True, False),
        (ALL, 10000, 40000, False, False),
        (SOME, 10000, 40000, False, True),
        (FEW, 10000, 40000, False, True),
    ]


def _jit_warmup() -> None:
    """Load (or compile, on the first run) the transport solver's kernels before any timing."""
    from bench.common.ot.integral_transport import integral_transport

    cost = np.random.default_rng(0).random((3, 40))
    integral_transport(cost, [10, 10, 20])


def run(quick: bool) -> list[dict]:
    """One dict per figure (see benchmarks/README.md)."""
    import bench.common.ot  # noqa: F401  (POT's import, seconds, stays out of the timings)

    _jit_warmup()
    rows = []
    for traits, n_h, n_v, reference, pot in _cases(quick):
        rows += _case(traits, n_h, n_v, reference=reference, pot=pot)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small cases only (~1 min)")
    parser.add_argument(
        "--only", default="", help="run the cases whose name contains this, e.g. 10000x40000"
    )
    args = parser.parse_args()
    import bench.common.ot  # noqa: F401

    _jit_warmup()
    print(f"{'name':<52}{'value':>16}  unit   kind")
    for traits, n_h, n_v, reference, pot in _cases(args.quick):  # printed as each case ends
        if args.only not in f"{len(traits)}traits_{n_h}x{n_v}":
            continue
        for r in _case(traits, n_h, n_v, reference=reference, pot=pot):
            print(
                f"{r['name']:<52}{r['value']:>16.6g}  {r['unit']:<6} {r['kind']}",
                flush=True,
            )
