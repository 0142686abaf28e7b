"""``bench personas run`` end to end on real GSS 2018 rows and the embedded model; a run
killed with SIGKILL and re-run equals an uninterrupted one; bad input gets a clear error.

Sizes are far below the paper's (5 personas, 4 humans (the evaluation's smallest group), 24-token backstories, 3 traits and
3 questions of GSS 2018 through a dataset spec) so that three runs take well under a
minute on two CPU cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bench.common.cli import bench
from bench.personas.pipeline import MATCHINGS

TRAITS = ("age", "sex", "ideology")
QUESTIONS = ("natspac", "natenvir", "natarms")
# The default run's stage files, every matching among them.
PERSONA_FILES = ("backstories.parquet", "backstories_dp.parquet", "demographics.parquet")
STAGE_FILES = (*PERSONA_FILES, *(f"match_{m}.parquet" for m in MATCHINGS), "answers.parquet")


@pytest.fixture(scope="module")
def small_spec(cut_gss2018_spec) -> Path:
    """gss2018's own spec cut to 3 traits and 3 questions, over the bundled table."""
    return cut_gss2018_spec(TRAITS, QUESTIONS)


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "BENCH_CACHE": str(cache), "OMP_NUM_THREADS": "1"}


def _run_and_kill(argv: list[str], env: dict[str, str], signs: list[Path]) -> None:
    """Start the run and SIGKILL it as soon as one of ``signs`` exists and is not empty."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not any(p.exists() and p.stat().st_size > 0 for p in signs):
        assert process.poll() is None, f"the run ended before {signs[0].name} appeared"
        assert time.monotonic() < deadline, f"no {signs[0].name} in 300 s"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def _read(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / name) for name in STAGE_FILES}


@pytest.mark.slow
def test_killed_run_resumes_to_the_uninterrupted_result(small_spec, small_run_command, tmp_path):
    whole = tmp_path / "whole"
    done = subprocess.run(
        small_run_command(small_spec, whole),
        env=_env(tmp_path / "cache-whole"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    resumed = tmp_path / "resumed"
    # Its own cache: the resume must not lean on the first run's results.
    env = _env(tmp_path / "cache-resumed")
    # Kill once when the first stage's output appears, again in the middle of the survey
    # (its journal holds some units), then let a third invocation finish.
    argv = small_run_command(small_spec, resumed)
    _run_and_kill(
        argv,
        env,
        [resumed / "backstories.parquet.partial.jsonl", resumed / "backstories.parquet"],
    )
    _run_and_kill(argv, env, [resumed / "answers.parquet.partial.jsonl"])
    assert not (resumed / "answers.parquet").exists()  # killed before the end
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]

    first, second = _read(whole), _read(resumed)
    for name in STAGE_FILES:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    pd.testing.assert_frame_equal(
        pd.read_csv(whole / "summary.csv"), pd.read_csv(resumed / "summary.csv")
    )
    assert not list(resumed.glob("*.partial.jsonl"))  # journals are removed once a stage ends

    answers = first["answers.parquet"]
    assert set(answers["condition"]) == {
        "bio",
        "qa",
        "portray",
        "anthology-dp",
        "anthology-greedy",
        "anthology-maxweight",
        "anthology-maxweight-loglik",
        "anthology-random",
    }
    assert answers.groupby("condition")["unit_id"].nunique().eq(4).all()
    assert set(answers["question_id"]) == set(QUESTIONS)
    report = (whole / "report.md").read_text()
    assert "| anthology-maxweight |" in report and "human split-half" in report
    assert "## Time per stage" in report and "humans: 4" in report
    for plot in ("representativeness", "distributions", "correlations"):
        assert (whole / "plots" / f"{plot}.png").stat().st_size > 0


def test_demographics_refuses_backstories_without_the_text_column(tmp_path):
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"persona_id": ["p0"], "text": ["I farm."]}).to_parquet(bad)
    result = CliRunner().invoke(
        bench,
        [
            "personas",
            "demographics",
            "--backstories",
            str(bad),
            "--out",
            str(tmp_path / "d.parquet"),
        ],
    )
    assert result.exit_code == 2
    assert "lacks column(s) ['backstory']" in result.output
    assert "bench personas backstories" in result.output


def test_survey_refuses_an_unknown_condition(tmp_path):
    result = CliRunner().invoke(
        bench, ["personas", "survey", "--personas", "oracle", "--out", str(tmp_path / "a.parquet")]
    )
    assert result.exit_code == 2
    assert "unknown condition 'oracle'" in result.output
    assert "qa, bio, portray, anthology:MATCH.parquet" in result.output


def test_survey_needs_backstories_for_matched_personas(tmp_path):
    result = CliRunner().invoke(
        bench,
        [
            "personas",
            "survey",
            "--personas",
            "anthology:m.parquet",
            "--out",
            str(tmp_path / "a.parquet"),
        ],
    )
    assert result.exit_code == 2
    assert "needs --backstories" in result.output


def test_run_refuses_more_humans_than_personas_for_maxweight(tmp_path):
    result = CliRunner().invoke(
        bench, ["personas", "run", "-n", "2", "--humans", "3", "--out", str(tmp_path / "run")]
    )
    assert result.exit_code == 2
    assert "maxweight matching is one-to-one" in result.output
