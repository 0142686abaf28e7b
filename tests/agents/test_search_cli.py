"""``bench agents search``: blueprint training resumes, runs write their files and resume."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from bench.agents.search.cli import search


def test_blueprint_trains_and_resumes(tmp_path):
    out = tmp_path / "bp.pt"
    runner = CliRunner()
    first = runner.invoke(
        search, ["blueprint", "--env", "corridor", "--steps", "300", "--out", str(out)]
    )
    assert first.exit_code == 0, first.output
    assert torch.load(out, weights_only=True)["step"] == 300
    again = runner.invoke(
        search, ["blueprint", "--env", "corridor", "--steps", "500", "--out", str(out)]
    )
    assert again.exit_code == 0, again.output
    ckpt = torch.load(out, weights_only=True)
    assert ckpt["step"] == 500 and ckpt["env"] == "corridor"
    record = json.loads((tmp_path / "bp.pt.run.json").read_text())
    assert record["status"] == "ok" and record["identity"]["env"] == "corridor"


@pytest.mark.slow
def test_run_writes_results_and_resumes(tmp_path):
    out = tmp_path / "run"
    args = [
        "run", "--env", "corridor", "--method", "blueprint", "--method", "mcts",
        "--method", "rl-search", "--iterations-per-move", "5", "--seconds-per-move", "5",
        "--games", "2", "--out", str(out),
    ]  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(search, args)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "results.parquet")
    # blueprint once per game, each search method once per (budget, game)
    assert sorted(table["method"].value_counts().items()) == [
        ("blueprint", 2),
        ("mcts", 2),
        ("rl-search", 2),
    ]
    assert (table["moves"] >= 1).all()
    assert json.loads((out / "run.json").read_text())["status"] == "ok"
    assert (out / "score_vs_time.png").stat().st_size > 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 3
    # a rerun finds every game done and plays nothing new
    again = runner.invoke(search, args)
    assert again.exit_code == 0, again.output
    assert len(pd.read_parquet(out / "results.parquet")) == len(table)


def test_bad_input_gets_a_clear_error(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        search,
        [*"run --env corridor --method sparta --seconds-per-move 0.1 --out".split(), str(tmp_path)],
    )
    assert result.exit_code == 2 and "needs a Hanabi env" in result.output
    result = runner.invoke(
        search, ["run", "--env", "corridor", "--method", "mcts", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "--seconds-per-move" in result.output
    result = runner.invoke(
        search,
        [
            *"run --env corridor --method blueprint --blueprint".split(),
            str(tmp_path / "nope.pt"),
            *["--out", str(tmp_path)],
        ],
    )
    assert result.exit_code == 2 and "not found" in result.output
