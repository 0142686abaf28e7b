"""``bench personas run --executor ray --replicas 2`` on a real local Ray instance (2 CPUs)
and the embedded model: the same Parquet files as ``--executor local``, also when a replica
is killed mid-stage and when the driver is killed and the command run again.

Sizes as in test_pipeline_resume.py (5 personas, 4 humans, 24-token backstories, 3 traits
and 3 questions of GSS 2018). Every run has its own inference cache, so each one does its
own model work; the drivers are separate processes that join the test's Ray instance.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

STAGE_FILES = (
    "backstories.parquet",
    "backstories_dp.parquet",
    "demographics.parquet",
    "match_greedy.parquet",
    "match_maxweight.parquet",
    "match_random.parquet",
    "answers.parquet",
)


@pytest.fixture(scope="module")
def small_spec(cut_gss2018_spec) -> Path:
    # Without the spec's baseline list (it names traits cut here), every kept trait.
    return cut_gss2018_spec(
        ("age", "sex", "ideology"), ("natspac", "natenvir", "natarms"), baseline_traits=False
    )


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory):
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=100 * 1024**2,
        _temp_dir=str(tmp_path_factory.mktemp("ray")),
    )
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _command(spec: Path, out: Path, *executor: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.common.cli",
        "personas",
        "run",
        "--dataset",
        f"spec:{spec}",
        "-n",
        "5",
        "--humans",
        "4",
        "--max-tokens",
        "24",
        "--min-words",
        "3",
        "--splits",
        "3",
        "--seed",
        "5",
        "--out",
        str(out),
        *executor,
    ]


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
def local_run(small_spec, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("local")
    _run(_command(small_spec, root / "out"), _env(root / "cache"))
    return root / "out"


@pytest.mark.slow
def test_two_replicas_write_the_local_files(small_spec, ray_address, local_run, tmp_path):
    out = tmp_path / "ray"
    executor = ("--executor", f"ray={ray_address}", "--replicas", "2")
    _run(_command(small_spec, out, *executor), _env(tmp_path / "cache"))
    _assert_same_files(local_run, out)
    assert _model_calls(out) == _model_calls(local_run)  # the replicas did the same work
    assert _model_calls(out)["answers.parquet"] > 0


@pytest.mark.slow
def test_a_replica_killed_mid_stage_loses_nothing(small_spec, ray_address, local_run, tmp_path):
    import ray

    out = tmp_path / "ray"
    executor = ("--executor", f"ray={ray_address}", "--replicas", "2")
    command = _command(small_spec, out, *executor)
    process = _start_and_wait(
        command, _env(tmp_path / "cache"), out / "answers.parquet.partial.jsonl"
    )
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
def test_a_killed_driver_resumes_on_ray(small_spec, ray_address, local_run, tmp_path):
    out = tmp_path / "ray"
    executor = ("--executor", f"ray={ray_address}", "--replicas", "2")
    command = _command(small_spec, out, *executor)
    env = _env(tmp_path / "cache")
    process = _start_and_wait(command, env, out / "answers.parquet.partial.jsonl")
    process.send_signal(signal.SIGKILL)
    process.wait()
    journal = (out / "answers.parquet.partial.jsonl").read_text().splitlines()
    assert not (out / "answers.parquet").exists() and len(journal) >= 2
    _run(command, env)
    _assert_same_files(local_run, out)
