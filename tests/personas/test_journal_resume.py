"""A killed ``bench personas backstories`` resumes only under the same seed, model,
settings and inputs; a journal item the stage cannot read is set aside and recomputed.

Runs the real command on the embedded model (3 backstories of at most 24 tokens) and
kills it with SIGKILL once its journal holds a finished item.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

MARK = "JOURNALED BEFORE THE KILL"


def _command(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.common.cli",
        "personas",
        "backstories",
        "-n",
        "3",
        "--max-tokens",
        "24",
        "--min-words",
        "0",
        "--batch-size",
        "1",
        "--out",
        str(out),
        *extra,
    ]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "BENCH_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}


def _kill_after_first_item(out: Path, env: dict[str, str]) -> Path:
    journal = out.with_name(out.name + ".partial.jsonl")
    process = subprocess.Popen(
        _command(out, "--seed", "0"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while not (journal.exists() and len(journal.read_text().splitlines()) >= 2):
        assert process.poll() is None, "the run ended before its journal held an item"
        assert time.monotonic() < deadline, "no journaled item in 300 s"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Mark what the killed run journaled, so a resume that keeps it shows.
    lines = journal.read_text().splitlines()
    items = [json.loads(line) for line in lines[1:] if line.endswith("}")]
    for item in items:
        item["value"]["text"] = MARK
    journal.write_text("\n".join([lines[0], *map(json.dumps, items)]) + "\n")
    return journal


def _run(out: Path, env: dict[str, str], *extra: str) -> pd.DataFrame:
    done = subprocess.run(
        _command(out, *extra), env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return pd.read_parquet(out)


@pytest.mark.slow
def test_a_killed_run_resumes_only_under_the_same_seed_and_model(tmp_path):
    from bench.common.inference.embedded import embedded_gguf_path

    out = tmp_path / "backstories.parquet"
    env = _env(tmp_path)
    journal = _kill_after_first_item(out, env)
    kept = tmp_path / "journal.copy"
    shutil.copy(journal, kept)

    # Another seed: the seed-0 texts must not appear under the seed-1 record.
    other_seed = _run(out, env, "--seed", "1")
    assert MARK not in set(other_seed["backstory"])
    assert (other_seed["seed"] == 1).all()

    # Another model spec (the same weights through llama.cpp): also a fresh start.
    shutil.copy(kept, journal)
    other_model = _run(out, env, "--seed", "0", "--model", f"llamacpp:{embedded_gguf_path()}")
    assert MARK not in set(other_model["backstory"])

    # The same command: resumes, keeping what the killed run journaled.
    shutil.copy(kept, journal)
    same = _run(out, env, "--seed", "0")
    assert MARK in set(same["backstory"])


@pytest.mark.slow
def test_a_journal_item_the_stage_cannot_read_is_recomputed(tmp_path):
    out = tmp_path / "backstories.parquet"
    env = _env(tmp_path)
    journal = _kill_after_first_item(out, env)
    lines = journal.read_text().splitlines()
    # A record whose value is not a generation: valid JSON, valid record, wrong content.
    first = json.loads(lines[1])
    journal.write_text("\n".join([lines[0], json.dumps({"key": first["key"], "value": 5})]) + "\n")
    done = subprocess.run(
        _command(out, "--seed", "0"), env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "moved it to backstories.parquet.partial.jsonl.damaged" in done.stderr
    assert journal.with_name(journal.name + ".damaged").exists()
    fresh = tmp_path / "fresh.parquet"
    pd.testing.assert_frame_equal(
        pd.read_parquet(out), _run(fresh, env, "--seed", "0"), check_like=True
    )
