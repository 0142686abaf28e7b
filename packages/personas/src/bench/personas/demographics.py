"""The demographic survey of each persona: a distribution over every trait's options.

Anthology (Moon et al. 2024, Sec. 3.2) asks each backstory-conditioned persona the
dataset's demographic questions and keeps, per trait, a probability distribution over the
trait's options; matching then scores a human against a persona by the likelihood of the
human's own answers under that distribution.

File format: ``demographics.parquet`` (long; one row per persona x trait x option)
----------------------------------------------------------------------------------
=============  =======  ==================================================================
column         dtype    meaning
=============  =======  ==================================================================
persona_id     string   the persona (``backstories.parquet``'s ``persona_id``)
trait          string   the dataset's demographic trait name (e.g. ``age``, ``sex``)
option_index   int64    0..K-1, the option's position in the trait's canonical order
option         string   the option's text
probability    float64  P(option | backstory), renormalised over the K options (sums to 1
                        per persona x trait)
outside_mass   float64  mass the model put outside the K options before renormalising
                        (logprob: 1 - sum of the option letters' probabilities;
                        sample: share of the K=40 answers that named no option);
                        repeated on each of the trait's rows
method         string   ``logprob`` or ``sample``
=============  =======  ==================================================================

Rows are sorted by persona_id (in backstory order), then trait (dataset order), then
option_index. ``probability`` is never NaN: a persona whose answers all fell outside the
options gets the uniform distribution and ``outside_mass`` 1.0, so a matcher can tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.common.inference import ChoiceItem, Model
from bench.personas.asking import UnitAnswers, ask_each_unit, ask_in_chunks
from bench.personas.datasets import Trait
from bench.personas.journal import Journal
from bench.personas.prompts import DP_BACKSTORY_QUESTION, persona_context
from bench.personas.prompts.anthology import BACKSTORY_QUESTION
from bench.personas.prompts.interview import interview_transcript

METHODS = ("logprob", "sample")
PREFER_NOT_TO_ANSWER = "Prefer not to answer"  # Anthology code's last demographic choice
DEMOGRAPHIC_COLUMNS = (
    "persona_id",
    "trait",
    "option_index",
    "option",
    "probability",
    "outside_mass",
    "method",
)


@dataclass(frozen=True)
class DemographicsConfig:
    """How each persona's demographics are read.

    ``logprob`` reads the option letters' next-token probabilities (one forward pass per
    question; the backstory's key/value prefix is shared by all of a persona's traits).
    ``sample`` is the Anthology code's estimate: K = 40 sampled answers per question
    (``num_sample_response: 40`` in ``configs/surveys/demographics_config.yaml``).
    """

    method: str = "logprob"  # logprob | sample
    k: int = 40  # K, samples per question for method="sample" (Anthology code)
    prefer_not_to_answer: bool = True  # offer "Prefer not to answer" (Anthology code)
    batch_size: int = 8  # personas per model call (a progress/resume granularity)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(
                f"unknown demographic-survey method {self.method!r}; use one of {list(METHODS)}"
            )
        if self.k < 1 or self.batch_size < 1:
            raise ValueError("DemographicsConfig: k and batch_size must be >= 1")


def backstory_question(style: str) -> str:
    """The backstory question whose answer a persona's context starts from."""
    return DP_BACKSTORY_QUESTION if style == "anthology-dp" else BACKSTORY_QUESTION


def persona_contexts(backstories: pd.DataFrame) -> list[str]:
    """Each persona's context from ``backstories.parquet``: what it answers from.

    An Anthology (or DP) persona: the backstory turn and its text
    (:func:`bench.personas.prompts.persona_context`). An interview persona (style
    ``interview`` with its ``turns``): the whole transcript, each interviewer question
    followed by the persona's answer, in interview order, so every answer keeps the
    question it answers (:func:`bench.personas.prompts.interview.interview_transcript`).
    """
    missing = {"persona_id", "backstory"} - set(backstories.columns)
    if missing:
        raise ValueError(
            f"the backstories table lacks column(s) {sorted(missing)}; pass the output of "
            "`bench personas backstories` (columns persona_id, backstory, style, ...)"
        )
    n = len(backstories)
    styles = backstories["style"] if "style" in backstories.columns else ["anthology"] * n
    turns = backstories["turns"] if "turns" in backstories.columns else [None] * n
    return [
        _context(str(text), str(style), turn)
        for text, style, turn in zip(backstories["backstory"], styles, turns)
    ]


def _context(text: str, style: str, turns: Any) -> str:
    if style == "interview" and turns is not None and not isinstance(turns, float) and len(turns):
        return interview_transcript(
            [str(t["question"]) for t in turns], [str(t["answer"]) for t in turns], preamble=False
        )
    return persona_context(text, question=backstory_question(style))


def trait_distribution(
    probs: Sequence[float] | np.ndarray, outside_mass: float, k: int
) -> tuple[np.ndarray, float]:
    """Split a distribution over the K shown options (+ extras) into (p (K,), outside).

    ``probs`` is renormalised over every option shown (the K trait options, then any
    extra such as "Prefer not to answer") and ``outside_mass`` is what fell outside all of
    them. The mass of the K trait options is m_k = probs_k (1 - outside_mass); the result
    renormalises m over the K options and reports 1 - sum_k m_k as outside mass. No mass
    on the K options gives the uniform distribution and outside mass 1.
    """
    mass = np.asarray(probs, dtype=np.float64)[:k] * (1.0 - outside_mass)
    total = float(mass.sum())
    if total <= 0:
        return np.full(k, 1.0 / k), 1.0
    return mass / total, float(min(1.0, max(0.0, 1.0 - total)))


def survey_demographics(
    model: Model,
    backstories: pd.DataFrame,
    traits: Sequence[Trait],
    config: DemographicsConfig | None = None,
    *,
    journal: Journal | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Ask every persona every trait; ``demographics.parquet`` rows (module docstring).

    ``traits`` are the dataset's :class:`~bench.personas.datasets.Trait` objects (name,
    question, options). Personas are processed in chunks of ``batch_size``, each chunk
    journaled when done, so a killed run resumes at the first unfinished chunk
    (:func:`bench.personas.asking.ask_in_chunks`).
    """
    config = config if config is not None else DemographicsConfig()
    if not traits:
        raise ValueError("the dataset has no demographic traits to ask")
    persona_ids = [str(p) for p in backstories["persona_id"]]
    contexts = persona_contexts(backstories)
    extra = (PREFER_NOT_TO_ANSWER,) if config.prefer_not_to_answer else ()

    def ask(todo: list[int]) -> list[UnitAnswers]:
        items = [
            [ChoiceItem(contexts[i], trait.question, (*trait.options, *extra)) for trait in traits]
            for i in todo
        ]
        return ask_each_unit(model, items, method=config.method, k=config.k)

    desc = f"demographics ({config.method})"
    answers = ask_in_chunks(
        persona_ids, ask, journal, batch_size=config.batch_size, desc=desc, progress=progress
    )
    return _demographics_table(persona_ids, answers, traits, config.method)


def _demographics_table(
    persona_ids: list[str], answers: list[UnitAnswers], traits: Sequence[Trait], method: str
) -> pd.DataFrame:
    """The ``demographics.parquet`` rows from each persona's journaled answers."""
    rows = []
    for persona, persona_answers in zip(persona_ids, answers):
        for trait, (probs, outside) in zip(traits, persona_answers):
            p, out = trait_distribution(probs, outside, len(trait.options))
            for index, option in enumerate(trait.options):
                rows.append((persona, trait.name, index, option, float(p[index]), out, method))
    table = pd.DataFrame(rows, columns=list(DEMOGRAPHIC_COLUMNS))
    return table.astype(
        {"option_index": "int64", "probability": "float64", "outside_mass": "float64"}
    )
