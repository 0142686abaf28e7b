"""Measurement (not a report suite): what Ray costs and buys for a personas stage.

One process, one machine: a local Ray instance with ``--cpus`` CPUs; the survey stage
(:func:`bench.personas.survey.run_survey`, the logprob method, every gss2018 question) over
``--humans`` respondents in the QA and Bio conditions, answered by the embedded model
loaded here (one thread) and by 1 and 2 Ray replicas (one thread each), without the
inference cache so every item is computed. Each variant runs ``--repeats`` times, best kept.

On a machine shared with other users' sessions (Linux autogroup scheduling gives each
session an equal share), the replicas of one session share that session's CPU time, so
wall time cannot show their parallelism there; the CPU seconds each replica used show how
evenly the stage was split, which is what it would run in on free cores.

Also: Ray's start-up (``ray.init``), the round trip of an empty actor call, the start of the
replicas (a worker process plus a model load each), and the driver's own time per item
(stage wall time minus the model's seconds: rendering, cache keys, journal).

    .venv/bin/python benchmarks/measure_ray.py --humans 8 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import time
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from bench.common.inference import Model
    from bench.personas.datasets import Dataset


def _survey_seconds(model, units, questions) -> tuple[float, float]:
    from bench.personas.survey import SurveyConfig, run_survey

    before = model.usage.seconds
    start = time.perf_counter()
    run_survey(model, units, questions, SurveyConfig(), seed=0, progress=False)
    return time.perf_counter() - start, model.usage.seconds - before


def _replica_cpu_seconds(ray, pool) -> list[float]:
    """CPU seconds each replica process has used (user + system, from /proc)."""
    pids = ray.get([a.__ray_call__.remote(lambda self: os.getpid()) for a in pool.actors])
    seconds = []
    for pid in pids:
        fields = open(f"/proc/{pid}/stat").read().split()
        seconds.append((int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK"))
    return seconds


class _Echo:
    def ping(self, x: int) -> int:
        return x


def _start_ray(cpus: int) -> tuple[ModuleType, dict[str, float]]:
    """Ray, started with ``cpus`` CPUs; its start-up time (import and ``ray.init``) and the
    round trip of an empty actor call."""
    # Ray starts its workers at niceness 15; on a machine shared with other jobs that
    # starves the replicas, so they run at the driver's priority here.
    os.environ.setdefault("RAY_worker_niceness", "0")
    start = time.perf_counter()
    import ray

    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    out = {"ray_init_s": time.perf_counter() - start}
    echo = ray.remote(_Echo).options(num_cpus=0).remote()
    ray.get(echo.ping.remote(0))
    start = time.perf_counter()
    for i in range(200):
        ray.get(echo.ping.remote(i))
    out["actor_call_ms"] = (time.perf_counter() - start) / 200 * 1e3
    return ray, out


def _load(name: str) -> tuple[Model, dict[str, float]]:
    """The model of variant ``name`` ("local", "ray-1", "ray-2") and, for a pool, its start time."""
    from bench.common.inference import load_model
    from bench.common.inference.replicas import load_replicated_model

    start = time.perf_counter()
    if name == "local":
        return load_model("embedded", threads=1, use_cache=False, progress=False), {}
    replicas = int(name[-1])
    model = load_replicated_model("embedded", replicas=replicas, use_cache=False, progress=False)
    return model, {f"start_{replicas}_replicas_s": time.perf_counter() - start}


def _variant(
    name: str, ray: ModuleType, units: pd.DataFrame, dataset: Dataset, repeats: int
) -> tuple[list[float], dict[str, float | str]]:
    """The survey's wall times over ``repeats`` runs of one variant, and its rows: a pool's
    start and the CPU seconds of each replica (last run), or the driver's ms per item (best run)."""
    model, started = _load(name)
    n_items = len(units) * len(dataset.questions)
    walls: list[float] = []
    rows: dict[str, float | str] = dict(started)
    for _ in range(repeats):
        cpu_before = _replica_cpu_seconds(ray, model.backend) if name != "local" else []
        wall, model_seconds = _survey_seconds(model, units, dataset.questions)
        walls.append(wall)
        if cpu_before:  # the work each replica did: its share of the stage
            cpu = _replica_cpu_seconds(ray, model.backend)
            rows[f"{name}_replica_cpu_s"] = json.dumps(
                [round(b - a, 1) for a, b in zip(cpu_before, cpu)]
            )
        if name == "local":
            per_item = (wall - model_seconds) / n_items * 1e3
            rows["driver_ms_per_item"] = min(float(rows.get("driver_ms_per_item", 1e9)), per_item)
    model.close()
    return walls, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--humans", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()

    import pandas as pd

    from bench.personas.datasets import load_dataset
    from bench.personas.respondents import subsample_respondents
    from bench.personas.survey import baseline_units

    dataset = load_dataset("gss2018")
    humans = subsample_respondents(dataset, args.humans, seed=0)
    units = pd.concat([baseline_units(humans, c, seed=0) for c in ("qa", "bio")], ignore_index=True)
    n_items = len(units) * len(dataset.questions)
    out: dict[str, float | str] = {"items": n_items}

    ray, overheads = _start_ray(args.cpus)
    out.update(overheads)
    # One model at a time: the replicas of two pools would not fit in --cpus together.
    walls: dict[str, list[float]] = {}
    for name in ("local", "ray-1", "ray-2"):
        walls[name], rows = _variant(name, ray, units, dataset, args.repeats)
        out.update(rows)
        out[f"survey_{name}_s"] = min(walls[name])
    best = {name: min(times) for name, times in walls.items()}
    out["speedup_ray1_vs_local"] = best["local"] / best["ray-1"]
    out["speedup_ray2_vs_local"] = best["local"] / best["ray-2"]
    out["ray1_overhead_ms_per_item"] = (best["ray-1"] - best["local"]) / n_items * 1e3
    out["all_runs"] = json.dumps({k: np.round(v, 2).tolist() for k, v in walls.items()})
    ray.shutdown()
    for key, value in out.items():
        print(f"{key:28s} {value if isinstance(value, str) else round(value, 3)}")


if __name__ == "__main__":
    main()
