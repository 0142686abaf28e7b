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

and, for a figure that is a statistic over seeds (sampled text, RL training), two
optional keys:

    stderr            float | None  standard error of the mean over the seeds (``value``
                                    is the mean); None: a deterministic figure
    seeds             int | None    how many seeds the mean is over

Quality rows are compared with the baseline within ``tolerance``, statistics by a margin
from both runs' standard errors as well; ratio rows (speed of ours / reference in the
same run) only for a collapse beyond the report's ratio factor; info rows are shown,
never judged. Build rows with :func:`row` and :func:`seed_statistic` rather than by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, SupportsFloat

import numpy as np
from numpy.typing import NDArray

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
OPTIONAL_KEYS: tuple[str, ...] = ("stderr", "seeds")


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
    stderr: float | None = None
    seeds: int | None = None

    @property
    def is_statistic(self) -> bool:
        """A mean over seeds with its standard error (judged with both runs' spreads)."""
        return self.stderr is not None

    @property
    def key(self) -> tuple[str, str]:
        return (self.suite, self.name)

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON; the optional keys only when set, so old files read the same."""
        fields = asdict(self)
        for key in OPTIONAL_KEYS:
            if fields[key] is None:
                del fields[key]
        return fields


def row(
    suite: str,
    name: str,
    value: SupportsFloat,
    unit: str,
    kind: Kind,
    higher_is_better: bool | None = None,
    tolerance: float | None = None,
) -> dict[str, Any]:
    """One row dict of a deterministic figure, as a suite's ``run`` returns it."""
    return BenchRow(suite, name, float(value), unit, kind, higher_is_better, tolerance).to_dict()


def seed_statistic(
    suite: str,
    name: str,
    per_seed: Sequence[float] | NDArray[np.floating],
    unit: str,
    higher_is_better: bool | None,
    tolerance: float | None = 0.0,
) -> dict[str, Any]:
    """A quality row that is the mean of ``per_seed`` (one value per seed) with its standard error.

    SE = s / sqrt(k), s the sample standard deviation (ddof = 1) of the k >= 2 values.
    ``tolerance`` is a relative margin added to the statistical one (see compare); None
    reports the row unjudged (a size too small to say anything).
    """
    values = np.asarray(per_seed, dtype=float)
    if values.size < 2:
        raise ValueError(f"{suite}/{name}: a seed statistic needs >= 2 seeds, got {values.size}")
    stderr = float(values.std(ddof=1) / np.sqrt(values.size))
    return BenchRow(
        suite,
        name,
        float(values.mean()),
        unit,
        "quality",
        higher_is_better,
        tolerance,
        stderr=stderr,
        seeds=int(values.size),
    ).to_dict()


def parse_row(raw: Mapping[str, Any], *, where: str) -> BenchRow:
    """Check one row dict against the contract; ValueError names ``where`` and the key."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            f"{where}: a row is a {type(raw).__name__}, expected a dict with keys {ROW_KEYS}"
        )
    missing = [k for k in ROW_KEYS if k not in raw]
    extra = sorted(set(raw) - set(ROW_KEYS) - set(OPTIONAL_KEYS))
    label = f"{where} row {raw.get('name', '?')!r}"
    if missing or extra:
        raise ValueError(
            f"{label}: missing keys {missing}, unknown keys {extra}; expected {ROW_KEYS} "
            f"and optionally {OPTIONAL_KEYS}"
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
    stderr, seeds = _statistic_fields(raw, label)
    return BenchRow(
        suite=raw["suite"],
        name=raw["name"],
        value=value,
        unit=raw["unit"],
        kind=raw["kind"],
        higher_is_better=raw["higher_is_better"],
        tolerance=tolerance,
        stderr=stderr,
        seeds=seeds,
    )


def _statistic_fields(raw: Mapping[str, Any], label: str) -> tuple[float | None, int | None]:
    stderr, seeds = raw.get("stderr"), raw.get("seeds")
    if (stderr is None) != (seeds is None):
        raise ValueError(f"{label}: 'stderr' and 'seeds' go together (a mean over seeds)")
    if stderr is None or seeds is None:
        return None, None
    if raw["kind"] != "quality":
        raise ValueError(f"{label}: only a quality row can be a statistic over seeds")
    try:
        stderr, seeds = float(stderr), int(seeds)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{label}: 'stderr' must be a number and 'seeds' an integer") from exc
    if not math.isfinite(stderr) or stderr < 0 or seeds < 2:
        raise ValueError(f"{label}: 'stderr' is {stderr}, 'seeds' {seeds}; need >= 0 and >= 2")
    return stderr, seeds


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
