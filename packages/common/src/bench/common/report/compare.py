"""Judging a run's rows against the baseline.

With baseline value b, value v and relative tolerance τ (the row's ``tolerance``), a
quality row is allowed a move of δ = τ·|b| + 1e-12 (the floor keeps a zero baseline from
failing on rounding noise) in its bad direction:

    higher_is_better = True     regressed if v < b - δ     improved if v > b + δ
    higher_is_better = False    regressed if v > b + δ     improved if v < b - δ
    higher_is_better = None     regressed ("changed") if |v - b| > δ

A non-finite value against a finite baseline regresses. Ratio rows (ours / reference,
measured in the same run) are compared multiplicatively, because speed on shared cores
is noisy: with the report's ratio factor f (default 2), a ratio regresses only when it
collapses past b/f (higher is better) or b·f (lower is better); a ratio row's own
``tolerance``, when given, is used instead as for quality rows; f = 0 reports ratios
without judging them. Info rows, and quality rows whose suite gave no tolerance, are
shown but never judged (``info``, ``unchecked``). A row with no baseline is ``new``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.common.report.rows import BenchRow

ABS_FLOOR = 1e-12
DEFAULT_RATIO_FACTOR = 2.0

# ok | improved | regressed | new | info | unchecked | missing | failed
FAILING = ("regressed", "failed")


@dataclass(frozen=True)
class Comparison:
    """A row beside its baseline, with the verdict and the bound that decided it."""

    suite: str
    name: str
    value: float | None  # None for a missing row or a failed suite
    baseline: float | None
    unit: str
    kind: str
    higher_is_better: bool | None
    tolerance: str  # human-readable rule: "5%", "x2", "-"
    status: str
    detail: str = ""  # the error of a failed suite, or the bound a regression crossed

    @property
    def failing(self) -> bool:
        return self.status in FAILING

    @property
    def change(self) -> str:
        """Relative change (quality) or ratio to baseline (ratio), for tables."""
        if self.value is None or self.baseline is None or not math.isfinite(self.value):
            return ""
        if self.kind == "ratio" and self.baseline > 0:
            return f"x{self.value / self.baseline:.2f}"
        if self.baseline == 0:
            return "0" if self.value == 0 else ""
        return f"{(self.value - self.baseline) / abs(self.baseline):+.1%}"


def _judge_relative(row: BenchRow, b: float, tau: float) -> tuple[str, str]:
    v = row.value
    delta = tau * abs(b) + ABS_FLOOR
    if not math.isfinite(v):
        return ("regressed", f"value is {v}") if math.isfinite(b) else ("ok", "")
    if row.higher_is_better is True:
        if v < b - delta:
            return "regressed", f"below {b - delta:.6g} (baseline - {tau:g}·|baseline|)"
        return ("improved", "") if v > b + delta else ("ok", "")
    if row.higher_is_better is False:
        if v > b + delta:
            return "regressed", f"above {b + delta:.6g} (baseline + {tau:g}·|baseline|)"
        return ("improved", "") if v < b - delta else ("ok", "")
    if abs(v - b) > delta:
        return "regressed", f"moved more than {delta:.6g} from the baseline"
    return "ok", ""


def _judge_ratio(row: BenchRow, b: float, factor: float) -> tuple[str, str]:
    v = row.value
    if factor <= 0 or row.higher_is_better is None or not b > 0:
        return "unchecked", ""
    if not math.isfinite(v):
        return "regressed", f"value is {v}"
    if row.higher_is_better:
        if v < b / factor:
            return "regressed", f"below {b / factor:.6g} (baseline / {factor:g})"
        return ("improved", "") if v > b * factor else ("ok", "")
    if v > b * factor:
        return "regressed", f"above {b * factor:.6g} (baseline x {factor:g})"
    return ("improved", "") if v < b / factor else ("ok", "")


def compare_row(row: BenchRow, baseline: float | None, *, ratio_factor: float) -> Comparison:
    """Judge one row against its baseline value (None: no baseline yet)."""
    if row.kind == "info":
        status, detail, rule = "info", "", "-"
    elif baseline is None:
        status, detail = "new", ""
        rule = f"{row.tolerance:g}" if row.tolerance is not None else "-"
    elif row.kind == "quality" and row.tolerance is None:
        status, detail, rule = "unchecked", "", "-"  # the suite gave no tolerance to judge by
    elif row.tolerance is not None:
        tau = row.tolerance
        status, detail = _judge_relative(row, baseline, tau)
        rule = f"{tau:.3g} rel"
    else:
        status, detail = _judge_ratio(row, baseline, ratio_factor)
        rule = f"x{ratio_factor:g}" if status != "unchecked" else "-"
    return Comparison(
        suite=row.suite,
        name=row.name,
        value=row.value,
        baseline=baseline,
        unit=row.unit,
        kind=row.kind,
        higher_is_better=row.higher_is_better,
        tolerance=rule,
        status=status,
        detail=detail,
    )


def compare_rows(
    rows: list[BenchRow],
    baseline: dict[tuple[str, str], float],
    *,
    ratio_factor: float = DEFAULT_RATIO_FACTOR,
    suites_run: set[str] | None = None,
) -> list[Comparison]:
    """Judge every row; baseline rows of ``suites_run`` that no row matched are ``missing``.

    ``baseline`` maps (suite, name) to the baseline value. A missing row is reported, not
    failed: renaming a figure is legitimate and needs a baseline update.
    """
    out = [compare_row(r, baseline.get(r.key), ratio_factor=ratio_factor) for r in rows]
    produced = {r.key for r in rows}
    for suite, name in sorted(baseline):
        if suites_run is not None and suite in suites_run and (suite, name) not in produced:
            out.append(
                Comparison(suite, name, None, baseline[(suite, name)], "", "", None, "-", "missing")
            )
    return out
