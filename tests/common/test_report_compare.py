"""The report's judging rules, worked by hand, and the row contract's errors."""

from __future__ import annotations

import math

import pytest

from bench.common.report import BenchRow, compare_row, compare_rows, parse_row
from bench.common.report.rows import Kind, seed_statistic


def _row(
    value: float,
    *,
    kind: Kind = "quality",
    higher: bool | None = True,
    tol: float | None = 0.1,
    name: str = "r",
    se: float | None = None,
    seeds: int | None = None,
) -> BenchRow:
    return BenchRow("s", name, value, "", kind, higher, tol, stderr=se, seeds=seeds)


def _base(value, se=None):
    return BenchRow("s", "r", value, "", "quality", True, 0.1, stderr=se, seeds=3 if se else None)


def _status(row, baseline, factor=2.0):
    return compare_row(row, _base(baseline), ratio_factor=factor).status


def test_quality_rules():
    # higher is better, τ = 0.1, b = 10: allowed down to 9 (δ = 1), improved above 11.
    assert _status(_row(9.1), 10.0) == "ok"
    assert _status(_row(8.9), 10.0) == "regressed"
    assert _status(_row(11.5), 10.0) == "improved"
    # lower is better, τ = 0.05, b = 2: allowed up to 2.1.
    assert _status(_row(2.09, higher=False, tol=0.05), 2.0) == "ok"
    assert _status(_row(2.11, higher=False, tol=0.05), 2.0) == "regressed"
    assert _status(_row(1.8, higher=False, tol=0.05), 2.0) == "improved"
    # no direction: a move beyond δ either way is a regression; negative baselines use |b|.
    assert _status(_row(-10.5, higher=None), -10.0) == "ok"
    assert _status(_row(-8.9, higher=None), -10.0) == "regressed"
    assert _status(_row(-11.1, higher=None), -10.0) == "regressed"


def test_zero_baseline_and_non_finite():
    # δ = τ·0 + 1e-12: rounding noise passes, a real increase does not.
    assert _status(_row(1e-13, higher=False), 0.0) == "ok"
    assert _status(_row(1e-9, higher=False), 0.0) == "regressed"
    assert _status(_row(math.nan), 1.0) == "regressed"
    assert _status(_row(math.inf, higher=False), 1.0) == "regressed"


def test_ratio_rules():
    fast = _row(1.6, kind="ratio", higher=True, tol=None)
    assert _status(fast, 3.0) == "ok"  # 3 / 2 = 1.5 is the floor
    assert _status(_row(1.4, kind="ratio", higher=True, tol=None), 3.0) == "regressed"
    assert _status(_row(6.5, kind="ratio", higher=True, tol=None), 3.0) == "improved"
    assert _status(_row(0.9, kind="ratio", higher=False, tol=None), 0.5) == "ok"  # ceiling 1.0
    assert _status(_row(1.1, kind="ratio", higher=False, tol=None), 0.5) == "regressed"
    assert _status(_row(1.1, kind="ratio", higher=False, tol=None), 0.5, factor=0) == "unchecked"
    # A ratio row with its own tolerance is judged like a quality row.
    assert _status(_row(2.5, kind="ratio", higher=True, tol=0.1), 3.0) == "regressed"


def test_info_new_and_missing():
    assert _status(_row(5.0, kind="info", higher=None, tol=None), 1.0) == "info"
    assert _status(_row(5.0, tol=None), 1.0) == "unchecked"  # quality row without a tolerance
    assert compare_row(_row(5.0), None, ratio_factor=2).status == "new"
    rows = [_row(1.0, name="kept")]
    baseline = {("s", "kept"): _base(1.0), ("s", "gone"): _base(2.0), ("t", "x"): _base(3.0)}
    out = compare_rows(rows, baseline, suites_run={"s"})
    assert [(c.name, c.status) for c in out] == [("kept", "ok"), ("gone", "missing")]
    assert not any(c.failing for c in out)  # suite t did not run: its rows are not missing


def test_change_column():
    assert compare_row(_row(9.0), _base(10.0), ratio_factor=2).change == "-10.0%"
    ratio = _row(3.0, kind="ratio", higher=True, tol=None)
    assert compare_row(ratio, _base(1.5), ratio_factor=2).change == "x2.00"


def test_seed_statistic_rules():
    # b = 10 ± 0.5, v ± 0.3, τ = 0: δ = 4·sqrt(0.5² + 0.3²) = 2.3324 (+1e-12).
    def status(
        v: float,
        *,
        tol: float | None = 0.0,
        higher: bool | None = True,
        se: float = 0.3,
        base_se: float | None = 0.5,
    ) -> str:
        row = _row(v, tol=tol, higher=higher, se=se, seeds=3)
        return compare_row(row, _base(10.0, base_se), ratio_factor=2).status

    assert status(7.7) == "ok" and status(7.6) == "regressed"
    assert status(12.3) == "ok" and status(12.4) == "improved"
    assert status(12.4, higher=False) == "regressed" and status(7.6, higher=False) == "improved"
    assert status(12.4, higher=None) == "regressed" and status(10.0, higher=None) == "ok"
    # τ adds τ·|b|: 0.1·10 = 1 more room below.
    assert status(7.6, tol=0.1) == "ok" and status(6.6, tol=0.1) == "regressed"
    # A baseline recorded before it had seeds counts as SE 0: δ = 4·0.3 = 1.2.
    assert status(8.9, base_se=None) == "ok" and status(8.7, base_se=None) == "regressed"
    # No spread on either side and τ = 0: an exact comparison, as for a deterministic row.
    assert status(9.999, se=0.0, base_se=0.0) == "regressed"
    # Unjudged where the suite gives no tolerance (a size too small to say anything).
    assert status(0.0, tol=None) == "unchecked"
    shown = compare_row(_row(7.6, tol=0.0, se=0.3, seeds=3), _base(10.0, 0.5), ratio_factor=2)
    assert shown.stderr == 0.3 and shown.baseline_stderr == 0.5
    assert "4 SE" in shown.detail and shown.tolerance == "0 rel + 2.33"


def test_seed_statistic_is_mean_and_standard_error():
    # values 1, 2, 6: mean 3, sample sd sqrt(((-2)² + (-1)² + 3²) / 2) = sqrt(7), SE = sqrt(7/3).
    row = seed_statistic("s", "r", [1.0, 2.0, 6.0], "", True, 0.0)
    assert row["value"] == 3.0 and row["seeds"] == 3
    assert row["stderr"] == pytest.approx(math.sqrt(7 / 3), rel=1e-12)
    assert parse_row(row, where="t").is_statistic
    with pytest.raises(ValueError, match="needs >= 2 seeds"):
        seed_statistic("s", "r", [1.0], "", True)


def test_row_contract_errors():
    good = {
        "suite": "ot",
        "name": "gw_cost",
        "value": 1.0,
        "unit": "",
        "kind": "quality",
        "higher_is_better": False,
        "tolerance": 0.05,
    }
    assert parse_row(good, where="t").tolerance == 0.05
    with pytest.raises(ValueError, match=r"missing keys \['tolerance'\]"):
        parse_row({k: v for k, v in good.items() if k != "tolerance"}, where="t")
    with pytest.raises(ValueError, match=r"'tolerance' is -0\.1"):
        parse_row({**good, "tolerance": -0.1}, where="t")
    with pytest.raises(ValueError, match="'kind' is 'speed'"):
        parse_row({**good, "kind": "speed"}, where="t")
    with pytest.raises(ValueError, match="'value' must be a number"):
        parse_row({**good, "value": "fast"}, where="t")
    with pytest.raises(ValueError, match="unknown keys \\['seconds'\\]"):
        parse_row({**good, "seconds": 3.0}, where="t")
    assert "stderr" not in parse_row(good, where="t").to_dict()  # old rows read and write as before
    with pytest.raises(ValueError, match="'stderr' and 'seeds' go together"):
        parse_row({**good, "stderr": 0.1}, where="t")
    with pytest.raises(ValueError, match="only a quality row can be a statistic"):
        parse_row({**good, "kind": "ratio", "stderr": 0.1, "seeds": 3}, where="t")
    with pytest.raises(ValueError, match="need >= 0 and >= 2"):
        parse_row({**good, "stderr": -0.1, "seeds": 3}, where="t")
