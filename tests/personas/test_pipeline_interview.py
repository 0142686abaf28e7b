"""``run_pipeline`` with the follow-up's interview and critic conditions on ANES 1996 and the
embedded model: the interview pools are matched and surveyed like the Anthology pool, and
the run's perception gaps are the ones :func:`perception_gaps` computes from its answers.

Sizes are far below the paper's (6 humans, 4 interviews of 10 four-token answers, one
matching, no prompting baselines) so the run takes about a minute on one CPU thread.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench.personas.backstories import BackstoryConfig
from bench.personas.critic import CriticConfig
from bench.personas.interview import InterviewConfig
from bench.personas.perception import perception_gaps
from bench.personas.pipeline import PipelineConfig, run_pipeline
from bench.personas.respondents import subsample_respondents

pytestmark = pytest.mark.slow  # every test here runs the language model


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    config = PipelineConfig(
        dataset="anes1996",
        n=6,
        humans=6,
        seed=3,
        backstories=BackstoryConfig(max_tokens=16, min_words=3),
        matchings=("greedy",),
        baselines=(),
        demographic_primed=False,
        n_splits=2,
        interview=InterviewConfig(turn_tokens=4, min_words=3),
        critic=CriticConfig(),
        interview_n=4,
    )
    out = tmp_path_factory.mktemp("anes-interview")
    return config, out, run_pipeline(config, out, progress=False)


def test_interview_conditions_answer_every_question(run):
    _, out, _ = run
    from bench.personas.datasets import load_dataset

    humans = subsample_respondents(load_dataset("anes1996"), 6, seed=3)
    answers = pd.read_parquet(out / "answers.parquet")
    conditions = set(answers["condition"])
    assert conditions == {"anthology-greedy", "interview-greedy", "interview-critic-greedy"}
    for condition in ("interview-greedy", "interview-critic-greedy"):
        rows = answers[answers["condition"] == condition]
        # every human stands behind one unit, and every unit answers every question
        assert set(rows["respondent_id"].astype(str)) == set(humans.ids.astype(str))
        assert len(rows) == humans.n * len(humans.questions)
    interviews = pd.read_parquet(out / "interviews.parquet")
    assert (interviews["style"] == "interview").all()
    assert all(len(turns) == 10 for turns in interviews["turns"])
    kept = pd.read_parquet(out / "interviews_critic.parquet")
    dropped = pd.read_parquet(out / "interviews_critic.dropped.parquet")
    assert len(kept) + len(dropped) == len(interviews)  # the critic loses no interview
    matched = pd.read_parquet(out / "match_interview_critic_greedy.parquet")
    assert set(matched["persona_id"]) <= set(kept["persona_id"])


def test_run_gaps_equal_perception_gaps_of_its_answers(run):
    _, out, result = run
    from bench.personas.datasets import load_dataset

    humans = subsample_respondents(load_dataset("anes1996"), 6, seed=3)
    expected = perception_gaps(humans, pd.read_parquet(out / "answers.parquet")).table
    written = pd.DataFrame(json.loads((out / "gaps.json").read_text())["gaps"])
    pd.testing.assert_series_equal(
        written["gap"].astype(float), expected["gap"].astype(float), check_names=False
    )
    assert set(expected["condition"]) >= {"interview-greedy", "interview-critic-greedy"}
    report = result.report_path.read_text()
    assert "## In-group / out-group / meta-perception gaps" in report
    assert (out / "plots" / "gaps.png").stat().st_size > 0


def test_critic_without_interview_is_refused():
    with pytest.raises(ValueError, match="--interview"):
        PipelineConfig(dataset="anes1996", critic=CriticConfig())
