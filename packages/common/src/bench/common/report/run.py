"""``bench report``: run the benchmark suites, compare with the baseline, write the report.

    suites (benchmarks/bench_*.py) --run(quick)--> rows --compare(baseline)--> verdict
                                                     \\--> DIR/report.md, plots, results.json

Each suite's result is saved as DIR/suites/<suite>.json as soon as it finishes, so a
run with ``resume=True`` skips suites that already succeeded in the same mode (and
``update_baseline`` after a failed CI run need not re-run anything).
"""

from __future__ import annotations

import json
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm.auto import tqdm

from bench.common.machine import machine_description
from bench.common.report.baseline import (
    BaselineChange,
    load_baseline,
    load_baseline_machine,
    update_baseline,
)
from bench.common.report.compare import DEFAULT_RATIO_FACTOR, Comparison, compare_rows
from bench.common.report.render import (
    long_runs_markdown,
    plot_suite,
    render_markdown,
    results_dict,
    write_json,
)
from bench.common.report.rows import parse_rows
from bench.common.report.suites import SuiteResult, discover_suites, run_suite

FAILED_ROW_NAME = "(suite failed)"
LONG_RUNS_DIR = "long_runs"  # SUITE_DIR/long_runs/*.md: recorded runs shown in the report


@dataclass(frozen=True)
class ReportConfig:
    """What ``bench report`` runs and against what."""

    suite_dir: Path  # holds bench_<suite>.py files
    baseline: Path  # the committed baseline.json
    quick: bool = False  # each suite's CI-sized configuration
    only: tuple[str, ...] = ()  # run these suites; () = all
    ratio_factor: float = (
        DEFAULT_RATIO_FACTOR  # f: a ratio regresses past baseline/f or ·f; 0 = never
    )
    timeout: float | None = 1800.0  # seconds per suite before it counts as failed
    threads: int = 1  # every compute library's thread count in each suite (not the caller's)
    resume: bool = False  # reuse DIR/suites/<suite>.json results of the same mode
    update_baseline: bool = False  # write the run's rows into the baseline (suites that ran ok)

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"


@dataclass(frozen=True)
class Report:
    """The outcome: per-suite results, per-row comparisons, and any baseline update."""

    mode: str
    suites: list[SuiteResult]
    comparisons: list[Comparison]
    baseline_changes: list[BaselineChange] | None  # None when the baseline was not updated

    @property
    def failures(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.failing]

    @property
    def passed(self) -> bool:
        return not self.failures


def select_suites(suite_dir: Path, only: Sequence[str]) -> dict[str, Path]:
    """The suites to run; ValueError naming the unknown ones and the available ones."""
    found = discover_suites(suite_dir)
    unknown = sorted(set(only) - set(found))
    if unknown:
        raise ValueError(
            f"--only {', '.join(unknown)}: no such suite in {suite_dir} (found: {', '.join(found) or 'none'})"
        )
    if only:
        return {name: path for name, path in found.items() if name in only}
    return found


def _cache_path(out: Path, suite: str) -> Path:
    return out / "suites" / f"{suite}.json"


def _save(out: Path, mode: str, threads: int, result: SuiteResult) -> None:
    path = _cache_path(out, result.suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(
        path,
        {
            "mode": mode,
            "threads": threads,
            "suite": result.suite,
            "path": str(result.path),
            "seconds": result.seconds,
            "error": result.error,
            "rows": [r.to_dict() for r in result.rows],
        },
    )


def _load_cached(out: Path, mode: str, threads: int, suite: str, path: Path) -> SuiteResult | None:
    """The suite's saved result when it ran in the same mode and thread count and passed."""
    cache = _cache_path(out, suite)
    if not cache.exists():
        return None
    data = json.loads(cache.read_text())
    same_run = data.get("mode") == mode and data.get("threads") == threads
    if not same_run or data.get("error") is not None:
        return None
    rows = parse_rows(data["rows"], where=f"cached result {cache}")
    return SuiteResult(suite, path, float(data["seconds"]), rows=rows)


def _git_commit(directory: Path) -> str:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return proc.stdout.strip() if proc.returncode == 0 else "unknown"


def run_report(config: ReportConfig, out: Path, *, progress: bool = True) -> Report:
    """Run the selected suites, judge their rows, write DIR ``out``'s report files.

    The files are written whether or not the check passes; the caller decides the exit code.
    """
    selected = select_suites(config.suite_dir, config.only)
    baseline_rows = load_baseline(config.baseline, config.mode)  # fail early on a bad file
    out.mkdir(parents=True, exist_ok=True)
    results: list[SuiteResult] = []
    bar = tqdm(selected.items(), desc="benchmark suites", unit="suite", disable=not progress)
    for suite, path in bar:
        bar.set_postfix_str(suite)
        cached = (
            _load_cached(out, config.mode, config.threads, suite, path) if config.resume else None
        )
        log = out / "logs" / f"{suite}.log"
        result = cached or run_suite(
            path, quick=config.quick, threads=config.threads, timeout=config.timeout, log=log
        )
        _save(out, config.mode, config.threads, result)
        results.append(result)

    rows = [r for s in results for r in s.rows]
    ok_suites = {s.suite for s in results if s.ok}
    comparisons = compare_rows(
        rows,
        baseline_rows,
        ratio_factor=config.ratio_factor,
        suites_run=ok_suites,
    )
    for s in results:
        if not s.ok:
            comparisons.append(
                Comparison(
                    s.suite, FAILED_ROW_NAME, None, None, "", "", None, "-", "failed", s.error or ""
                )
            )
    machine = {**machine_description(), "threads": config.threads}
    changes = None
    if config.update_baseline:
        changes = update_baseline(config.baseline, config.mode, rows, ok_suites, machine=machine)

    meta = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "machine": machine,
        "baseline_machine": load_baseline_machine(config.baseline, config.mode),
        "git_commit": _git_commit(config.suite_dir),
        "baseline": str(config.baseline),
        "ratio_factor": config.ratio_factor,
        "only": list(config.only),
    }
    outcome = Report(config.mode, results, comparisons, changes)
    plots = {}
    for s in results:
        relative = f"plots/{s.suite}.png"
        if plot_suite(s.suite, [c for c in comparisons if c.suite == s.suite], out / relative):
            plots[s.suite] = relative
    kwargs = {
        "mode": config.mode,
        "passed": outcome.passed,
        "suites": results,
        "comparisons": comparisons,
        "meta": meta,
    }
    write_json(out / "results.json", results_dict(**kwargs))
    long_runs = long_runs_markdown(config.suite_dir / LONG_RUNS_DIR, out)
    markdown = render_markdown(**kwargs, plots=plots)
    (out / "report.md").write_text(markdown + "\n" + (long_runs and "\n" + long_runs + "\n"))
    return outcome
