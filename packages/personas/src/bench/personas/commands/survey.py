"""``bench personas survey``: every condition's units answer the dataset's questions."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import click

from bench.personas.commands.options import (
    dataset_option,
    humans_option,
    model_option,
    open_dataset,
    seed_option,
    stages,
)

PERSONAS_HELP = (
    "Who answers (repeatable): qa | bio | portray (each respondent prompted with its own "
    "demographics, Santurkar et al. 2023), anthology:MATCH.parquet (each respondent's matched "
    "persona; needs --backstories) or anthology-dp:DP_BACKSTORIES.parquet (each respondent's "
    "demographic-primed backstory)."
)


def parse_personas(spec: str) -> tuple[str, Path | None]:
    """``qa`` -> ("qa", None); ``anthology:m.parquet`` -> ("anthology", Path("m.parquet"))."""
    from bench.personas.survey import BASELINE_CONDITIONS

    kind, sep, path = spec.partition(":")
    if kind in BASELINE_CONDITIONS and not sep:
        return kind, None
    if kind in ("anthology", "anthology-dp") and sep and path:
        return kind, Path(path)
    raise click.BadParameter(
        f"unknown condition {spec!r}; use qa, bio, portray, anthology:MATCH.parquet or "
        "anthology-dp:DP_BACKSTORIES.parquet",
        param_hint="--personas",
    )


@click.command("survey")
@model_option
@dataset_option
@click.option("--personas", "personas_specs", multiple=True, required=True, help=PERSONAS_HELP)
@click.option(
    "--backstories",
    "backstories_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The backstories file the matched personas come from (for anthology:MATCH.parquet).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output Parquet file: one row per condition x unit x question.",
)
@click.option(
    "--option-order",
    type=click.Choice(["reverse", "shuffle", "fixed"]),
    default="reverse",
    show_default=True,
    help="Per human, persona and question: canonical or reversed order (the Anthology code), a "
    "random permutation, or always canonical. Answers are mapped back to canonical order.",
)
@click.option(
    "--survey-mode",
    type=click.Choice(["independent", "series"]),
    default="independent",
    show_default=True,
    help="independent: each question alone after the persona's context; series: one after "
    "another in an order shuffled per unit, earlier answers kept in the context (the "
    "Anthology code's in_series).",
)
@click.option(
    "--method",
    type=click.Choice(["logprob", "sample"]),
    default="logprob",
    show_default=True,
    help="logprob: the option letters' next-token probabilities; sample: K sampled answers.",
)
@click.option(
    "-k", "k", default=40, show_default=True, help="Samples per question for --method sample."
)
@humans_option
@seed_option
def survey(
    model_spec: str,
    dataset_ref: str,
    personas_specs: tuple[str, ...],
    backstories_path: Path | None,
    out: Path,
    option_order: str,
    survey_mode: str,
    method: str,
    k: int,
    humans: int,
    seed: int,
) -> None:
    """Ask every question of the dataset to each condition's units.

    Each unit stands for one human respondent; its answer distribution (canonical option
    order), the mass outside the options and one sampled answer are kept. Resumable
    (OUT.partial.jsonl); a finished OUT is reused only if the units (their contexts and
    weights), the questions and the settings are unchanged.

    \b
    Example:
      bench personas survey --model embedded --dataset gss2018 --humans 50 \\
          --personas qa --personas anthology:match.parquet --backstories backstories.parquet \\
          --out answers.parquet
    """
    import pandas as pd

    from bench.common.seeding import seed_everything
    from bench.personas.respondents import subsample_respondents
    from bench.personas.survey import (
        SurveyConfig,
        baseline_units,
        demographic_backstory_units,
        matched_units,
        run_survey,
    )
    from bench.personas.tables import read_parquet

    seed_everything(seed)
    conditions = [parse_personas(spec) for spec in personas_specs]
    if any(kind == "anthology" for kind, _ in conditions) and backstories_path is None:
        raise click.UsageError(
            "anthology:MATCH.parquet needs --backstories BACKSTORIES.parquet (the personas' texts)"
        )
    dataset = subsample_respondents(open_dataset(dataset_ref), humans or None, seed=seed)
    parts = []
    try:
        for kind, path in conditions:
            if path is None:
                parts.append(baseline_units(dataset, kind, seed=seed))
            elif kind == "anthology-dp":
                dp = read_parquet(
                    path,
                    required=("persona_id", "backstory", "respondent_id"),
                    what="anthology-dp backstories file (from `bench personas backstories --style anthology-dp`)",
                )
                parts.append(demographic_backstory_units(dataset, dp))
            else:
                matches = read_parquet(
                    path,
                    required=("human_id", "persona_id"),
                    what="match file (from `bench personas match`)",
                )
                stories = read_parquet(
                    backstories_path,
                    required=("persona_id", "backstory"),
                    what="backstories file (from `bench personas backstories`)",
                )
                matches = matches[
                    matches["human_id"].astype(str).isin(set(dataset.ids.astype(str)))
                ]
                parts.append(matched_units(dataset, stories, matches))
        units = pd.concat(parts, ignore_index=True)
        config = SurveyConfig(option_order=option_order, mode=survey_mode, method=method, k=k)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--personas") from exc
    with closing(stages(model_spec, seed)) as stage:
        table = stage(
            "survey",
            out,
            {"survey": config},
            lambda model, journal: run_survey(
                model, units, dataset.questions, config, seed=seed, journal=journal
            ),
            inputs={"units": units, "questions": dataset.questions},
        )
    counts = table.groupby("condition")["unit_id"].nunique().to_dict()
    click.echo(f"wrote {out}: {len(dataset.questions)} questions; units per condition {counts}")
