"""Writing a report: DIR/report.md (tables, verdict), DIR/plots/<suite>.png, DIR/results.json.

A report ends with the recorded long runs: each ``SUITE_DIR/long_runs/<name>.md`` (a run at
a paper's budget, hours long, with the command, commit and machine that made it) is copied
in under its own heading, with the files it links to copied to DIR/long_runs/. They are
shown, never re-run or judged: the suites' rows are what CI checks.

Plots show value / baseline per row (1 = the baseline), one horizontal bar chart per
suite, so rows of different units share an axis; rows without a non-zero baseline have
no bar. matplotlib is imported here, on use, with the Agg backend (no display needed).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common.atomic import atomic_write_text
from bench.common.plotting import pyplot
from bench.common.report.compare import Comparison
from bench.common.report.suites import SuiteResult

STATUS_COLOURS = {
    "regressed": "#d62728",
    "failed": "#d62728",
    "improved": "#2ca02c",
    "ok": "#7f7f7f",
    "unchecked": "#bcbd22",
    "info": "#9edae5",
}


def _fmt(value: float | None, stderr: float | None = None) -> str:
    """A figure, with ± its standard error when it is a mean over seeds."""
    if value is None:
        return ""
    return f"{value:.6g}" if stderr is None else f"{value:.6g} ± {stderr:.2g}"


def _machine_line(machine: dict[str, Any] | None) -> str:
    if not machine:
        return "not stated"
    flags = ", ".join(machine.get("simd", [])) or "no SIMD flags read"
    return (
        f"{machine.get('cpu_model', '?')} ({flags}), {machine.get('threads', '?')} thread(s) "
        f"of {machine.get('cores', '?')} core(s)"
    )


def _better(c: Comparison) -> str:
    return {True: "higher", False: "lower", None: "-"}[c.higher_is_better]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _to_baseline(c: Comparison) -> float | None:
    """value / baseline; None without a finite value and a finite, non-zero baseline."""
    if c.value is None or c.baseline is None or c.baseline == 0.0:
        return None
    if not (math.isfinite(c.value) and math.isfinite(c.baseline)):
        return None
    return c.value / c.baseline


def plot_suite(suite: str, comparisons: Sequence[Comparison], path: Path) -> bool:
    """Bar chart of value / baseline for one suite; False (and no file) when nothing to plot."""
    bars = [c for c in comparisons if _to_baseline(c) is not None]
    ratios = [_to_baseline(c) for c in bars]
    if not bars:
        return False
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(bars) + 1.2))
    ax.barh(
        range(len(bars)),
        ratios,
        color=[STATUS_COLOURS.get(c.status, "#7f7f7f") for c in bars],
    )
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(bars)), [f"{c.name} ({c.status})" for c in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("value / baseline  (1 = baseline; red = regressed, green = improved)")
    ax.set_title(f"suite {suite}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def results_dict(
    *,
    mode: str,
    passed: bool,
    suites: Sequence[SuiteResult],
    comparisons: Sequence[Comparison],
    meta: dict[str, Any],
) -> dict[str, Any]:
    """The machine-readable report (results.json)."""
    return {
        "mode": mode,
        "passed": passed,
        **meta,
        "suites": [
            {
                "suite": s.suite,
                "path": os.fspath(s.path),
                "seconds": round(s.seconds, 3),
                "rows": len(s.rows),
                "error": s.error,
            }
            for s in suites
        ],
        "rows": [
            {
                "suite": c.suite,
                "name": c.name,
                "value": c.value,
                "stderr": c.stderr,
                "baseline": c.baseline,
                "baseline_stderr": c.baseline_stderr,
                "unit": c.unit,
                "kind": c.kind,
                "higher_is_better": c.higher_is_better,
                "tolerance": c.tolerance,
                "status": c.status,
                "change": c.change,
                "detail": c.detail,
            }
            for c in comparisons
        ],
    }


def render_markdown(
    *,
    mode: str,
    passed: bool,
    suites: Sequence[SuiteResult],
    comparisons: Sequence[Comparison],
    meta: dict[str, Any],
    plots: dict[str, str],
) -> str:
    """report.md: the verdict, the failing rows, the suites, then one table per suite."""
    failing = [c for c in comparisons if c.failing]
    n_regressed = sum(c.status == "regressed" for c in comparisons)
    n_failed = sum(not s.ok for s in suites)
    verdict = "PASS" if passed else "FAIL"
    lines = [
        "# Benchmark report",
        "",
        f"**{verdict}**: {n_regressed} regressed row(s), {n_failed} failed suite(s); "
        f"{mode} mode, baseline `{meta.get('baseline')}`, ratio rows judged at "
        f"x{meta.get('ratio_factor')}.",
        "",
        f"Created {meta.get('created')} on {meta.get('host')}, commit `{meta.get('git_commit')}`. "
        "Speed figures are ratios against a reference measured in the same run, never seconds; "
        "quality figures sit beside them. A figure shown as mean ± SE is a statistic over "
        "seeds, judged with both runs' standard errors (benchmarks/README.md).",
        "",
        f"Machine: {_machine_line(meta.get('machine'))}. Baseline recorded on: "
        f"{_machine_line(meta.get('baseline_machine'))}.",
        "",
    ]
    if failing:
        lines += [
            "## Regressions and failures",
            "",
            "| suite | name | value | baseline | tolerance | why |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {c.suite} | {c.name} | {_fmt(c.value, c.stderr)} | "
            f"{_fmt(c.baseline, c.baseline_stderr)} | {c.tolerance} | "
            f"{_md_escape(c.detail)} |"
            for c in failing
        ]
        lines.append("")
    lines += [
        "## Suites",
        "",
        "| suite | status | seconds | rows | error |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in suites:
        status = "ok" if s.ok else "**failed**"
        lines.append(
            f"| {s.suite} | {status} | {s.seconds:.1f} | {len(s.rows)} | {_md_escape(s.error or '')} |"
        )
    lines.append("")
    for s in suites:
        rows = [c for c in comparisons if c.suite == s.suite]
        lines += [f"## {s.suite}", ""]
        if s.suite in plots:
            lines += [f"![{s.suite}: value / baseline]({plots[s.suite]})", ""]
        lines += [
            "| name | value | unit | kind | better | baseline | change | tolerance | status |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for c in rows:
            status = f"**{c.status}**" if c.failing else c.status
            lines.append(
                f"| {c.name} | {_fmt(c.value, c.stderr)} | {c.unit} | {c.kind} | {_better(c)} | "
                f"{_fmt(c.baseline, c.baseline_stderr)} | {c.change} | {c.tolerance} | {status} |"
            )
        lines.append("")
    return "\n".join(lines)


_RELATIVE_LINK = re.compile(r"\]\((?![a-z]+:|/|#)([^)\s]+)\)")


def _demote_headings(text: str) -> str:
    """Every Markdown heading two levels down (a page's title under the section's "##"),
    outside fenced code (where # is a comment)."""
    parts = text.split("```")
    parts[::2] = [re.sub(r"^(#+) ", r"##\1 ", p, flags=re.MULTILINE) for p in parts[::2]]
    return "```".join(parts)


def long_runs_markdown(folder: Path, out: Path) -> str:
    """The recorded long runs in ``folder`` as one report section ("" when there are none).

    Each page's headings move two levels down, under the section's; its relative links
    point at DIR/<folder name>/, where the files they name (inside ``folder``) are copied.
    """
    pages = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not pages:
        return ""
    lines = [
        "## Long runs (recorded, not re-run by this report)",
        "",
        "Runs at the papers' budgets, each recorded once with its command, commit and machine "
        f"(`{folder.name}/` beside the suites). They are shown, not judged against the baseline.",
        "",
    ]
    for page in pages:
        try:
            text = page.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            lines += [f"`{page}` skipped: not UTF-8 text; save it as UTF-8.", ""]
            continue
        for target in _RELATIVE_LINK.findall(text):
            source = (folder / target).resolve()
            if source.is_file() and source.is_relative_to(folder.resolve()):
                copy = out / folder.name / target
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)
        text = _RELATIVE_LINK.sub(lambda m: f"]({folder.name}/{m.group(1)})", text)
        lines += [_demote_headings(text).rstrip(), ""]
    return "\n".join(lines)


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")
