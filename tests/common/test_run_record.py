"""Run records: written at start, finished at the end, marked failed on error."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from bench.common.run_record import RunRecord, changed_settings, record_run, sidecar_path


@dataclass(frozen=True)
class _Config:
    n: int = 3
    eps: float = 0.5


def test_sidecar_paths(tmp_path):
    assert sidecar_path(tmp_path / "a.parquet") == tmp_path / "a.parquet.run.json"
    assert sidecar_path(tmp_path) == tmp_path / "run.json"
    assert sidecar_path(tmp_path / "newdir") == tmp_path / "newdir" / "run.json"


def test_record_written_at_start_and_end(tmp_path):
    out = tmp_path / "x.parquet"
    with record_run(
        out, _Config(), seed=7, identity={"model": "embedded"}, command=["bench"]
    ) as rec:
        during = json.loads(sidecar_path(out).read_text())
        assert during["status"] == "running" and during["ended_at"] is None
        rec.add_usage(prompt_tokens=10, seconds=1.5)
        rec.add_usage(prompt_tokens=5)
    done = RunRecord.read(sidecar_path(out))
    assert done.status == "ok"
    assert done.config == {"n": 3, "eps": 0.5}
    assert done.seed == 7
    assert done.identity == {"model": "embedded"}
    assert done.usage == {"prompt_tokens": 15, "seconds": 1.5}
    assert done.ended_at is not None and done.ended_at >= done.started_at
    assert "numpy" in done.versions and "bench-common" in done.versions


def test_record_marks_failure(tmp_path):
    out = tmp_path / "y.parquet"
    with pytest.raises(RuntimeError), record_run(out, {"a": 1}, seed=None, command=["x"]):
        raise RuntimeError("boom")
    rec = json.loads(sidecar_path(out).read_text())
    assert rec["status"] == "failed" and rec["error"] == "RuntimeError: boom"


def test_changed_settings_names_what_a_resumed_run_would_change(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    assert changed_settings(out, _Config(), seed=7, identity={"env": "maze"}) == []  # no record
    with record_run(out, _Config(), seed=7, identity={"env": "maze", "demo": {"sha256": "ab"}}):
        pass
    same = {"env": "maze", "demo": {"sha256": "ab"}}
    assert changed_settings(out, _Config(), seed=7, identity=same) == []
    assert changed_settings(out, _Config(n=4), seed=7, identity=same) == ["n"]
    assert changed_settings(out, _Config(n=4), seed=7, identity=same, may_change=("n",)) == []
    other = {"env": "maze", "demo": {"sha256": "cd"}}
    assert changed_settings(out, _Config(eps=0.1), seed=8, identity=other) == [
        "demo",
        "eps",
        "seed",
    ]
    with record_run(out, {"n": 3, "reward": {"scale": "each", "eps": 0.5}}, seed=7):
        pass
    nested = {"n": 3, "reward": {"scale": "expert", "eps": 0.5}}
    assert changed_settings(out, nested, seed=7, identity={}) == ["reward.scale"]
    sidecar_path(out).write_text("{not json")
    with pytest.raises(ValueError, match="is not a run record"):
        changed_settings(out, _Config(), seed=7, identity=same)
