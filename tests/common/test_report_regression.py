"""`bench report` end to end on suites written into tmp_path (the real code is untouched).

The GW suite solves a real Gromov-Wasserstein problem with POT; its "deliberately worse"
copy caps the solver at one iteration, and the report must fail on that row alone.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

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


def _report(tmp_path: Path, *args: str) -> tuple[Result, dict[str, Any]]:
    """The command's result and its results.json ({} when it wrote none)."""
    out = tmp_path / "out"
    argv = ["report", "--quick", "--suite-dir", str(tmp_path / "suites"), "--out", str(out), *args]
    result = CliRunner().invoke(bench, argv)
    results = (
        json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else {}
    )
    return result, results


def _statuses(results: dict) -> dict[tuple[str, str], str]:
    return {(r["suite"], r["name"]): r["status"] for r in results["rows"]}


@pytest.mark.slow
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


def test_recorded_long_runs_are_shown_after_the_suites(tmp_path):
    suites = tmp_path / "suites"
    _write(suites, "fine", PLAIN_SUITE.format(suite="fine", score=1.0))
    (suites / "long_runs").mkdir()
    (suites / "long_runs" / "curves.png").write_bytes(b"\x89PNG not really")
    page = "# A run\n\n```bash\n# a shell comment\n```\n\n![curves](curves.png) [doc](https://x.org/a)\n"
    (suites / "long_runs" / "a_run.md").write_text(page)
    (suites / "long_runs" / "b_broken.md").write_bytes(b"\xff\xfe not utf-8")
    result, _ = _report(tmp_path)
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "report.md").read_text()
    section = md[md.index("## Long runs (recorded, not re-run by this report)") :]
    assert md.index("## fine") < md.index("## Long runs")
    assert "\n### A run\n" in section and "\n# a shell comment\n" in section  # code untouched
    assert "![curves](long_runs/curves.png) [doc](https://x.org/a)" in section
    assert (tmp_path / "out" / "long_runs" / "curves.png").read_bytes() == b"\x89PNG not really"
    assert "b_broken.md` skipped: not UTF-8 text; save it as UTF-8." in section


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


# A sampled figure: each seed is a new draw for each thread count, as on another CPU.
SAMPLED_SUITE = """
import os

import numpy as np

from bench.common.report.rows import row, seed_statistic

SHIFT = {shift}  # 0: the same method; a planted regression moves every seed by SHIFT


def run(quick):
    threads = int(os.environ["BENCH_THREADS"])
    values = [10.0 + SHIFT + np.random.default_rng([seed, threads]).normal() for seed in range(5)]
    return [
        seed_statistic("sampled", "return", values, "", True, 0.0),
        row("sampled", "threads", threads, "", "info"),
    ]
"""

# What the harness fixes for a suite, whatever the caller's environment says.
ENVIRONMENT_SUITE = """
import os
from pathlib import Path

from bench.common.report.rows import row
from bench.common.threads import free_cores

VARIABLES = ("BENCH_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run(quick):
    cache = Path(os.environ["BENCH_CACHE"])
    fresh = not cache.exists() or not any(cache.iterdir())
    rows = [row("env", v, float(os.environ[v]), "", "info") for v in VARIABLES]
    rows.append(row("env", "free_cores", free_cores(), "", "info"))
    rows.append(row("env", "fresh_cache", float(fresh), "", "info"))
    rows.append(row("env", "cache_is_callers", float(str(cache) == "{callers_cache}"), "", "info"))
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "entry").write_text("a cached answer")
    return rows
"""

# The real maximum-weight matching; the broken copy uses a greedy one-to-one pass instead.
MATCHING_SUITE = """
import numpy as np

from bench.personas.matching import ProfileWeights, match_weights

METHOD = "{method}"  # "maxweight"; "greedy-unique" is the deliberately broken copy


def run(quick):
    rng = np.random.default_rng(0)
    counts = np.array([9, 7, 5, 4, 3, 2])  # 30 humans in 6 demographic profiles
    log_w = np.log(rng.dirichlet(np.ones(40), size=len(counts)))  # against 40 personas
    profile = np.repeat(np.arange(len(counts)), counts)
    weights = ProfileWeights(np.arange(len(counts))[:, None] * 1.0, counts, profile, log_w)
    chosen = match_weights(weights, METHOD)
    total = float(log_w[profile, chosen].sum())
    return [dict(suite="matching", name="total_log_weight", value=total, unit="", kind="quality",
                 higher_is_better=True, tolerance=1e-9)]
"""

# The real representativeness; the broken copy swaps its W1 for twice the total variation.
METRIC_SUITE = """
import importlib

import numpy as np

from bench.common.metrics import representativeness

if {broken}:  # the package exports a function of the module's name: fetch the module itself
    module = importlib.import_module("bench.common.metrics.representativeness")
    module.wasserstein_1d = lambda p, q, normalize=False: np.abs(np.subtract(p, q)).sum(axis=-1)


def run(quick):
    human = {{"q1": [0.1, 0.2, 0.7], "q2": [0.5, 0.5, 0.0]}}
    model = {{"q1": [0.6, 0.3, 0.1], "q2": [0.0, 0.5, 0.5]}}
    wd = representativeness(human, model).wd  # CDF gaps: q1 0.5 + 0.6, q2 0.5 + 0.5; mean 1.05
    return [dict(suite="metric", name="wd", value=wd, unit="", kind="quality",
                 higher_is_better=None, tolerance=1e-9)]
"""


@pytest.mark.slow
def test_sampled_figure_passes_at_other_thread_counts_and_a_shift_fails(tmp_path):
    suites = tmp_path / "suites"
    _write(suites, "sampled", SAMPLED_SUITE.format(shift=0.0))
    first, _ = _report(tmp_path, "--update-baseline", "--threads", "1")
    assert first.exit_code == 0, first.output
    stored = json.loads((suites / "baseline.json").read_text())
    assert stored["modes"]["quick"]["sampled"]["return"]["seeds"] == 5
    assert stored["machines"]["quick"]["threads"] == 1
    assert stored["machines"]["quick"]["cpu_model"]
    # Two and three threads: other draws (other floats), the same method: both pass.
    for threads in ("2", "3"):
        other, results = _report(tmp_path, "--threads", threads)
        assert other.exit_code == 0, other.output
        values = {r["name"]: r for r in results["rows"]}
        assert values["threads"]["value"] == float(threads)
        assert values["return"]["value"] != stored["modes"]["quick"]["sampled"]["return"]["value"]
        assert results["machine"]["threads"] == int(threads)
    # A planted regression of 3 points (about 5 standard errors of the difference) fails.
    _write(suites, "sampled", SAMPLED_SUITE.format(shift=-3.0))
    worse, results = _report(tmp_path, "--threads", "2")
    assert worse.exit_code == 1
    assert "REGRESSED sampled/return:" in worse.stderr and "4 SE" in worse.stderr
    md = (tmp_path / "out" / "report.md").read_text()
    assert " ± " in md and "Baseline recorded on:" in md


def test_harness_sets_threads_and_a_fresh_cache_whatever_the_caller_says(tmp_path, monkeypatch):
    callers = tmp_path / "callers-cache"
    for variable in ("BENCH_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, "7")
    monkeypatch.setenv("BENCH_CACHE", str(callers))
    _write(tmp_path / "suites", "env", ENVIRONMENT_SUITE.format(callers_cache=callers))
    for _ in range(2):  # the second run must find an empty cache again
        result, results = _report(tmp_path, "--threads", "2")
        assert result.exit_code == 0, result.output
        values = {r["name"]: r["value"] for r in results["rows"]}
        assert values == {
            "BENCH_THREADS": 2.0,
            "OMP_NUM_THREADS": 2.0,
            "OPENBLAS_NUM_THREADS": 2.0,
            "MKL_NUM_THREADS": 2.0,
            "free_cores": 2.0,
            "fresh_cache": 1.0,
            "cache_is_callers": 0.0,
        }
    assert not callers.exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suite", "good", "broken"),
    [
        ("matching", MATCHING_SUITE.format(method="maxweight"), MATCHING_SUITE.format(method="greedy-unique")),
        ("metric", METRIC_SUITE.format(broken=False), METRIC_SUITE.format(broken=True)),
    ],
)  # fmt: skip
def test_a_broken_matching_or_metric_fails_the_report(tmp_path, suite, good, broken):
    suites = tmp_path / "suites"
    _write(suites, suite, good)
    first, results = _report(tmp_path, "--update-baseline")
    assert first.exit_code == 0, first.output
    if suite == "metric":
        assert results["rows"][0]["value"] == pytest.approx(1.05, abs=1e-12)
    _write(suites, suite, broken)
    worse, results = _report(tmp_path, "--threads", "2")
    assert worse.exit_code == 1, worse.output
    assert [r["status"] for r in results["rows"]] == ["regressed"]


REAL_SUITES = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.slow
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


DATACLASS_SUITE = """
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Setup:
    score: float


def run(quick: bool) -> list[dict]:
    return [
        dict(suite="shaped", name="score", value=Setup(0.5).score, unit="", kind="quality",
             higher_is_better=True, tolerance=0.1),
    ]
"""


def test_a_suite_that_defines_a_dataclass_runs(tmp_path):
    # dataclasses look up the defining module in sys.modules while it executes; a suite
    # loaded from its file path must be registered there or the import fails.
    _write(tmp_path / "suites", "shaped", DATACLASS_SUITE)
    result, results = _report(tmp_path)
    assert result.exit_code == 0, result.output
    assert _statuses(results) == {("shaped", "score"): "new"}
