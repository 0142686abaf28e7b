"""``bench personas gaps``: in-group / out-group / meta-perception gaps per group."""

from __future__ import annotations

from pathlib import Path

import click

from bench.personas.commands.options import dataset_option, humans_option, open_dataset, seed_option


@click.command("gaps")
@dataset_option
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Answers Parquet file from `bench personas survey` (left out: the humans only).",
)
@click.option(
    "--grouping",
    default=None,
    help="Which of the dataset's `groups:` to use (default: its only one, e.g. party).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output JSON file; a .md and a .csv table and a .png bar plot are written beside it.",
)
@humans_option
@seed_option
def gaps(
    dataset_ref: str,
    answers_path: Path | None,
    grouping: str | None,
    out: Path,
    humans: int,
    seed: int,
) -> None:
    """Hostility, placement and meta-perception gaps (Cohen's d, Wasserstein) per group.

    For the humans and every condition in the answers; needs a dataset whose spec has a
    `groups:` block and perception questions (anes1996 does).

    \b
    Example:
      bench personas gaps --dataset anes1996 --answers answers.parquet --out gaps.json
    """
    from bench.common.run_record import record_run
    from bench.common.seeding import seed_everything
    from bench.personas.commands.options import read_answers, write_tables
    from bench.personas.perception import perception_gaps
    from bench.personas.perception_plot import plot_gaps
    from bench.personas.respondents import subsample_respondents

    seed_everything(seed)
    answers = read_answers(answers_path) if answers_path is not None else None
    dataset = subsample_respondents(open_dataset(dataset_ref), humans or None, seed=seed)
    run_config = {"stage": "gaps", "dataset": dataset_ref, "humans": humans, "grouping": grouping}
    identity = {"answers": str(answers_path) if answers_path else None}
    with record_run(out, run_config, seed=seed, identity=identity):
        try:
            table = perception_gaps(dataset, answers, grouping=grouping)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        write_tables(table, out)
        plot_gaps(table, out.with_suffix(".png"))
    click.echo(table.to_markdown())
