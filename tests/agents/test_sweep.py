"""``bench agents sweep``: the runs a file names, a two-run sweep on a real local Ray
instance gathered into one table and plot, finished runs skipped, bad files refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

from bench.agents.sweep.config import load_sweep
from bench.agents.sweep.dispatch import finished
from bench.common.cli import bench
from bench.common.run_record import RunRecord

TINY = {"num-envs": 2, "n-rounds": 4, "k": 8, "progress": False}


def _write(tmp_path: Path, **data) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_runs_are_the_product_of_the_axes(tmp_path):
    path = _write(
        tmp_path,
        command="gwil",
        out=str(tmp_path / "s"),
        methods=["gwil", "random"],
        envs=["point-maze"],
        seeds=[0, 1, 2],
        budgets=[1000],
        options={"solver": "exact", "states-only": True},
        metric="eval/true_return",
    )
    runs = load_sweep(path).runs()
    assert len(runs) == 2 * 1 * 1 * 3
    first = runs[0]
    assert first.out == tmp_path / "s" / "gwil" / "point-maze" / "budget-1000" / "seed-0"
    assert first.argv == (
        "gwil", "run", "--method", "gwil", "--domain", "point-maze", "--steps", "1000",
        "--seed", "0", "--solver", "exact", "--states-only", "--out", str(first.out),
    )  # fmt: skip
    assert [r.seed for r in runs[:3]] == [0, 1, 2] and runs[3].method == "random"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"command": "nope", "out": "x", "metric": "m"}, "'command' is 'nope'"),
        ({"command": "gwil", "out": "x", "metric": "m", "sedes": [1]}, "unknown key(s) ['sedes']"),
        ({"command": "gwil", "out": "x"}, "no 'metric'"),
        ({"command": "gwil", "metric": "m"}, "no 'out' directory"),
        ({"command": "gwil", "out": "x", "metric": "m", "seeds": [1, 1]}, "'seeds' repeats"),
        ({"command": "gwil", "out": "x", "metric": "m", "resources": {"cpus": 0}}, "cpus >= 1"),
    ],
)
def test_bad_sweep_files_get_one_line_errors(tmp_path, data, message):
    result = CliRunner().invoke(
        bench, ["agents", "sweep", "--config", str(_write(tmp_path, **data))]
    )
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_a_sweep_file_cannot_run_code(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text("command: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ValueError, match="cannot read the sweep file"):
        load_sweep(path)


def test_finished_needs_ok_and_the_same_arguments(tmp_path):
    path = _write(tmp_path, command="surprise", out=str(tmp_path / "s"), seeds=[0], metric="m")
    (run,) = load_sweep(path).runs()
    assert not finished(run)
    run.out.mkdir(parents=True)
    record = RunRecord(command=["bench", "agents", *run.argv], config={}, seed=0, status="ok")
    record.write(run.out / "run.json")
    assert finished(run)
    RunRecord(command=["bench", "agents", *run.argv, "--steps", "9"], config={}, seed=0, status="ok").write(run.out / "run.json")  # fmt: skip
    assert not finished(run)  # another configuration
    RunRecord(command=["bench", "agents", *run.argv], config={}, seed=0, status="failed").write(run.out / "run.json")  # fmt: skip
    assert not finished(run)


@pytest.mark.slow
def test_two_runs_on_ray_gather_one_table(ray_instance, tmp_path):
    out = tmp_path / "sweep"
    path = _write(
        tmp_path,
        command="surprise",
        out=str(out),
        methods=["random"],
        envs=["noisy-dark-small"],
        budgets=[64],
        seeds=[0, 1],
        options=TINY,
        resources={"cpus": 1},
        metric="coverage/cells_total",
    )
    result = CliRunner().invoke(
        bench, ["agents", "sweep", "--config", str(path), "--executor", "ray"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out / "sweep.parquet")
    assert list(table["seed"]) == [0, 1] and set(table["status"]) == {"ok"}
    for row in table.itertuples():
        lines = (Path(row.out) / row.source).read_text().splitlines()
        assert row.value == json.loads(lines[-1])["coverage/cells_total"] >= 1
    summary = pd.read_csv(out / "sweep_summary.csv")
    values = table["value"].to_numpy()
    half = stats.t.ppf(0.975, 1) * values.std(ddof=1) / np.sqrt(2)
    assert summary.loc[0, "mean"] == pytest.approx(values.mean())
    assert summary.loc[0, "ci95"] == pytest.approx(half, nan_ok=True)
    assert (out / "sweep.png").stat().st_size > 0

    before = {p: p.stat().st_mtime_ns for p in out.glob("random/*/*/*/run.json")}
    again = CliRunner().invoke(
        bench, ["agents", "sweep", "--config", str(path), "--executor", "ray"]
    )
    assert again.exit_code == 0, again.output
    assert "2 finished earlier, 0 to run" in again.output
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing re-ran
    assert set(pd.read_parquet(out / "sweep.parquet")["status"]) == {"skipped"}
