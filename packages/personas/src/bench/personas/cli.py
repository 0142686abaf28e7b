"""``bench personas``: one command per pipeline stage, thin over the library."""

from __future__ import annotations

import click

from bench.common.lazy_group import LazyGroup

# name -> "module:command"; each module holds one stage's click command.
COMMANDS: dict[str, str] = {
    "backstories": "bench.personas.commands.backstories:backstories",
    "demographics": "bench.personas.commands.demographics:demographics",
    "survey": "bench.personas.commands.survey:survey",
    "run": "bench.personas.commands.run:run",
    "datasets": "bench.personas.commands.datasets:datasets",
    "match": "bench.personas.commands.match:match",
    "evaluate": "bench.personas.commands.evaluate:evaluate",
    "gaps": "bench.personas.commands.gaps:gaps",
    "critic": "bench.personas.commands.critic:critic",
    "ablate": "bench.personas.commands.ablate:ablate",
}


@click.group(cls=LazyGroup, lazy_subcommands=COMMANDS)
def personas() -> None:
    """Virtual personas for survey research (Anthology).

    \b
    Pipeline, one file per arrow:
      datasets -> backstories -> demographics -> match -> survey -> evaluate
    `bench personas run` does every stage and every condition into one directory.
    """
