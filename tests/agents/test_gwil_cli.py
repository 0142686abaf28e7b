"""``bench agents gwil``: run writes its run directory, eval reads it, bad input is named."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bench.common.cli import bench


def test_run_then_eval_random_baseline(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    result = runner.invoke(
        bench,
        [*"agents gwil run --domain maze --method random --steps 120 --out".split(), str(out)],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "metrics.jsonl",
        "run.json",
        "result.json",
        "learning_curve.png",
        "checkpoints/latest.pt",
    ):
        assert (out / name).exists(), name
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "ok" and record["identity"]["domain"] == "maze"
    assert json.loads((out / "result.json").read_text())["steps"] == 120
    evaluation = tmp_path / "eval.json"
    result = runner.invoke(
        bench,
        ["agents", "gwil", "eval", "--run", str(out), "--episodes", "2", "--out", str(evaluation)],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(evaluation.read_text())["returns"]) == 2


def test_missing_demo_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        bench,
        [
            *"agents gwil run --domain maze --demo".split(),
            str(tmp_path / "nope.npz"),
            *["--out", str(tmp_path / "run")],
        ],
    )
    assert result.exit_code == 2
    assert "no demonstration" in result.output and "gwil expert" in result.output
