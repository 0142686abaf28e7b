"""``bench personas run --executor ray --replicas 2`` on a real local Ray instance (2 CPUs)
and the embedded model: the same Parquet files as ``--executor local``, also when a replica
is killed mid-stage and when the driver is killed and the command run again.

Sizes as in test_pipeline_resume.py (5 personas, 4 humans, 24-token backstories, 3 traits
and 3 questions of GSS 2018). Every run has its own inference cache, so each one does its
own model work; the drivers are separate processes that join the test's Ray instance.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from bench.personas.pipeline import MATCHINGS

# The default run's stage files, every matching among them.
PERSONA_FILES = ("backstories.parquet", "backstories_dp.parquet", "demographics.parquet")
STAGE_FILES = (*PERSONA_FILES, *(f"match_{m}.parquet" for m in MATCHINGS), "answers.parquet")


@pytest.fixture(scope="module")
def small_spec(cut_gss2018_spec) -> Path:
    # Without the spec's baseline list (it names traits cut here), every kept trait.
    return cut_gss2018_spec(
        ("age", "sex", "ideology"), ("natspac", "natenvir", "natarms"), baseline_traits=False
    )


@pytest.fixture(scope="module")
def ray_address(ray_instance) -> str:
    return ray_instance.get_runtime_context().gcs_address


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "BENCH_CACHE": str(cache), "OMP_NUM_THREADS": "1", "BENCH_THREADS": "1"}


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]


def _start_and_wait(command: list[str], env: dict[str, str], sign: Path) -> subprocess.Popen:
    """Start a run; return once ``sign`` (a stage's journal) holds a finished item."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 600
    while not (sign.exists() and len(sign.read_text().splitlines()) >= 2):
        assert process.poll() is None, f"the run ended before {sign.name} had an item"
        assert time.monotonic() < deadline, f"no item in {sign.name} in 600 s"
        time.sleep(0.02)
    return process


def _assert_same_files(reference: Path, out: Path) -> None:
    for name in STAGE_FILES:
        expected, got = pd.read_parquet(reference / name), pd.read_parquet(out / name)
        pd.testing.assert_frame_equal(expected, got, obj=name)
    pd.testing.assert_frame_equal(
        pd.read_csv(reference / "summary.csv"), pd.read_csv(out / "summary.csv")
    )
    assert not list(out.glob("*.partial.jsonl"))


def _model_calls(out: Path) -> dict[str, float]:
    calls = {}
    for name in STAGE_FILES:
        record = json.loads((out / f"{name}.run.json").read_text())
        calls[name] = record["usage"].get("model_calls", 0)
    return calls


@pytest.fixture(scope="module")
def command(small_spec, small_run_command) -> Callable[..., list[str]]:
    return functools.partial(small_run_command, small_spec)


@pytest.fixture(scope="module")
def local_run(command, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("local")
    _run(command(root / "out"), _env(root / "cache"))
    return root / "out"


@pytest.mark.slow
def test_two_replicas_write_the_local_files(command, ray_address, local_run, tmp_path):
    out = tmp_path / "ray"
    executor = ("--executor", f"ray={ray_address}", "--replicas", "2")
    _run(command(out, *executor), _env(tmp_path / "cache"))
    _assert_same_files(local_run, out)
    assert _model_calls(out) == _model_calls(local_run)  # the replicas did the same work
    assert _model_calls(out)["answers.parquet"] > 0


@pytest.mark.slow
def test_a_replica_killed_mid_stage_loses_nothing(command, ray_address, local_run, tmp_path):
    import ray

    out = tmp_path / "ray"
    executor = ("--executor", f"ray={ray_address}", "--replicas", "2")
    argv = command(out, *executor)
    process = _start_and_wait(argv, _env(tmp_path / "cache"), out / "answers.parquet.partial.jsonl")
    replicas = [
        a
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a["name"].startswith("bench-replica-")
    ]
    assert len(replicas) == 2
    victim = ray.get_actor(replicas[0]["name"], namespace=replicas[0]["namespace"])
    ray.kill(victim, no_restart=True)
    assert process.wait(timeout=900) == 0  # the other replica finished the stage
    _assert_same_files(local_run, out)
    assert _model_calls(out) == _model_calls(local_run)  # nothing computed twice or lost


@pytest.mark.slow
def test_a_killed_driver_resumes_on_ray(command, ray_address, local_run, tmp_path):
    out = tmp_path / "ray"
    executor = ("--executor", f"ray={ray_address}", "--replicas", "2")
    argv = command(out, *executor)
    env = _env(tmp_path / "cache")
    process = _start_and_wait(argv, env, out / "answers.parquet.partial.jsonl")
    process.send_signal(signal.SIGKILL)
    process.wait()
    journal = (out / "answers.parquet.partial.jsonl").read_text().splitlines()
    assert not (out / "answers.parquet").exists() and len(journal) >= 2
    _run(argv, env)
    _assert_same_files(local_run, out)
