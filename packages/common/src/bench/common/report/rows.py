"""One benchmark figure: the row contract between ``benchmarks/bench_*.py`` and the report.

Every suite's ``run(quick: bool) -> list[dict]`` returns rows with exactly these keys:

    suite             str   the suite's area (``ot`` for bench_ot.py)
    name              str   unique within the suite
    value             float the figure
    unit              str   "s", "x", "nats", "" ...
    kind              "quality" | "ratio" | "info"
    higher_is_better  bool | None   (None: a change either way matters / nothing to judge)
    tolerance         float | None  relative, >= 0; a quality row without one is shown
                                    as "unchecked", not judged

Quality rows are compared with the baseline within ``tolerance``; ratio rows (speed of
ours / reference in the same run) only for a collapse beyond the report's ratio factor;
info rows are shown, never judged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

Kind = Literal["quality", "ratio", "info"]
KINDS: tuple[str, ...] = ("quality", "ratio", "info")
ROW_KEYS: tuple[str, ...] = (
    "suite",
    "name",
    "value",
    "unit",
    "kind",
    "higher_is_better",
    "tolerance",
)


@dataclass(frozen=True)
class BenchRow:
    """One figure a benchmark suite measured (see the module doc for the fields)."""

    suite: str
    name: str
    value: float
    unit: str
    kind: Kind
    higher_is_better: bool | None
    tolerance: float | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.suite, self.name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_row(raw: Mapping[str, Any], *, where: str) -> BenchRow:
    """Check one row dict against the contract; ValueError names ``where`` and the key."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            f"{where}: a row is a {type(raw).__name__}, expected a dict with keys {ROW_KEYS}"
        )
    missing = [k for k in ROW_KEYS if k not in raw]
    extra = sorted(set(raw) - set(ROW_KEYS))
    label = f"{where} row {raw.get('name', '?')!r}"
    if missing or extra:
        raise ValueError(
            f"{label}: missing keys {missing}, unknown keys {extra}; expected {ROW_KEYS}"
        )
    for key in ("suite", "name", "unit"):
        if not isinstance(raw[key], str) or (key != "unit" and not raw[key]):
            raise ValueError(f"{label}: {key!r} must be a non-empty string, got {raw[key]!r}")
    try:
        value = float(raw["value"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{label}: 'value' must be a number, got {raw['value']!r}") from exc
    if raw["kind"] not in KINDS:
        raise ValueError(f"{label}: 'kind' is {raw['kind']!r}; use one of {KINDS}")
    if raw["higher_is_better"] not in (True, False, None):
        raise ValueError(f"{label}: 'higher_is_better' must be true, false or null")
    tolerance = raw["tolerance"]
    if tolerance is not None:
        try:
            tolerance = float(tolerance)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{label}: 'tolerance' must be a number or null") from exc
        if not math.isfinite(tolerance) or tolerance < 0:
            raise ValueError(f"{label}: 'tolerance' is {tolerance}; a relative tolerance is >= 0")
    return BenchRow(
        suite=raw["suite"],
        name=raw["name"],
        value=value,
        unit=raw["unit"],
        kind=raw["kind"],
        higher_is_better=raw["higher_is_better"],
        tolerance=tolerance,
    )


def parse_rows(raws: Any, *, where: str) -> list[BenchRow]:
    """Check a suite's whole output: a list of row dicts with unique names."""
    if not isinstance(raws, list):
        raise ValueError(
            f"{where}: run() returned a {type(raws).__name__}; expected a list of row dicts"
        )
    rows = [parse_row(raw, where=where) for raw in raws]
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if row.key in seen:
            raise ValueError(f"{where}: row name {row.name!r} appears twice in suite {row.suite!r}")
        seen.add(row.key)
    return rows
