"""Demographic survey: the outside-mass arithmetic, and the stage on GSS 2018 traits with
the real embedded model (2 hand-written backstories; the paper surveys thousands)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.personas.datasets import load_dataset
from bench.personas.demographics import (
    PREFER_NOT_TO_ANSWER,
    DemographicsConfig,
    survey_demographics,
    trait_distribution,
)
from bench.personas.journal import Journal
from bench.personas.prompts import persona_context


def test_trait_distribution_moves_prefer_not_to_answer_outside():
    # Shown: Male, Female, Prefer not to answer; 20% of the next-token mass elsewhere.
    # Mass: Male 0.5*0.8 = 0.40, Female 0.3*0.8 = 0.24 -> outside 1 - 0.64 = 0.36.
    p, outside = trait_distribution([0.5, 0.3, 0.2], 0.2, 2)
    np.testing.assert_allclose(p, [0.40 / 0.64, 0.24 / 0.64])
    assert outside == pytest.approx(0.36)


def test_trait_distribution_with_no_mass_on_the_options_is_uniform():
    p, outside = trait_distribution([0.0, 0.0, 1.0], 0.0, 2)
    np.testing.assert_array_equal(p, [0.5, 0.5])
    assert outside == 1.0


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown demographic-survey method 'vote'"):
        DemographicsConfig(method="vote")


STORIES = pd.DataFrame(
    {
        "persona_id": ["w", "m"],
        "backstory": [
            " I am a 72-year-old woman. I was a nurse in Georgia for forty years.",
            " I am a 23-year-old man studying engineering in Oregon.",
        ],
        "style": ["anthology", "anthology"],
    }
)


@pytest.mark.slow
def test_logprob_survey_of_every_gss_trait(model, tmp_path):
    from bench.common.inference import ChoiceItem

    traits = load_dataset("gss2018").demographics
    journal = Journal(tmp_path / "demo.partial.jsonl")
    table = survey_demographics(model, STORIES, traits, journal=journal, progress=False)
    assert len(table) == 2 * sum(len(t.options) for t in traits)
    sums = table.groupby(["persona_id", "trait"])["probability"].sum()
    np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    assert table["outside_mass"].between(0, 1).all() and (table["method"] == "logprob").all()
    # The sex rows of persona "w" are the model's letter probabilities for that question,
    # with "Prefer not to answer" shown last and counted outside.
    sex = next(t for t in traits if t.name == "sex")
    direct = model.choice_distributions(
        [
            ChoiceItem(
                persona_context(STORIES["backstory"][0]),
                sex.question,
                (*sex.options, PREFER_NOT_TO_ANSWER),
            )
        ]
    )[0]
    expected, outside = trait_distribution(direct.probs, direct.outside_mass, 2)
    rows = table[(table["persona_id"] == "w") & (table["trait"] == "sex")]
    np.testing.assert_allclose(rows["probability"], expected)
    assert rows["option"].tolist() == ["Male", "Female"]
    assert rows["outside_mass"].iloc[0] == pytest.approx(outside)
    # Resuming from the journal asks the model nothing.
    calls = model.usage.model_calls
    again = survey_demographics(
        model, STORIES, traits, journal=Journal(journal.path), progress=False
    )
    pd.testing.assert_frame_equal(again, table)
    assert model.usage.model_calls == calls


@pytest.mark.slow
def test_sample_method_counts_k_answers(model):
    sex = [t for t in load_dataset("gss2018").demographics if t.name == "sex"]
    table = survey_demographics(
        model, STORIES, sex, DemographicsConfig(method="sample", k=10), progress=False
    )
    assert (table["method"] == "sample").all()
    # Each persona's answers are 10 samples: the kept share and each option's count are
    # multiples of 1/10 of the whole.
    for _, rows in table.groupby("persona_id"):
        kept = 1 - rows["outside_mass"].iloc[0]
        counts = rows["probability"].to_numpy() * kept * 10
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
