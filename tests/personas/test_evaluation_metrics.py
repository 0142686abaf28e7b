"""Evaluation: zero distance for a copy, a hand-worked case, weights, subgroups, plots, CLI."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import wasserstein_distance

from bench.common.metrics import answer_distribution
from bench.personas.datasets import dataset_from_spec, load_dataset
from bench.personas.evaluation import (
    HUMAN_BOUND,
    EvaluationConfig,
    _distributions,
    evaluate_answers,
)

SPEC = {
    "name": "hand",
    "id": "id",
    "weight": "w",
    "demographics": {"sex": {"column": "sex", "options": {0: "Male", 1: "Female"}}},
    "questions": [
        {"id": "q1", "column": "q1", "text": "?", "options": {0: "No", 1: "Yes"}},
        {"id": "q2", "column": "q2", "text": "?", "options": {0: "Low", 1: "Mid", 2: "High"}},
    ],
}


def _answers(condition: str, table: pd.DataFrame, weights=None) -> pd.DataFrame:
    """Long answers (the survey stage's format) from a (respondent, question) position table."""
    long = table.stack().rename("answer_index").reset_index()
    long.columns = ["respondent_id", "question_id", "answer_index"]
    w = 1.0 if weights is None else long["respondent_id"].map(weights)
    return long.assign(
        condition=condition, respondent_id=long["respondent_id"].astype(str), weight=w
    )


def test_persona_answers_equal_to_the_humans_give_zero_distance():
    ds = load_dataset("anes1996")
    table = evaluate_answers(ds, _answers("copy", ds.answers()), None, EvaluationConfig(n_splits=3))
    row = table.summary.set_index("condition").loc["copy"]
    assert (
        row["wd"] == 0
        and row["wd_normalized"] == 0
        and row["frobenius"] == pytest.approx(0, abs=1e-12)
    )
    assert row["alpha"] == pytest.approx(row["alpha_human"])
    bound = table.summary.set_index("condition").loc[HUMAN_BOUND]
    assert bound["wd"] > 0 and bound["n_units"] == 944 // 2


def test_hand_worked_two_question_case():
    humans = pd.DataFrame(
        {"id": [1, 2, 3, 4], "w": 1.0, "sex": [0, 0, 1, 1], "q1": [0, 0, 1, 1], "q2": [0, 1, 2, 2]}
    )
    ds = dataset_from_spec(SPEC, humans, source="hand")
    personas = pd.DataFrame({"q1": [0, 0, 0, 1], "q2": [0, 0, 1, 2]}, index=[1, 2, 3, 4])
    table = evaluate_answers(ds, _answers("p", personas), None, EvaluationConfig(n_splits=5))
    row = table.summary.set_index("condition").loc["p"]
    # q1: h = (.5, .5), m = (.75, .25): W1 = .25 (K-1 = 1). q2: h = (.25, .25, .5),
    # m = (.5, .25, .25): CDF gaps .25 and .25 -> W1 = .5, normalised .25.
    assert row["wd"] == pytest.approx((0.25 + 0.5) / 2)
    assert row["wd_normalized"] == pytest.approx((0.25 + 0.25) / 2)
    # 2 questions: ||R_h - R_m||_F = sqrt(2) |r_h - r_m|
    r_h = np.corrcoef(humans["q1"], humans["q2"])[0, 1]
    r_m = np.corrcoef(personas["q1"], personas["q2"])[0, 1]
    assert row["frobenius"] == pytest.approx(np.sqrt(2) * abs(r_h - r_m))
    per_q = table.per_question.set_index("question")
    assert per_q.loc["q2", "wd"] == pytest.approx(0.5)


def test_split_half_bound_reports_its_spread_over_the_splits():
    # Humans 1, 2 answer 0 and humans 3, 4 answer 1 to both questions: the split {1,2 | 3,4}
    # has WD 1, the other two splits 0. So each split's WD is 0 or 1, and the standard
    # deviation (ddof 1) over S splits is fixed by their mean m: sqrt(m (1 - m) S / (S - 1)).
    humans = pd.DataFrame(
        {"id": [1, 2, 3, 4], "w": 1.0, "sex": [0, 0, 1, 1], "q1": [0, 0, 1, 1], "q2": [0, 0, 2, 2]}
    )
    ds = dataset_from_spec(SPEC, humans, source="hand")
    splits = 50
    table = evaluate_answers(
        ds,
        _answers("p", humans.set_index("id")[["q1", "q2"]]),
        None,
        EvaluationConfig(n_splits=splits),
    )
    bound = table.summary.set_index("condition").loc[HUMAN_BOUND]
    m = bound["wd"] / ((1 + 2) / 2)  # the split {1,2 | 3,4} has WD (1 + 2) / 2 on the raw scale
    assert 0 < m < 1
    assert bound["wd_sd"] == pytest.approx(1.5 * np.sqrt(m * (1 - m) * splits / (splits - 1)))
    assert np.isnan(table.summary.set_index("condition").loc["p", "wd_sd"])


def test_probabilities_source_averages_the_units_distributions():
    humans = pd.DataFrame(
        {"id": [1, 2, 3, 4], "w": 1.0, "sex": [0, 0, 1, 1], "q1": [0, 0, 1, 1], "q2": [0, 1, 2, 2]}
    )
    ds = dataset_from_spec(SPEC, humans, source="hand")
    answers = _answers("p", humans.set_index("id")[["q1", "q2"]])
    # every unit says q1 = (.5, .5) and q2 = (.25, .25, .5): the humans' distributions
    answers["probabilities"] = [
        [0.5, 0.5] if q == "q1" else [0.25, 0.25, 0.5] for q in answers["question_id"]
    ]
    table = evaluate_answers(
        ds, answers, None, EvaluationConfig(n_splits=2, answer_source="probabilities")
    )
    assert table.summary.set_index("condition").loc["p", "wd"] == pytest.approx(0, abs=1e-12)
    # a unit-mass answer on "Low" for q2: m = (1, 0, 0), CDF gaps .75 and .5 -> W1 = 1.25
    answers["probabilities"] = [
        [0.5, 0.5] if q == "q1" else [1.0, 0.0, 0.0] for q in answers["question_id"]
    ]
    table = evaluate_answers(
        ds, answers, None, EvaluationConfig(n_splits=2, answer_source="probabilities")
    )
    assert table.per_question.set_index("question").loc["q2", "wd"] == pytest.approx(1.25)


def test_survey_weights_enter_the_human_distribution():
    rng = np.random.default_rng(0)
    n = 200
    humans = pd.DataFrame(
        {
            "id": np.arange(n),
            "w": rng.uniform(0.2, 3.0, n),
            "sex": rng.integers(0, 2, n),
            "q1": rng.integers(0, 2, n),
            "q2": rng.integers(0, 3, n).astype(float),
        }
    )
    humans.loc[:9, "q2"] = np.nan  # skipped
    ds = dataset_from_spec(SPEC, humans, source="weighted")
    personas = pd.DataFrame(
        {"q1": rng.integers(0, 2, n), "q2": rng.integers(0, 3, n)}, index=humans["id"]
    )
    table = evaluate_answers(ds, _answers("p", personas), None, EvaluationConfig(n_splits=2))
    answered = humans["q2"].notna()
    expected = wasserstein_distance(
        humans.loc[answered, "q2"], personas["q2"], u_weights=humans.loc[answered, "w"]
    )
    assert table.per_question.set_index("question").loc["q2", "wd"] == pytest.approx(expected)
    # the fast histogram is the formula of bench.common.metrics.answer_distribution
    ours = _distributions(humans[["q2"]], humans["w"].to_numpy(), {"q2": 3})["q2"]
    reference = answer_distribution(humans["q2"], [0, 1, 2], weights=humans["w"]).probabilities
    np.testing.assert_allclose(ours, reference)


def test_by_trait_breaks_down_by_option_groups():
    ds = load_dataset("anes1996")
    table = evaluate_answers(
        ds, _answers("copy", ds.answers()), "age", EvaluationConfig(n_splits=2)
    )
    groups = list(dict.fromkeys(table.summary["group"]))
    assert groups == ["all", "18-29", "30-49", "50-64", "65 or older"]
    counts = table.summary[table.summary["condition"] == "copy"].set_index("group")["n_humans"]
    assert counts.drop("all").sum() == counts["all"] == 944
    with pytest.raises(ValueError, match="--by 'religion'"):
        evaluate_answers(ds, _answers("copy", ds.answers()), "religion")


def test_bad_answers_name_the_problem():
    ds = load_dataset("anes1996")
    answers = _answers("copy", ds.answers())
    with pytest.raises(ValueError, match="questions \\['natspac'\\]"):
        evaluate_answers(ds, answers.assign(question_id="natspac"))
    with pytest.raises(ValueError, match="lacks columns \\['answer_index'\\]"):
        evaluate_answers(ds, answers.drop(columns=["answer_index"]))


def test_markdown_keeps_a_bar_inside_a_condition_name_in_its_cell():
    ds = load_dataset("anes1996")
    answers = _answers("qa|bio", ds.answers())
    table = evaluate_answers(ds, answers, None, EvaluationConfig(n_splits=2))
    rows = [line for line in table.to_markdown().splitlines() if line.startswith("|")]
    # cells are split at a "|" that is not escaped: every row has one per column
    cells = {len(re.split(r"(?<!\\)\|", row)) - 2 for row in rows}
    assert cells == {len(table.summary.columns)}
    assert "qa\\|bio" in table.to_markdown()


def test_evaluate_command_writes_json_markdown_and_plots(tmp_path):
    from bench.personas.cli import personas

    ds = load_dataset("anes1996")
    rng = np.random.default_rng(1)
    noisy = ds.answers().apply(
        lambda c: rng.permutation(c.to_numpy())
    )  # same marginals, no correlation
    answers = pd.concat([_answers("copy", ds.answers()), _answers("shuffled", noisy)])
    answers.to_parquet(tmp_path / "answers.parquet")
    out = tmp_path / "metrics.json"
    result = CliRunner().invoke(
        personas,
        [
            "evaluate",
            "--dataset",
            "anes1996",
            "--answers",
            str(tmp_path / "answers.parquet"),
            "--out",
            str(out),
            "--splits",
            "2",
            "--plots",
            str(tmp_path / "plots"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "raw ordinal scale" in out.with_suffix(".md").read_text()
    summary = pd.read_csv(out.with_suffix(".csv")).set_index("condition")
    assert summary.loc["shuffled", "wd"] == pytest.approx(0)  # a permutation keeps each marginal
    assert summary.loc["shuffled", "frobenius"] > summary.loc["copy", "frobenius"]
    assert (tmp_path / "plots" / "correlations.png").stat().st_size > 0
    assert (tmp_path / "plots" / "distributions.png").stat().st_size > 0
    assert (tmp_path / "metrics.json.run.json").exists()


@pytest.mark.slow
def test_a_condition_that_always_answers_a_scores_worse_than_a_bootstrap_copy():
    # gss2018's humans; "bootstrap": each unit answers as a human drawn with replacement;
    # "always-a": every unit picks option A everywhere; "almost-a": option A everywhere
    # except two questions copied from the humans (a condition collapsed on all others).
    ds = load_dataset("gss2018")
    humans = ds.answers()
    rng = np.random.default_rng(0)
    bootstrap = humans.iloc[rng.integers(0, ds.n, ds.n)].set_axis(humans.index)
    always_a = humans * 0.0
    almost_a = always_a.copy()
    kept = list(humans.columns[:2])
    almost_a[kept] = humans[kept]
    answers = pd.concat(
        [
            _answers("bootstrap", bootstrap),
            _answers("always-a", always_a.fillna(0.0)),
            _answers("almost-a", almost_a.fillna(0.0)),
        ]
    )
    summary = evaluate_answers(ds, answers, None, EvaluationConfig(n_splits=2)).summary
    summary = summary.set_index("condition")
    q = len(ds.questions)
    for collapsed in ("always-a", "almost-a"):
        assert summary.loc[collapsed, "frobenius"] > summary.loc["bootstrap", "frobenius"]
        # the humans' question set, for every condition
        assert summary.loc[collapsed, "n_questions_corr"] == q
    assert summary.loc["always-a", "n_undefined_corr"] == q * (q - 1)
    assert summary.loc["almost-a", "n_undefined_corr"] == q * (q - 1) - 2
    assert summary.loc["bootstrap", "n_undefined_corr"] == 0
