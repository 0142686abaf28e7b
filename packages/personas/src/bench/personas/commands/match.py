"""``bench personas match``: match human respondents to personas (Anthology, Sec. 3.3)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import click

from bench.personas.commands.options import (
    dataset_option,
    humans_option,
    open_dataset,
    seed_option,
    stages,
)


@click.command("match")
@dataset_option
@click.option(
    "--demographics",
    "demographics_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Demographics Parquet file from `bench personas demographics`.",
)
@click.option(
    "--method",
    type=click.Choice(["greedy", "greedy-unique", "maxweight", "random"]),
    default="maxweight",
    show_default=True,
    help="greedy: each human its most likely persona (reused); greedy-unique: one-to-one, "
    "humans in order; maxweight: one-to-one, best total (see --maxweight-objective); "
    "random: seeded.",
)
@click.option(
    "--maxweight-objective",
    type=click.Choice(["likelihood", "loglik"]),
    default="likelihood",
    show_default=True,
    help="maxweight only: maximise the sum of likelihoods (the Anthology code's "
    "linear_sum_assignment on the product of likelihoods) or the sum of log-likelihoods.",
)
@click.option(
    "--solver",
    type=click.Choice(["auto", "transport", "hungarian"]),
    default="auto",
    show_default=True,
    help="maxweight only: transport (profiles + exact network simplex; fast with few "
    "distinct profiles) or hungarian (scipy linear_sum_assignment); auto picks.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output Parquet file: human_id, persona_id, log_weight, likelihood, method, objective.",
)
@humans_option
@seed_option
def match(
    dataset_ref: str,
    demographics_path: Path,
    method: str,
    maxweight_objective: str,
    solver: str,
    out: Path,
    humans: int,
    seed: int,
) -> None:
    """Match every human respondent to a persona by demographic likelihood.

    The weight of (human, persona) is the product over traits of the probability the
    persona gave the human's answer; one-to-one methods need at least as many personas as
    humans.

    \b
    Example:
      bench personas match --dataset gss2018 --demographics demographics.parquet \\
          --method maxweight --out match.parquet
    """
    from bench.common.seeding import seed_everything
    from bench.personas.matching import MatchConfig
    from bench.personas.respondents import subsample_respondents
    from bench.personas.steps import Steps
    from bench.personas.tables import read_parquet

    seed_everything(seed)
    try:
        demographics = read_parquet(
            demographics_path,
            required=("persona_id", "trait", "option_index", "probability"),
            what="demographics file (from `bench personas demographics`)",
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--demographics") from exc
    respondents = subsample_respondents(open_dataset(dataset_ref), humans or None, seed=seed)
    config = MatchConfig(method=method, solver=solver, objective=maxweight_objective)
    with closing(stages(None, seed)) as runner:
        try:
            table = Steps(runner).match("match", out, respondents, demographics, config)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    click.echo(
        f"matched {len(table)} humans to {table['persona_id'].nunique()} personas ({method}); "
        f"total log-weight {table['log_weight'].sum():.3f}, total likelihood "
        f"{table['likelihood'].sum():.4g} -> {out}"
    )
