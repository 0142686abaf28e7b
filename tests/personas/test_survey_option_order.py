"""Survey: option-order randomisation maps back to the canonical order; the stage on real parts.

The real-model cases run the embedded SmolLM2-135M on GSS 2018 respondents with the
QA baseline's prompt, on 2 respondents x 3 questions (the paper surveys every respondent).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from bench.personas.datasets import load_dataset
from bench.personas.respondents import subsample_respondents
from bench.personas.survey import (
    SurveyConfig,
    baseline_units,
    demographic_backstory_units,
    matched_units,
    option_order,
    option_orders,
    question_order,
    run_survey,
    to_canonical,
)


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_shown_distribution_maps_back_for_every_permutation(order):
    p = np.array([0.1, 0.2, 0.3, 0.4])  # canonical: P(option k)
    shown = p[list(order)]  # position j shows canonical option order[j]
    np.testing.assert_array_equal(to_canonical(shown, order), p)


def test_to_canonical_refuses_a_non_permutation():
    with pytest.raises(ValueError, match="not a permutation"):
        to_canonical([0.5, 0.5], [0, 0])


def test_reverse_rule_draws_canonical_or_reversed_about_half_each():
    rng = np.random.default_rng(0)
    orders = [tuple(option_order(3, rule="reverse", rng=rng)) for _ in range(400)]
    assert set(orders) == {(0, 1, 2), (2, 1, 0)}
    reversed_share = orders.count((2, 1, 0)) / len(orders)
    assert abs(reversed_share - 0.5) < 0.075  # 3 standard errors of a fair coin at n=400


def test_shuffle_rule_reaches_every_permutation_and_fixed_none():
    rng = np.random.default_rng(1)
    seen = {tuple(option_order(3, rule="shuffle", rng=rng)) for _ in range(300)}
    assert seen == set(itertools.permutations(range(3)))
    assert tuple(option_order(3, rule="fixed", rng=rng)) == (0, 1, 2)


@pytest.fixture(scope="module")
def humans():
    return subsample_respondents(load_dataset("gss2018"), 2, seed=0)


@pytest.mark.slow
def test_survey_rows_are_the_models_answers_in_canonical_order(model, humans):
    from bench.common.inference import ChoiceItem

    questions = humans.questions[:3]
    units = baseline_units(humans, "qa", seed=0)
    config = SurveyConfig(option_order="shuffle")
    answers = run_survey(model, units, questions, config, seed=0, progress=False)
    assert len(answers) == 2 * 3
    assert answers["respondent_id"].tolist() == [str(i) for i in humans.ids for _ in range(3)]
    context = dict(zip(units["unit_id"], units["context"]))
    for row in answers.itertuples():
        q = humans.question(row.question_id)
        shown = tuple(q.options[k] for k in row.option_order)
        # The same prompt again (served from the cache): the model's distribution over
        # the shown letters. Canonical option option_order[j] must carry shown mass j.
        direct = model.choice_distributions([ChoiceItem(context[row.unit_id], q.text, shown)])[0]
        np.testing.assert_allclose(
            np.asarray(row.probabilities)[list(row.option_order)], direct.probs
        )
        assert row.outside_mass == pytest.approx(direct.outside_mass)
        assert row.answer == q.options[row.answer_index]
    again = run_survey(model, units, questions, config, seed=0, progress=False)
    pd.testing.assert_frame_equal(again, answers)


def test_matched_and_dp_units_carry_persona_and_respondent(humans):
    stories = pd.DataFrame(
        {
            "persona_id": ["p0", "p1"],
            "backstory": [" I farm in Kansas.", " I teach in Ohio."],
            "style": ["anthology", "anthology-dp"],
            "respondent_id": [str(i) for i in humans.ids],
        }
    )
    matches = pd.DataFrame(
        {"human_id": humans.ids.tolist(), "persona_id": ["p1", "p1"], "method": "greedy"}
    )
    units = matched_units(humans, stories, matches)
    assert units["condition"].unique().tolist() == ["anthology-greedy"]
    assert units["persona_id"].tolist() == ["p1", "p1"]
    assert (
        units["context"].iloc[0] == "Question: Tell me about yourself.\n\nAnswer: I teach in Ohio."
    )
    dp = demographic_backstory_units(humans, stories)
    assert dp["respondent_id"].tolist() == stories["respondent_id"].tolist()
    with pytest.raises(ValueError, match="does not hold"):
        matched_units(humans, stories.iloc[:1], matches)
    with pytest.raises(ValueError, match="lacks column"):
        matched_units(humans, stories, matches.drop(columns="human_id"))


def _shared_persona_units(humans, condition="anthology-greedy"):
    """Every human matched to one persona, as greedy matching reuses a likely persona."""
    stories = pd.DataFrame(
        {"persona_id": ["p0"], "backstory": [" I farm in Kansas."], "style": ["anthology"]}
    )
    matches = pd.DataFrame({"human_id": humans.ids.tolist(), "persona_id": "p0"})
    return matched_units(humans, stories, matches, condition=condition)


def test_option_order_is_drawn_per_human_persona_and_question():
    humans = subsample_respondents(load_dataset("gss2018"), 6, seed=0)
    questions = humans.questions
    units = _shared_persona_units(humans)
    orders = option_orders(units, questions, rule="reverse", seed=0)
    per_human = {tuple(tuple(o) for o in unit) for unit in orders}
    assert len(per_human) == 6  # one persona, six humans: six different draws
    # The same (human, persona) under another matching sees the same orders (one prompt).
    again = option_orders(
        _shared_persona_units(humans, "anthology-maxweight"), questions, rule="reverse", seed=0
    )
    assert all(np.array_equal(a, b) for x, y in zip(orders, again) for a, b in zip(x, y))
    # The series order is a seeded permutation per unit.
    drawn = question_order(18, seed=0, human="1", persona="p0")
    assert sorted(drawn.tolist()) == list(range(18))
    assert np.array_equal(drawn, question_order(18, seed=0, human="1", persona="p0"))
    assert not np.array_equal(drawn, question_order(18, seed=0, human="2", persona="p0"))


@pytest.mark.slow
def test_a_persona_shared_by_humans_shows_each_its_own_option_order(model):
    humans = subsample_respondents(load_dataset("gss2018"), 6, seed=0)
    units = _shared_persona_units(humans)
    config = SurveyConfig(option_order="shuffle")
    answers = run_survey(model, units, humans.questions[:4], config, seed=0, progress=False)
    seen = answers.groupby("respondent_id")["option_order"].apply(
        lambda orders: tuple(tuple(o) for o in orders)
    )
    assert seen.nunique() > 1


@pytest.mark.slow
def test_series_mode_keeps_the_earlier_answers_in_the_context(model, humans):
    from bench.common.inference import ChoiceItem

    questions = humans.questions[:3]
    units = baseline_units(humans, "qa", seed=0)
    # batch_size 1: a unit's steps in a row, so llama.cpp extends the previous prompt.
    config = SurveyConfig(mode="series", batch_size=1)
    series = run_survey(model, units, questions, config, seed=0, progress=False)
    alone = run_survey(model, units, questions, SurveyConfig(), seed=0, progress=False)
    context = dict(zip(units["unit_id"], units["context"]))
    for unit_id, rows in series.groupby("unit_id", sort=False):
        rows = rows.sort_values("asked_at")
        expected = question_order(3, seed=0, human=unit_id, persona="qa")
        assert rows["asked_at"].tolist() == [0, 1, 2]
        assert rows["question_id"].tolist() == [questions[n].id for n in expected]
        transcript = context[unit_id]
        for step, row in enumerate(rows.itertuples()):
            q = humans.question(row.question_id)
            shown = tuple(q.options[k] for k in row.option_order)
            direct = model.choice_distributions([ChoiceItem(transcript, q.text, shown)])[0]
            np.testing.assert_allclose(
                np.asarray(row.probabilities)[list(row.option_order)], direct.probs
            )
            if step == 0:  # nothing asked before: the question alone
                first = alone[(alone["unit_id"] == unit_id) & (alone["question_id"] == q.id)]
                np.testing.assert_allclose(first["probabilities"].iloc[0], row.probabilities)
            letter = "ABCDEFGH"[list(row.option_order).index(row.answer_index)]
            block = "\n".join(
                [f"Question: {q.text}", *(f"({'ABCDEFGH'[j]}) {o}" for j, o in enumerate(shown))]
            )
            transcript = f"{transcript}\n\n{block}\nAnswer: ({letter})"


@pytest.mark.slow
def test_series_mode_asks_unit_by_unit_on_llama_cpp_with_the_same_answers(humans):
    # llama.cpp keeps only the last prompt: a chunk of units is asked one unit at a time
    # (each prompt extends the last). Asked step by step across the chunk instead (the
    # order for backends that keep many prefixes), every answer is the same. No inference
    # cache: the second survey must reach the model.
    from bench.common.inference import load_model

    questions = humans.questions[:3]
    units = baseline_units(humans, "qa", seed=0).iloc[:3]
    config = SurveyConfig(mode="series", batch_size=3)
    with load_model("embedded", seed=0, use_cache=False, progress=False) as model:
        assert model.backend.keeps_last_prompt_only
        unit_by_unit = run_survey(model, units, questions, config, seed=0, progress=False)
        model.backend.keeps_last_prompt_only = False  # this instance only
        step_by_step = run_survey(model, units, questions, config, seed=0, progress=False)
    assert unit_by_unit["answer_index"].tolist() == step_by_step["answer_index"].tolist()
    np.testing.assert_allclose(
        np.stack(unit_by_unit["probabilities"].to_numpy()),
        np.stack(step_by_step["probabilities"].to_numpy()),
        rtol=1e-5,
        atol=1e-7,
    )
