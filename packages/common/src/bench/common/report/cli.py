"""``bench report``: the click command over :func:`bench.common.report.run_report`.

Kept light at import (click only) so that ``bench --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bench.common.report.run import Report, ReportConfig


def _repo_root(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _default_suite_dir() -> Path:
    return _repo_root(Path.cwd().resolve()) / "benchmarks"


@click.command("report")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for report.md, plots/, results.json and per-suite results.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Each suite's small CI configuration (compared with the baseline's 'quick' rows).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Baseline JSON to compare with (default: SUITE_DIR/baseline.json). "
    "A missing file means every row is new.",
)
@click.option(
    "--suite-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of bench_<suite>.py files (default: benchmarks/ of the current repo).",
)
@click.option(
    "--only",
    multiple=True,
    metavar="SUITE",
    help="Run only this suite (bench_SUITE.py); repeat for several.",
)
@click.option(
    "--ratio-factor",
    type=float,
    default=2.0,
    show_default=True,
    help="A speed ratio regresses only past baseline/F (or baseline*F); 0 reports ratios unjudged.",
)
@click.option(
    "--timeout",
    type=float,
    default=1800.0,
    show_default=True,
    help="Seconds one suite may run before it counts as failed.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Threads for every compute library in each suite (BLAS, OpenMP, torch, llama.cpp), "
    "set by the harness whatever the shell's OMP_NUM_THREADS or BENCH_THREADS say.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Reuse suites that already succeeded in OUT (same mode) instead of re-running them.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write this run's rows into the baseline file (suites that ran) and print the diff.",
)
def report_command(
    out: Path,
    quick: bool,
    baseline: Path | None,
    suite_dir: Path | None,
    only: tuple[str, ...],
    ratio_factor: float,
    timeout: float,
    threads: int,
    resume: bool,
    update_baseline: bool,
) -> None:
    """Run the benchmark suites and compare them with the committed baseline.

    \b
    Writes OUT/report.md (verdict, tables, plots) and OUT/results.json, also on failure.
    Quality rows (WD, GW cost, alpha, returns ...) must stay within their tolerance of
    the baseline; speed rows are ratios against a reference from the same run and fail
    only past --ratio-factor. Exit code 1 when a row regressed or a suite failed; the
    rows are printed on stderr.

    \b
    CI:               bench report --quick --out runs/bench-report
    accept a change:  bench report --quick --out runs/bench-report --resume --update-baseline
    """
    from bench.common.report.run import ReportConfig, run_report
    from bench.common.run_record import record_run

    if ratio_factor < 0:
        raise click.UsageError(
            f"--ratio-factor {ratio_factor}: must be >= 0 (0 disables the ratio check)"
        )
    suite_dir = suite_dir or _default_suite_dir()
    if not suite_dir.is_dir():
        raise click.UsageError(
            f"suite folder {suite_dir} does not exist; run from the repo or pass --suite-dir"
        )
    config = ReportConfig(
        suite_dir=suite_dir,
        baseline=baseline or suite_dir / "baseline.json",
        quick=quick,
        only=tuple(only),
        ratio_factor=ratio_factor,
        timeout=timeout,
        threads=threads,
        resume=resume,
        update_baseline=update_baseline,
    )
    out.mkdir(parents=True, exist_ok=True)
    with record_run(out, config, seed=None, identity={"suite_dir": str(suite_dir)}):
        try:
            result = run_report(config, out)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    click.echo(f"report: {out / 'report.md'}  results: {out / 'results.json'}")
    if result.baseline_changes is not None:
        _echo_baseline_update(config, result)
    else:
        _echo_verdict(result)


def _echo_baseline_update(config: ReportConfig, result: Report) -> None:
    """The rows an update changed; exit code 1 when a suite failed (its rows were kept)."""
    changes = result.baseline_changes or []
    click.echo(f"baseline {config.baseline} [{config.mode}]: {len(changes)} row(s) changed")
    for c in changes:
        click.echo(f"  {c.change:8s} {c.suite}/{c.name}: {c.old} -> {c.new}")
    if any(not s.ok for s in result.suites):
        for s in result.suites:
            if not s.ok:
                click.echo(f"FAILED suite {s.suite} (baseline rows kept): {s.error}", err=True)
        sys.exit(1)


def _echo_verdict(result: Report) -> None:
    """PASS, or the failed suites and regressed rows on stderr and exit code 1."""
    if not result.passed:
        click.echo(f"bench report: {len(result.failures)} row(s) failed the check", err=True)
        for c in result.failures:
            if c.status == "failed":
                click.echo(f"FAILED suite {c.suite}: {c.detail}", err=True)
            else:
                click.echo(
                    f"REGRESSED {c.suite}/{c.name}: value={c.value:.6g} baseline={c.baseline:.6g} "
                    f"tolerance={c.tolerance} ({c.detail})",
                    err=True,
                )
        sys.exit(1)
    click.echo("bench report: PASS")
