"""In-group / out-group / meta-perception gaps per group, for the humans and every condition.

The dataset's ``groups:`` block (see :mod:`bench.personas.datasets.groups`) splits the
respondents by a trait (ANES 1996: Democrats = PID 0-2, Republicans = PID 4-6, pure
independents dropped). A unit (persona) belongs to the group of the human respondent it
stands for (``respondent_id``), which is how Anthology assigns demographics. For each
group G, with I a question rating G's own side (in-group item: ``target_group`` = G) and
O a question on the same scale rating another side H (out-group item), all answered by
G's members, and option positions x (0..K-1):

    hostility  Δ = mean_G |s - x_O| - mean_G |s - x_I|
               perceived distance from the rater's own position s to the other side minus
               to the own side (ANES: a Democrat's |selfLR - DoleLR| - |selfLR - ClinLR|,
               a Republican's |selfLR - ClinLR| - |selfLR - DoleLR|); s is the grouping's
               ``self_position`` (ANES: the ideology trait, selfLR); n/a without one
    placement  Δ = mean_G x_O - mean_G x_I
               where G places the other side minus where it places its own
               (ANES, Democrats: DoleLR - ClinLR; Republicans: ClinLR - DoleLR)
    meta       Δ = mean_A x_M - mean_B x_P
               for a ``kind: meta`` question M put to A about how B rates A, and P the
               question rating A (same options) as answered by B's members: how A believes
               B rates A minus how B actually rates A; n/a when the spec has no meta question

with survey-weighted means, and Cohen's d of the two answer sets (pooled SD), both from
:func:`bench.common.metrics.perception_gap`. Each side uses every member of the group who
answered its question(s); d treats the two sets as independent samples (pooled SD,
Cohen 1988) even where the same raters give both. For a condition the answers are the
units' sampled answers (``answer_index``, one per unit as in the Anthology code) and
``wd`` / ``wd_normalized`` are the mean 1-D Wasserstein distance between the condition's
and the humans' answer distributions, within the row's group(s), over the row's
questions (I and O; M and P): raw ordinal scale and divided by K-1
(:func:`bench.common.metrics.representativeness`).
A self position from a trait is the respondent's for the humans and the units alike
(every condition is conditioned on its respondent's traits); from a ``kind: self``
question it is each side's own answer.

Output: :class:`GapTable` (``table`` DataFrame) with ``to_markdown`` / ``to_csv`` /
``to_json``; NaN (``n/a`` in Markdown, null in JSON) marks a gap that cannot be computed,
with the reason in ``note``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from bench.common.atomic import atomic_write_text
from bench.common.metrics import answer_distribution, perception_gap, representativeness
from bench.personas.datasets import Dataset, Grouping, Question
from bench.personas.datasets.codes import Code
from bench.personas.datasets.groups import resolve_group
from bench.personas.evaluation import (
    check_answers,
    human_answers,
    markdown_table,
    records,
    unit_answers,
)

HUMAN = "human"  # the humans' rows
MEASURES = ("hostility", "placement", "meta")
COLUMNS = (
    "measure",
    "group",
    "condition",
    "a",
    "b",
    "n_a",
    "n_b",
    "mean_a",
    "mean_b",
    "gap",
    "cohens_d",
    "wd",
    "wd_normalized",
    "note",
)
NOTE = (
    "gap = mean(a) - mean(b) in option positions (survey-weighted); cohens_d: the same "
    "difference over the pooled SD. hostility: distance from the rater's own position to "
    "the other side minus to the own side; placement: placement of the other side minus of "
    "the own side; meta: how the group believes the other rates it minus how the other "
    "does. wd / wd_normalized: mean 1-D Wasserstein distance between the condition's and "
    "the humans' answers to the row's questions within the group (raw ordinal scale / "
    "divided by K-1). n/a: not computable (see note)."
)
GapRow = dict[str, str | int | float]  # one row of GapTable.table


@dataclass(frozen=True)
class _Side:
    """One answer set of a gap: question q answered by members of ``raters``."""

    question: str
    raters: str
    distance_to_self: bool = False  # |s - x| instead of x

    def label(self, self_position: str | None) -> str:
        x = f"{self.question}[{self.raters}]"
        return f"|{self_position} - {x}|" if self.distance_to_self else x


@dataclass(frozen=True)
class _Gap:
    measure: str
    group: str
    a: _Side | None  # None: n/a for every condition (reason in ``note``)
    b: _Side | None
    note: str = ""


@dataclass(frozen=True)
class GapTable:
    """The perception gaps: one row per (measure, group, condition); columns COLUMNS."""

    dataset: str
    grouping: str
    table: pd.DataFrame

    def to_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "grouping": self.grouping,
            "note": NOTE,
            "gaps": records(self.table),
        }

    def to_json(self, path: str | Path) -> Path:
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")

    def to_csv(self, path: str | Path) -> Path:
        path = Path(path)
        self.table.to_csv(path, index=False)
        return path

    def to_markdown(self) -> str:
        """The table in Markdown, headed by what each gap is; NaN prints as n/a."""
        numbers = ("mean_a", "mean_b", "gap", "cohens_d", "wd", "wd_normalized")
        table = markdown_table(self.table, numbers=numbers, missing="n/a")
        return f"{self.dataset}, groups by {self.grouping}. {NOTE}\n\n{table}"


def _grouping(dataset: Dataset, name: str | None) -> Grouping:
    if not dataset.groups:
        raise ValueError(
            f"dataset {dataset.name} has no `groups:` block; the perception gaps need one "
            "(the trait whose options form the groups, e.g. party; see datasets/spec.py)"
        )
    if name is None and len(dataset.groups) > 1:
        raise ValueError(
            f"dataset {dataset.name} has groupings {[g.name for g in dataset.groups]}; choose one"
        )
    for g in dataset.groups:
        if name is None or g.name == name:
            return g
    raise ValueError(
        f"dataset {dataset.name} has no grouping {name!r}; it has {[g.name for g in dataset.groups]}"
    )


@dataclass(frozen=True)
class _Rating:
    """A question about group ``target``, put to the groups ``raters``.

    An in/out-group question rates ``target``; a meta question put to A (``raters`` = (A,))
    about B (``target``) asks how B rates A.
    """

    question: Question
    target: str
    raters: tuple[str, ...]


def _perception_items(dataset: Dataset, grouping: Grouping) -> tuple[list[_Rating], list[_Rating]]:
    """The dataset's rating questions and meta questions about groups of ``grouping``."""
    where = f"dataset {dataset.name}"

    def group_of(ref: str, question: str) -> str:
        name, group = resolve_group(dataset.groups, ref, where=f"{where}: question {question!r}")
        return group if name == grouping.name else ""

    ratings: list[_Rating] = []
    metas: list[_Rating] = []
    for q in dataset.questions:
        if q.kind == "self":
            continue
        assert q.target_group is not None  # check_perception_questions refused it
        target = group_of(q.target_group, q.id)
        if not target:
            continue
        if q.kind == "meta":
            assert q.group is not None  # check_perception_questions refused it
            metas.append(_Rating(q, target, (group_of(q.group, q.id),)))
        else:
            raters = (group_of(q.group, q.id),) if q.group is not None else grouping.groups
            ratings.append(_Rating(q, target, raters))
    if not ratings:
        raise ValueError(
            f"{where}: no `kind: ingroup`/`outgroup` question has a target_group of grouping "
            f"{grouping.name!r}; tag the questions that rate each group (see datasets/groups.py)"
        )
    return ratings, metas


def _own_and_other_gaps(
    dataset: Dataset, grouping: Grouping, ratings: list[_Rating], group: str
) -> list[_Gap]:
    """Hostility and placement of ``group``: each pair of its own-side and other-side items."""
    own = [r.question for r in ratings if r.target == group and group in r.raters]
    other = [r.question for r in ratings if r.target != group and group in r.raters]
    pairs = [(i, o) for i in own for o in other if _scale(i) == _scale(o)]
    if not pairs:
        raise ValueError(
            f"dataset {dataset.name}: group {grouping.name}={group} needs a question rating its "
            f"own side (found {[q.id for q in own]}) and one rating another side on the same "
            f"options (found {[q.id for q in other]}), both put to its members; tag them with "
            "kind/target_group"
        )
    gaps = []
    for i, o in pairs:
        if grouping.self_position is None:
            gaps.append(
                _Gap("hostility", group, None, None, "n/a: the grouping has no self_position")
            )
        else:
            _check_self_scale(dataset, grouping, i)
            gaps.append(
                _Gap("hostility", group, _Side(o.id, group, True), _Side(i.id, group, True))
            )
        gaps.append(_Gap("placement", group, _Side(o.id, group), _Side(i.id, group)))
    return gaps


def _meta_gaps(
    dataset: Dataset, grouping: Grouping, ratings: list[_Rating], metas: list[_Rating]
) -> list[_Gap]:
    """Each meta question against the one rating question that B actually answered about A."""
    gaps = []
    for meta in metas:
        m, rated_by = meta.question, meta.target  # asks A how B rates A
        (believers,) = meta.raters  # A
        actual = [
            r.question
            for r in ratings
            if r.target == believers and rated_by in r.raters and _scale(r.question) == _scale(m)
        ]
        if len(actual) != 1:
            raise ValueError(
                f"dataset {dataset.name}: meta question {m.id!r} (how {rated_by} rate "
                f"{believers}) needs exactly one question rating {believers} put to {rated_by} "
                f"with the same options; found {[q.id for q in actual]}"
            )
        gaps.append(_Gap("meta", believers, _Side(m.id, believers), _Side(actual[0].id, rated_by)))
    if not gaps:
        gaps = [
            _Gap("meta", g, None, None, "n/a: the spec has no `kind: meta` question")
            for g in grouping.groups
        ]
    return gaps


def _gap_design(dataset: Dataset, grouping: Grouping) -> list[_Gap]:
    """Which answer sets each (measure, group) row compares; errors name what is missing."""
    ratings, metas = _perception_items(dataset, grouping)
    gaps = [
        gap
        for group in grouping.groups
        for gap in _own_and_other_gaps(dataset, grouping, ratings, group)
    ]
    gaps += _meta_gaps(dataset, grouping, ratings, metas)
    order = {m: k for k, m in enumerate(MEASURES)}
    return sorted(gaps, key=lambda g: (order[g.measure], grouping.groups.index(g.group)))


def _scale(question: Question) -> tuple[tuple[Code, ...], tuple[str, ...]]:
    """Codes and option texts: two questions are on one scale when both agree."""
    return tuple(question.codes), tuple(question.options)


def _check_self_scale(dataset: Dataset, grouping: Grouping, question: Question) -> None:
    s = grouping.self_position
    assert s is not None  # only a grouping with a self position measures hostility
    item = next((t for t in dataset.demographics if t.name == s), None) or dataset.question(s)
    if tuple(item.options) != tuple(question.options):
        raise ValueError(
            f"dataset {dataset.name}: self_position {s!r} has options {list(item.options)} but "
            f"question {question.id!r} has {list(question.options)}; the distance |s - x| needs "
            "one scale"
        )


@dataclass(frozen=True)
class _Answers:
    """One side's answers: positions (ids, questions), weights (ids), group label (ids)."""

    positions: pd.DataFrame
    weights: pd.Series
    labels: pd.Series
    self_position: pd.Series | None

    def values(self, side: _Side) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        ids = self.labels.index[self.labels.to_numpy() == side.raters]
        x = self.positions[side.question].reindex(ids).to_numpy(np.float64)
        if side.distance_to_self:
            assert self.self_position is not None  # _gap_design asks |s - x| only with one
            # |s - x|: NaN when either is missing, so the rater drops out of this side
            x = np.abs(self.self_position.reindex(ids).to_numpy(np.float64) - x)
        return x, self.weights.reindex(ids).to_numpy(np.float64)


def _human_answers(dataset: Dataset, grouping: Grouping) -> _Answers:
    positions, weights = human_answers(dataset)
    labels = grouping.assign(dataset.trait_positions(grouping.trait))
    labels.index = labels.index.astype(str)
    return _Answers(positions, weights, labels, _self_positions(dataset, grouping, positions))


def _self_positions(
    dataset: Dataset, grouping: Grouping, positions: pd.DataFrame
) -> pd.Series | None:
    s = grouping.self_position
    if s is None:
        return None
    if s in {t.name for t in dataset.demographics}:
        trait = dataset.trait_positions(s)
        return pd.Series(trait.to_numpy(), index=trait.index.astype(str))
    if s not in positions.columns:
        return pd.Series(np.nan, index=positions.index)
    own = positions[s]
    assert isinstance(own, pd.Series)  # s names one question column
    return own


def _unit_answers(
    dataset: Dataset, grouping: Grouping, rows: pd.DataFrame, humans: _Answers
) -> _Answers:
    positions, weights = unit_answers(rows)
    labels = humans.labels.reindex(positions.index)
    return _Answers(positions, weights, labels, _self_positions(dataset, grouping, positions))


def _wd(
    sides: tuple[_Side, _Side], humans: _Answers, units: _Answers, dataset: Dataset
) -> tuple[float, float]:
    """Mean W1 between the units' and the humans' answers to each side's question."""
    h, m = {}, {}
    for side in sides:
        key = f"{side.question}[{side.raters}]"
        options = range(dataset.question(side.question).n_options)
        plain = _Side(side.question, side.raters)
        x_h, w_h = humans.values(plain)
        x_m, w_m = units.values(plain)
        h[key] = answer_distribution(x_h, options, weights=w_h, name=key)
        m[key] = answer_distribution(x_m, options, weights=w_m, name=key)
    rep = representativeness(h, m)
    return rep.wd, rep.wd_normalized


def _row(
    gap: _Gap,
    condition: str,
    answers: _Answers,
    humans: _Answers,
    dataset: Dataset,
    self_position: str | None,
) -> GapRow:
    row: GapRow = {
        "measure": gap.measure,
        "group": gap.group,
        "condition": condition,
        "a": "" if gap.a is None else gap.a.label(self_position),
        "b": "" if gap.b is None else gap.b.label(self_position),
        **dict.fromkeys(("n_a", "n_b"), 0),
        **dict.fromkeys(("mean_a", "mean_b", "gap", "cohens_d", "wd", "wd_normalized"), np.nan),
        "note": gap.note,
    }
    if gap.a is None or gap.b is None:
        return row
    absent = [s.question for s in (gap.a, gap.b) if s.question not in answers.positions.columns]
    if absent:
        row["note"] = f"n/a: no answers to {absent}"
        return row
    (x_a, w_a), (x_b, w_b) = answers.values(gap.a), answers.values(gap.b)
    row["n_a"], row["n_b"] = int(np.sum(~np.isnan(x_a))), int(np.sum(~np.isnan(x_b)))
    if row["n_a"] == 0 or row["n_b"] == 0:
        row["note"] = "n/a: a side has no answers from the group"
        return row
    result = perception_gap(x_a, x_b, weights_a=w_a, weights_b=w_b)
    row.update(
        n_a=result.n_a,
        n_b=result.n_b,
        mean_a=result.mean_a,
        mean_b=result.mean_b,
        gap=result.gap,
        cohens_d=result.cohens_d,
    )
    if condition != HUMAN:
        row["wd"], row["wd_normalized"] = _wd((gap.a, gap.b), humans, answers, dataset)
    return row


def perception_gaps(
    dataset: Dataset,
    answers: pd.DataFrame | None = None,
    *,
    grouping: str | None = None,
) -> GapTable:
    """The gaps of the humans and of every condition in ``answers`` (see module doc).

    ``answers`` is the survey stage's table (condition, respondent_id, question_id,
    answer_index, weight); None gives the humans' rows only. ``grouping`` names one of the
    dataset's groupings (default: its only one).
    """
    chosen = _grouping(dataset, grouping)
    design = _gap_design(dataset, chosen)
    humans = _human_answers(dataset, chosen)
    sides = [(HUMAN, humans)]
    if answers is not None:
        answers = check_answers(answers, dataset)
        for condition, rows in answers.groupby("condition", sort=False):
            sides.append((str(condition), _unit_answers(dataset, chosen, rows, humans)))
    rows = [
        _row(gap, condition, side, humans, dataset, chosen.self_position)
        for gap in design
        for condition, side in sides
    ]
    return GapTable(
        dataset=dataset.name, grouping=chosen.name, table=pd.DataFrame(rows, columns=COLUMNS)
    )
