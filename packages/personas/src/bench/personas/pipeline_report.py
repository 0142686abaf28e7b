"""``report.md`` and its plots for a ``bench personas run`` directory.

The report states what was run (dataset, number of humans and personas, model identity,
seed, the settings that differ from the paper's), the evaluation table (mean Wasserstein
distance on the raw and normalised scales, Frobenius distance of correlation matrices,
Cronbach's alpha, per condition, with the human split-half lower bound), the time each
stage took, and three plots:

    plots/representativeness.png   WD_norm per condition, the human lower bound as a line
    plots/distributions.png        per question: the humans' and each condition's answers
    plots/correlations.png         question-by-question correlation matrices
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bench.common.atomic import atomic_write_text
from bench.common.plotting import pyplot
from bench.personas.backstories import BackstoryConfig
from bench.personas.demographics import DemographicsConfig
from bench.personas.evaluation import EvaluationTable
from bench.personas.perception import GapTable
from bench.personas.perception_plot import plot_gaps
from bench.personas.plots import plot_correlations, plot_distributions
from bench.personas.survey import SurveyConfig

if TYPE_CHECKING:  # pipeline.py imports this module to write its report
    from bench.personas.pipeline import PipelineConfig, PipelineResult

SCALE_UP = """\
## Running at full size

The defaults of `bench personas run` fit the embedded model on two CPU cores in about ten
minutes: a subsample of the humans (`--humans`) and short backstories (`--max-tokens`).
The paper's setting surveys every respondent with full-length backstories:

```bash
# every respondent, 1500-token backstories (the Anthology code's setting)
bench personas run --dataset gss2018 --model embedded -n 3000 --humans 0 --max-tokens 1500 --out runs/gss2018-full
# on a GPU with vLLM (pip install 'bench-common[vllm]'), or any OpenAI-compatible server
bench personas run --dataset gss2018 --model vllm:meta-llama/Meta-Llama-3-8B -n 3000 --humans 0 --max-tokens 1500 --out runs/gss2018-vllm
vllm serve meta-llama/Meta-Llama-3-8B &   # then:
BENCH_OPENAI_API_KEY=... bench personas run --model 'openai:http://127.0.0.1:8000/v1#meta-llama/Meta-Llama-3-8B' -n 3000 --humans 0 --max-tokens 1500 --out runs/gss2018-server
```

`--humans 0` means every respondent (2,348 for gss2018); maxweight matching is one-to-one,
so `-n` must be at least the number of humans. Every stage resumes after a kill.
"""


def _differences(config: PipelineConfig) -> list[str]:
    """Settings of this run that differ from the paper's defaults."""
    lines = []
    for name, value, default in (
        ("backstories", config.backstories, BackstoryConfig()),
        ("demographics", config.demographics, DemographicsConfig()),
        ("survey", config.survey, SurveyConfig()),
    ):
        for f in dataclasses.fields(value):
            if f.name in ("style", "batch_size"):
                continue
            mine, paper = getattr(value, f.name), getattr(default, f.name)
            if mine != paper:
                lines.append(f"- {name}.{f.name} = {mine} (paper: {paper})")
    return lines


def _plot_representativeness(summary: pd.DataFrame, path: Path) -> None:
    plt = pyplot()
    rows = summary.loc[summary["group"] == "all"]
    bound = rows.loc[rows["condition"] == "human split-half"]
    rows = rows.loc[rows["condition"] != "human split-half"].sort_values("wd_normalized")
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(rows) + 1.2))
    ax.barh(rows["condition"], rows["wd_normalized"], color="tab:blue")
    if len(bound):
        ax.axvline(
            float(bound["wd_normalized"].iloc[0]),
            color="black",
            linestyle="--",
            label="human split-half",
        )
        ax.legend(loc="lower right")
    ax.set_xlabel("mean Wasserstein distance, normalised (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_correlations(evaluation: EvaluationTable, path: Path) -> None:
    try:
        plot_correlations(evaluation, path)
    except ValueError:  # too few units or questions that vary: say so rather than leave no plot
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(4, 1.2))
        ax.text(
            0.5, 0.5, "no correlation matrix: fewer than 2 questions vary", ha="center", va="center"
        )
        ax.axis("off")
        fig.savefig(path, dpi=90)
        plt.close(fig)


def write_run_report(result: PipelineResult, config: PipelineConfig) -> Path:
    """Write ``report.md`` and ``plots/`` into the run directory; return the report's path."""
    plots = result.out_dir / "plots"
    plots.mkdir(exist_ok=True)
    _plot_evaluation(result.evaluation, plots)
    gap_lines = _gap_section(result.gaps, plots)
    lines = [
        *_header(result, config),
        *_evaluation_section(result.evaluation, config),
        *gap_lines,
        *_timing_section(result),
        "",
        SCALE_UP,
    ]
    path = result.out_dir / "report.md"
    atomic_write_text(path, "\n".join(lines))
    return path


def _plot_evaluation(evaluation: EvaluationTable, plots: Path) -> None:
    if not len(evaluation.summary):  # empty when there are too few humans to evaluate
        return
    _plot_representativeness(evaluation.summary, plots / "representativeness.png")
    plot_distributions(evaluation, plots / "distributions.png")
    _plot_correlations(evaluation, plots / "correlations.png")


def _gap_section(gaps: GapTable | None, plots: Path) -> list[str]:
    """The follow-up's perception gaps (datasets with `groups:`), with their plot."""
    if gaps is None:
        return []
    plot_gaps(gaps, plots / "gaps.png")
    return [
        "## In-group / out-group / meta-perception gaps",
        "",
        gaps.to_markdown(),
        "",
        "![perception gaps](plots/gaps.png)",
        "",
    ]


def _header(result: PipelineResult, config: PipelineConfig) -> list[str]:
    """What was run: humans, personas, model, seed, settings that differ from the paper."""
    model_line = ", ".join(
        f"{k}={v}"
        for k, v in result.model_identity.items()
        if k in ("spec", "backend", "file", "name", "sha256", "prompt_format")
    )
    interviews = ""
    if config.interview is not None:
        interviews = (
            f"; interviews: {config.interview_n or config.n} asked, "
            f"{config.interview.turn_tokens} tokens per answer"
            + (", reviewed by the critic" if config.critic is not None else "")
        )
    return [
        f"# Anthology personas on {config.dataset}",
        "",
        f"- humans: {result.n_humans} (seeded subsample: --humans {config.humans}, seed {config.seed})"
        if config.humans
        else f"- humans: {result.n_humans} (every respondent)",
        f"- personas: {result.n_personas} Anthology backstories kept of -n {config.n}; "
        f"{result.n_dp_personas} Anthology DP backstories (one per human)" + interviews,
        f"- model: {model_line}",
        f"- seed: {config.seed}",
        "- settings that differ from the paper's:",
        *(_differences(config) or ["- none"]),
        "",
    ]


def _evaluation_section(evaluation: EvaluationTable, config: PipelineConfig) -> list[str]:
    return [
        "## Evaluation",
        "",
        "Each condition's units stand for the same humans; `human split-half` is the lower "
        f"bound (two random halves of those humans, {config.n_splits} splits). Persona answer "
        "distributions come from one sampled answer per unit (the Anthology code).",
        "",
        evaluation.to_markdown(),
        "",
        "![representativeness](plots/representativeness.png)",
        "",
        "![answer distributions](plots/distributions.png)",
        "",
        "![correlation matrices](plots/correlations.png)",
        "",
    ]


def _timing_section(result: PipelineResult) -> list[str]:
    rows = [
        f"| {t.stage} | {t.seconds:.1f} | {'yes' if t.resumed else 'no'} | {int(t.model_calls)} | "
        f"{int(t.prompt_tokens)} | {int(t.completion_tokens)} |"
        for t in result.timings
    ]
    total = sum(t.seconds for t in result.timings if np.isfinite(t.seconds))
    return [
        "## Time per stage",
        "",
        "| stage | seconds | done by an earlier invocation | model calls | prompt tokens | completion tokens |",
        "|---|---|---|---|---|---|",
        *rows,
        f"| total | {total:.1f} | | | | |",
    ]
