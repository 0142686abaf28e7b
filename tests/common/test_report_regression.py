"""`bench report` end to end on suites written into tmp_path (the real code is untouched).

The GW suite solves a real Gromov-Wasserstein problem with POT; its "deliberately worse"
copy caps the solver at one iteration, and the report must fail on that row alone.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.common.cli import bench

GW_SUITE = """
import numpy as np
import ot

MAX_ITER = {max_iter}  # POT's default is 1e4; 1 is the deliberately worse copy


def run(quick: bool) -> list[dict]:
    # A planted instance: the second cloud is a rotated, slightly noisy copy of the first.
    rng = np.random.default_rng(0)
    n = 40 if quick else 200
    x = rng.normal(size=(n, 2))
    rotation = np.array([[np.cos(0.7), -np.sin(0.7)], [np.sin(0.7), np.cos(0.7)]])
    y = (x @ rotation.T + 0.01 * rng.normal(size=(n, 2)))[rng.permutation(n)]
    p = ot.unif(n)
    cost = ot.gromov.gromov_wasserstein2(ot.dist(x, x), ot.dist(y, y), p, p, max_iter=MAX_ITER)
    return [
        dict(suite="gw", name="gw_cost", value=float(cost), unit="", kind="quality",
             higher_is_better=False, tolerance=0.05),
        dict(suite="gw", name="points", value=float(n), unit="", kind="info",
             higher_is_better=None, tolerance=None),
    ]
"""

PLAIN_SUITE = """
def run(quick: bool) -> list[dict]:
    return [
        dict(suite="{suite}", name="score", value={score}, unit="", kind="quality",
             higher_is_better=True, tolerance=0.1),
        dict(suite="{suite}", name="speedup", value=3.0, unit="x", kind="ratio",
             higher_is_better=True, tolerance=None),
    ]
"""


def _write(folder: Path, suite: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"bench_{suite}.py").write_text(textwrap.dedent(text))


def _report(tmp_path: Path, *args: str):
    out = tmp_path / "out"
    argv = ["report", "--quick", "--suite-dir", str(tmp_path / "suites"), "--out", str(out), *args]
    result = CliRunner().invoke(bench, argv)
    results = (
        json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    )
    return result, results


def _statuses(results: dict) -> dict[tuple[str, str], str]:
    return {(r["suite"], r["name"]): r["status"] for r in results["rows"]}


def test_one_iteration_gw_fails_on_the_gw_row(tmp_path, monkeypatch):
    # POT imports torch and jax backends when present (seconds per suite process); the
    # toy suite needs NumPy only, and the suite processes inherit this environment.
    for backend in ("PYTORCH", "JAX", "TENSORFLOW", "CUPY"):
        monkeypatch.setenv(f"POT_BACKEND_DISABLE_{backend}", "1")
    suites = tmp_path / "suites"
    _write(suites, "gw", GW_SUITE.format(max_iter=10000))
    _write(suites, "plain", PLAIN_SUITE.format(suite="plain", score=0.9))

    first, _ = _report(tmp_path, "--update-baseline")
    assert first.exit_code == 0, first.output
    assert "added    gw/gw_cost" in first.stdout
    baseline = json.loads((suites / "baseline.json").read_text())
    converged = baseline["modes"]["quick"]["gw"]["gw_cost"]["value"]
    assert converged < 0.01  # the planted rotation is found

    _write(suites, "gw", GW_SUITE.format(max_iter=1))
    worse, results = _report(tmp_path)
    assert worse.exit_code == 1
    regressed = [line for line in worse.stderr.splitlines() if line.startswith("REGRESSED")]
    assert len(regressed) == 1 and regressed[0].startswith("REGRESSED gw/gw_cost:")
    assert f"baseline={converged:.6g}" in regressed[0] and "tolerance=0.05 rel" in regressed[0]
    assert _statuses(results) == {
        ("gw", "gw_cost"): "regressed",
        ("gw", "points"): "info",
        ("plain", "score"): "ok",
        ("plain", "speedup"): "ok",
    }
    assert results["passed"] is False
    md = (tmp_path / "out" / "report.md").read_text()
    assert "**FAIL**: 1 regressed row(s)" in md and "| gw | gw_cost |" in md
    assert (tmp_path / "out" / "plots" / "gw.png").stat().st_size > 0
    assert json.loads((tmp_path / "out" / "run.json").read_text())["status"] == "ok"


def test_crashing_suite_is_a_failure_row_and_the_others_run(tmp_path):
    _write(tmp_path / "suites", "boom", "def run(quick):\n    raise RuntimeError('kaput')\n")
    _write(tmp_path / "suites", "fine", PLAIN_SUITE.format(suite="fine", score=1.0))
    result, results = _report(tmp_path)
    assert result.exit_code == 1
    assert "FAILED suite boom: exit code 1:" in result.stderr
    assert "exit code 1: RuntimeError: kaput (full output: " in result.stderr
    log = (tmp_path / "out" / "logs" / "boom.log").read_text()
    assert "Traceback" in log and "RuntimeWarning" not in log
    assert _statuses(results) == {
        ("boom", "(suite failed)"): "failed",
        ("fine", "score"): "new",
        ("fine", "speedup"): "new",
    }


def test_no_baseline_means_new_rows_and_a_pass(tmp_path):
    _write(tmp_path / "suites", "fine", PLAIN_SUITE.format(suite="fine", score=1.0))
    result, results = _report(tmp_path)
    assert result.exit_code == 0, result.output
    assert "bench report: PASS" in result.stdout
    assert set(_statuses(results).values()) == {"new"}
    assert "**PASS**" in (tmp_path / "out" / "report.md").read_text()


def test_rows_breaking_the_contract_fail_their_suite(tmp_path):
    text = PLAIN_SUITE.format(suite="fine", score=1.0).replace('kind="quality"', 'kind="speed"')
    _write(tmp_path / "suites", "fine", text)
    _write(tmp_path / "suites", "stray", PLAIN_SUITE.format(suite="other", score=1.0))
    result, _ = _report(tmp_path)
    assert result.exit_code == 1
    assert "FAILED suite fine:" in result.stderr and "'score': 'kind' is 'speed'" in result.stderr
    assert "every row's 'suite' must be 'stray'" in result.stderr


def test_only_selects_suites_and_names_unknown_ones(tmp_path):
    _write(tmp_path / "suites", "a", PLAIN_SUITE.format(suite="a", score=1.0))
    _write(tmp_path / "suites", "b", "def run(quick):\n    raise RuntimeError('not run')\n")
    result, results = _report(tmp_path, "--only", "a")
    assert result.exit_code == 0, result.output
    assert {s["suite"] for s in results["suites"]} == {"a"}
    bad, _ = _report(tmp_path, "--only", "nope")
    assert bad.exit_code == 2
    assert "--only nope: no such suite" in bad.output and "found: a, b" in bad.output


def test_resume_and_update_baseline_diff(tmp_path):
    suites = tmp_path / "suites"
    _write(suites, "a", PLAIN_SUITE.format(suite="a", score=1.0))
    assert _report(tmp_path, "--update-baseline")[0].exit_code == 0

    _write(suites, "a", PLAIN_SUITE.format(suite="a", score=0.5))
    failed, _ = _report(tmp_path)
    assert failed.exit_code == 1 and "REGRESSED a/score: value=0.5 baseline=1" in failed.stderr

    # Accepting the change re-uses the finished run (the suite now crashes if re-run).
    _write(suites, "a", "def run(quick):\n    raise RuntimeError('must not re-run')\n")
    accepted, _ = _report(tmp_path, "--resume", "--update-baseline")
    assert accepted.exit_code == 0, accepted.output
    assert "1 row(s) changed" in accepted.stdout
    assert "changed  a/score: 1.0 -> 0.5" in accepted.stdout
    baseline = json.loads((suites / "baseline.json").read_text())
    assert baseline["modes"]["quick"]["a"]["score"]["value"] == 0.5
    assert "full" not in baseline["modes"]  # a quick run only writes quick rows


REAL_SUITES = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.slow
@pytest.mark.skipif(
    not (REAL_SUITES / "bench_ot.py").exists(), reason="benchmarks/bench_ot.py not written yet"
)
def test_real_ot_suite_follows_the_contract(tmp_path):
    out = tmp_path / "out"
    argv = ["report", "--quick", "--suite-dir", str(REAL_SUITES), "--only", "ot", "--out", str(out),
            "--baseline", str(tmp_path / "baseline.json")]  # fmt: skip
    result = CliRunner().invoke(bench, argv)
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["rows"] and {r["suite"] for r in results["rows"]} == {"ot"}
    assert {r["status"] for r in results["rows"]} <= {"new", "info", "unchecked"}


def test_report_is_listed_and_light_to_import():
    import subprocess
    import sys

    assert "report" in CliRunner().invoke(bench, ["--help"]).output
    # `bench --help` imports the command for its help line: that must not pull in
    # matplotlib or pandas (plots are imported when drawn).
    code = "import sys, bench.common.report.cli; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
