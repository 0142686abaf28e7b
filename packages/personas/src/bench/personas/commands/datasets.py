"""``bench personas datasets``: the registered datasets and their sizes."""

from __future__ import annotations

import click


@click.command("datasets")
@click.option(
    "--show",
    "show",
    default=None,
    metavar="DATASET",
    help="Also list one dataset's traits and questions (a name, spec:PATH.yaml or atp:PATH.sav).",
)
def datasets(show: str | None) -> None:
    """List the registered datasets: respondents, traits, questions, weighting.

    Any respondent table can be used with --dataset spec:PATH.yaml, and a Pew American
    Trends Panel wave file with --dataset atp:PATH.sav.

    \b
    Example:
      bench personas datasets --show anes1996
    """
    from bench.personas.commands.options import open_dataset
    from bench.personas.datasets import REGISTERED

    click.echo(f"{'name':<12}{'respondents':>12}{'traits':>8}{'questions':>11}  weighted")
    for name in REGISTERED:
        info = open_dataset(name).summary()
        click.echo(
            f"{name:<12}{info['respondents']:>12}{info['traits']:>8}{info['questions']:>11}  "
            f"{'yes' if info['weighted'] else 'no'}"
        )
    click.echo(
        "spec:PATH.yaml  any CSV/Parquet table described by a spec; atp:PATH.sav  a Pew ATP wave"
    )
    if show:
        dataset = open_dataset(show)
        click.echo(f"\n{dataset.name} ({dataset.source}): {dataset.n} respondents")
        for trait in dataset.demographics:
            click.echo(f"  trait {trait.name} [{trait.column}]: {' | '.join(trait.options)}")
        for question in dataset.questions:
            click.echo(f"  question {question.id} [{question.kind}]: {question.text}")
            click.echo(f"      {' | '.join(question.options)}")
