"""The opinion survey: every condition's units answer every question of the dataset.

File format: ``answers.parquet`` (one row per condition x unit x question)
----------------------------------------------------------------------------
==============  ============  ==============================================================
column          dtype         meaning
==============  ============  ==============================================================
condition       string        ``bio``, ``qa``, ``portray``, ``anthology-dp``,
                              ``anthology-greedy``, ``anthology-maxweight``,
                              ``anthology-random`` (``anthology:<file>`` on the CLI gives
                              ``anthology-<matching method>``)
unit_id         string        the answering unit; one per human respondent, so equal to
                              ``respondent_id``
respondent_id   string        the human respondent the unit stands for (dataset id)
persona_id      string/null   the persona that answered (null for the baselines)
weight          float64       the respondent's survey weight (1.0 when the dataset has none)
question_id     string        the dataset's question id
probabilities   list<double>  P(option) in the question's canonical option order (length K),
                              renormalised over the K options
outside_mass    float64       mass outside the K option letters before renormalising
answer_index    int64         one answer sampled from ``probabilities`` (seeded), canonical
                              order, 0-based
answer          string        that option's text
option_order    list<int64>   the order the options were shown in: position j showed
                              canonical option ``option_order[j]``
asked_at        int64         the question's place in the unit's interview (0 = first):
                              the dataset order when questions are asked independently,
                              the unit's shuffled order in series
==============  ============  ==============================================================

Rows are sorted by condition, then unit (dataset order), then question (dataset order).

Modes (``SurveyConfig.mode``). ``independent`` asks each question alone after the unit's
context (OpinionQA's setup). ``series`` is the Anthology code's ``in_series``: a unit
answers its questions one after another in an order shuffled per unit (seeded), each
question's context holding the earlier questions with the answers the unit gave, so a
later distribution is conditioned on the sampled earlier answers::

    {context}

    Question: {first question}
    (A) ...
    Answer: (C)

    Question: {next question}
    ...

The answer kept in the context is the row's ``answer_index`` (drawn from the same seeded
stream as in independent mode), shown by the letter it had in that question's order.
Each step is one model call over the chunk's units; llama.cpp (the embedded model) keeps
the key/value cache of the previous prompt only, so there ``batch_size=1`` is fastest: a
unit's next prompt extends its last one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bench.common.inference import ChoiceItem, Model
from bench.common.inference.params import derive_seed
from bench.common.inference.prompt_format import context_block, question_block
from bench.personas.asking import (
    UnitAnswers,
    ask_choices,
    ask_each_unit,
    ask_in_chunks,
    journal_value,
)
from bench.personas.backstories import profile_answers
from bench.personas.datasets import Dataset, Question
from bench.personas.demographics import persona_contexts
from bench.personas.journal import Journal
from bench.personas.matching import matching_name
from bench.personas.prompts import BASELINE_PROMPTS

OPTION_ORDERS = ("reverse", "shuffle", "fixed")
SURVEY_MODES = ("independent", "series")
BASELINE_CONDITIONS = tuple(BASELINE_PROMPTS)  # qa, bio, portray
UNIT_COLUMNS = ("condition", "unit_id", "respondent_id", "persona_id", "weight", "context")
ANSWER_COLUMNS = (
    "condition",
    "unit_id",
    "respondent_id",
    "persona_id",
    "weight",
    "question_id",
    "probabilities",
    "outside_mass",
    "answer_index",
    "answer",
    "option_order",
    "asked_at",
)


@dataclass(frozen=True)
class SurveyConfig:
    """How the opinion survey is asked.

    ``option_order``: ``reverse`` shows each question's options in the canonical or the
    reversed order, drawn per (human, persona, question) as the Anthology code draws per
    respondent case (its ``randomization_pattern: [[0,1,2,3],[3,2,1,0]]`` for the
    ordinal ATP scales, Pew's practice); ``shuffle`` draws a uniform permutation;
    ``fixed`` keeps the canonical order. Either way the distribution is mapped back to
    the canonical order.

    ``mode``: ``independent`` asks each question on its own after the unit's context
    (OpinionQA's setup); ``series`` asks them one after another, earlier answers kept in
    the context (the Anthology code's ``in_series``; module docstring).
    """

    option_order: str = "reverse"  # reverse | shuffle | fixed
    mode: str = "independent"  # independent | series
    method: str = "logprob"  # logprob | sample (K sampled answers per question)
    k: int = 40  # K for method="sample"
    batch_size: int = 8  # units per model call (a progress/resume granularity)

    def __post_init__(self) -> None:
        if self.option_order not in OPTION_ORDERS:
            raise ValueError(
                f"option_order={self.option_order!r}; use one of {list(OPTION_ORDERS)}"
            )
        if self.mode not in SURVEY_MODES:
            raise ValueError(f"survey mode {self.mode!r}; use one of {list(SURVEY_MODES)}")
        if self.method not in ("logprob", "sample"):
            raise ValueError(f"survey method {self.method!r}; use logprob or sample")
        if self.k < 1 or self.batch_size < 1:
            raise ValueError("SurveyConfig: k and batch_size must be >= 1")


# -- option order ---------------------------------------------------------------------
def option_order(n_options: int, *, rule: str, rng: np.random.Generator) -> np.ndarray:
    """σ (K,): position j of the shown list holds canonical option σ[j]."""
    if rule == "fixed":
        return np.arange(n_options)
    if rule == "reverse":
        return np.arange(n_options)[::-1].copy() if rng.random() < 0.5 else np.arange(n_options)
    if rule == "shuffle":
        return rng.permutation(n_options)
    raise ValueError(f"option order rule {rule!r}; use one of {list(OPTION_ORDERS)}")


def to_canonical(
    shown_probs: Sequence[float] | np.ndarray, order: Sequence[int] | np.ndarray
) -> np.ndarray:
    """p (K,) in canonical order from q (K,) over the shown positions: p[σ[j]] = q[j]."""
    shown = np.asarray(shown_probs, dtype=np.float64)
    sigma = np.asarray(order)
    if sorted(sigma.tolist()) != list(range(len(shown))):
        raise ValueError(
            f"option order {sigma.tolist()} is not a permutation of 0..{len(shown) - 1}"
        )
    canonical = np.empty_like(shown)
    canonical[sigma] = shown
    return canonical


def _order_rng(seed: int, human: str, persona: str, question_id: str) -> np.random.Generator:
    """The option-order stream of one (human, persona, question).

    Drawn per human as well as per persona, so a persona that greedy matching gives to
    several humans does not show every one of them the same order (the Anthology code
    draws the pattern per respondent case). A baseline unit's ``persona`` is its
    condition. The same pair under two matchings sees the same question, so its answer
    is computed once (the inference cache recognises the identical prompt).
    """
    return np.random.default_rng(_words(seed, "order", human, persona, question_id))


def option_orders(
    units: pd.DataFrame, questions: Sequence[Question], *, rule: str, seed: int
) -> list[list[np.ndarray]]:
    """σ of every unit (row of ``units``) and question, drawn per (human, persona, question)."""
    return [
        [
            option_order(
                q.n_options,
                rule=rule,
                rng=_order_rng(seed, str(r["respondent_id"]), _persona(r) or r["condition"], q.id),
            )
            for q in questions
        ]
        for r in units.to_dict("records")
    ]


def question_order(n_questions: int, *, seed: int, human: str, persona: str) -> np.ndarray:
    """The order a unit is asked its questions in series: a permutation drawn per unit."""
    return np.random.default_rng(_words(seed, "series", human, persona)).permutation(n_questions)


def _answer_rng(seed: int, condition: str, unit_id: str, question_id: str) -> np.random.Generator:
    return np.random.default_rng(_words(seed, "answer", condition, unit_id, question_id))


def sampled_answer(seed: int, unit: dict[str, Any], question_id: str, p: np.ndarray) -> int:
    """The unit's one sampled answer (canonical position) from its distribution ``p``."""
    rng = _answer_rng(seed, unit["condition"], unit["unit_id"], question_id)
    return int(rng.choice(len(p), p=p / p.sum()))


def _words(*parts: object) -> list[int]:
    return [derive_seed(*parts), derive_seed(*parts, "hi")]


# -- units --------------------------------------------------------------------------------
def baseline_units(dataset: Dataset, condition: str, *, seed: int) -> pd.DataFrame:
    """One unit per respondent of ``dataset`` prompted with its own demographics.

    ``condition`` is ``qa``, ``bio`` or ``portray``; the prompt states the dataset's
    baseline traits (the Anthology code's income, race, age, gender and education for the
    bundled surveys), in an order drawn per respondent from ``seed``.
    """
    if condition not in BASELINE_PROMPTS:
        raise ValueError(f"unknown baseline {condition!r}; use one of {list(BASELINE_PROMPTS)}")
    prompt = BASELINE_PROMPTS[condition]
    weights = dataset.weight_array()
    baseline_traits = set(dataset.baseline_trait_names)  # the spec's `baseline_traits:`
    rows = []
    for h, respondent_id in enumerate(dataset.ids):
        rng = np.random.default_rng(_words(seed, "baseline", condition, str(respondent_id)))
        stated = [a for a in profile_answers(dataset, respondent_id) if a.trait in baseline_traits]
        context = prompt(stated, rng=rng)
        rows.append(
            (condition, str(respondent_id), str(respondent_id), None, float(weights[h]), context)
        )
    return pd.DataFrame(rows, columns=list(UNIT_COLUMNS))


def matched_units(
    dataset: Dataset,
    backstories: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    condition: str | None = None,
) -> pd.DataFrame:
    """One unit per matched respondent, answering as its persona (``match.parquet``).

    ``matches`` has ``human_id`` and ``persona_id`` (the output of ``bench personas
    match``); the condition is ``anthology-{method}`` (``anthology-maxweight-loglik`` for
    that objective) unless given.
    """
    missing = {"human_id", "persona_id"} - set(matches.columns)
    if missing:
        raise ValueError(
            f"the match table lacks column(s) {sorted(missing)}; pass the output of "
            "`bench personas match` (human_id, persona_id, log_weight, method)"
        )
    if condition is None:
        methods = matches["method"].unique().tolist() if "method" in matches.columns else []
        objectives = (
            matches["objective"].dropna().unique().tolist()
            if "objective" in matches.columns
            else []
        )
        name = matching_name(methods[0], objectives[0] if len(objectives) == 1 else None)
        condition = f"anthology-{name}" if len(methods) == 1 else "anthology"
    contexts = dict(zip(backstories["persona_id"].astype(str), persona_contexts(backstories)))
    unknown = sorted(set(matches["persona_id"].astype(str)) - set(contexts))
    if unknown:
        raise ValueError(
            f"the match table names personas {unknown[:5]} that the backstories table does not "
            "hold; pass the backstories file the demographic survey was run on"
        )
    weight_of = dict(zip(dataset.ids.astype(str), dataset.weight_array()))
    rows = []
    for human, persona in zip(matches["human_id"].astype(str), matches["persona_id"].astype(str)):
        if human not in weight_of:
            raise ValueError(
                f"the match table names respondent {human!r}, which dataset {dataset.name} lacks"
            )
        rows.append((condition, human, human, persona, float(weight_of[human]), contexts[persona]))
    return pd.DataFrame(rows, columns=list(UNIT_COLUMNS))


def demographic_backstory_units(dataset: Dataset, backstories: pd.DataFrame) -> pd.DataFrame:
    """Anthology DP: each respondent answers as the backstory drawn from its own profile."""
    if "respondent_id" not in backstories.columns:
        raise ValueError(
            "the backstories table has no respondent_id column; anthology-dp needs backstories "
            "made with `bench personas backstories --style anthology-dp`"
        )
    weight_of = dict(zip(dataset.ids.astype(str), dataset.weight_array()))
    contexts = persona_contexts(backstories)
    rows = []
    for respondent, persona, context in zip(
        backstories["respondent_id"].astype(str), backstories["persona_id"].astype(str), contexts
    ):
        if respondent not in weight_of:
            raise ValueError(
                f"DP backstory {persona} names respondent {respondent!r}, which {dataset.name} lacks"
            )
        rows.append(
            ("anthology-dp", respondent, respondent, persona, float(weight_of[respondent]), context)
        )
    return pd.DataFrame(rows, columns=list(UNIT_COLUMNS))


# -- the survey ---------------------------------------------------------------------------
def _persona(unit: dict[str, Any]) -> str | None:
    """The unit's persona id; None for the baselines (pandas may hold it as NaN)."""
    persona = unit["persona_id"]
    return persona if isinstance(persona, str) and persona else None


def run_survey(
    model: Model,
    units: pd.DataFrame,
    questions: Sequence[Question],
    config: SurveyConfig | None = None,
    *,
    seed: int,
    journal: Journal | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Every unit answers every question; ``answers.parquet`` rows (module docstring).

    ``units`` has the columns of :data:`UNIT_COLUMNS` (see the unit builders above);
    ``questions`` are the dataset's :class:`~bench.personas.datasets.Question` objects.
    Units are processed in chunks of ``batch_size``, each journaled when done.
    """
    config = config if config is not None else SurveyConfig()
    missing = set(UNIT_COLUMNS) - set(units.columns)
    if missing:
        raise ValueError(f"the units table lacks column(s) {sorted(missing)}")
    records = units.to_dict("records")
    keys = [f"{r['condition']}/{r['unit_id']}" for r in records]
    if len(set(keys)) != len(keys):
        raise ValueError(
            "the units table repeats a (condition, unit_id) pair; each unit answers once"
        )
    orders = option_orders(units, questions, rule=config.option_order, seed=seed)
    sequences = [
        question_order(
            len(questions),
            seed=seed,
            human=str(r["respondent_id"]),
            persona=_persona(r) or r["condition"],
        )
        if config.mode == "series"
        else np.arange(len(questions))
        for r in records
    ]

    def ask(todo: list[int]) -> list[UnitAnswers]:
        batch = [records[i] for i in todo]
        batch_orders = [orders[i] for i in todo]
        if config.mode == "series":
            batch_sequences = [sequences[i] for i in todo]
            if model.backend.keeps_last_prompt_only:
                # One unit at a time: each step's prompt extends the last one, so only the
                # new question is evaluated. Step by step across a chunk, every context was
                # read in full at every step: 63 CPU s per unit on gss2018's 18 questions
                # against 7.7 s unit by unit (embedded model, one thread).
                return [
                    _ask_in_series(model, config, [u], [o], [s], questions, seed)[0]
                    for u, o, s in zip(batch, batch_orders, batch_sequences)
                ]
            return _ask_in_series(
                model, config, batch, batch_orders, batch_sequences, questions, seed
            )
        return _ask_independently(model, config, batch, batch_orders, questions)

    desc = f"survey ({config.mode})"
    results = ask_in_chunks(
        keys, ask, journal, batch_size=config.batch_size, desc=desc, progress=progress
    )
    return _answers_table(records, results, questions, orders, sequences, seed)


def _shown(question: Question, order: np.ndarray) -> tuple[str, ...]:
    return tuple(question.options[k] for k in order)


def _ask_independently(
    model: Model,
    config: SurveyConfig,
    units: list[dict[str, Any]],
    orders: list[list[np.ndarray]],
    questions: Sequence[Question],
) -> list[UnitAnswers]:
    """Each unit's [shown probabilities, outside mass] per question, every question alone."""
    items = [
        [ChoiceItem(unit["context"], q.text, _shown(q, order[n])) for n, q in enumerate(questions)]
        for unit, order in zip(units, orders)
    ]
    return ask_each_unit(model, items, method=config.method, k=config.k)


def _ask_in_series(
    model: Model,
    config: SurveyConfig,
    units: list[dict[str, Any]],
    orders: list[list[np.ndarray]],
    sequences: list[np.ndarray],
    questions: Sequence[Question],
    seed: int,
) -> list[UnitAnswers]:
    """As :func:`_ask_independently`, asked in series: step t asks every unit its t-th
    question (one model call), then appends the question and the unit's sampled answer
    to that unit's context."""
    contexts = [str(unit["context"]) for unit in units]
    results: list[UnitAnswers] = [[[] for _ in questions] for _ in units]
    for step in range(len(questions)):
        asked = [int(sequence[step]) for sequence in sequences]
        items = [
            ChoiceItem(contexts[m], questions[n].text, _shown(questions[n], orders[m][n]))
            for m, n in enumerate(asked)
        ]
        answers = ask_choices(model, items, method=config.method, k=config.k)
        for m, (n, item, answer) in enumerate(zip(asked, items, answers)):
            results[m][n] = journal_value(answer)
            p = to_canonical(answer.probs, orders[m][n])
            k = sampled_answer(seed, units[m], questions[n].id, p)
            letter = item.labels[int(np.flatnonzero(orders[m][n] == k)[0])]
            contexts[m] = f"{context_block(contexts[m])}{question_block(item)}Answer: ({letter})"
    return results


def _answers_table(
    units: list[dict[str, Any]],
    results: list[UnitAnswers],
    questions: Sequence[Question],
    orders: list[list[np.ndarray]],
    sequences: list[np.ndarray],
    seed: int,
) -> pd.DataFrame:
    """The ``answers.parquet`` rows from each unit's journaled distributions."""
    rows = []
    for unit, result, unit_orders, sequence in zip(units, results, orders, sequences):
        asked_at = np.argsort(sequence)
        for n, (q, (shown, outside)) in enumerate(zip(questions, result)):
            p = to_canonical(shown, unit_orders[n])
            k = sampled_answer(seed, unit, q.id, p)
            rows.append(
                (
                    unit["condition"],
                    unit["unit_id"],
                    unit["respondent_id"],
                    _persona(unit),
                    unit["weight"],
                    q.id,
                    p.tolist(),
                    outside,
                    k,
                    q.options[k],
                    [int(x) for x in unit_orders[n]],
                    int(asked_at[n]),
                )
            )
    table = pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
    return table.astype(
        {
            "answer_index": "int64",
            "weight": "float64",
            "outside_mass": "float64",
            "asked_at": "int64",
        }
    )
