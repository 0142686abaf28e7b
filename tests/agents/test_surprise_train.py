"""Training runs: every method trains (JAX), resumes replay the same run, the CLI's contract."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner

from bench.agents.rl.ppo_jax import PPOConfig
from bench.agents.surprise.cli import surprise
from bench.agents.surprise.game import GameConfig
from bench.agents.surprise.train import METHODS, SurpriseRunConfig, train

# A tiny game (4 rounds of 8 steps, 2 envs) so each iteration is 64 steps: the test
# budget, not the authors' 4 x 32 with 16 envs.
TINY = dict(
    env="noisy-dark-small",
    game=GameConfig(n_rounds=4, k=8),
    ppo=dataclasses.replace(PPOConfig(), num_envs=2, minibatch_size=16),
    layouts=8,
    checkpoint_every=2,
)


def _lines(path):
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for row in rows:
        row.pop("charts/sps")  # wall-clock, the only field allowed to differ
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_each_method_trains_and_logs_coverage(method, tmp_path):
    config = SurpriseRunConfig(method=method, total_steps=128, **TINY)
    results = train(config, seeds=[0, 1], out=tmp_path, progress=False)
    assert [r.global_steps for r in results] == [128, 128]
    for seed in (0, 1):
        rows = _lines(tmp_path / f"seed_{seed}" / "metrics.jsonl")
        assert [r["iteration"] for r in rows] == [1, 2]
        last = rows[-1]
        assert 1 <= last["coverage/cells_episode"] <= last["coverage/cells_total"]
        assert 1 <= last["coverage/rooms_episode"] <= 3
        if method == "adversarial":
            assert last["reward/explore_return"] == pytest.approx(
                -last["reward/control_return"], rel=1e-5
            )
        elif method in ("rnd", "count", "surprise-max"):
            assert last["reward/agent_return"] > 0
        elif method == "smirl":
            assert last["reward/agent_return"] < 0
    # Seeds trained in one batch are different runs.
    a = _lines(tmp_path / "seed_0" / "metrics.jsonl")[-1]
    b = _lines(tmp_path / "seed_1" / "metrics.jsonl")[-1]
    assert a != {**b, "seed": 0}


@pytest.mark.slow
def test_resume_replays_the_same_run(tmp_path):
    full = SurpriseRunConfig(method="adversarial", total_steps=256, **TINY)
    train(full, seeds=[3], out=tmp_path / "a", progress=False)
    half = dataclasses.replace(full, total_steps=128)
    train(half, seeds=[3], out=tmp_path / "b", progress=False)
    train(full, seeds=[3], out=tmp_path / "b", progress=False)  # resumes at iteration 2
    a, b = (
        _lines(tmp_path / "a" / "seed_3" / "metrics.jsonl"),
        _lines(tmp_path / "b" / "seed_3" / "metrics.jsonl"),
    )
    assert [r["iteration"] for r in b] == [1, 2, 3, 4]
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            if isinstance(x[k], float):
                np.testing.assert_allclose(x[k], y[k], rtol=1e-4, atol=1e-6, err_msg=k)
            else:
                assert x[k] == y[k], k


def test_cli_rejects_bad_input_before_training(tmp_path):
    runner = CliRunner()
    base = ["run", "--env", "noisy-dark-small", "--num-envs", "2", "--k", "8", "--no-progress"]
    bad = runner.invoke(surprise, [*base, "--seeds", "zero", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "--seeds" in bad.output
    bad = runner.invoke(surprise, ["run", "--env", "nowhere", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "--env" in bad.output
    bad = runner.invoke(surprise, [*base, "--steps", "10", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "raise --steps" in bad.output
    bad = runner.invoke(surprise, [*base, "--n-rounds", "3", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "even number of rounds" in bad.output
    assert not (tmp_path / "x" / "checkpoint.msgpack").exists()


@pytest.mark.slow
def test_cli_run_eval_compare_and_resume_checks(tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    base = (
        "run --method adversarial --env noisy-dark-small --num-envs 2 --k 8 --no-progress"
    ).split()
    result = runner.invoke(surprise, [*base, "--steps", "64", "--seeds", "0,1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "summary.md").exists() and (out / "curves.png").exists()
    assert (out / "checkpoint.msgpack").exists()
    result = runner.invoke(
        surprise, ["eval", "--run", str(out), "--episodes", "3", "--out", str(tmp_path / "e.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "cells_visited" in result.output
    rows = (tmp_path / "e.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 3  # header, 3 episodes for each of 2 seeds
    result = runner.invoke(surprise, ["compare", str(out), "--out", str(tmp_path / "cmp")])
    assert result.exit_code == 0, result.output
    # bad input before training: test_cli_rejects_bad_input_before_training; here, a resume
    changed = [*base, "--steps", "64", "--k", "4", "--out", str(out)]
    bad = runner.invoke(surprise, changed)
    assert bad.exit_code != 0 and "different config" in bad.output
    bad = runner.invoke(surprise, [*base, "--steps", "128", "--seeds", "5", "--out", str(out)])
    assert bad.exit_code != 0 and "seeds" in bad.output
