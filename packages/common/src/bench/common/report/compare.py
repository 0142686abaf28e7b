"""Judging a run's rows against the baseline.

With baseline value b, value v and relative tolerance τ (the row's ``tolerance``), a
quality row is allowed a move of δ = τ·|b| + 1e-12 (the floor keeps a zero baseline from
failing on rounding noise) in its bad direction:

    higher_is_better = True     regressed if v < b - δ     improved if v > b + δ
    higher_is_better = False    regressed if v > b + δ     improved if v < b - δ
    higher_is_better = None     regressed ("changed") if |v - b| > δ

A quality row that is a statistic over seeds (a mean with standard error SE, see
:mod:`bench.common.report.rows`) gets a margin from both runs' spreads as well:

    δ = z·sqrt(SE_new² + SE_baseline²) + τ·|b| + 1e-12,   z = STAT_Z = 4

Sampled figures (LM text, RL training) are not bit-reproducible across CPUs or thread
counts: on another machine each seed is a new draw, and the difference of two k-seed
means is a difference of two samples, not a regression. With k = 3-5 seeds a side, the
ratio (v - b) / sqrt(SE_v² + SE_b²) under no change is roughly Student-t with 4-8 degrees
of freedom; z = 4 puts one row's false alarm at 0.2-0.8 % (one-sided), so a report of
~30 such rows fails on noise alone in a few percent of machines, while a change of a few
standard errors still fails. τ then adds a practical margin (0 for none). A statistic
without a baseline SE (a baseline recorded before it had seeds) uses SE_baseline = 0.

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
from collections.abc import Mapping
from dataclasses import dataclass

from bench.common.report.rows import BenchRow

ABS_FLOOR = 1e-12
DEFAULT_RATIO_FACTOR = 2.0
STAT_Z = 4.0  # z, standard errors of the difference a seed statistic may move (module doc)

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
    stderr: float | None = None  # a seed statistic's standard error (this run)
    baseline_stderr: float | None = None

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


def statistic_margin(row: BenchRow, baseline: BenchRow) -> float:
    """z·sqrt(SE_new² + SE_baseline²): how far a seed statistic may move on noise alone."""
    if not row.is_statistic:
        return 0.0
    se_baseline = baseline.stderr if baseline.stderr is not None else 0.0
    return STAT_Z * math.hypot(row.stderr or 0.0, se_baseline)


def _judge_relative(row: BenchRow, baseline: BenchRow, tau: float) -> tuple[str, str, str]:
    """(status, detail, rule) for a row judged within τ·|b| (+ the statistic margin)."""
    v, b = row.value, baseline.value
    noise = statistic_margin(row, baseline)
    delta = noise + tau * abs(b) + ABS_FLOOR
    bound = f"{tau:g}·|baseline|" + (f" + {STAT_Z:g} SE" if row.is_statistic else "")
    rule = f"{tau:.3g} rel" + (f" + {noise:.3g}" if row.is_statistic else "")
    if not math.isfinite(v):
        status, detail = ("regressed", f"value is {v}") if math.isfinite(b) else ("ok", "")
    elif row.higher_is_better is None:
        moved = abs(v - b) > delta
        status = "regressed" if moved else "ok"
        detail = f"moved more than {delta:.6g} from the baseline" if moved else ""
    else:
        status, detail = _judge_between(
            v,
            (b - delta, f"below {b - delta:.6g} (baseline - {bound})"),
            (b + delta, f"above {b + delta:.6g} (baseline + {bound})"),
            higher_is_better=row.higher_is_better,
        )
    return status, detail, rule


def _judge_between(
    v: float, low: tuple[float, str], high: tuple[float, str], *, higher_is_better: bool
) -> tuple[str, str]:
    """(status, detail) of v against a band (low, high), each bound with the detail of a
    regression past it: regressed past the bad side's bound, improved past the good side's."""
    (lo, below), (hi, above) = low, high
    if higher_is_better:
        if v < lo:
            return "regressed", below
        return ("improved", "") if v > hi else ("ok", "")
    if v > hi:
        return "regressed", above
    return ("improved", "") if v < lo else ("ok", "")


def _judge_ratio(row: BenchRow, b: float, factor: float) -> tuple[str, str]:
    v = row.value
    if factor <= 0 or row.higher_is_better is None or not b > 0:
        return "unchecked", ""
    if not math.isfinite(v):
        return "regressed", f"value is {v}"
    return _judge_between(
        v,
        (b / factor, f"below {b / factor:.6g} (baseline / {factor:g})"),
        (b * factor, f"above {b * factor:.6g} (baseline x {factor:g})"),
        higher_is_better=row.higher_is_better,
    )


def compare_row(row: BenchRow, baseline: BenchRow | None, *, ratio_factor: float) -> Comparison:
    """Judge one row against its baseline row (None: no baseline yet)."""
    if row.kind == "info":
        status, detail, rule = "info", "", "-"
    elif baseline is None:
        status, detail = "new", ""
        rule = f"{row.tolerance:g}" if row.tolerance is not None else "-"
    elif row.kind == "quality" and row.tolerance is None:
        status, detail, rule = "unchecked", "", "-"  # the suite gave no tolerance to judge by
    elif row.tolerance is not None:
        status, detail, rule = _judge_relative(row, baseline, row.tolerance)
    else:
        status, detail = _judge_ratio(row, baseline.value, ratio_factor)
        rule = f"x{ratio_factor:g}" if status != "unchecked" else "-"
    return Comparison(
        suite=row.suite,
        name=row.name,
        value=row.value,
        baseline=None if baseline is None else baseline.value,
        unit=row.unit,
        kind=row.kind,
        higher_is_better=row.higher_is_better,
        tolerance=rule,
        status=status,
        detail=detail,
        stderr=row.stderr,
        baseline_stderr=None if baseline is None else baseline.stderr,
    )


def compare_rows(
    rows: list[BenchRow],
    baseline: Mapping[tuple[str, str], BenchRow],
    *,
    ratio_factor: float = DEFAULT_RATIO_FACTOR,
    suites_run: set[str] | None = None,
) -> list[Comparison]:
    """Judge every row; baseline rows of ``suites_run`` that no row matched are ``missing``.

    ``baseline`` maps (suite, name) to the baseline row. A missing row is reported, not
    failed: renaming a figure is legitimate and needs a baseline update.
    """
    out = [compare_row(r, baseline.get(r.key), ratio_factor=ratio_factor) for r in rows]
    produced = {r.key for r in rows}
    for suite, name in sorted(baseline):
        if suites_run is not None and suite in suites_run and (suite, name) not in produced:
            b = baseline[(suite, name)]
            out.append(Comparison(suite, name, None, b.value, "", "", None, "-", "missing"))
    return out
