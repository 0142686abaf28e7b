"""Run a sweep's runs: each one an ordinary ``bench agents ... run`` in its own process,
as a Ray task with the sweep's resources (``--executor ray``) or one after another here.

Resumable: a run whose record (``DIR/run.json``) says ``ok`` and was written by the same
arguments is skipped, the arguments fix the run's configuration. Any other run is started
again, and the run command's own resume (checkpoints, finished games) takes it from where
it stopped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from bench.agents.sweep.config import Run, SweepConfig
from bench.common.executor import Executor, connect
from bench.common.run_record import RunRecord, sidecar_path

THREAD_VARIABLES = ("BENCH_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Outcome:
    """How one run ended: ``skipped`` (finished earlier), ``ok`` or ``failed``."""

    run: Run
    status: str
    error: str = ""


def finished(run: Run) -> bool:
    """Whether ``run`` finished earlier with these arguments (its record says ok)."""
    path = sidecar_path(run.out)
    if not path.exists():
        return False
    try:
        record = RunRecord.read(path)
    except (ValueError, TypeError, OSError):
        return False
    return record.status == "ok" and list(record.command[1:]) == ["agents", *run.argv]


def execute(argv: tuple[str, ...], threads: int) -> tuple[int, str]:
    """``bench agents ARGV`` in a child process with ``threads`` threads; (exit code,
    the end of its error output)."""
    env = {**os.environ, **{name: str(threads) for name in THREAD_VARIABLES}}
    done = subprocess.run(
        [sys.executable, "-m", "bench.common.cli", "agents", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return done.returncode, lines[-1] if lines else ""


def _outcome(run: Run, result: tuple[int, str]) -> Outcome:
    code, error = result
    return Outcome(run, "ok" if code == 0 else "failed", "" if code == 0 else error)


def run_sweep(
    config: SweepConfig, executor: Executor, *, echo: Callable[[str], None] = print
) -> list[Outcome]:
    """Every run of ``config``, on ``executor``;
    the finished ones skipped. Outcomes in the sweep's order."""
    runs = config.runs()
    outcomes: dict[int, Outcome] = {
        i: Outcome(run, "skipped") for i, run in enumerate(runs) if finished(run)
    }
    todo = [i for i in range(len(runs)) if i not in outcomes]
    echo(f"sweep: {len(runs)} runs, {len(outcomes)} finished earlier, {len(todo)} to run")
    threads = max(1, int(config.cpus))
    if executor.kind == "local":
        for i in todo:
            outcomes[i] = _outcome(runs[i], execute(runs[i].argv, threads))
            echo(f"{outcomes[i].status:7s} {runs[i].out}")
    elif todo:
        ray = connect(executor)
        task = ray.remote(execute).options(num_cpus=config.cpus, num_gpus=config.gpus)
        refs = {task.remote(runs[i].argv, threads): i for i in todo}
        while refs:
            (ready,), _ = ray.wait(list(refs), num_returns=1)
            i = refs.pop(ready)
            try:
                outcomes[i] = _outcome(runs[i], ray.get(ready))
            except ray.exceptions.RayError as exc:  # a lost worker or node
                outcomes[i] = Outcome(runs[i], "failed", f"{type(exc).__name__}: {exc}")
            echo(f"{outcomes[i].status:7s} {runs[i].out}")
    return [outcomes[i] for i in range(len(runs))]
