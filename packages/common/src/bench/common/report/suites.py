"""Benchmark suites: find ``bench_*.py`` files and run each one in its own process.

A suite runs in a child Python process (``python -m bench.common.report._suite_process``)
so that a crash, a segfault in a native library, a hang (``timeout``) or a leaked thread
setting in one suite cannot take the others or the report down with it. The child
imports the file, calls ``run(quick)`` and writes the rows as JSON.

The harness, not the caller's shell, fixes what makes a figure machine-dependent where
it can: every compute library in the child gets ``threads`` threads (BLAS, OpenMP,
torch, numba and llama.cpp through ``BENCH_THREADS``), and the inference cache is a
fresh folder of the child's own, so a figure is computed, never read back from an
earlier run on another build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common.report.rows import BenchRow, parse_rows

SUITE_PREFIX = "bench_"
# Every variable a compute library here reads its thread count from.
THREAD_VARIABLES = (
    "BENCH_THREADS",  # llama.cpp, torch in the suites (bench.common.threads.free_cores)
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def suite_environment(threads: int, cache_dir: Path) -> dict[str, str]:
    """The child's environment: the caller's, with the thread counts and cache replaced."""
    if threads < 1:
        raise ValueError(f"threads is {threads}; a suite needs at least 1 thread")
    return {
        **os.environ,
        **{variable: str(threads) for variable in THREAD_VARIABLES},
        "BENCH_CACHE": os.fspath(cache_dir),
        "PYTHONUNBUFFERED": "1",
        # No bytecode cache for the suite files: a suite edited within the same second to a
        # file of the same size would otherwise run its stale .pyc (mtime + size check).
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@dataclass(frozen=True)
class SuiteResult:
    """What one suite produced: its rows, or the error that stopped it."""

    suite: str  # the area: bench_ot.py -> "ot"
    path: Path
    seconds: float
    rows: list[BenchRow] = field(default_factory=list)
    error: str | None = None  # one paragraph; None when the suite ran and its rows validated

    @property
    def ok(self) -> bool:
        return self.error is None


def suite_name(path: Path) -> str:
    return path.stem[len(SUITE_PREFIX) :]


def discover_suites(suite_dir: Path) -> dict[str, Path]:
    """``{area: path}`` for every ``suite_dir/bench_<area>.py``, sorted by area."""
    if not suite_dir.is_dir():
        raise ValueError(f"suite directory {suite_dir} does not exist; pass --suite-dir")
    return {suite_name(p): p for p in sorted(suite_dir.glob(f"{SUITE_PREFIX}*.py"))}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_suite(
    path: Path,
    *,
    quick: bool,
    threads: int = 1,
    timeout: float | None = None,
    log: Path | None = None,
) -> SuiteResult:
    """Run ``path``'s ``run(quick)`` in a child process (cwd: the folder above the suites).

    The child runs with ``threads`` threads and an empty inference cache (module doc).
    The child's stdout and stderr go to ``log`` when given; a failure's error is the last
    line of stderr (the exception) with a pointer to the log.
    """
    name = suite_name(path)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [
            sys.executable,
            "-m",
            "bench.common.report._suite_process",
            str(path.resolve()),
            "--out",
            str(out),
        ]
        if quick:
            command.append("--quick")
        try:
            proc = subprocess.run(
                command,
                cwd=path.resolve().parent.parent,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=suite_environment(threads, Path(tmp) / "inference-cache"),
            )
        except subprocess.TimeoutExpired:
            seconds = time.perf_counter() - start
            return SuiteResult(
                name, path, seconds, error=f"timed out after {timeout:.0f} s (--timeout)"
            )
        seconds = time.perf_counter() - start
        where = ""
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(
                f"$ {' '.join(command)}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
            )
            where = f" (full output: {log})"
        if proc.returncode != 0 or not out.exists():
            detail = _last_line(proc.stderr) or _last_line(proc.stdout) or "(no output)"
            return SuiteResult(
                name, path, seconds, error=f"exit code {proc.returncode}: {detail}{where}"
            )
        try:
            rows = parse_rows(json.loads(out.read_text()), where=f"suite {name} ({path.name})")
            strangers = sorted({r.suite for r in rows} - {name})
            if strangers:
                raise ValueError(
                    f"suite {name} ({path.name}): rows name suite(s) {strangers}; every row's "
                    f"'suite' must be {name!r}, the file's area"
                )
        except ValueError as exc:
            return SuiteResult(name, path, seconds, error=str(exc))
    return SuiteResult(name, path, seconds, rows=rows)
