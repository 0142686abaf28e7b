"""Checkpoints from elsewhere cannot run code, and damaged ones end in one line.

A crafted ``.pt`` whose unpickling would create a file is passed to every command that
loads a checkpoint (a search blueprint, a blueprint being resumed, a GWIL run, an
adversarial-surprise run): each refuses it in one line (exit status 2, no traceback)
and nothing is created. A checkpoint that we wrote and that was then truncated gets
the same treatment. The real checkpoints these commands write load under
``torch.load(weights_only=True)`` (tests/agents/test_search_cli.py and the resume tests
of gwil and surprise load them through the same code).
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from bench.agents.checkpoint import load_checkpoint
from bench.agents.search.blueprint import load_blueprint
from bench.agents.surprise.game import GameConfig
from bench.agents.surprise.train import SurpriseRunConfig
from bench.common.run_record import RunRecord


class _CreatesFile:
    """Unpickling this calls ``open(marker, "w")``: the file appears iff code ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def hostile(tmp_path):
    """A checkpoint shaped like a blueprint, carrying a payload, and its marker path."""
    marker = tmp_path / "pwned"

    def write(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {"obs_dim": 3, "num_actions": 2, "hidden": [32], "state_dict": {}}
        torch.save({**state, "env": "corridor", "hook": _CreatesFile(str(marker))}, path)
        return path

    return write, marker


def test_loader_refuses_a_pickle_that_would_run_code(hostile, tmp_path):
    write, marker = hostile
    path = write(tmp_path / "evil.pt")
    with pytest.raises(ValueError) as info:
        load_checkpoint(path, what="blueprint", fix="train one")
    message = str(info.value)
    assert "\n" not in message and "asks to import io.open" in message and "train one" in message
    assert not marker.exists()


@pytest.mark.slow
def test_blueprint_option_refuses_it(hostile, run_bench, tmp_path):
    write, marker = hostile
    evil = write(tmp_path / "evil.pt")
    result = run_bench(
        "agents", "search", "run", "--env", "corridor", "--method", "blueprint",
        "--blueprint", str(evil), "--games", "1", "--out", str(tmp_path / "run"), process=True,
    )  # fmt: skip
    result.assert_one_line_error("--blueprint", str(evil), "could run code")
    assert not marker.exists()


def test_resuming_blueprint_training_refuses_it_and_keeps_the_file(hostile, run_bench, tmp_path):
    write, marker = hostile
    evil = write(tmp_path / "bp.pt")
    before = evil.read_bytes()
    result = run_bench(
        "agents", "search", "blueprint", "--env", "corridor", "--steps", "100",
        "--out", str(evil),
    )  # fmt: skip
    result.assert_one_line_error(str(evil), "could run code", "bench agents search blueprint")
    assert not marker.exists()
    assert evil.read_bytes() == before


def test_gwil_eval_refuses_it(hostile, run_bench, tmp_path):
    write, marker = hostile
    run_dir = tmp_path / "gwil"
    write(run_dir / "checkpoints" / "latest.pt")
    RunRecord(command=["bench"], config={}, seed=0, identity={"domain": "maze"}).write(
        run_dir / "run.json"
    )
    result = run_bench(
        "agents", "gwil", "eval", "--run", str(run_dir), "--episodes", "1",
        "--out", str(tmp_path / "eval.json"),
    )  # fmt: skip
    result.assert_one_line_error("latest.pt", "could run code", "bench agents gwil run")
    assert not marker.exists()


@pytest.mark.parametrize("content", [b"\x00garbage", b"\x81\xa1x\x01"])  # bytes; a foreign map
def test_surprise_eval_refuses_a_damaged_checkpoint(run_bench, tmp_path, content):
    # The JAX path stores plain msgpack (arrays and numbers), which cannot run code; a
    # damaged or foreign file must still be one line.
    run_dir = tmp_path / "surprise"
    run_dir.mkdir()
    (run_dir / "checkpoint.msgpack").write_bytes(content)
    config = SurpriseRunConfig(env="noisy-dark-small", game=GameConfig(n_rounds=4, k=8))
    (run_dir / "config.json").write_text(json.dumps(dataclasses.asdict(config)))
    result = run_bench(
        "agents", "surprise", "eval", "--run", str(run_dir), "--episodes", "1",
        "--out", str(tmp_path / "eval.csv"),
    )  # fmt: skip
    result.assert_one_line_error("checkpoint.msgpack", "bench agents surprise run")


@pytest.mark.slow
def test_truncated_blueprint_is_one_line(run_bench, tmp_path):
    blueprint = tmp_path / "bp.pt"
    trained = run_bench(
        "agents", "search", "blueprint", "--env", "corridor", "--steps", "100",
        "--out", str(blueprint),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert torch.load(blueprint, weights_only=True)["env"] == "corridor"
    blueprint.write_bytes(blueprint.read_bytes()[: blueprint.stat().st_size // 2])
    result = run_bench(
        "agents", "search", "run", "--env", "corridor", "--method", "blueprint",
        "--blueprint", str(blueprint), "--games", "1", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    result.assert_one_line_error("--blueprint", str(blueprint), "not a readable torch checkpoint")


def test_a_safe_file_that_is_not_a_blueprint_is_one_line(tmp_path):
    other = tmp_path / "weights.pt"
    torch.save({"layer.weight": torch.zeros(2, 2)}, other)  # loadable, but no Q-network
    with pytest.raises(ValueError) as info:
        load_blueprint(str(other), "corridor", seed=0)
    message = str(info.value)
    assert "\n" not in message
    assert "does not hold a Q-network (KeyError: 'obs_dim')" in message
    assert "bench agents search blueprint" in message
