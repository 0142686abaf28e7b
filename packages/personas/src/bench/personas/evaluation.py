"""How close persona answers come to the humans' (Anthology, Sec. 4; the seed paper's table).

For each condition c (a prompting baseline or a matching method) and each group g of
respondents (everyone, or each value of ``--by``), over the Q questions:

    WD      = (1/Q) sum_q W1(h_q, m_q)                  raw ordinal scale (positions 0..K_q-1)
    WD_norm = (1/Q) sum_q W1(h_q, m_q) / (K_q - 1)      OpinionQA's scale, in [0, 1]
    Frob    = || R_h - R_m ||_F                           R: (Q', Q') Pearson correlation matrices
    alpha   = Cronbach's alpha of the (units, Q) answers (pairwise, as pingouin: the
              Anthology code's; ``alpha_deletion="listwise"`` for complete cases only)

h_q is the survey-weighted distribution of the humans' answers, m_q that of the units'
answers (weighted by the unit's respondent's weight). R_h is the weighted Pearson matrix of
the humans' answer positions (pairwise deletion), R_m that of the units' sampled answers.
Q' is always the humans' question set (every question with a human correlation), for
every condition: where a condition has no correlation (it gave one answer to a question)
the cell counts as 0, no association, and ``n_undefined_corr`` reports how many cells did
(:func:`bench.common.metrics.correlation_gap`). Dropping those questions instead would
let a condition that collapses onto one answer be scored on fewer, easier cells.
The human lower bound is the same WD / WD_norm / Frob between two random halves of the
group's humans, averaged over ``n_splits`` = 100 seeded splits, with its standard
deviation over the splits (``wd_sd``, ``frobenius_sd``: the noise of comparing two
samples of half the group's size). Formulas live in
:mod:`bench.common.metrics`; this module only assembles the tables.

Answers (``answers.parquet``, written by :mod:`bench.personas.survey`): one row per
condition x unit x question with columns condition, respondent_id, weight, question_id,
probabilities (K floats, canonical option order), answer_index (the sampled answer). The
unit's answer distribution m_q is built from the sampled answers (``answer_source="sample"``,
the Anthology code: one answer per persona) or from the mean of ``probabilities``
(``"probabilities"``).

Output: :class:`EvaluationTable` (``summary`` DataFrame, ``per_question``,
``distributions``, ``correlations``); ``to_json`` / ``to_markdown`` / ``to_csv``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from tqdm.auto import tqdm

from bench.common.atomic import atomic_write_text
from bench.common.metrics import (
    CorrelationGap,
    correlation_gap,
    cronbach_alpha,
    representativeness,
    split_half,
)
from bench.common.metrics.correlation import Deletion
from bench.personas.datasets import Dataset

HUMAN_BOUND = "human split-half"  # the lower-bound row's condition
ALL = "all"  # the group of every respondent
ANSWER_COLUMNS = ("condition", "respondent_id", "question_id", "answer_index")
SCALE_NOTE = (
    "WD: mean 1-D Wasserstein distance over questions on the raw ordinal scale (option "
    "positions 0..K-1, as the Anthology code); WD_norm: each distance divided by K-1 "
    "(OpinionQA's scale, in [0, 1]). Frob: Frobenius norm of the difference of the "
    "question-by-question correlation matrices over the humans' questions (a condition's "
    "undefined correlations count as 0; n_undefined_corr cells). alpha: Cronbach's alpha "
    "(pairwise deletion unless stated). wd_sd, frobenius_sd: the human split-half bound's "
    "standard deviation over its splits."
)
AnswerSource = Literal["sample", "probabilities"]
SummaryRow = dict[str, str | int | float]  # one row of EvaluationTable.summary


@dataclass(frozen=True)
class EvaluationConfig:
    """Settings of the evaluation; defaults are the seed paper's (Anthology, Sec. 4)."""

    n_splits: int = 100  # S: random halves of the humans for the lower bound
    answer_source: AnswerSource = (
        "sample"  # persona distribution from sampled answers (Anthology code)
    )
    deletion: Deletion = "pairwise"  # human correlations: survey items are often skipped
    alpha_deletion: Deletion = "pairwise"  # Cronbach's alpha: pingouin's default (Anthology code)
    min_group_size: int = 4  # smaller groups are skipped (a split-half needs 2 per half)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.answer_source not in get_args(AnswerSource):
            raise ValueError(
                f"answer_source={self.answer_source!r}; use 'sample' or 'probabilities'"
            )
        if self.n_splits < 1:
            raise ValueError(f"n_splits={self.n_splits} must be >= 1")
        for name in ("deletion", "alpha_deletion"):
            if getattr(self, name) not in get_args(Deletion):
                raise ValueError(f"{name}={getattr(self, name)!r}; use 'pairwise' or 'listwise'")


@dataclass(frozen=True)
class EvaluationTable:
    """The evaluation's results.

    summary : one row per (group, condition), HUMAN_BOUND included: group, condition,
        n_humans, n_units, wd, wd_normalized, frobenius, n_questions_corr, n_undefined_corr,
        alpha, alpha_human.
    per_question : (group, condition, question) rows: n_options, wd, wd_normalized.
    distributions : long: group, condition ("human" for the humans), question,
        option_index, option, probability.
    correlations : condition -> its (Q', Q') correlation matrix, group ALL; "human" holds
        the humans' matrix over the largest Q' (pairwise entries: index it by a
        condition's labels to compare).
    """

    dataset: str
    by: str | None
    summary: pd.DataFrame
    per_question: pd.DataFrame
    distributions: pd.DataFrame
    correlations: dict[str, pd.DataFrame]
    config: EvaluationConfig

    def to_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "by": self.by,
            "scale": SCALE_NOTE,
            "config": self.config.__dict__,
            "summary": records(self.summary),
            "per_question": records(self.per_question),
        }

    def to_json(self, path: str | Path) -> Path:
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    def to_markdown(self) -> str:
        """The summary as a Markdown table, headed by the scale note."""
        numbers = ("wd", "wd_normalized", "frobenius", "alpha", "alpha_human")
        numbers += tuple(c for c in ("wd_sd", "frobenius_sd") if c in self.summary.columns)
        table = markdown_table(self.summary, numbers=numbers, missing="")
        return f"{self.dataset}{f', by {self.by}' if self.by else ''}. {SCALE_NOTE}\n\n{table}"

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        self.summary.to_csv(path, index=False)
        return path


def markdown_table(table: pd.DataFrame, *, numbers: Sequence[str], missing: str) -> str:
    """``table`` as Markdown rows ending in a newline: the columns ``numbers`` printed with
    3 decimals (NaN as ``missing``), every other cell as text with its "|" escaped."""
    shown = table.copy()
    for column in numbers:
        shown[column] = shown[column].map(lambda v: missing if pd.isna(v) else f"{v:.3f}")
    head = "| " + " | ".join(map(str, shown.columns)) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    rows = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in shown.itertuples(index=False)
    ]
    return "\n".join([head, rule, *rows]) + "\n"


def records(table: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of ``table`` as JSON objects (NaN -> null), as ``to_json`` writes them."""
    text = table.to_json(orient="records")
    assert text is not None  # without a path, to_json returns the text
    return json.loads(text)


def check_answers(answers: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """``answers`` with the survey stage's columns checked against ``dataset``; errors name the fix."""
    absent = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if absent:
        raise ValueError(
            f"answers table lacks columns {absent}; it must be the output of `bench personas survey`"
        )
    if len(answers) == 0:
        raise ValueError("answers table is empty; run `bench personas survey` first")
    known = {q.id for q in dataset.questions}
    unknown = sorted(set(answers["question_id"]) - known)
    if unknown:
        raise ValueError(
            f"answers name questions {unknown[:5]} that dataset {dataset.name} does not have; "
            f"evaluate with the --dataset the survey used"
        )
    answers = answers.assign(respondent_id=answers["respondent_id"].astype(str))
    ids = set(dataset.ids.astype(str))
    stray = sorted(set(answers["respondent_id"]) - ids)
    if stray:
        raise ValueError(
            f"answers name respondents {stray[:5]} that dataset {dataset.name} does not have; "
            f"evaluate with the --dataset the survey used"
        )
    if "weight" not in answers.columns:
        answers = answers.assign(weight=1.0)
    return answers


def group_labels(dataset: Dataset, by: str | None) -> pd.Series:
    """Group of each respondent (index: id as str): ALL, or the value of trait/column ``by``.

    A trait name gives its option text (so ``--by age`` uses the age groups); any other
    column of the respondent table gives its raw values.
    """
    index = dataset.ids.astype(str).to_numpy()
    if by is None:
        return pd.Series(ALL, index=index)
    traits = {t.name: t for t in dataset.demographics}
    if by in traits:
        options = np.asarray(traits[by].options, dtype=object)
        positions = dataset.trait_positions(by).to_numpy(np.float64)
        answered = ~np.isnan(positions)
        labels = np.full(len(positions), None, dtype=object)  # None: no answer
        labels[answered] = options[positions[answered].astype(int)]
        return pd.Series(labels, index=index)
    if by in dataset.respondents.columns:
        return pd.Series(dataset.respondents[by].to_numpy(), index=index)
    raise ValueError(
        f"--by {by!r} is neither a trait ({list(traits)}) nor a column of dataset {dataset.name}"
    )


def _distributions(
    positions: pd.DataFrame, weights: NDArray[np.float64], option_counts: dict[str, int]
) -> dict[str, NDArray[np.float64]]:
    """Weighted answer distribution p_q (K_q,) of each question column (NaN = missing).

    p_qk = sum_i w_i [a_iq = k] / sum_i w_i [a_iq answered], the formula of
    :func:`bench.common.metrics.answer_distribution` (the tests check the two agree),
    done with one ``bincount`` per question because the split-half bound calls it
    2 x n_splits times per group.
    """
    out = {}
    x = positions.to_numpy(np.float64)
    for j, (question, k) in enumerate(option_counts.items()):
        answered = ~np.isnan(x[:, j]) & (weights > 0)
        if not answered.any():
            continue
        mass = np.bincount(x[answered, j].astype(np.int64), weights=weights[answered], minlength=k)
        out[question] = mass / mass.sum()
    return out


@dataclass(frozen=True)
class _Answers:
    """One side's (units or humans) answer positions (rows, Q) and their weights (rows,)."""

    positions: pd.DataFrame
    weights: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.positions)

    def rows(self, index: NDArray[np.intp]) -> _Answers:
        """The side restricted to the rows at positions ``index``."""
        return _Answers(self.positions.iloc[index], self.weights[index])

    def distributions(self, option_counts: dict[str, int]) -> dict[str, NDArray[np.float64]]:
        return _distributions(self.positions, self.weights, option_counts)


@dataclass(frozen=True)
class _Condition:
    """A condition's answers: sampled positions (units, Q), unit weights, its long rows."""

    positions: pd.DataFrame
    weights: pd.Series
    rows: pd.DataFrame

    def members(self, ids: pd.Index) -> tuple[pd.Index, _Answers]:
        """The units standing for respondents ``ids`` (their ids, and their answers)."""
        in_group = self.positions.index.intersection(ids)
        return in_group, _Answers(
            self.positions.loc[in_group], self.weights.loc[in_group].to_numpy()
        )

    def mean_probabilities(self, in_group: pd.Index) -> dict[str, NDArray[np.float64]]:
        """m_q = sum_i w_i p_iq / sum_i w_i over the units ``in_group`` (``probabilities``)."""
        rows = self.rows.loc[self.rows["respondent_id"].isin(list(in_group))]
        out = {}
        for question, q_rows in rows.groupby("question_id"):
            p = np.stack(list(q_rows["probabilities"])).astype(np.float64)
            w = q_rows["weight"].to_numpy(np.float64)
            out[str(question)] = (w[:, None] * p).sum(axis=0) / w.sum()
        return out


def human_answers(dataset: Dataset) -> tuple[pd.DataFrame, pd.Series]:
    """The humans' answer positions (respondents, questions) and survey weights (respondents,),
    indexed by respondent id as text, as the answers table names them."""
    positions = dataset.answers()
    positions.index = positions.index.astype(str)
    return positions, pd.Series(dataset.weight_array(), index=positions.index)


def unit_answers(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """One condition's answers as sampled positions (units, questions) and unit weights (units,).

    ``rows`` are the survey stage's long rows of one condition; a unit is a respondent_id.
    """
    positions = rows.pivot_table(
        index="respondent_id", columns="question_id", values="answer_index", aggfunc="first"
    ).astype(float)
    weights = rows.groupby("respondent_id")["weight"].first().reindex(positions.index)
    assert isinstance(weights, pd.Series)  # one column's first value per unit
    return positions, weights


def _conditions(answers: pd.DataFrame, question_ids: list[str]) -> dict[str, _Condition]:
    """Each condition's units x questions table of sampled positions, in answer order."""
    out = {}
    for condition, rows in answers.groupby("condition", sort=False):
        positions, weights = unit_answers(rows)
        out[str(condition)] = _Condition(positions.reindex(columns=question_ids), weights, rows)
    return out


def _group_names(dataset: Dataset, groups: pd.Series, by: str | None) -> list[str]:
    """ALL, then each group of ``by``: a trait's in option order, a column's sorted."""
    if by is None:
        return [ALL]
    present = [g for g in pd.unique(groups) if g is not None and not pd.isna(g)]
    order = {t.name: list(t.options) for t in dataset.demographics}.get(by)
    return [ALL, *(sorted(present, key=order.index) if order else sorted(present, key=str))]


def _consistency(human: _Answers, model: _Answers, deletion: Deletion) -> CorrelationGap:
    """The humans' and the units' correlation matrices compared on the humans' questions."""
    return correlation_gap(
        human.positions,
        model.positions,
        reference_weights=human.weights,
        other_weights=model.weights,
        deletion=deletion,
    )


def _alpha(side: _Answers, deletion: Deletion) -> float:
    try:
        return cronbach_alpha(side.positions, weights=side.weights, deletion=deletion)
    except ValueError:  # too few answers, or a constant total score
        return float("nan")


def _human_bound(
    humans: _Answers, option_counts: dict[str, int], config: EvaluationConfig
) -> SummaryRow:
    """The split-half lower bound: WD, WD_norm and Frob between random halves of ``humans``."""
    extra: list[tuple[float, float, float]] = []

    def metric(a: NDArray[np.intp], b: NDArray[np.intp]) -> float:
        half_a, half_b = humans.rows(a), humans.rows(b)
        da, db = half_a.distributions(option_counts), half_b.distributions(option_counts)
        shared = [q for q in da if q in db]
        rep = representativeness({q: da[q] for q in shared}, {q: db[q] for q in shared})
        gap = _consistency(half_a, half_b, config.deletion)
        # split_half averages one metric; keep the others
        extra.append((rep.wd_normalized, gap.frobenius, gap.n_undefined))
        return rep.wd

    bound = split_half(metric, len(humans), n_splits=config.n_splits, seed=config.seed)
    values = np.asarray(extra)
    finite = np.isfinite(values[:, 1])
    frobenius = values[finite, 1]
    return {
        "condition": HUMAN_BOUND,
        "n_humans": len(humans),
        "n_units": len(humans) // 2,
        "wd": bound.mean,
        # The spread of the bound over the splits: how far two samples of these humans'
        # size differ by chance (a condition's difference to another below it is noise).
        "wd_sd": bound.std,
        "wd_normalized": float(values[:, 0].mean()),
        "frobenius": float(frobenius.mean()) if finite.any() else np.nan,
        "frobenius_sd": float(frobenius.std(ddof=1)) if frobenius.shape[0] > 1 else np.nan,
        "n_questions_corr": len(option_counts),
        "n_undefined_corr": float(values[:, 2].mean()),
        "alpha": np.nan,
        "alpha_human": _alpha(humans, config.alpha_deletion),
    }


@dataclass
class _Tables:
    """The rows of the evaluation's tables, filled one (group, condition) at a time."""

    summary: list[SummaryRow] = field(default_factory=list)
    per_question: list[pd.DataFrame] = field(default_factory=list)
    distributions: list[dict[str, str | int | float]] = field(default_factory=list)
    correlations: dict[str, pd.DataFrame] = field(default_factory=dict)

    def add_distributions(
        self,
        dataset: Dataset,
        group: str,
        sides: dict[str, dict[str, NDArray[np.float64]]],
        questions: list[str],
    ) -> None:
        """One row per (side, question, option) of ``sides``: side name -> {question: p_q}."""
        for side, dist in sides.items():
            for q in questions:
                options = dataset.question(q).options
                self.distributions.extend(
                    {
                        "group": group,
                        "condition": side,
                        "question": q,
                        "option_index": k,
                        "option": options[k],
                        "probability": float(p),
                    }
                    for k, p in enumerate(dist[q])
                )

    def table(self, dataset: Dataset, by: str | None, config: EvaluationConfig) -> EvaluationTable:
        columns = ["group", "condition", "question", "n_options", "wd", "wd_normalized"]
        per_question = (
            pd.concat(self.per_question, ignore_index=True).loc[:, columns]
            if self.per_question
            else pd.DataFrame(columns=columns)
        )
        return EvaluationTable(
            dataset=dataset.name,
            by=by,
            summary=pd.DataFrame(self.summary),
            per_question=per_question,
            distributions=pd.DataFrame(self.distributions).drop_duplicates(
                ["group", "condition", "question", "option_index"]
            ),
            correlations=self.correlations,
            config=config,
        )


def _compare(
    tables: _Tables,
    dataset: Dataset,
    group: str,
    name: str,
    condition: _Condition,
    humans: _Answers,
    option_counts: dict[str, int],
    config: EvaluationConfig,
) -> None:
    """Score condition ``name`` against the ``humans`` of ``group``; add its rows to ``tables``."""
    in_group, units = condition.members(pd.Index(humans.positions.index))
    if len(units) == 0:
        return
    h_dist = humans.distributions(option_counts)
    if config.answer_source == "sample":
        m_dist = units.distributions(option_counts)
    else:
        m_dist = condition.mean_probabilities(in_group)
    shared = [q for q in option_counts if q in h_dist and q in m_dist]
    rep = representativeness({q: h_dist[q] for q in shared}, {q: m_dist[q] for q in shared})
    gap = _consistency(humans, units, config.deletion)
    tables.summary.append(
        {
            "group": group,
            "condition": name,
            "n_humans": len(humans),
            "n_units": len(units),
            "wd": rep.wd,
            "wd_normalized": rep.wd_normalized,
            "frobenius": gap.frobenius,
            "n_questions_corr": gap.n_items,
            "n_undefined_corr": gap.n_undefined,
            "alpha": _alpha(units, config.alpha_deletion),
            "alpha_human": _alpha(humans, config.alpha_deletion),
        }
    )
    per_question = rep.per_question.reset_index(names="question")
    tables.per_question.append(per_question.assign(group=group, condition=name))
    tables.add_distributions(dataset, group, {"human": h_dist, name: m_dist}, shared)
    if group == ALL and len(gap.reference):
        tables.correlations["human"] = gap.reference  # the same for every condition
        tables.correlations[name] = gap.other


def evaluate_answers(
    dataset: Dataset,
    answers: pd.DataFrame,
    by: str | None = None,
    config: EvaluationConfig | None = None,
    *,
    progress: bool = False,
) -> EvaluationTable:
    """Score every condition in ``answers`` against the humans of ``dataset`` (see module doc)."""
    config = config or EvaluationConfig()
    answers = check_answers(answers, dataset)
    asked = set(answers["question_id"])
    option_counts = {q.id: q.n_options for q in dataset.questions if q.id in asked}
    human_positions, human_weights = human_answers(dataset)
    human_positions = human_positions.loc[:, list(option_counts)]
    groups = group_labels(dataset, by)
    conditions = _conditions(answers, list(option_counts))
    tasks = [
        (group, name)
        for group in _group_names(dataset, groups, by)
        for name in [*conditions, HUMAN_BOUND]
    ]
    tables = _Tables()
    for group, name in tqdm(tasks, desc="evaluate", disable=not progress):
        members = groups.index if group == ALL else groups.index[groups.to_numpy() == group]
        humans = _Answers(human_positions.loc[members], human_weights.loc[members].to_numpy())
        if len(humans) < config.min_group_size:
            continue
        if name == HUMAN_BOUND:
            tables.summary.append({"group": group, **_human_bound(humans, option_counts, config)})
        else:
            _compare(tables, dataset, group, name, conditions[name], humans, option_counts, config)
    return tables.table(dataset, by, config)
