"""The Anthology and baseline prompts contain what the papers' prompts contain.

Expected strings are written out by hand from the Anthology code
(CannyLab/anthology: self_generate.yaml, survey_utils.generate_answer_forcing_prompt,
atp_baseline_survey.generate_baseline_prompt_prefix) and from GSS 2018 respondent 164's
row (age 52 -> "50-64", sex 1 -> Female, degree 1 -> High school, race 3 -> Other,
partyid 1 -> Not very strong Democrat, polviews 4 -> Moderate; income not asked).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.personas.backstories import profile_answers
from bench.personas.datasets import load_dataset
from bench.personas.prompts import (
    ProfileAnswer,
    answer_forcing,
    backstory_prompt,
    bio_prompt,
    bio_sentence,
    demographic_backstory_prompt,
    multiple_choice,
    persona_context,
    portray_prompt,
    qa_prompt,
)


@pytest.fixture(scope="module")
def profile() -> list[ProfileAnswer]:
    return profile_answers(load_dataset("gss2018"), 164)


def test_backstory_prompt_is_the_anthology_code_prompt():
    assert backstory_prompt() == (
        "Question: Are you a US citizen?\n\nAnswer: Yes.\n\n"
        "Question: Tell me about yourself. How old are you? Where did you grow up? What events "
        "made you who you are? What matters to you and what do you enjoy?\n\nAnswer:"
    )
    assert backstory_prompt(preamble_question="") == (
        "Question: Tell me about yourself. How old are you? Where did you grow up? What events "
        "made you who you are? What matters to you and what do you enjoy?\n\nAnswer:"
    )


def test_answer_forcing_matches_the_code_for_two_to_four_options():
    # survey_utils.generate_answer_forcing_prompt(2), (3), (4)
    assert answer_forcing(2) == "Answer with (A), or (B)."
    assert answer_forcing(3) == "Answer with (A), (B), or (C)."
    assert answer_forcing(4) == "Answer with (A), (B), (C), or (D)."
    assert multiple_choice("What is your sex?", ["Male", "Female"]) == (
        "Question: What is your sex?\n(A) Male\n(B) Female\nAnswer with (A), or (B).\nAnswer:"
    )


def test_profile_of_respondent_164_skips_the_unasked_income(profile):
    stated = {item.trait: item.answer_text for item in profile}
    assert stated == {
        "age": "50-64",
        "sex": "Female",
        "education": "High school",
        "race": "Other",
        "party": "Not very strong Democrat",
        "ideology": "Moderate, middle of the road",
    }


def test_qa_prompt_states_each_trait_as_an_answered_question(profile):
    text = qa_prompt(profile, rng=np.random.default_rng(0))
    assert (
        "Question: What is your sex?\n(A) Male\n(B) Female\nAnswer with (A), or (B).\nAnswer: (B)"
        in text
    )
    assert "Question: What is your age?\n(A) 18-29\n(B) 30-49\n(C) 50-64\n(D) 65 or older\n" in text
    assert "Answer with (A), (B), (C), or (D).\nAnswer: (C)" in text
    assert text.count("Question: ") == 6 and "income" not in text.lower()


def test_bio_prompt_is_one_first_person_description(profile):
    text = bio_prompt(profile, rng=np.random.default_rng(0))
    assert text.startswith(
        "Below you will be asked to provide a short description of your demographic "
        "information, and then answer some questions.\n\nDescription: "
    )
    for sentence in (
        "My age is 50-64.",
        "I consider my gender as female.",
        "My highest level of education is high school.",
        "I consider my race as other.",
        "I consider my political affiliation as not very strong Democrat.",
        "In terms of political ideology, I consider myself moderate, middle of the road.",
    ):
        assert sentence in text


def test_bio_sentence_articles_follow_the_code():
    party = ("A", "Democrat", "Independent")
    assert bio_sentence(ProfileAnswer("party", "?", party, 1)) == (
        "I consider my political affiliation as a Democrat."
    )
    assert bio_sentence(ProfileAnswer("party", "?", party, 2)) == (
        "I consider my political affiliation as an Independent."
    )
    assert bio_sentence(ProfileAnswer("hobby", "?", ("Chess", "Golf"), 1)) == "My hobby is Golf."


def test_portray_prompt_lists_trait_lines(profile):
    text = portray_prompt(profile, rng=np.random.default_rng(0))
    lines = text.split("\n")
    assert lines[0] == (
        "Answer the following questions as if you are a person with the following "
        "demographic information provided below."
    )
    assert sorted(lines[1:]) == sorted(
        [
            "age: 50-64",
            "sex: Female",
            "education: High school",
            "race: Other",
            "party: Not very strong Democrat",
            "ideology: Moderate, middle of the road",
        ]
    )


def test_trait_order_is_drawn_per_respondent(profile):
    orders = {portray_prompt(profile, rng=np.random.default_rng(s)) for s in range(20)}
    assert len(orders) > 5  # 6! = 720 orders; 20 draws all alike would mean no shuffle
    assert portray_prompt(profile, rng=np.random.default_rng(3)) == portray_prompt(
        profile, rng=np.random.default_rng(3)
    )


def test_demographic_backstory_prompt(profile):
    text = demographic_backstory_prompt(profile, rng=np.random.default_rng(0))
    assert text.startswith(
        "Below you will be asked to complete some demographic questions, and then answer a "
        "question.\n\nQuestion: "
    )
    assert text.endswith(")\n\nQuestion: Tell me about yourself.\n\nAnswer:")
    assert "(B) Female\nAnswer with (A), or (B).\nAnswer: (B)" in text
    assert text.count("Question: ") == 7


def test_persona_context_is_the_backstory_turn_and_text():
    assert persona_context(" I grew up in Ohio.\n") == (
        "Question: Tell me about yourself. How old are you? Where did you grow up? What events "
        "made you who you are? What matters to you and what do you enjoy?\n\nAnswer: I grew up in Ohio."
    )
    assert persona_context(" Hi.", question="Tell me about yourself.") == (
        "Question: Tell me about yourself.\n\nAnswer: Hi."
    )


def test_persona_context_never_glues_the_answer_to_the_colon():
    # A chat-template generation starts its turn without the space a raw completion
    # carries: the answer still follows "Answer:" after one space. White space the model
    # did write (a raw completion's " I", a new line) is kept as written.
    turn = "Question: Tell me about yourself.\n\nAnswer:"
    assert persona_context("I am 40.", question="Tell me about yourself.") == f"{turn} I am 40."
    assert persona_context(" I am 40. ", question="Tell me about yourself.") == f"{turn} I am 40."
    assert persona_context("\nI am 40.", question="Tell me about yourself.") == f"{turn}\nI am 40."
