"""Benchmark: the whole Anthology pipeline (``bench personas run``) at a fixed small size.

gss2018, the embedded model (SmolLM2-135M-Instruct on the CPU), seed 0, a fresh inference
cache (so every stage computes). Quick: 6 personas of at most 32 new tokens, 5 humans, 20
split-halves; full: 40 personas of 64 tokens, 20 humans, 100 split-halves. Both are far
below the paper's size (thousands of personas, 1500-token backstories, every respondent),
which a 2-core CPU cannot run in minutes.

Rows. Quality: the evaluation table (mean WD raw and normalised, Frobenius distance,
Cronbach's alpha) per condition and the human split-half lower bound. Info: each stage's
seconds and throughput (tokens per second; prompt tokens include those served from a kept
key/value prefix) on this machine.

Tolerances (relative, for a regression check). The run is deterministic for a fixed build,
so any change is a code change or a float-rounding difference between machines that flips
a sampled answer. With u units per condition, one flipped answer moves one question's
distribution by 1/u and its W1 by at most 2/u (3 ordered options); averaged over the 18
questions that is <= 2/(18u) = 0.022 at u = 5, about 4% of a WD near 0.6: WD and WD_norm
get 0.15 (a few flips). Frobenius sums 18 x 17 correlations estimated from u answers,
each of which can swing by O(1/sqrt(u)) with one flip: 0.3. Alpha at u = 5 can sit near 0
or below, where a relative tolerance means little: 1.0 (a sign-level check). The human
lower bound is computed from the data alone (seeded splits): 0.01.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

SUITE = "personas"
QUICK = {"n": 6, "humans": 5, "max_tokens": 32, "min_words": 10, "n_splits": 20}
FULL = {"n": 40, "humans": 20, "max_tokens": 64, "min_words": 30, "n_splits": 100}
TOLERANCE = {"wd": 0.15, "wd_normalized": 0.15, "frobenius": 0.3, "alpha": 1.0}
HUMAN_TOLERANCE = 0.01
UNITS = {
    "wd": "option positions",
    "wd_normalized": "fraction of max",
    "frobenius": "norm",
    "alpha": "alpha",
}


def _pipeline(size: dict, out: Path):
    from bench.personas.backstories import BackstoryConfig
    from bench.personas.pipeline import PipelineConfig, run_pipeline

    config = PipelineConfig(
        dataset="gss2018",
        model="embedded",
        n=size["n"],
        humans=size["humans"],
        seed=0,
        backstories=BackstoryConfig(max_tokens=size["max_tokens"], min_words=size["min_words"]),
        n_splits=size["n_splits"],
    )
    return run_pipeline(config, out, progress=False)


def run(quick: bool) -> list[dict]:
    size = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench_personas_") as tmp:
        previous = os.environ.get("BENCH_CACHE")
        os.environ["BENCH_CACHE"] = str(Path(tmp) / "cache")  # a fresh cache: every stage computes
        try:
            result = _pipeline(size, Path(tmp) / "run")
        finally:
            if previous is None:
                os.environ.pop("BENCH_CACHE", None)
            else:
                os.environ["BENCH_CACHE"] = previous
    rows: list[dict] = []
    summary = result.evaluation.summary
    summary = summary[summary["group"] == "all"]
    for record in summary.to_dict("records"):
        condition = record["condition"]
        human = condition == "human split-half"
        for metric in ("wd", "wd_normalized", "frobenius", "alpha"):
            column = "alpha_human" if human and metric == "alpha" else metric
            value = record[column]
            if value != value:  # NaN: not defined at this size
                continue
            rows.append(
                {
                    "suite": SUITE,
                    "name": f"{condition.replace(' ', '_')}/{metric}",
                    "value": float(value),
                    "unit": UNITS[metric],
                    "kind": "quality",
                    # Lower WD / Frobenius is closer to the humans; alpha should match the
                    # humans' rather than be high; the lower bound is a reference, not a goal.
                    "higher_is_better": None if human or metric == "alpha" else False,
                    "tolerance": HUMAN_TOLERANCE if human else TOLERANCE[metric],
                }
            )
    for timing in result.timings:
        rows.append(_info(f"seconds/{timing.stage}", timing.seconds, "s"))
        if timing.seconds <= 0:
            continue
        if timing.completion_tokens:
            rows.append(
                _info(
                    f"generated_tok_per_s/{timing.stage}",
                    timing.completion_tokens / timing.seconds,
                    "tok/s",
                )
            )
        if timing.prompt_tokens:
            rows.append(
                _info(
                    f"prompt_tok_per_s/{timing.stage}",
                    timing.prompt_tokens / timing.seconds,
                    "tok/s",
                )
            )
    rows.append(_info("n_personas", result.n_personas, "personas"))
    rows.append(_info("n_humans", result.n_humans, "humans"))
    return rows


def _info(name: str, value: float, unit: str) -> dict:
    return {
        "suite": SUITE,
        "name": name,
        "value": float(value),
        "unit": unit,
        "kind": "info",
        "higher_is_better": None,
        "tolerance": None,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="the small configuration (about 2 minutes)"
    )
    args = parser.parse_args()
    table = run(args.quick)
    width = max(len(r["name"]) for r in table)
    print(f"{'name':<{width}}  {'value':>10}  {'unit':<17} {'kind':<8} tolerance")
    for r in table:
        tol = "" if r["tolerance"] is None else f"{r['tolerance']:g}"
        print(f"{r['name']:<{width}}  {r['value']:>10.4f}  {r['unit']:<17} {r['kind']:<8} {tol}")
