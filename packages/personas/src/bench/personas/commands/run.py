"""``bench personas run``: every stage and every condition into one directory, then report.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bench.personas.commands.options import (
    dataset_option,
    grouped,
    min_words_option,
    model_option,
    seed_option,
    survey_mode_option,
)

if TYPE_CHECKING:
    from bench.personas.pipeline import PipelineConfig

# Sized for the README's command (gss2018, embedded, -n 50, 8 humans) on two CPU cores:
# the survey (7 conditions x humans x 18 questions) and the demographic survey take most
# of the time, which grows about linearly in --humans. The paper's sizes are --humans 0
# --max-tokens 1500.
CPU_HUMANS = 8
CPU_MAX_TOKENS = 48


@dataclass(frozen=True)
class StageOptions:
    """The stages' settings (--max-tokens ... --splits)."""

    max_tokens: int
    min_words: int
    demographics_method: str
    option_order: str
    survey_mode: str
    splits: int


@dataclass(frozen=True)
class FollowUpOptions:
    """The follow-up's interview personas (--interview ... --interview-matching)."""

    interview: bool
    critic: bool
    interviews: int | None
    turn_tokens: int | None
    interview_matching: str


@click.command("run")
@dataset_option
@model_option
@click.option(
    "-n",
    "n",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Anthology personas (backstories) to generate.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Run directory: one Parquet file per stage with run records, metrics.json, report.md, plots/.",
)
@seed_option
@click.option(
    "--humans",
    type=click.IntRange(min=0),
    default=CPU_HUMANS,
    show_default=True,
    help="Seeded subsample of respondents that every condition stands for (0: all). "
    "The default fits two CPU cores; the paper uses every respondent.",
)
@grouped(
    "settings",
    StageOptions,
    click.option(
        "--max-tokens",
        default=CPU_MAX_TOKENS,
        show_default=True,
        help="Most new tokens per backstory. The default fits two CPU cores; the paper's is 1500.",
    ),
    min_words_option,
    click.option(
        "--demographics-method",
        type=click.Choice(["logprob", "sample"]),
        default="logprob",
        show_default=True,
        help="Demographic survey: option-letter probabilities, or the Anthology code's K=40 samples.",
    ),
    click.option(
        "--option-order",
        type=click.Choice(["reverse", "shuffle", "fixed"]),
        default="reverse",
        show_default=True,
        help="Survey option order per (human, persona, question), mapped back to canonical order.",
    ),
    survey_mode_option,
    click.option(
        "--splits",
        default=100,
        show_default=True,
        help="Random halves for the human lower bound (paper: 100).",
    ),
)
@grouped(
    "follow_up",
    FollowUpOptions,
    click.option(
        "--interview/--no-interview",
        default=False,
        show_default=True,
        help="Also the follow-up's interview backstories (ten life-history questions) as a "
        "condition, matched with --interview-matching.",
    ),
    click.option(
        "--critic/--no-critic",
        default=False,
        show_default=True,
        help="With --interview: also the interviews the LLM critic kept (contradictions "
        "repaired or dropped) as a second condition.",
    ),
    click.option(
        "--interviews",
        type=click.IntRange(min=1),
        default=None,
        help="Interviews to run (default: -n).",
    ),
    click.option(
        "--turn-tokens",
        type=click.IntRange(min=1),
        default=None,
        help="Most new tokens per interview answer (default 48, forced by two CPU cores; the "
        "paper's interviews average ~2,500 words).",
    ),
    click.option(
        "--interview-matching",
        type=click.Choice(["greedy", "maxweight", "random"]),
        default="greedy",
        show_default=True,
        help="How humans are matched to interview personas.",
    ),
)
def run(
    dataset_ref: str,
    model_spec: str,
    n: int,
    out: Path,
    seed: int,
    humans: int,
    settings: StageOptions,
    follow_up: FollowUpOptions,
) -> None:
    """All stages, all conditions: backstories, demographics, matching, survey, evaluation.

    Conditions: Bio, QA, Portray (each human's own demographics in the prompt), Anthology
    DP (a backstory primed with each human's demographics) and Anthology with greedy,
    maxweight and random matching. Writes DIR/report.md with the evaluation table, the
    time per stage and plots. Re-running the same command after a kill resumes.

    \b
    Examples:
      bench personas run --dataset gss2018 --model embedded -n 50 --out runs/gss2018
      bench personas run --dataset anes1996 -n 120 --humans 60 --interview --critic \\
          --out runs/anes1996
      bench personas run --dataset gss2018 --model vllm:meta-llama/Meta-Llama-3-8B \\
          -n 3000 --humans 0 --max-tokens 1500 --out runs/gss2018-full
    """
    from bench.common.run_record import record_run
    from bench.common.seeding import seed_everything
    from bench.personas.pipeline import run_pipeline

    seed_everything(seed)
    try:
        config = _pipeline_config(dataset_ref, model_spec, n, humans, seed, settings, follow_up)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    with record_run(out, config, seed=seed, identity={"spec": model_spec}) as record:
        try:
            result = run_pipeline(config, out)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        record.identity = result.model_identity
        for timing in result.timings:
            record.add_usage(**{f"seconds_{timing.stage}": timing.seconds})
    click.echo(result.evaluation.to_markdown())
    click.echo(f"report: {result.report_path}")


def _pipeline_config(
    dataset_ref: str,
    model_spec: str,
    n: int,
    humans: int,
    seed: int,
    settings: StageOptions,
    follow_up: FollowUpOptions,
) -> PipelineConfig:
    import dataclasses

    from bench.personas.backstories import BackstoryConfig
    from bench.personas.critic import CriticConfig
    from bench.personas.demographics import DemographicsConfig
    from bench.personas.interview import InterviewConfig
    from bench.personas.pipeline import PipelineConfig
    from bench.personas.survey import SurveyConfig

    interview = None
    if follow_up.interview:
        turn_tokens = follow_up.turn_tokens
        interview = InterviewConfig(turn_tokens=turn_tokens) if turn_tokens else InterviewConfig()
    return PipelineConfig(
        dataset=dataset_ref,
        model=model_spec,
        n=n,
        humans=humans or None,
        seed=seed,
        backstories=dataclasses.replace(
            BackstoryConfig(), max_tokens=settings.max_tokens, min_words=settings.min_words
        ),
        demographics=DemographicsConfig(method=settings.demographics_method),
        survey=SurveyConfig(option_order=settings.option_order, mode=settings.survey_mode),
        n_splits=settings.splits,
        interview=interview,
        critic=CriticConfig() if follow_up.critic else None,
        interview_n=follow_up.interviews,
        interview_matching=follow_up.interview_matching,
    )
