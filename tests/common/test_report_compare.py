"""The report's judging rules, worked by hand, and the row contract's errors."""

from __future__ import annotations

import math

import pytest

from bench.common.report import BenchRow, compare_row, compare_rows, parse_row


def _row(value, *, kind="quality", higher=True, tol=0.1, name="r"):
    return BenchRow("s", name, value, "", kind, higher, tol)


def _status(row, baseline, factor=2.0):
    return compare_row(row, baseline, ratio_factor=factor).status


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
    assert _status(_row(5.0), None) == "new"
    assert _status(_row(5.0, tol=None), 1.0) == "unchecked"  # quality row without a tolerance
    rows = [_row(1.0, name="kept")]
    out = compare_rows(
        rows, {("s", "kept"): 1.0, ("s", "gone"): 2.0, ("t", "x"): 3.0}, suites_run={"s"}
    )
    assert [(c.name, c.status) for c in out] == [("kept", "ok"), ("gone", "missing")]
    assert not any(c.failing for c in out)  # suite t did not run: its rows are not missing


def test_change_column():
    assert compare_row(_row(9.0), 10.0, ratio_factor=2).change == "-10.0%"
    ratio = _row(3.0, kind="ratio", higher=True, tol=None)
    assert compare_row(ratio, 1.5, ratio_factor=2).change == "x2.00"


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
