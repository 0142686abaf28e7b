"""A survey dataset: respondents, their demographic traits, and the opinion questions.

Every item (a demographic :class:`Trait` or an opinion :class:`Question`) has K ordered
options; an answer is mapped to its option *position* 0..K-1, the ordinal scale of the
Wasserstein metric and of the persona's answer distributions. Missing answers (NaN, or a
code in ``Dataset.missing``) map to NaN.

    positions(item) : (n,) float, values in {0, ..., K-1} or NaN

A numeric trait is cut into options by ``bins`` (b_0 < ... < b_K): option k holds the
values in [b_k, b_{k+1}). Otherwise ``codes[k]`` is the column value that means option k.

The dataset is checked when it is built (``__post_init__``): every column exists, every
non-missing value is an option code (or falls inside the bins), the table is not empty
and no question is answered by nobody. Errors name the source file, the column and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from bench.personas.datasets.codes import Code, canonical
from bench.personas.datasets.groups import Grouping, check_perception_questions

# Question kinds. The follow-up issue adds in-group / out-group / meta-perception
# questions ("ingroup", "outgroup", "meta") about a target group; "self" asks the
# respondent's own opinion.
QUESTION_KINDS = ("self", "ingroup", "outgroup", "meta")


def table_column(table: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name`` of ``table``: one Series (pandas types ``table[name]`` as either)."""
    values = table[name]
    assert isinstance(values, pd.Series), f"column {name!r} appears more than once"
    return values


def numbers(values: pd.Series) -> pd.Series:
    """``values`` as float64; a value that is not a number becomes NaN."""
    converted = pd.to_numeric(values, errors="coerce")
    assert isinstance(converted, pd.Series)  # a Series in, a Series out
    return converted.astype(np.float64)


def _is_blank(values: pd.Series) -> NDArray[np.bool_]:
    """NaN/None, or text that is empty or only spaces."""
    text = values.map(lambda v: isinstance(v, str) and not v.strip())
    return values.isna().to_numpy() | text.to_numpy(dtype=bool)


def _positions(
    values: pd.Series,
    codes: Sequence[Code] | None,
    bins: Sequence[float] | None,
    missing: Sequence[Code],
) -> tuple[NDArray[np.float64], list[object]]:
    """Option positions of ``values`` (n,) and the distinct values that fit no option."""
    keys = values.map(canonical)
    missing_keys = {canonical(m) for m in missing}
    is_missing = _is_blank(values) | keys.isin(list(missing_keys)).to_numpy(dtype=bool)
    out = np.full(len(values), np.nan)
    present = keys.loc[~is_missing]
    if bins is not None:
        numeric = numbers(present).to_numpy()
        k = np.searchsorted(np.asarray(bins, np.float64), numeric, side="right") - 1
        ok = np.isfinite(numeric) & (k >= 0) & (k < len(bins) - 1)
        found = np.where(ok, k, -1).astype(np.float64)
    else:
        lookup = {canonical(code): i for i, code in enumerate(codes or ())}
        # a fresh writeable array: pandas may hand back a read-only view of its data
        found = np.array([lookup.get(v, -1) for v in present], dtype=np.float64)
        ok = found >= 0
    bad = present[~ok]
    found[~ok] = np.nan
    out[~is_missing] = found
    return out, sorted(set(bad.tolist()), key=str)[:10]


@dataclass(frozen=True)
class Trait:
    """A demographic trait asked of every persona and used for matching.

    ``options`` are the K option texts in order. Either ``codes`` (K,) gives the column
    value of each option, or ``bins`` (K+1,) cuts a numeric column: option k is
    [bins[k], bins[k+1]).
    """

    name: str
    column: str
    question: str
    options: tuple[str, ...]
    codes: tuple[Code, ...] | None = None
    bins: tuple[float, ...] | None = None
    missing: tuple[Code, ...] = ()  # this item's no-answer codes, on top of Dataset.missing

    def __post_init__(self) -> None:
        if self.bins is not None and self.codes is None:
            given, expected = len(self.bins), len(self.options) + 1
            unit, what = "bin edges", "bins needs K+1 edges"
        elif self.codes is not None and self.bins is None:
            given, expected = len(self.codes), len(self.options)
            unit, what = "codes", "codes needs one per option"
        else:
            raise ValueError(f"trait {self.name!r}: give exactly one of codes or bins")
        if given != expected:
            raise ValueError(
                f"trait {self.name!r}: {len(self.options)} options but {given} {unit} ({what})"
            )
        if self.codes is not None and len({canonical(c) for c in self.codes}) != len(self.codes):
            raise ValueError(
                f"trait {self.name!r}: repeated option codes {list(self.codes)} "
                "(8, 8.0 and '8' are one code); give each option its own code"
            )
        if self.bins is not None and not np.all(np.diff(np.asarray(self.bins, np.float64)) > 0):
            raise ValueError(
                f"trait {self.name!r}: bins {list(self.bins)} must be strictly increasing"
            )

    @property
    def n_options(self) -> int:
        return len(self.options)


@dataclass(frozen=True)
class Question:
    """An opinion question: ``codes[k]`` is the column value meaning ``options[k]``.

    ``kind`` is "self" (the respondent's own opinion); the follow-up adds "ingroup",
    "outgroup" and "meta" questions, asked about ``target_group`` by members of ``group``
    (e.g. group="party=Democrat", target_group="party=Republican"), groups of the
    dataset's ``groups`` (rules in :mod:`bench.personas.datasets.groups`).
    """

    id: str
    column: str
    text: str
    options: tuple[str, ...]
    codes: tuple[Code, ...]
    kind: str = "self"
    group: str | None = None
    target_group: str | None = None
    missing: tuple[Code, ...] = ()  # this item's no-answer codes, on top of Dataset.missing

    def __post_init__(self) -> None:
        if len(self.codes) != len(self.options):
            raise ValueError(
                f"question {self.id!r}: {len(self.options)} options but {len(self.codes)} codes"
            )
        if len({canonical(c) for c in self.codes}) != len(self.codes):
            raise ValueError(
                f"question {self.id!r}: repeated option codes {list(self.codes)} "
                "(8, 8.0 and '8' are one code); give each option its own code"
            )
        if len(self.options) < 2:
            raise ValueError(
                f"question {self.id!r}: needs at least 2 options, has {len(self.options)}"
            )
        if self.kind not in QUESTION_KINDS:
            raise ValueError(
                f"question {self.id!r}: kind {self.kind!r} is not one of {QUESTION_KINDS}; "
                "fix `kind:` or leave it out for an opinion question"
            )

    @property
    def n_options(self) -> int:
        return len(self.options)


def survey_weights(where: str, table: pd.DataFrame, column: str) -> pd.Series:
    """The weight column as floats (n,), refused unless every weight is finite, >= 0, and
    some are > 0: a blank, negative or infinite weight has no meaning, and all-zero
    weights would leave no respondent to compare with."""
    if column not in table.columns:
        raise ValueError(
            f"{where}: weight column {column!r} not in the table; fix `weight:` or set it to null"
        )
    weights = numbers(table_column(table, column))
    values = weights.to_numpy()
    for problem, bad in (
        ("blank or not a number", np.isnan(values)),
        ("infinite", np.isinf(values)),
        ("negative", values < 0),
    ):
        if bad.any():
            raise ValueError(
                f"{where}: weight column {column!r} is {problem} in {describe_rows(bad)}; fix "
                "those weights or drop those respondents"
            )
    if not np.isfinite(values.sum()):
        raise ValueError(f"{where}: weight column {column!r} sums to infinity; rescale the weights")
    if not values.sum() > 0:
        raise ValueError(
            f"{where}: weight column {column!r} is 0 for every respondent; point `weight:` at "
            "the survey weights, or set it to null for an unweighted survey"
        )
    return weights.reset_index(drop=True)


def item_label(item: Trait | Question) -> str:
    return item.name if isinstance(item, Trait) else item.id


def describe_rows(mask: NDArray[np.bool_]) -> str:
    """``row(s) 3, 8`` for error messages: table rows counted from 1 (the header is not a row)."""
    rows = np.flatnonzero(mask) + 1
    shown = ", ".join(str(r) for r in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more} (of {len(mask)})"


@dataclass(frozen=True)
class Dataset:
    """Respondents (n rows, one per respondent, ``id`` column unique) and their items.

    ``weights`` (n,) are survey weights aligned with ``respondents`` (None: unweighted).
    ``source`` names the file (or package) the data came from, for error messages.
    """

    name: str
    respondents: pd.DataFrame
    demographics: tuple[Trait, ...]
    questions: tuple[Question, ...]
    id: str = "id"
    weights: pd.Series | None = None
    missing: tuple[Code, ...] = ()
    source: str = ""
    description: str = ""
    groups: tuple[Grouping, ...] = ()  # the spec's `groups:` (see groups.py)
    # traits the QA/Bio/Portray baselines state (None: all); the spec's `baseline_traits:`
    baseline_traits: tuple[str, ...] | None = None
    _cache: dict[str, NDArray[np.float64]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = self.source or self.name
        if len(self.respondents) == 0:
            raise ValueError(
                f"{where}: the respondent table is empty; point the dataset at a file with rows"
            )
        self._check_ids(where)
        if not self.questions:
            raise ValueError(f"{where}: no questions; list at least one under `questions:`")
        names = [t.name for t in self.demographics]
        if len(set(names)) != len(names):
            raise ValueError(f"{where}: repeated trait names {names}")
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{where}: repeated question ids {ids}")
        unknown = [t for t in self.baseline_traits or () if t not in names]
        if unknown:
            raise ValueError(
                f"{where}: `baseline_traits` names {unknown}, not trait(s) under `demographics:` "
                f"{names}; fix the names or leave `baseline_traits` out to state every trait"
            )
        check_perception_questions(where, self.questions, self.demographics, self.groups)
        if self.weights is not None and len(self.weights) != len(self.respondents):
            raise ValueError(
                f"{where}: {len(self.weights)} weights for {len(self.respondents)} respondents"
            )
        items: list[tuple[str, Trait | Question]] = [("trait", t) for t in self.demographics]
        items += [("question", q) for q in self.questions]
        for what, item in items:
            self._cache[f"{what}:{item_label(item)}"] = self._item_positions(where, what, item)

    def _check_ids(self, where: str) -> None:
        if self.id not in self.respondents.columns:
            raise ValueError(
                f"{where}: id column {self.id!r} not found (columns: {list(self.respondents.columns)[:20]}); "
                "set `id:` in the spec to an existing column or leave it out"
            )
        ids = table_column(self.respondents, self.id)
        blank = _is_blank(ids)
        if blank.any():
            raise ValueError(
                f"{where}: id column {self.id!r} is blank in {describe_rows(blank)}; give every "
                "respondent an id, or leave `id:` out to number the rows"
            )
        # ids travel as text through the stage tables, so 7 and "7" would be one respondent
        repeated = ids.astype(str).duplicated(keep=False).to_numpy()
        if repeated.any():
            raise ValueError(
                f"{where}: id column {self.id!r} repeats values {sorted(set(ids[repeated].astype(str)))[:5]} "
                f"in {describe_rows(repeated)}; ids must be unique"
            )

    def _item_positions(self, where: str, what: str, item: Trait | Question) -> NDArray[np.float64]:
        label = item_label(item)
        if item.column not in self.respondents.columns:
            raise ValueError(
                f"{where}: {what} {label!r} names column {item.column!r}, which is not in the table; "
                "fix the column name in the spec"
            )
        bins = item.bins if isinstance(item, Trait) else None
        positions, bad = _positions(
            table_column(self.respondents, item.column),
            item.codes,
            bins,
            (*self.missing, *item.missing),
        )
        if bad:
            fix = (
                "widen `bins`, or list them under `missing:` if they mean no answer"
                if bins is not None
                else "list them under `missing:` (the dataset's or this item's) if they mean no "
                "answer, or add them to the item's `options`"
            )
            raise ValueError(
                f"{where}: column {item.column!r} ({what} {label!r}) has values {bad} that are not "
                f"option codes {list(bins if bins is not None else item.codes or ())}; {fix}"
            )
        answered = ~np.isnan(positions)
        if what == "question" and not answered.any():
            raise ValueError(
                f"{where}: question {label!r} (column {item.column!r}) has no valid answer: every "
                "value is blank, missing or refused; drop the question from the spec"
            )
        if what == "question" and self.weights is not None:
            if not np.asarray(self.weights, np.float64)[answered].sum() > 0:
                raise ValueError(
                    f"{where}: question {label!r} (column {item.column!r}): every respondent "
                    "who answered it has survey weight 0; fix the weights or drop the question"
                )
        return positions

    # -- lookups --------------------------------------------------------------------
    @property
    def ids(self) -> pd.Series:
        """Respondent ids (n,), in table order."""
        return table_column(self.respondents, self.id)

    @property
    def n(self) -> int:
        return len(self.respondents)

    @property
    def baseline_trait_names(self) -> tuple[str, ...]:
        """The traits the QA/Bio/Portray baselines state, in the dataset's trait order."""
        chosen = self.baseline_traits
        return tuple(t.name for t in self.demographics if chosen is None or t.name in chosen)

    def weight_array(self) -> NDArray[np.float64]:
        """Survey weights (n,); ones when the dataset is unweighted."""
        if self.weights is None:
            return np.ones(self.n)
        return np.asarray(self.weights, dtype=np.float64)

    def trait(self, name: str) -> Trait:
        for t in self.demographics:
            if t.name == name:
                return t
        raise KeyError(
            f"{self.name}: no trait {name!r}; traits are {[t.name for t in self.demographics]}"
        )

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(
            f"{self.name}: no question {question_id!r}; questions are {[q.id for q in self.questions]}"
        )

    # -- positions ------------------------------------------------------------------
    def answer_positions(self, question_id: str) -> pd.Series:
        """Option positions 0..K-1 of every respondent's answer (NaN: missing), indexed by id."""
        self.question(question_id)
        return pd.Series(
            self._cache[f"question:{question_id}"], index=self.ids.to_numpy(), name=question_id
        )

    def answers(self) -> pd.DataFrame:
        """(n, Q) option positions of every answer (NaN: missing); index id, columns question ids."""
        return pd.DataFrame(
            {q.id: self._cache[f"question:{q.id}"] for q in self.questions},
            index=self.ids.to_numpy(),
        )

    def trait_positions(self, name: str) -> pd.Series:
        """Option positions 0..K-1 of every respondent's trait (NaN: missing), indexed by id."""
        self.trait(name)
        return pd.Series(self._cache[f"trait:{name}"], index=self.ids.to_numpy(), name=name)

    def profiles(self) -> pd.DataFrame:
        """(n, T) demographic profiles as option positions (NaN: missing); index id, columns traits."""
        return pd.DataFrame(
            {t.name: self._cache[f"trait:{t.name}"] for t in self.demographics},
            index=self.ids.to_numpy(),
        )

    def profile(self, respondent_id: Code) -> dict[str, int | None]:
        """One respondent's profile: trait name -> option position (None: missing)."""
        table = self.profiles()
        if respondent_id not in table.index:
            raise KeyError(f"{self.name}: no respondent with id {respondent_id!r}")
        row = table.loc[respondent_id]
        return {k: (None if np.isnan(v) else int(v)) for k, v in row.items()}

    def summary(self) -> dict[str, str | int | bool]:
        """Name, size and items, for `bench personas datasets`."""
        return {
            "name": self.name,
            "respondents": self.n,
            "weighted": self.weights is not None,
            "traits": len(self.demographics),
            "questions": len(self.questions),
            "source": self.source,
        }
