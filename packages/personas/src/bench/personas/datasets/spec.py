"""Dataset specs: a YAML file that describes any respondent table (DESIGN.md format).

```yaml
name: beps
table: beps.csv            # relative to the spec; .csv or .parquet
id: id                     # optional (default: the row number, as column "id")
weight: null               # optional survey-weight column
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

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from bench.personas.datasets.dataset import Dataset, Question, Trait
from bench.personas.datasets.groups import parse_groups


def _codes_and_texts(
    where: str, label: str, options: Any
) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    if isinstance(options, Mapping):
        return tuple(options.keys()), tuple(str(v) for v in options.values())
    if isinstance(options, list | tuple):
        return tuple(options), tuple(str(v) for v in options)
    raise ValueError(
        f"{where}: {label} has options {options!r}; give a mapping code -> text or a list of texts"
    )


def _require(where: str, entry: Mapping[str, Any], key: str, label: str) -> Any:
    if key not in entry or entry[key] is None:
        raise ValueError(f"{where}: {label} has no `{key}:`; add it to the spec")
    return entry[key]


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


def dataset_from_spec(spec: Mapping[str, Any], table: pd.DataFrame, *, source: str) -> Dataset:
    """Build a :class:`Dataset` from a parsed spec and its respondent table."""
    where = source
    if not isinstance(spec, Mapping):
        raise ValueError(
            f"{where}: a spec is a YAML mapping with name, table, demographics, questions"
        )
    table = table.reset_index(drop=True)
    id_column = spec.get("id") or "id"
    if spec.get("id") is None and "id" not in table.columns:
        table = table.assign(id=range(len(table)))
    traits = []
    for name, entry in (spec.get("demographics") or {}).items():
        label = f"trait {name!r}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: {label} must be a mapping with column, question, options")
        codes, texts = _codes_and_texts(where, label, _require(where, entry, "options", label))
        bins = entry.get("bins")
        traits.append(
            Trait(
                name=str(name),
                column=str(_require(where, entry, "column", label)),
                question=str(entry.get("question") or f"What is your {name}?"),
                options=texts,
                codes=None if bins is not None else codes,
                bins=tuple(float(b) for b in bins) if bins is not None else None,
                missing=tuple(entry.get("missing") or ()),
            )
        )
    questions = []
    for i, entry in enumerate(spec.get("questions") or []):
        label = f"question #{i + 1}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where}: {label} must be a mapping with id, column, text, options")
        column = str(_require(where, entry, "column", label))
        codes, texts = _codes_and_texts(where, label, _require(where, entry, "options", label))
        questions.append(
            Question(
                id=str(entry.get("id") or column),
                column=column,
                text=str(_require(where, entry, "text", label)),
                options=texts,
                codes=codes,
                kind=str(entry.get("kind") or "self"),
                group=None if entry.get("group") is None else str(entry["group"]),
                target_group=None
                if entry.get("target_group") is None
                else str(entry["target_group"]),
                missing=tuple(entry.get("missing") or ()),
            )
        )
    weight_column = spec.get("weight")
    weights = None
    if weight_column is not None:
        if weight_column not in table.columns:
            raise ValueError(
                f"{where}: weight column {weight_column!r} not in the table; fix `weight:` or set it to null"
            )
        weights = pd.to_numeric(table[weight_column], errors="coerce")
        if weights.isna().any() or (weights < 0).any():
            raise ValueError(
                f"{where}: weight column {weight_column!r} has missing or negative values; "
                "drop those respondents or fix the weights"
            )
        weights = weights.reset_index(drop=True)
    return Dataset(
        name=str(spec.get("name") or Path(source).stem),
        respondents=table,
        demographics=tuple(traits),
        questions=tuple(questions),
        id=str(id_column),
        weights=weights,
        missing=tuple(spec.get("missing") or ()),
        source=source,
        description=str(spec.get("description") or ""),
        groups=parse_groups(where, spec.get("groups"), traits),
    )


def read_spec(path: str | Path) -> dict[str, Any]:
    """Parse a spec YAML file; errors name the file."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: spec file not found")
    try:
        spec = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc})") from exc
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
