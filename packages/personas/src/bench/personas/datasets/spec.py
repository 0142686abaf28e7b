"""Dataset specs: a YAML file that describes any respondent table (DESIGN.md format).

```yaml
name: beps
table: beps.csv            # relative to the spec; .csv or .parquet
id: id                     # optional (default: the row number, as column "id")
weight: null               # optional survey-weight column
baseline_traits: [age, gender]   # optional: what QA/Bio/Portray state (default: every trait)
missing: [98, 99, "Refused"]
demographics:
  age: {column: age, question: "...", bins: [18, 30, 50, 65, 200],
        options: ["18-29", "30-49", "50-64", "65 or older"]}
  gender: {column: gender, question: "...", options: {female: "Female", male: "Male"}}
questions:
  - {id: blair, column: Blair, text: "...", options: {1: "Very negative", 2: "Negative"}}
```

``options`` is either a mapping code -> text (in order) or, with ``bins``, a list of
texts; a list without ``bins`` means the column holds the texts themselves. Any item may
add its own ``missing:`` codes to the dataset-wide ones. A question
may also carry ``kind`` ("self", "ingroup", "outgroup", "meta"), ``group`` and
``target_group`` (the follow-up's perception questions), which name groups of a
top-level ``groups:`` block (the in-group / out-group / meta-perception gaps of
:mod:`bench.personas.perception`; full rules in ``groups.py``):

```yaml
groups:
  party:
    trait: party                 # a trait under `demographics:`
    members: {Democrat: [0, 1, 2], Republican: [4, 5, 6]}   # option codes (or texts)
    self_position: ideology      # optional: rater's own position (trait or self question)
questions:
  - {id: ClinLR, ..., kind: ingroup, target_group: party=Democrat}    # put to everyone
  - {id: warm_out, ..., kind: outgroup, group: party=Democrat, target_group: party=Republican}
  - {id: meta_warm, ..., kind: meta, group: party=Democrat, target_group: party=Republican}
```
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import yaml

from bench.personas.datasets.codes import Code, is_code
from bench.personas.datasets.dataset import Dataset, Question, Trait, survey_weights
from bench.personas.datasets.groups import parse_groups

_Item = TypeVar("_Item", Trait, Question)
# A parsed YAML mapping (the spec, or one item of it): keys are names, values anything YAML holds.
Entry = Mapping[str, Any]


def _codes_and_texts(
    where: str, label: str, options: object
) -> tuple[tuple[Code, ...], tuple[str, ...]]:
    if isinstance(options, Mapping):
        codes, texts = tuple(options.keys()), tuple(options.values())
    elif isinstance(options, list | tuple):
        codes, texts = tuple(options), tuple(options)
    else:
        raise ValueError(
            f"{where}: {label} has options {options!r}; give a mapping code -> text or a list of texts"
        )
    valid = [c for c in codes if is_code(c)]
    odd = [c for c in (*codes, *texts) if not is_code(c)]
    if odd:
        raise ValueError(
            f"{where}: {label} has options {options!r}; codes and texts must be numbers or "
            f"text, not {odd[0]!r}"
        )
    return tuple(valid), tuple(str(t) for t in texts)


def _require(where: str, entry: Entry, key: str, label: str) -> Code:
    if key not in entry or entry[key] is None:
        raise ValueError(f"{where}: {label} has no `{key}:`; add it to the spec")
    value = entry[key]
    if not is_code(value):
        raise ValueError(f"{where}: {label} has `{key}: {value!r}`; give a name or a text")
    return value


def _optional_text(where: str, entry: Entry, key: str, label: str) -> str | None:
    return None if entry.get(key) is None else str(_require(where, entry, key, label))


def _code_list(where: str, label: str, value: object) -> tuple[Code, ...]:
    """A `missing:` list (a single code is read as a list of one)."""
    if value is None:
        return ()
    values = value if isinstance(value, list | tuple) else [value]
    codes = [v for v in values if is_code(v)]
    odd = [v for v in values if not is_code(v)]
    if odd:
        raise ValueError(
            f"{where}: {label} `missing:` holds {odd[0]!r}; list the codes that mean no answer"
        )
    return tuple(codes)


def _names(where: str, key: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: `{key}:` must be a list of trait names, got {value!r}")
    return tuple(value)


def _bins(where: str, label: str, bins: Any) -> tuple[float, ...] | None:
    if bins is None:
        return None
    try:
        edges = tuple(float(b) for b in bins if not isinstance(b, bool))
    except (TypeError, ValueError):
        edges = ()
    if len(edges) < 3 or len(edges) != len(bins) or any(np.isnan(edges)):
        raise ValueError(
            f"{where}: {label} has `bins: {bins!r}`; give K+1 increasing numbers for K options"
        )
    return edges


def _built(where: str, make: Callable[..., _Item], **fields: Any) -> _Item:
    """``make(**fields)``, its errors (which name the item) prefixed with the spec file."""
    try:
        return make(**fields)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _trait(where: str, name: object, entry: object) -> Trait:
    label = f"trait {name!r}"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: {label} must be a mapping with column, question, options")
    codes, texts = _codes_and_texts(where, label, _require_options(where, entry, label))
    bins = _bins(where, label, entry.get("bins"))
    return _built(
        where,
        Trait,
        name=str(name),
        column=str(_require(where, entry, "column", label)),
        question=_optional_text(where, entry, "question", label) or f"What is your {name}?",
        options=texts,
        codes=None if bins is not None else codes,
        bins=bins,
        missing=_code_list(where, label, entry.get("missing")),
    )


def _question(where: str, i: int, entry: object) -> Question:
    label = f"question #{i + 1}"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: {label} must be a mapping with id, column, text, options")
    column = str(_require(where, entry, "column", label))
    codes, texts = _codes_and_texts(where, label, _require_options(where, entry, label))
    return _built(
        where,
        Question,
        id=_optional_text(where, entry, "id", label) or column,
        column=column,
        text=str(_require(where, entry, "text", label)),
        options=texts,
        codes=codes,
        kind=_optional_text(where, entry, "kind", label) or "self",
        group=_optional_text(where, entry, "group", label),
        target_group=_optional_text(where, entry, "target_group", label),
        missing=_code_list(where, label, entry.get("missing")),
    )


def _require_options(where: str, entry: Entry, label: str) -> object:
    if entry.get("options") is None:
        raise ValueError(f"{where}: {label} has no `options:`; add it to the spec")
    return entry["options"]


def read_table(path: Path) -> pd.DataFrame:
    """A respondent table from ``.csv`` or ``.parquet``; errors name the file and the fix."""
    if not path.exists():
        raise ValueError(f"{path}: table file not found; `table:` is relative to the spec's folder")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(
            f"{path}: the table file is empty; export the respondents with a header row"
        ) from exc
    raise ValueError(f"{path}: table must be .csv or .parquet, got {suffix!r}")


def dataset_from_spec(spec: Entry, table: pd.DataFrame, *, source: str) -> Dataset:
    """Build a :class:`Dataset` from a parsed spec and its respondent table."""
    where = source
    if not isinstance(spec, Mapping):
        raise ValueError(
            f"{where}: a spec is a YAML mapping with name, table, demographics, questions"
        )
    table = table.reset_index(drop=True)
    id_column = spec.get("id")
    if id_column is None:
        id_column = "id"
        if "id" not in table.columns:
            table = table.assign(id=range(len(table)))
    elif not is_code(id_column):
        raise ValueError(f"{where}: `id: {id_column!r}` must name a column of the table")
    demographics = spec.get("demographics") or {}
    if not isinstance(demographics, Mapping):
        raise ValueError(
            f"{where}: `demographics:` must map trait names to column, question, options"
        )
    questions = spec.get("questions") or []
    if not isinstance(questions, list):
        raise ValueError(
            f"{where}: `questions:` must be a list of items with id, column, text, options"
        )
    traits = [_trait(where, name, entry) for name, entry in demographics.items()]
    weight_column = spec.get("weight")
    if weight_column is not None and not is_code(weight_column):
        raise ValueError(f"{where}: `weight: {weight_column!r}` must name a column or be null")
    weights = None if weight_column is None else survey_weights(where, table, str(weight_column))
    return Dataset(
        name=str(spec.get("name") or Path(source).stem),
        respondents=table,
        demographics=tuple(traits),
        questions=tuple(_question(where, i, entry) for i, entry in enumerate(questions)),
        id=str(id_column),
        weights=weights,
        missing=_code_list(where, "the spec's", spec.get("missing")),
        source=source,
        description=str(spec.get("description") or ""),
        groups=parse_groups(where, spec.get("groups"), traits),
        baseline_traits=_names(where, "baseline_traits", spec.get("baseline_traits")),
    )


def read_spec(path: str | Path) -> dict[str, Any]:
    """Parse a spec YAML file; errors name the file."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: spec file not found")
    try:
        spec = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())  # the parser's message spans several lines
        raise ValueError(f"{path}: not valid YAML ({detail})") from exc
    if not isinstance(spec, dict):
        raise ValueError(
            f"{path}: empty or not a mapping; a spec needs name, table, demographics, questions"
        )
    return spec


def load_spec(path: str | Path) -> Dataset:
    """``spec:PATH.yaml``: the spec and the table it names (relative to the spec)."""
    path = Path(path)
    spec = read_spec(path)
    if not spec.get("table"):
        raise ValueError(f"{path}: no `table:`; name the CSV or Parquet file of respondents")
    table_path = (path.parent / str(spec["table"])).resolve()
    table = read_table(table_path)
    return dataset_from_spec(spec, table, source=str(path))
