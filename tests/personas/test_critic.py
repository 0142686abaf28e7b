"""The LLM critic: planted contradictions are caught and consistent texts pass.

Texts are written here. The LM part (the narrator's age, read by the embedded
SmolLM2-135M and kept only when the text states that age) is checked on its own
(``age_source="lm"``) as well as with the first-person rules.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from bench.personas.critic import (
    CriticConfig,
    age_mentions,
    critique,
    grounded_age,
    review_backstories,
    rule_facts,
)
from bench.personas.interview import join_answers, turn_records

AGE_BAD = [
    "I am 23 years old and I grew up in a small town in Ohio.",
    "I work at a bakery near my apartment.",
    "At my 70th birthday party last year, my grandchildren sang to me.",
]
AGE_OK = [
    "I am 23 years old and I grew up in a small town in Ohio.",
    "I work at a bakery near my apartment.",
    "At my 22nd birthday party last year, my roommates sang to me.",
]
PARTY_BAD = [
    "I have always voted for the Democrats. I am a registered Democrat.",
    "My neighbours are friendly.",
    "As a lifelong Republican, I believe in low taxes.",
]
PARTY_OK = [
    "I have always voted for the Democrats. I am a registered Democrat.",
    "My neighbours are friendly.",
    "As a lifelong Democrat, I believe in public schools.",
]
MARRIED_BAD = ["My wife and I have been married for twenty years.", "I have never been married."]
PAST_AGE_OK = [
    "When I was 12, my family moved to Texas.",
    "Now I'm 45 and I teach school in Austin.",
]
NO_FACTS = ["I like to walk my dog in the park.", "I had 3 cups of coffee and worked 8 hours."]


# -- the deterministic parts -------------------------------------------------------------
def test_age_mentions_are_present_ages_only():
    assert age_mentions("At my 70th birthday party last year") == {70}
    assert age_mentions("I'm 45 now, and I work 12 hours a day") == {45}
    assert age_mentions("When I was 12 years old we moved; my son is 17") == set()
    assert age_mentions("I had 3 cups of coffee") == set()


def test_grounding_discards_invented_ages():
    assert grounded_age("The narrator is 70 years old", "my 70th birthday") == 70
    assert grounded_age("The narrator is 22 years old", "I like to walk my dog.") is None
    assert grounded_age("The narrator is 12", "When I was 12, we moved.") is None


def test_rules_read_first_person_statements():
    facts = {(f.fact, f.value) for f in rule_facts(" ".join(PARTY_BAD), 0)}
    assert facts == {("party", "Democrat"), ("party", "Republican")}
    assert {(f.fact, f.value) for f in rule_facts("My father was a Republican.", 0)} == set()
    assert {(f.fact, f.value) for f in rule_facts(" ".join(MARRIED_BAD), 0)} == {
        ("marital", "ever"),
        ("marital", "never"),
    }


def test_rules_alone_flag_the_planted_cases():
    rules = CriticConfig(age_source="rules")
    flagged = [r.flagged for r in critique(None, [AGE_BAD, AGE_OK, PARTY_BAD, PARTY_OK], rules)]
    assert flagged == [True, False, True, False]


# -- on the embedded model ---------------------------------------------------------------
@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from bench.common.inference import load_model

    lm = load_model(
        "embedded", seed=0, cache_dir=tmp_path_factory.mktemp("cache"), progress=False, threads=1
    )
    yield lm
    lm.close()


@pytest.mark.slow
def test_the_lm_alone_catches_the_planted_age_contradiction(model):
    lm_only = CriticConfig(facts=("age",), age_source="lm")
    bad, ok, past = critique(model, [AGE_BAD, AGE_OK, PAST_AGE_OK], lm_only)
    assert [c.as_dict() for c in bad.conflicts] == [
        {"fact": "age", "segments": [0, 2], "values": ["23", "70"]}
    ]
    assert {f.source for f in bad.facts} == {"lm"}
    assert not ok.flagged and not past.flagged


def test_the_critic_flags_planted_contradictions_and_passes_consistent_texts(model):
    cases = [AGE_BAD, AGE_OK, PARTY_BAD, PARTY_OK, MARRIED_BAD, PAST_AGE_OK, NO_FACTS]
    results = critique(model, cases)
    assert [r.flagged for r in results] == [True, False, True, False, True, False, False]
    assert {c.fact for c in results[0].conflicts} == {"age"}
    assert [c.as_dict() for c in results[2].conflicts] == [
        {"fact": "party", "segments": [0, 2], "values": ["Democrat", "Republican"]}
    ]
    assert {c.fact for c in results[4].conflicts} == {"marital"}


def _interview_row(answers: list[str], persona_id: str) -> dict:
    text = join_answers(answers)
    return {
        "persona_id": persona_id,
        "backstory": text,
        "style": "interview",
        "seed": 0,
        "n_words": len(text.split()),
        "turns": turn_records(answers),
        "turn_tokens": 8,
    }


FILLER = ["I like the park near my house."] * 10


@pytest.mark.slow
def test_review_regenerates_the_flagged_answer_or_drops_the_backstory(model):
    consistent = list(FILLER)
    consistent[0] = "I am a registered Democrat and I grew up in Ohio."
    planted = list(consistent)
    planted[5] = "As a lifelong Republican, I think taxes are too high."
    table = pd.DataFrame(
        [
            _interview_row(consistent, "interview-0-000000"),
            _interview_row(planted, "interview-0-000001"),
        ]
    )
    strict = review_backstories(model, table, CriticConfig(regenerations=0), seed=0)
    assert strict.counts == {"passed": 1, "regenerated": 0, "dropped": 1}
    assert strict.dropped["persona_id"].tolist() == ["interview-0-000001"]
    assert json.loads(strict.dropped["critic_conflicts"].iloc[0]) == [
        {"fact": "party", "segments": [0, 5], "values": ["Democrat", "Republican"]}
    ]

    repaired = review_backstories(model, table, CriticConfig(regenerations=2), seed=0)
    assert repaired.counts["dropped"] == 0
    row = repaired.kept.set_index("persona_id").loc["interview-0-000001"]
    assert row["critic_verdict"] == "regenerated" and row["critic_regenerations"] >= 1
    answers = [t["answer"] for t in row["turns"]]
    assert answers[:5] == planted[:5] and answers[6:] == planted[6:]  # only turn 5 re-sampled
    assert "Republican" not in answers[5] and answers[5] != planted[5]
    assert row["backstory"] == join_answers(answers)
    assert repaired.kept.set_index("persona_id").loc["interview-0-000000", "critic_verdict"] == (
        "passed"
    )


@pytest.mark.slow
def test_cli_critic_drops_a_contradictory_plain_backstory(tmp_path, monkeypatch):
    from bench.personas.cli import personas

    monkeypatch.setenv("BENCH_CACHE", str(tmp_path / "cache"))
    backstories = tmp_path / "b.parquet"
    texts = [" ".join(AGE_BAD), " ".join(AGE_OK)]
    pd.DataFrame(
        {
            "persona_id": ["anthology-0-000000", "anthology-0-000001"],
            "backstory": texts,
            "style": "anthology",
            "seed": 0,
            "n_words": [len(t.split()) for t in texts],
        }
    ).to_parquet(backstories)
    out = tmp_path / "checked.parquet"
    result = CliRunner().invoke(
        personas, ["critic", "--backstories", str(backstories), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    kept = pd.read_parquet(out)
    dropped = pd.read_parquet(tmp_path / "checked.dropped.parquet")
    assert kept["persona_id"].tolist() == ["anthology-0-000001"]
    assert kept["critic_verdict"].tolist() == ["passed"]
    assert dropped["persona_id"].tolist() == ["anthology-0-000000"]
    assert json.loads(dropped["critic_conflicts"].iloc[0])[0]["fact"] == "age"
    assert (tmp_path / "checked.parquet.run.json").exists()
