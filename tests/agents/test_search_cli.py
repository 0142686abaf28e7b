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


def test_hanabi_runs_out_of_the_box_with_the_shipped_blueprint(tmp_path):
    """No --blueprint on full Hanabi: the packaged one plays, and well above a random
    network (which bombs out at about 0): over 20 paired games its mean score is above 5."""
    out = tmp_path / "run"
    args = ["run", "--env", "hanabi", "--method", "blueprint", "--games", "20", "--out", str(out)]
    result = CliRunner().invoke(search, args)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["identity"]["blueprint"] == "shipped"
    assert pd.read_parquet(out / "results.parquet")["score"].mean() > 5


def test_shipped_is_refused_where_none_ships(tmp_path):
    args = ["run", "--env", "corridor", "--method", "blueprint", "--blueprint", "shipped"]
    args += ["--out", str(tmp_path / "r")]
    result = CliRunner().invoke(search, args)
    assert result.exit_code == 2
    assert "no blueprint ships for 'corridor'" in result.output


def test_a_rerun_with_another_seed_or_blueprint_does_not_reuse_games(tmp_path):
    """Finished games are reused only when what they were computed from is unchanged."""
    out = tmp_path / "run"
    base = ["run", "--env", "corridor", "--method", "blueprint", "--games", "1", "--out", str(out)]
    runner = CliRunner()
    assert runner.invoke(search, base).exit_code == 0
    assert runner.invoke(search, [*base, "--games", "2"]).exit_code == 0  # more games: fine
    other_seed = runner.invoke(search, [*base, "--seed", "1"])
    assert other_seed.exit_code == 2 and "another seed" in other_seed.output
    bp = tmp_path / "bp.pt"
    assert (
        runner.invoke(
            search, ["blueprint", "--env", "corridor", "--steps", "50", "--out", str(bp)]
        ).exit_code
        == 0
    )
    other_bp = runner.invoke(search, [*base, "--blueprint", str(bp)])
    assert other_bp.exit_code == 2 and "another blueprint" in other_bp.output
    assert len(pd.read_parquet(out / "results.parquet")) == 2  # nothing lost


def test_a_damaged_run_record_is_a_one_line_error(tmp_path):
    out = tmp_path / "run"
    base = ["run", "--env", "corridor", "--method", "blueprint", "--games", "1", "--out", str(out)]
    runner = CliRunner()
    assert runner.invoke(search, base).exit_code == 0
    (out / "run.json").write_text('{"command": [')  # cut short, as by a full disk
    result = runner.invoke(search, base)
    assert result.exit_code == 2 and "run.json is not a run record" in result.output
    assert "Traceback" not in result.output
    assert len(pd.read_parquet(out / "results.parquet")) == 1  # nothing lost
