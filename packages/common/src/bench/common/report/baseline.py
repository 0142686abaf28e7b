"""The committed baseline: the figures a run is compared with, one set per mode.

``benchmarks/baseline.json`` holds, for each mode (``quick``, ``full``: a quick run's
smaller problems give different figures), each suite's rows by name:

    {"format": 1,
     "modes": {"quick": {"ot": {"gw_cost_n200": {"value": 2.1e-05, "unit": "", "kind":
               "quality", "higher_is_better": false, "tolerance": 0.05}, ...}, ...}}}

A seed statistic also stores ``stderr`` and ``seeds``. ``"machines": {mode: {...}}``
says where each mode's rows were recorded (CPU model, SIMD flags, threads), because
sampled figures depend on it.

Keys are sorted and one row is one line-group, so a baseline update reads well as a
git diff. Updating replaces the rows of the suites that ran (in that mode) and keeps
every other suite's and mode's rows.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common.atomic import atomic_write_text
from bench.common.report.rows import BenchRow, parse_row

FORMAT = 1


@dataclass(frozen=True)
class BaselineChange:
    """One row that an update adds, removes or changes."""

    suite: str
    name: str
    old: float | None
    new: float | None

    @property
    def change(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"format": FORMAT, "modes": {}}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"baseline {path} is not valid JSON ({exc}); restore it from git") from exc
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or not isinstance(data.get("modes"), dict)
    ):
        raise ValueError(
            f"baseline {path} is not a format-{FORMAT} baseline (needs 'format' and 'modes')"
        )
    return data


def load_baseline(path: str | os.PathLike, mode: str) -> dict[tuple[str, str], BenchRow]:
    """The baseline rows of ``mode`` by (suite, name); empty when the file does not exist."""
    path = Path(path)
    suites = _read(path)["modes"].get(mode, {})
    rows = {}
    for suite, named in suites.items():
        for name, fields in named.items():
            rows[(suite, name)] = parse_row(
                {"suite": suite, "name": name, **fields}, where=f"baseline {path} [{mode}]"
            )
    return rows


def load_baseline_machine(path: str | os.PathLike, mode: str) -> dict[str, Any] | None:
    """Where ``mode``'s rows were recorded (None when the baseline does not say)."""
    return _read(Path(path)).get("machines", {}).get(mode)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def update_baseline(
    path: str | os.PathLike,
    mode: str,
    rows: list[BenchRow],
    suites: set[str],
    *,
    machine: dict[str, Any] | None = None,
) -> list[BaselineChange]:
    """Replace the ``suites``' rows of ``mode`` with ``rows``, write the file, return the diff.

    ``machine`` (CPU, SIMD flags, threads) is stored as where ``mode`` was recorded.
    """
    path = Path(path)
    data = _read(path)
    old = load_baseline(path, mode)
    by_suite: dict[str, Any] = data["modes"].setdefault(mode, {})
    for suite in suites:
        by_suite.pop(suite, None)
    for row in rows:
        if row.suite not in suites:
            continue
        fields = row.to_dict()
        del fields["suite"], fields["name"]
        by_suite.setdefault(row.suite, {})[row.name] = fields
    data["modes"][mode] = {s: by_suite[s] for s in sorted(by_suite)}
    if machine is not None:
        data.setdefault("machines", {})[mode] = machine
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    new = load_baseline(path, mode)
    changes = []
    for key in sorted(set(old) | set(new)):
        if key[0] not in suites:
            continue
        before = old[key].value if key in old else None
        after = new[key].value if key in new else None
        if before is None or after is None or not _same(before, after):
            changes.append(BaselineChange(key[0], key[1], before, after))
    return changes
