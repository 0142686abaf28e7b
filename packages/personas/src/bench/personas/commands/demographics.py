"""``bench personas demographics``: the demographic survey of every persona (Anthology, Sec. 3.2)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import click

from bench.personas.commands.options import (
    dataset_option,
    model_option,
    open_dataset,
    seed_option,
    stages,
)


@click.command("demographics")
@model_option
@click.option(
    "--backstories",
    "backstories_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Backstories Parquet file from `bench personas backstories`.",
)
@dataset_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output Parquet file: one row per persona x trait x option (probability, outside_mass).",
)
@click.option(
    "--method",
    type=click.Choice(["logprob", "sample"]),
    default="logprob",
    show_default=True,
    help="logprob: next-token probabilities of the option letters (one pass per trait, the "
    "backstory evaluated once). sample: the Anthology code's K sampled answers per trait.",
)
@click.option(
    "-k",
    "k",
    default=40,
    show_default=True,
    help="Samples per trait for --method sample (paper: 40).",
)
@seed_option
def demographics(
    model_spec: str,
    backstories_path: Path,
    dataset_ref: str,
    out: Path,
    method: str,
    k: int,
    seed: int,
) -> None:
    """Ask every persona each of the dataset's demographic questions.

    Writes, per persona and trait, a distribution over the trait's options and the mass
    the model put outside them. Resumable (OUT.partial.jsonl); a finished OUT is reused
    only if the backstories, the traits and the settings are unchanged.

    \b
    Example:
      bench personas demographics --model embedded --backstories backstories.parquet \\
          --dataset gss2018 --out demographics.parquet
    """
    from bench.common.seeding import seed_everything
    from bench.personas.demographics import DemographicsConfig
    from bench.personas.steps import Steps
    from bench.personas.tables import read_parquet

    seed_everything(seed)
    try:
        backstories = read_parquet(
            backstories_path,
            required=("persona_id", "backstory"),
            what="backstories file (from `bench personas backstories`)",
        )
        config = DemographicsConfig(method=method, k=k)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--backstories") from exc
    dataset = open_dataset(dataset_ref)
    with closing(stages(model_spec, seed)) as runner:
        table = Steps(runner).demographics(
            "demographics", out, backstories, dataset.demographics, config
        )
    click.echo(
        f"wrote {out}: {table['persona_id'].nunique()} personas x {len(dataset.demographics)} traits"
    )
