"""``bench personas survey``: every condition's units answer the dataset's questions."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bench.personas.commands.options import (
    dataset_option,
    grouped,
    humans_option,
    model_option,
    open_dataset,
    seed_option,
    stages,
    survey_mode_option,
)

if TYPE_CHECKING:
    import pandas as pd

    from bench.personas.datasets import Dataset
    from bench.personas.survey import SurveyConfig

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


@dataclass(frozen=True)
class SurveyOptions:
    """How the questions are asked (--option-order, --survey-mode, --method, -k)."""

    option_order: str
    survey_mode: str
    method: str
    k: int

    def config(self) -> SurveyConfig:
        from bench.personas.survey import SurveyConfig

        return SurveyConfig(
            option_order=self.option_order, mode=self.survey_mode, method=self.method, k=self.k
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
@grouped(
    "asking",
    SurveyOptions,
    click.option(
        "--option-order",
        type=click.Choice(["reverse", "shuffle", "fixed"]),
        default="reverse",
        show_default=True,
        help="Per human, persona and question: canonical or reversed order (the Anthology code), a "
        "random permutation, or always canonical. Answers are mapped back to canonical order.",
    ),
    survey_mode_option,
    click.option(
        "--method",
        type=click.Choice(["logprob", "sample"]),
        default="logprob",
        show_default=True,
        help="logprob: the option letters' next-token probabilities; sample: K sampled answers.",
    ),
    click.option(
        "-k", "k", default=40, show_default=True, help="Samples per question for --method sample."
    ),
)
@humans_option
@seed_option
def survey(
    model_spec: str,
    dataset_ref: str,
    personas_specs: tuple[str, ...],
    backstories_path: Path | None,
    out: Path,
    asking: SurveyOptions,
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
    from bench.common.seeding import seed_everything
    from bench.personas.respondents import subsample_respondents
    from bench.personas.steps import Steps

    seed_everything(seed)
    conditions = [parse_personas(spec) for spec in personas_specs]
    if any(kind == "anthology" for kind, _ in conditions) and backstories_path is None:
        raise click.UsageError(
            "anthology:MATCH.parquet needs --backstories BACKSTORIES.parquet (the personas' texts)"
        )
    respondents = subsample_respondents(open_dataset(dataset_ref), humans or None, seed=seed)
    try:
        units = _units(conditions, respondents, backstories_path, seed=seed)
        config = asking.config()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--personas") from exc
    with closing(stages(model_spec, seed)) as runner:
        table = Steps(runner).survey("survey", out, units, respondents.questions, config)
    counts = table.groupby("condition")["unit_id"].nunique().to_dict()
    click.echo(f"wrote {out}: {len(respondents.questions)} questions; units per condition {counts}")


def _units(
    conditions: list[tuple[str, Path | None]],
    respondents: Dataset,
    backstories_path: Path | None,
    *,
    seed: int,
) -> pd.DataFrame:
    """Every condition's units, in the order given (``--personas``)."""
    import pandas as pd

    from bench.personas.survey import baseline_units, demographic_backstory_units
    from bench.personas.tables import read_parquet

    parts = []
    for kind, path in conditions:
        if path is None:
            parts.append(baseline_units(respondents, kind, seed=seed))
        elif kind == "anthology-dp":
            dp = read_parquet(
                path,
                required=("persona_id", "backstory", "respondent_id"),
                what="anthology-dp backstories file (from `bench personas backstories --style anthology-dp`)",
            )
            parts.append(demographic_backstory_units(respondents, dp))
        else:
            assert backstories_path is not None, "checked by the command"
            parts.append(_matched_units(respondents, path, backstories_path))
    return pd.concat(parts, ignore_index=True)


def _matched_units(respondents: Dataset, match_path: Path, backstories_path: Path) -> pd.DataFrame:
    """The matched personas of ``match_path`` standing for the respondents it names."""
    from bench.personas.survey import matched_units
    from bench.personas.tables import read_parquet

    matches = read_parquet(
        match_path,
        required=("human_id", "persona_id"),
        what="match file (from `bench personas match`)",
    )
    stories = read_parquet(
        backstories_path,
        required=("persona_id", "backstory"),
        what="backstories file (from `bench personas backstories`)",
    )
    matches = matches.loc[
        matches["human_id"].astype(str).isin(respondents.ids.astype(str).tolist())
    ]
    return matched_units(respondents, stories, matches)
