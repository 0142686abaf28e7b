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
==============  ============  ==============================================================

Rows are sorted by condition, then unit (dataset order), then question (dataset order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from bench.personas.backstories import profile_answers
from bench.personas.demographics import persona_contexts
from bench.personas.journal import Journal
from bench.personas.prompts import BASELINE_PROMPTS

OPTION_ORDERS = ("reverse", "shuffle", "fixed")
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
)


@dataclass(frozen=True)
class SurveyConfig:
    """How the opinion survey is asked.

    ``option_order``: ``reverse`` shows each question's options in the canonical or the
    reversed order, drawn per persona and question (the Anthology code's
    ``randomization_pattern: [[0,1,2,3],[3,2,1,0]]`` for the ordinal ATP scales, Pew's
    practice); ``shuffle`` draws a uniform permutation; ``fixed`` keeps the canonical
    order. Either way the distribution is mapped back to the canonical order.

    Each question is asked on its own after the unit's context (OpinionQA's setup); the
    Anthology code can also ask in series, each answer kept in the context of the next,
    which would tie a question's distribution to the sampled earlier answers.
    """

    option_order: str = "reverse"  # reverse | shuffle | fixed
    method: str = "logprob"  # logprob | sample (K sampled answers per question)
    k: int = 40  # K for method="sample"
    batch_size: int = 8  # units per model call (a progress/resume granularity)

    def __post_init__(self) -> None:
        if self.option_order not in OPTION_ORDERS:
            raise ValueError(
                f"option_order={self.option_order!r}; use one of {list(OPTION_ORDERS)}"
            )
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


def to_canonical(shown_probs: Sequence[float], order: Sequence[int]) -> np.ndarray:
    """p (K,) in canonical order from q (K,) over the shown positions: p[σ[j]] = q[j]."""
    shown = np.asarray(shown_probs, dtype=np.float64)
    order = np.asarray(order)
    if sorted(order.tolist()) != list(range(len(shown))):
        raise ValueError(
            f"option order {order.tolist()} is not a permutation of 0..{len(shown) - 1}"
        )
    canonical = np.empty_like(shown)
    canonical[order] = shown
    return canonical


def _order_rng(seed: int, who: str, question_id: str) -> np.random.Generator:
    """The option-order stream of one persona (or baseline unit) and question.

    Seeded by the persona, not the condition, so a persona matched under several
    matchings sees the same question and its answers are computed once (the inference
    cache recognises the identical prompt).
    """
    return np.random.default_rng(_words(seed, "order", who, question_id))


def _answer_rng(seed: int, condition: str, unit_id: str, question_id: str) -> np.random.Generator:
    return np.random.default_rng(_words(seed, "answer", condition, unit_id, question_id))


def _words(*parts: object) -> list[int]:
    from bench.common.inference.params import derive_seed

    return [derive_seed(*parts), derive_seed(*parts, "hi")]


# -- units --------------------------------------------------------------------------------
def baseline_units(dataset: Any, condition: str, *, seed: int) -> pd.DataFrame:
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
    dataset: Any, backstories: pd.DataFrame, matches: pd.DataFrame, *, condition: str | None = None
) -> pd.DataFrame:
    """One unit per matched respondent, answering as its persona (``match.parquet``).

    ``matches`` has ``human_id`` and ``persona_id`` (the output of ``bench personas
    match``); the condition is ``anthology-{method}`` unless given.
    """
    missing = {"human_id", "persona_id"} - set(matches.columns)
    if missing:
        raise ValueError(
            f"the match table lacks column(s) {sorted(missing)}; pass the output of "
            "`bench personas match` (human_id, persona_id, log_weight, method)"
        )
    if condition is None:
        methods = matches["method"].unique().tolist() if "method" in matches.columns else []
        condition = f"anthology-{methods[0]}" if len(methods) == 1 else "anthology"
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


def demographic_backstory_units(dataset: Any, backstories: pd.DataFrame) -> pd.DataFrame:
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
    model: Any,
    units: pd.DataFrame,
    questions: Sequence[Any],
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
    from bench.common.inference import ChoiceItem

    config = config if config is not None else SurveyConfig()
    missing = set(UNIT_COLUMNS) - set(units.columns)
    if missing:
        raise ValueError(f"the units table lacks column(s) {sorted(missing)}")
    journal = journal if journal is not None else Journal(None)
    records = units.to_dict("records")
    keys = [f"{r['condition']}/{r['unit_id']}" for r in records]
    if len(set(keys)) != len(keys):
        raise ValueError(
            "the units table repeats a (condition, unit_id) pair; each unit answers once"
        )
    orders = {
        key: [
            option_order(
                q.n_options,
                rule=config.option_order,
                rng=_order_rng(seed, _persona(r) or f"{r['condition']}/{r['unit_id']}", q.id),
            )
            for q in questions
        ]
        for key, r in zip(keys, records)
    }
    bar = tqdm(total=len(records), desc="survey", disable=not progress)
    with bar:
        for start in range(0, len(records), config.batch_size):
            chunk = [i for i in range(start, min(start + config.batch_size, len(records)))]
            todo = [i for i in chunk if keys[i] not in journal]
            if todo:
                items = [
                    ChoiceItem(
                        records[i]["context"],
                        q.text,
                        tuple(q.options[k] for k in orders[keys[i]][n]),
                    )
                    for i in todo
                    for n, q in enumerate(questions)
                ]
                if config.method == "logprob":
                    answers = model.choice_distributions(items)
                else:
                    answers = model.sample_choice_distribution(items, k=config.k)
                for m, i in enumerate(todo):
                    per_question = answers[m * len(questions) : (m + 1) * len(questions)]
                    journal.add(
                        keys[i], [[a.probs.tolist(), float(a.outside_mass)] for a in per_question]
                    )
            bar.update(len(chunk))
    journal.close()
    rows = []
    for key, r in zip(keys, records):
        for n, (q, (shown, outside)) in enumerate(zip(questions, journal[key])):
            order = orders[key][n]
            p = to_canonical(shown, order)
            rng = _answer_rng(seed, r["condition"], r["unit_id"], q.id)
            k = int(rng.choice(len(p), p=p / p.sum()))
            rows.append(
                (
                    r["condition"],
                    r["unit_id"],
                    r["respondent_id"],
                    _persona(r),
                    r["weight"],
                    q.id,
                    p.tolist(),
                    outside,
                    k,
                    q.options[k],
                    [int(x) for x in order],
                )
            )
    table = pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
    return table.astype({"answer_index": "int64", "weight": "float64", "outside_mass": "float64"})
