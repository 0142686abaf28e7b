"""Maximum-weight matching of humans to personas: profiles + exact OT vs the Hungarian method.

Weights have the shape of demographic likelihoods: humans are GSS 2018 respondents'
real demographic profiles (resampled to n_h), each persona has a Dirichlet(0.3)
distribution over every trait's options (peaked, like a model's answers), and
log w(h, v) = sum_t log P_v(t, a_t(h)). Humans sharing a profile share a row, so ties
abound when the traits are few.

Both solvers are exact; every case reports the total log-weight of each (they must be
equal) beside the times:

- ``transport``: bench.personas.matching with solver="transport" (distinct profiles x
  personas, POT's network simplex through bench.common.ot.emd);
- ``auto``: the solver bench.personas.matching picks (transport when humans outnumber
  profiles 50 to 1, else the Hungarian method);
- reference: scipy.optimize.linear_sum_assignment on the full (n_h, n_v) matrix.

quick=True runs two small cases (2 and 7 traits) in about a minute on 2 idle cores; the
full run adds larger ones and 10,000 humans x 40,000 personas for our method (the
reference is not run there: minutes to hours on tie-heavy weights).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

SUITE = "matching"
FEW = ("sex", "race")  # 6 profiles: heavy ties
SOME = ("age", "sex", "race", "party")  # ~190 profiles
ALL = ("age", "sex", "education", "race", "income", "party", "ideology")  # ~1,800 profiles


def _weights(traits: tuple[str, ...], n_h: int, n_v: int, seed: int = 0):
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
    humans = dataset.profiles()[list(traits)].sample(n_h, replace=True, random_state=seed)
    return profile_weights(humans.reset_index(drop=True), personas)


def _timed(solve) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    chosen = solve()
    return time.perf_counter() - start, chosen


def _case(traits: tuple[str, ...], n_h: int, n_v: int, *, reference: bool) -> list[dict]:
    from scipy.optimize import linear_sum_assignment

    from bench.personas.matching import match_weights, maxweight_solver

    weights = _weights(traits, n_h, n_v)
    name = f"{len(traits)}traits_{n_h}x{n_v}"

    def total(chosen: np.ndarray) -> float:
        return float(weights.log_w[weights.human_profile, chosen].sum())

    rows = [
        {
            "name": f"{name}/profiles",
            "value": float(len(weights.counts)),
            "unit": "count",
            "kind": "info",
        },
    ]
    results = {}
    # Without the reference (the largest cases) only our method runs: forcing the
    # transport solver on ~1,800 profiles x 40,000 personas takes hours.
    for solver in ("transport", "auto") if reference else ("auto",):
        if solver == "auto" and maxweight_solver(weights) == "transport" and "transport" in results:
            results["auto"] = results["transport"]  # the same computation
        else:
            results[solver] = _timed(lambda s=solver: match_weights(weights, "maxweight", solver=s))
    auto_picks = maxweight_solver(weights)
    for solver, (seconds, chosen) in results.items():
        label = f"{solver}({auto_picks})" if solver == "auto" else solver
        rows += [
            {"name": f"{name}/{label}/seconds", "value": seconds, "unit": "s", "kind": "info"},
            {
                "name": f"{name}/{label}/total_log_weight",
                "value": total(chosen),
                "unit": "nats",
                "kind": "quality",
                "higher_is_better": True,
                "tolerance": 1e-9,
            },
        ]
    if reference:
        full = -weights.log_w[weights.human_profile]
        start = time.perf_counter()
        r, c = linear_sum_assignment(full)
        lsa_seconds = time.perf_counter() - start
        chosen = np.empty(n_h, dtype=np.int64)
        chosen[r] = c
        rows += [
            {"name": f"{name}/lsa/seconds", "value": lsa_seconds, "unit": "s", "kind": "info"},
            {
                "name": f"{name}/lsa/total_log_weight",
                "value": total(chosen),
                "unit": "nats",
                "kind": "quality",
                "higher_is_better": True,
                "tolerance": 1e-9,
            },
        ]
        for solver, (seconds, _) in results.items():
            label = f"{solver}({auto_picks})" if solver == "auto" else solver
            rows.append(
                {
                    "name": f"{name}/{label}/speedup_vs_lsa",
                    "value": lsa_seconds / max(seconds, 1e-9),
                    "unit": "x",
                    "kind": "ratio",
                    "higher_is_better": True,
                }
            )
    return rows


def _cases(quick: bool) -> list[tuple[tuple[str, ...], int, int, bool]]:
    """(traits, n_h, n_v, run the reference?) of each case."""
    cases = [(FEW, 1000, 4000, True), (ALL, 500, 2000, True)]
    if not quick:
        cases += [
            (FEW, 2000, 8000, True),
            (SOME, 2000, 8000, True),
            (ALL, 2000, 8000, True),
            (FEW, 5000, 20000, True),
            (ALL, 10000, 40000, False),
            (SOME, 10000, 40000, False),
            (FEW, 10000, 40000, False),
        ]
    return cases


def _finish(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["suite"] = SUITE
        row.setdefault("higher_is_better", None)
        row.setdefault("tolerance", None)
    return rows


def run(quick: bool) -> list[dict]:
    """One dict per figure (see benchmarks/README.md)."""
    import bench.common.ot  # noqa: F401  (POT's import, seconds, stays out of the timings)

    rows = []
    for traits, n_h, n_v, reference in _cases(quick):
        rows += _case(traits, n_h, n_v, reference=reference)
    return _finish(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small cases only (~1 min)")
    parser.add_argument(
        "--only", default="", help="run the cases whose name contains this, e.g. 10000x40000"
    )
    args = parser.parse_args()
    import bench.common.ot  # noqa: F401

    print(f"{'name':<52}{'value':>16}  unit   kind")
    for traits, n_h, n_v, reference in _cases(args.quick):  # printed as each case ends
        if args.only not in f"{len(traits)}traits_{n_h}x{n_v}":
            continue
        for row in _finish(_case(traits, n_h, n_v, reference=reference)):
            print(
                f"{row['name']:<52}{row['value']:>16.6g}  {row['unit']:<6} {row['kind']}",
                flush=True,
            )
