"""``bench agents gwil``: run writes its run directory, eval and compare read it, bad input is named."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

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


def _evaluations(run_dir):
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    return [
        (r["global_step"], r["charts/eval_true_return"])
        for r in rows
        if "charts/eval_true_return" in r
    ]


def test_compare_tables_seeds_at_the_common_budget(tmp_path):
    """Three real random-policy runs, one longer: compare cuts it to the others' budget and
    reports the mean and the 95% Student-t half-width of the last evaluations, by hand."""
    runner = CliRunner()
    runs = []
    for seed, steps in ((0, 2000), (1, 2000), (2, 3000)):
        out = tmp_path / f"random-s{seed}"
        result = runner.invoke(
            bench,
            [
                *"agents gwil run --domain maze --method random --out".split(),
                str(out),
                *["--steps", str(steps), "--seed", str(seed)],
            ],
        )
        assert result.exit_code == 0, result.output
        runs.append(out)
    budget = min(max(step for step, _ in _evaluations(r)) for r in runs)
    # each run's evaluation nearest to the budget (they fall at episode ends)
    last = np.array([min(_evaluations(r), key=lambda e: abs(e[0] - budget))[1] for r in runs])
    assert budget == 2000 and max(step for step, _ in _evaluations(runs[2])) == 3000
    result = runner.invoke(
        bench, ["agents", "gwil", "compare", *map(str, runs), "--out", str(tmp_path / "cmp")]
    )
    assert result.exit_code == 0, result.output
    row = pd.read_csv(tmp_path / "cmp" / "summary.csv").iloc[0]
    assert (row["domain"], row["method"], row["seeds"]) == ("maze", "random", 3)
    half = stats.t.ppf(0.975, 2) * last.std(ddof=1) / np.sqrt(3)
    assert row["true_return"] == pytest.approx(last.mean(), rel=1e-12)
    assert row["true_return_ci95"] == pytest.approx(half, rel=1e-12)
    assert row["success"] == 0.0  # a random walk never reaches the goal in 30 steps
    assert (tmp_path / "cmp" / "curves.png").stat().st_size > 0


def test_compare_names_a_directory_that_is_not_a_run(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        bench, ["agents", "gwil", "compare", str(tmp_path / "empty"), "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 2
    assert "empty has no run.json or metrics.jsonl" in result.output
    assert "Traceback" not in result.output


def test_a_run_resumes_only_with_the_same_settings(tmp_path):
    """--steps may grow (the run goes on from its checkpoint); any other change is refused
    in one line, naming it, and the recorded run is kept."""
    runner = CliRunner()
    out = tmp_path / "run"
    base = [*"agents gwil run --domain maze --out".split(), str(out), "--method"]
    assert runner.invoke(bench, [*base, "random", "--steps", "90"]).exit_code == 0
    result = runner.invoke(bench, [*base, "random", "--steps", "150"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "result.json").read_text())["steps"] == 150
    for change, named in ((["random", "--seed", "1"], "seed"), (["gwil"], "demo, method")):
        result = runner.invoke(bench, [*base, *change, "--steps", "150"])
        assert result.exit_code == 2
        assert f"holds a run with other settings ({named})" in result.output
        assert "Traceback" not in result.output
    assert json.loads((out / "run.json").read_text())["config"]["method"] == "random"


def test_scale_sets_the_geometry_and_is_part_of_the_run(tmp_path):
    """--scale replaces the domain's unit (the maze's is the expert's) in the recorded
    config; resuming under the domain's default is another run, refused in one line."""
    runner = CliRunner()
    out = tmp_path / "run"
    base = [*"agents gwil run --domain maze --steps 60 --out".split(), str(out)]
    result = runner.invoke(bench, [*base, "--scale", "each"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["config"]["reward"]["scale"] == "each"
    result = runner.invoke(bench, base)
    assert result.exit_code == 2
    assert "holds a run with other settings (reward.scale)" in result.output


def test_compare_keeps_runs_of_other_settings_apart(tmp_path):
    """Two GWIL runs that differ in their GW unit are two rows, each labelled with the
    setting that sets it apart; a longer budget, or a pseudo-reward setting under a
    baseline that does not read it, does not split a method."""
    runner = CliRunner()
    runs = {
        "each": ["--scale", "each", "--steps", "60"],
        "expert": ["--steps", "60"],  # the maze's own unit
        "random-short": ["--method", "random", "--steps", "60"],
        "random-long": ["--method", "random", "--steps", "90", "--seed", "1", "--scale", "each"],
    }
    for name, options in runs.items():
        out = tmp_path / name
        args = [*"agents gwil run --domain maze --out".split(), str(out), *options]
        result = runner.invoke(bench, args)
        assert result.exit_code == 0, result.output
    dirs = [str(tmp_path / name) for name in runs]
    result = runner.invoke(
        bench, ["agents", "gwil", "compare", *dirs, "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "c" / "summary.csv")
    assert table["method"].tolist() == [
        "gwil (reward.scale=each)",
        "gwil (reward.scale=expert)",
        "random",
    ]
    assert table["seeds"].tolist() == [1, 1, 2]


@pytest.mark.parametrize(
    ("dims", "named"), [("1,2,9", "have 5 dimensions (0..4)"), ("1,x", "e.g. 1,2,4")]
)
def test_agent_dims_outside_the_observation_is_a_usage_error(tmp_path, dims, named):
    out = tmp_path / "run"
    args = [*"agents gwil run --domain pendulum-cartpole --agent-dims".split(), dims]
    result = CliRunner().invoke(bench, [*args, "--out", str(out)])
    assert result.exit_code == 2
    assert "--agent-dims" in result.output and named in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_the_settings_only_gwil_reads_are_train_config_fields():
    from bench.agents.gwil.summary import GWIL_ONLY_SETTINGS
    from bench.agents.gwil.train import TrainConfig

    fields = set(TrainConfig.__dataclass_fields__)
    assert set(GWIL_ONLY_SETTINGS) - fields == {"standardize_rewards"}  # the old name
