"""The benchmark regression report behind ``bench report``.

    run_report(ReportConfig(suite_dir, baseline, quick=..., only=..., ratio_factor=2.0,
               timeout=1800, resume=False, update_baseline=False), out) -> Report
    Report.passed, .failures (list[Comparison]), .suites (list[SuiteResult]),
           .baseline_changes (list[BaselineChange] | None)

Suites are ``benchmarks/bench_<suite>.py`` files exposing ``run(quick) -> list[dict]``
(rows: see :mod:`bench.common.report.rows`); judging rules: :mod:`bench.common.report.compare`.
"""

from bench.common.report.baseline import BaselineChange, load_baseline, update_baseline
from bench.common.report.compare import Comparison, compare_row, compare_rows
from bench.common.report.rows import BenchRow, parse_row, parse_rows
from bench.common.report.run import Report, ReportConfig, run_report
from bench.common.report.suites import SuiteResult, discover_suites, run_suite

__all__ = [
    "BaselineChange",
    "BenchRow",
    "Comparison",
    "Report",
    "ReportConfig",
    "SuiteResult",
    "compare_row",
    "compare_rows",
    "discover_suites",
    "load_baseline",
    "parse_row",
    "parse_rows",
    "run_report",
    "run_suite",
    "update_baseline",
]
