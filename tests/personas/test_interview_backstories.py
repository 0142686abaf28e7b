"""Interview backstories: ten turns in order, each conditioned on the earlier answers,
resumable after a kill; on the embedded SmolLM2-135M at a small size (2 personas, 8 new
tokens per answer instead of ~250 words) so each case runs in seconds on one thread.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from bench.personas.interview import InterviewConfig, generate_interviews
from bench.personas.journal import Journal
from bench.personas.prompts.interview import (
    INTERVIEW_QUESTIONS,
    interview_prompt,
)

pytestmark = pytest.mark.slow  # every test here runs the language model

TOPICS = [
    "life_story",
    "turning_point",
    "people",
    "neighborhood",
    "routine",
    "politics",
    "race",
    "health",
    "vaccination",
    "mental_health",
]


def test_the_ten_questions_in_order():
    assert [q.topic for q in INTERVIEW_QUESTIONS] == TOPICS
    assert "childhood" in INTERVIEW_QUESTIONS[0].text
    assert "turning point" in INTERVIEW_QUESTIONS[1].text
    assert "outside your family" in INTERVIEW_QUESTIONS[2].text
    assert "race" in INTERVIEW_QUESTIONS[6].text and "vaccin" in INTERVIEW_QUESTIONS[8].text
    assert "depressed or anxious" in INTERVIEW_QUESTIONS[9].text


def test_prompt_holds_the_transcript_so_far_then_the_next_question():
    prompt = interview_prompt(["I grew up in Ohio.", "I quit my job."])
    assert prompt.startswith("Question: Are you a US citizen?\n\nAnswer: Yes.\n\n")
    q = [x.text for x in INTERVIEW_QUESTIONS]
    assert (
        f"Question: {q[0]}\n\nAnswer: I grew up in Ohio.\n\n"
        f"Question: {q[1]}\n\nAnswer: I quit my job.\n\n"
        f"Question: {q[2]}\n\nAnswer:"
    ) in prompt
    assert prompt.endswith("Answer:")
    with pytest.raises(ValueError, match="10 questions; 10 are answered"):
        interview_prompt(["a"] * 10)


class Killed(Exception):
    """Stands for the process being killed mid-run."""


class Recorder:
    """The real model, with every generate() call's prompts recorded (or a kill after
    ``kill_after`` calls, as a killed process would stop)."""

    def __init__(self, model, kill_after: int | None = None):
        self.model, self.kill_after = model, kill_after
        self.prompts: list[list[str]] = []

    def generate(self, prompts, params):
        if self.kill_after is not None and len(self.prompts) >= self.kill_after:
            raise Killed("killed")
        self.prompts.append(list(prompts))
        return self.model.generate(prompts, params)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    from bench.common.inference import load_model

    # No inference cache: a resumed run must get its earlier answers from the journal.
    lm = load_model("embedded", seed=0, use_cache=False, progress=False, threads=1)
    yield lm
    lm.close()


SMALL = InterviewConfig(turn_tokens=8, min_words=1)


@pytest.fixture(scope="module")
def interviewed(model):
    """Two uninterrupted interviews (seed 5) and the prompts the model was sent."""
    recorder = Recorder(model)
    return generate_interviews(recorder, 2, SMALL, seed=5, progress=False), recorder


def test_interview_has_ten_turns_each_conditioned_on_the_earlier_answers(interviewed):
    table, recorder = interviewed
    assert list(table.columns[:5]) == ["persona_id", "backstory", "style", "seed", "n_words"]
    assert table["persona_id"].tolist() == ["interview-5-000000", "interview-5-000001"]
    assert (table["style"] == "interview").all() and (table["turn_tokens"] == 8).all()
    # batch_size 1: persona 0's ten turns, then persona 1's, one call per turn
    assert len(recorder.prompts) == 20 and all(len(p) == 1 for p in recorder.prompts)
    for row, calls in zip(table.itertuples(), [recorder.prompts[:10], recorder.prompts[10:]]):
        turns = list(row.turns)
        assert [t["topic"] for t in turns] == TOPICS
        assert [t["question"] for t in turns] == [q.text for q in INTERVIEW_QUESTIONS]
        answers = [t["answer"] for t in turns]
        for t, (prompt,) in enumerate(calls):
            assert prompt.endswith(f"Question: {INTERVIEW_QUESTIONS[t].text}\n\nAnswer:")
            for earlier in range(t):
                block = (
                    f"Question: {INTERVIEW_QUESTIONS[earlier].text}\n\nAnswer: {answers[earlier]}"
                )
                assert block.rstrip() in prompt
        assert row.backstory == "\n\n".join(a for a in answers if a)
        assert row.n_words == len(row.backstory.split())


def test_a_killed_interview_run_resumes_to_the_same_table(model, interviewed, tmp_path):
    whole, _ = interviewed
    path = tmp_path / "interviews.parquet.partial.jsonl"
    killed = Recorder(model, kill_after=13)  # persona 0 done, persona 1 at turn 3
    with pytest.raises(Killed):
        generate_interviews(killed, 2, SMALL, seed=5, journal=Journal(path), progress=False)
    resumed = Recorder(model)
    table = generate_interviews(resumed, 2, SMALL, seed=5, journal=Journal(path), progress=False)
    assert len(resumed.prompts) == 20 - 13  # only the turns the journal lacked
    pd.testing.assert_frame_equal(table, whole)


def test_cli_interview_style_writes_the_backstories_schema(tmp_path, monkeypatch):
    from bench.personas.cli import personas

    monkeypatch.setenv("BENCH_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "interviews.parquet"
    result = CliRunner().invoke(
        personas,
        [
            "backstories",
            "--style",
            "interview",
            "-n",
            "1",
            "--turn-tokens",
            "8",
            "--min-words",
            "1",
            "--seed",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "critic:" in result.output  # the critic is on by default for interviews
    table = pd.read_parquet(out)
    assert table["style"].tolist() == ["interview"] and len(table["turns"].iloc[0]) == 10
    assert {"critic_verdict", "critic_conflicts", "critic_regenerations"} <= set(table.columns)
    assert (tmp_path / "interviews.dropped.parquet").exists()
    assert (tmp_path / "interviews.parquet.run.json").exists()
    assert not (tmp_path / "interviews.parquet.partial.jsonl").exists()


def test_an_interview_persona_answers_from_the_whole_transcript():
    # The context keeps every interviewer question before its answer, in order, not only
    # the answers under the single Anthology question.
    from bench.personas.demographics import persona_contexts
    from bench.personas.interview import turn_records

    answers = [f" Answer number {t}." for t in range(len(INTERVIEW_QUESTIONS))]
    table = pd.DataFrame(
        {
            "persona_id": ["interview-0-000000"],
            "backstory": ["\n\n".join(a.strip() for a in answers)],
            "style": ["interview"],
            "turns": [turn_records(answers)],
        }
    )
    (context,) = persona_contexts(table)
    expected = "\n\n".join(
        f"Question: {q.text}\n\nAnswer: {a.strip()}" for q, a in zip(INTERVIEW_QUESTIONS, answers)
    )
    assert context == expected
    assert context.count("Question: ") == len(INTERVIEW_QUESTIONS)


@pytest.mark.slow
def test_generated_interviews_answer_from_their_transcripts(interviewed):
    from bench.personas.demographics import persona_contexts

    table, _ = interviewed
    for row, context in zip(table.itertuples(), persona_contexts(table)):
        position = 0
        for turn in row.turns:
            block = f"Question: {turn['question']}\n\nAnswer: {turn['answer']}".rstrip()
            found = context.find(block, position)
            assert found >= position, block
            position = found + len(block)
