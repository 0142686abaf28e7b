"""Backstories: dedupe / too-short filtering on given texts, and the stage on the real model.

The real-model cases use the embedded SmolLM2-135M at a small size (4 backstories of at
most 48 new tokens instead of the paper's 1500) so that they run in seconds on a CPU.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bench.personas.backstories import (
    BackstoryConfig,
    accept_backstories,
    anthology_slots,
    demographic_slots,
    generate_backstories,
)
from bench.personas.datasets import load_dataset
from bench.personas.journal import Journal
from bench.personas.respondents import subsample_respondents


def test_accept_drops_short_and_duplicate_texts_in_order():
    texts = [
        "I grew up on a farm in Iowa and moved to Chicago",  # 11 words: kept
        "Too short.",  # 2 words: dropped
        "I  grew up on a FARM in Iowa and moved to Chicago\n",  # same words: duplicate
        "My name is Ana and I teach school in Texas every day",  # kept
    ]
    assert accept_backstories(texts, min_words=5) == [True, False, False, True]


def test_accept_dedupes_against_earlier_rounds():
    seen: set[str] = set()
    assert accept_backstories(["one two three"], min_words=1, seen=seen) == [True]
    assert accept_backstories(["One two  three", "four"], min_words=1, seen=seen) == [False, True]


def test_min_words_zero_keeps_empty_text_once():
    assert accept_backstories(["", " ", "x"], min_words=0) == [True, False, True]


def test_config_refuses_unknown_style():
    with pytest.raises(ValueError, match="unknown backstory style 'interview'"):
        BackstoryConfig(style="interview")


SMALL = BackstoryConfig(max_tokens=48, min_words=10, batch_size=2)


@pytest.mark.slow
def test_anthology_backstories_on_the_embedded_model(model, tmp_path):
    journal = Journal(tmp_path / "b.parquet.partial.jsonl")
    table = generate_backstories(
        model, anthology_slots(4), SMALL, seed=7, journal=journal, progress=False
    )
    assert list(table.columns[:5]) == ["persona_id", "backstory", "style", "seed", "n_words"]
    assert len(table) == 4  # 4 slots, up to 8 attempts each: a 135M model fills them
    assert table["persona_id"].tolist() == [f"anthology-7-{j:06d}" for j in range(4)]
    assert (table["n_words"] >= 10).all()
    assert (table["n_words"] == table["backstory"].str.split().str.len()).all()
    assert table["backstory"].str.lower().str.split().str.join(" ").is_unique
    assert (table["style"] == "anthology").all() and (table["seed"] == 7).all()
    # Every attempt is journaled; a second call with the same journal samples nothing new.
    calls = model.usage.model_calls
    again = generate_backstories(
        model, anthology_slots(4), SMALL, seed=7, journal=Journal(journal.path), progress=False
    )
    pd.testing.assert_frame_equal(again, table)
    assert model.usage.model_calls == calls


@pytest.mark.slow
def test_dp_backstories_state_their_respondents_profiles(model):
    humans = subsample_respondents(load_dataset("gss2018"), 2, seed=0)
    slots = demographic_slots(humans, humans.ids.tolist(), seed=0)
    assert "Question: Tell me about yourself.\n\nAnswer:" in slots[0].prompt
    config = BackstoryConfig(style="anthology-dp", max_tokens=48, min_words=5, batch_size=2)
    table = generate_backstories(model, slots, config, seed=0, progress=False)
    assert table["respondent_id"].tolist() == [str(i) for i in humans.ids]
    stated = json.loads(table["prompt_demographics"].iloc[0])
    profile = humans.profile(humans.ids.iloc[0])
    for trait in humans.demographics:
        if profile[trait.name] is not None:
            assert stated[trait.name] == trait.options[profile[trait.name]]
            assert f"({'ABCDEFGH'[profile[trait.name]]}) {stated[trait.name]}" in slots[0].prompt


@pytest.mark.slow
def test_persona_context_of_a_generated_backstory_keeps_it_as_generated(model):
    # The context every later survey reads: the backstory turn, then the text exactly as
    # generate_backstories returns it, separated from "Answer:" by white space.
    from bench.personas.demographics import persona_contexts
    from bench.personas.prompts import BACKSTORY_QUESTION

    table = generate_backstories(model, anthology_slots(3), SMALL, seed=3, progress=False)
    turn = f"Question: {BACKSTORY_QUESTION}\n\nAnswer:"
    for text, context in zip(table["backstory"], persona_contexts(table)):
        assert context.startswith(turn)
        answer = context[len(turn) :]
        assert answer[:1].isspace()  # never "Answer:I ..."
        assert answer.strip() == text.strip()
        if text[:1].isspace():
            assert answer == text.rstrip()  # a raw completion's leading space, as generated
