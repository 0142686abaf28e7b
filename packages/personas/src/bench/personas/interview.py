"""Interview backstories: each persona answers ten life-history questions in turn.

The Anthology follow-up's long backstories (:mod:`bench.personas.prompts.interview`): for
turn t = 0..9 the model answers question t from a prompt holding the persona's answers
to questions 0..t-1, sampled at temperature 1 with top-p 1 (the Anthology sampling). The
ten answers, joined by blank lines, are the persona's backstory; the turns are kept.

Length. The paper's interviews average about 2,500 words. ``turn_tokens`` caps each answer
(default 48 new tokens, about 35 words, so about 350 words an interview): a setting forced
by this machine (a 135M model on one shared CPU thread), not the paper's. Raise it where
there is the compute (``--turn-tokens``); the transcript of ten long answers must fit the
model's context (4096 tokens for the embedded model).

Slots, attempts and seeds as in :mod:`bench.personas.backstories`: ``n`` interviews fill
``n`` slots; in round a each open slot gets attempt a; open slots are cut into chunks of
``batch_size`` and each chunk runs its ten turns in order, one model call per turn, with
the seed derived from (``seed``, a, turn, the chunk's first slot). The result is fixed
by ``seed`` and ``batch_size``. A finished interview is accepted when its joined text has
at least ``min_words`` words and is not a duplicate of an accepted one (the Anthology
filter, :func:`bench.personas.backstories.accept_backstories`); rejected slots are
interviewed again next round, up to ``max_attempts``.

Batching. Each turn is one ``model.generate`` call over the chunk's personas (a batching
backend such as vLLM runs them together). llama.cpp (the embedded model) runs prompts one
by one and keeps the key/value cache of the last prompt only, so there ``batch_size=1``
is fastest: turn t+1's prompt extends turn t's and only the new text is evaluated.

Resumable: every answer is journaled (``OUT.partial.jsonl``, key ``slot/attempt/turn``)
the moment its call returns, by the same helper the Anthology backstories use
(:func:`bench.personas.backstories.generate_journaled`); a restart samples only what the
journal lacks.

File format: ``backstories.parquet`` with the Anthology columns (persona_id, backstory,
style, seed, n_words, attempt, finish_reason; ``style`` = ``interview``) plus
``turns`` (list of {topic, question, answer}, in interview order) and ``turn_tokens``;
the critic (:mod:`bench.personas.critic`) adds its verdict columns. Demographics, matching
and the survey read it unchanged; the persona's context is the full transcript (question,
answer, question, ...; :func:`bench.personas.demographics.persona_contexts`), ``backstory``
the answers alone (for word counts and dedupe).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from tqdm.auto import tqdm

from bench.common.inference import Model, SamplingParams
from bench.common.inference.params import derive_seed
from bench.personas.backstories import (
    BACKSTORY_COLUMNS,
    accept_backstories,
    generate_journaled,
    n_words,
    persona_id,
)
from bench.personas.journal import Journal
from bench.personas.prompts import STOP_STRINGS
from bench.personas.prompts.interview import (
    INTERVIEW_QUESTIONS,
    InterviewQuestion,
    interview_prompt,
)

STYLE = "interview"


@dataclass(frozen=True)
class InterviewConfig:
    """How interviews are sampled and filtered.

    Sampling is the Anthology code's (T = 1, top-p = 1); ``turn_tokens`` is this
    machine's small per-answer budget (the paper's interviews average ~2,500 words).
    """

    temperature: float = 1.0  # T, Anthology code (llm_parameters/*.yaml)
    top_p: float = 1.0  # nucleus p, Anthology code
    turn_tokens: int = 48  # max new tokens per answer; machine-forced (paper: ~250 words/turn)
    min_words: int = 30  # drop shorter interviews (the whole transcript's answers)
    max_attempts: int = 8  # rounds of re-interviewing a slot whose interview was rejected
    batch_size: int = 1  # personas per model call; 1 keeps llama.cpp's prefix cache warm
    questions: tuple[InterviewQuestion, ...] = INTERVIEW_QUESTIONS

    def __post_init__(self) -> None:
        if self.turn_tokens < 1 or self.max_attempts < 1 or self.batch_size < 1:
            raise ValueError(
                "InterviewConfig: turn_tokens, max_attempts and batch_size must be >= 1"
            )
        if self.min_words < 0 or not self.questions:
            raise ValueError("InterviewConfig: min_words must be >= 0 and questions non-empty")

    def params(self, seed: int) -> SamplingParams:
        return SamplingParams(
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.turn_tokens,
            stop=STOP_STRINGS,
            seed=seed,
        )


def join_answers(answers: Sequence[str]) -> str:
    """The interview as one narrative: the non-empty answers, separated by blank lines."""
    return "\n\n".join(a.strip() for a in answers if a.strip())


def turn_records(
    answers: Sequence[str], questions: Sequence[InterviewQuestion] = INTERVIEW_QUESTIONS
) -> list[dict[str, str]]:
    """The ``turns`` cell: one {topic, question, answer} per question, in order.

    Answers are stored stripped: the transcript joins each to its ``"Answer:"`` with one
    space, as the interview prompts did when the later answers were sampled.
    """
    return [
        {"topic": q.topic, "question": q.text, "answer": a.strip()}
        for q, a in zip(questions, answers)
    ]


def _key(slot: int, attempt: int, turn: int) -> str:
    return f"{slot}/{attempt}/{turn}"


def generate_interviews(
    model: Model,
    n: int,
    config: InterviewConfig | None = None,
    *,
    seed: int,
    journal: Journal | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Interview ``n`` personas (see the module docstring); one row per accepted slot.

    ``config`` None -> :class:`InterviewConfig`'s defaults. Slots still rejected after
    ``max_attempts`` rounds are left out.
    """
    config = config if config is not None else InterviewConfig()
    journal = journal if journal is not None else Journal(None)
    n_turns = len(config.questions)
    accepted: dict[int, int] = {}  # slot -> accepted attempt
    seen: set[str] = set()
    open_slots = list(range(n))
    # One tick per interview turn sampled (or found in the journal); a re-interview round
    # adds its turns to the total.
    bar = tqdm(total=0, desc="backstories (interview turns)", disable=not progress)
    with bar:
        for attempt in range(config.max_attempts):
            if not open_slots:
                break
            bar.total += len(open_slots) * n_turns
            bar.refresh()
            for start in range(0, len(open_slots), config.batch_size):
                chunk = open_slots[start : start + config.batch_size]
                for turn in range(n_turns):
                    keys = [_key(j, attempt, turn) for j in chunk]
                    if all(key in journal for key in keys):
                        bar.update(len(chunk))
                        continue
                    prompts = [
                        interview_prompt(
                            _answers(journal, j, attempt, turn), questions=config.questions
                        )
                        for j in chunk
                    ]
                    params = config.params(derive_seed("interview", seed, attempt, turn, chunk[0]))
                    generate_journaled(model, prompts, keys, params, journal)
                    bar.update(len(chunk))
            texts = [join_answers(_answers(journal, j, attempt, n_turns)) for j in open_slots]
            keep = accept_backstories(texts, min_words=config.min_words, seen=seen)
            still_open = []
            for j, ok in zip(open_slots, keep):
                if ok:
                    accepted[j] = attempt
                else:
                    still_open.append(j)
            open_slots = still_open
    journal.close()
    return _table(journal, accepted, config, seed=seed)


def _answers(journal: Journal, slot: int, attempt: int, turns: int) -> list[str]:
    return [journal[_key(slot, attempt, t)]["text"] for t in range(turns)]


def _table(
    journal: Journal, accepted: dict[int, int], config: InterviewConfig, *, seed: int
) -> pd.DataFrame:
    n_turns = len(config.questions)
    rows = []
    for j in sorted(accepted):
        attempt = accepted[j]
        answers = _answers(journal, j, attempt, n_turns)
        text = join_answers(answers)
        reasons = [journal[_key(j, attempt, t)]["finish_reason"] for t in range(n_turns)]
        rows.append(
            {
                "persona_id": persona_id(STYLE, seed, j),
                "backstory": text,
                "style": STYLE,
                "seed": seed,
                "n_words": n_words(text),
                "attempt": attempt,
                # "length" when any answer hit turn_tokens (the interview was cut short)
                "finish_reason": "length" if "length" in reasons else "stop",
                "turns": turn_records(answers, config.questions),
                "turn_tokens": config.turn_tokens,
            }
        )
    columns = [*BACKSTORY_COLUMNS, "attempt", "finish_reason", "turns", "turn_tokens"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype(
        {"seed": "int64", "n_words": "int64", "attempt": "int64", "turn_tokens": "int64"}
    )


def resample_answers(
    model: Model,
    answers: Sequence[Sequence[str]],
    turns: Sequence[int],
    persona_ids: Sequence[str],
    config: InterviewConfig,
    *,
    seed: int,
    attempt: int,
    journal: Journal,
) -> list[str]:
    """A fresh answer to turn ``turns[i]`` of interview i, conditioned on its earlier turns.

    The critic's repair step: one model call for all interviews, seeded by (``seed``,
    ``attempt``) and journaled under ``critic/{persona_id}/{attempt}``.
    """
    prompts = [
        interview_prompt(list(a[:t]), questions=config.questions) for a, t in zip(answers, turns)
    ]
    keys = [f"critic/{pid}/{attempt}" for pid in persona_ids]
    params = config.params(derive_seed("interview-critic", seed, attempt))
    generate_journaled(model, prompts, keys, params, journal)
    return [journal[key]["text"] for key in keys]
