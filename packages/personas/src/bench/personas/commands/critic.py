"""``bench personas critic``: the LLM critic over an existing backstories file."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import click

from bench.personas.commands.options import model_option, seed_option, stages


@click.command("critic")
@model_option
@click.option(
    "--backstories",
    "backstories_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Backstories file (from `bench personas backstories`, any style).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output Parquet file: the kept backstories with critic_verdict, critic_conflicts, "
    "critic_regenerations; the dropped ones go to OUT.dropped.parquet.",
)
@seed_option
@click.option(
    "--regenerations",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="R: re-samples of a flagged interview answer before the backstory is dropped "
    "(a flagged non-interview backstory has no turn to re-sample and is dropped).",
)
@click.option(
    "--age-source",
    type=click.Choice(["lm", "rules", "both"]),
    default="both",
    show_default=True,
    help="Who reads the narrator's age: the LM (answer kept only if the text states that "
    "age), first-person patterns, or both.",
)
def critic(
    model_spec: str,
    backstories_path: Path,
    out: Path,
    seed: int,
    regenerations: int,
    age_source: str,
) -> None:
    """Flag backstories that contradict themselves; repair interviews or drop them.

    Resumable: re-sampled answers go to OUT.partial.jsonl as they complete; a finished
    OUT is reused only if the backstories and the settings are unchanged.

    \b
    Example:
      bench personas critic --backstories interviews.parquet --out interviews_checked.parquet
    """
    from bench.common.seeding import seed_everything
    from bench.personas.critic import CriticConfig, dropped_path, read_review
    from bench.personas.interview import InterviewConfig
    from bench.personas.steps import Steps
    from bench.personas.tables import read_parquet

    seed_everything(seed)
    try:
        table = read_parquet(
            backstories_path,
            required=("persona_id", "backstory"),
            what="backstories file (from `bench personas backstories`)",
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--backstories") from exc
    config = CriticConfig(regenerations=regenerations, age_source=age_source)
    # Re-sampled answers get the interview's own answer budget.
    turn_tokens = int(table["turn_tokens"].iloc[0]) if "turn_tokens" in table and len(table) else 48
    interview = InterviewConfig(turn_tokens=turn_tokens)
    with closing(stages(model_spec, seed)) as runner:
        kept = Steps(runner).critic(
            "critic", out, table, config, interview, input_name="backstories"
        )
    counts = read_review(kept, out).counts
    click.echo(
        f"wrote {out}: {len(kept)} backstories ({counts['passed']} passed, "
        f"{counts['regenerated']} regenerated); {counts['dropped']} dropped -> "
        f"{dropped_path(out)}"
    )
