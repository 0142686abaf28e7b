"""``bench personas evaluate``: how close each condition's answers come to the humans'."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from bench.personas.commands.options import dataset_option, humans_option, open_dataset, seed_option

if TYPE_CHECKING:  # the library loads when the command runs, not for --help
    from bench.common.metrics.correlation import Deletion
    from bench.personas.evaluation import AnswerSource


@click.command("evaluate")
@dataset_option
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Answers Parquet file from `bench personas survey`.",
)
@click.option(
    "--by",
    default=None,
    help="Also break the table down by this trait (its option groups, e.g. age, race) or "
    "respondent column.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output JSON file; a .md table and a .csv summary are written beside it.",
)
@click.option(
    "--splits",
    "n_splits",
    default=100,
    show_default=True,
    help="Random halves of the humans for the split-half lower bound (paper: 100).",
)
@click.option(
    "--answer-source",
    type=click.Choice(["sample", "probabilities"]),
    default="sample",
    show_default=True,
    help="Persona distribution from the sampled answers (Anthology) or the mean probabilities.",
)
@click.option(
    "--alpha-deletion",
    type=click.Choice(["pairwise", "listwise"]),
    default="pairwise",
    show_default=True,
    help="Cronbach's alpha with missing answers: each item pair's shared respondents "
    "(pingouin's default, the Anthology code's) or complete cases only.",
)
@click.option(
    "--plots",
    "plots_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write distributions.png and correlations.png into this folder.",
)
@humans_option
@seed_option
def evaluate(
    dataset_ref: str,
    answers_path: Path,
    by: str | None,
    out: Path,
    n_splits: int,
    answer_source: AnswerSource,  # click.Choice admits only these values
    alpha_deletion: Deletion,
    plots_dir: Path | None,
    humans: int,
    seed: int,
) -> None:
    """Wasserstein distance, correlation-matrix distance and Cronbach's alpha per condition.

    Beside the human split-half lower bound; on the raw ordinal scale and OpinionQA's
    normalised scale (both are in every table).

    \b
    Example:
      bench personas evaluate --dataset gss2018 --answers answers.parquet --by race \\
          --out metrics.json
    """
    from bench.common.run_record import record_run
    from bench.common.seeding import seed_everything
    from bench.personas.commands.options import read_answers, write_tables
    from bench.personas.evaluation import EvaluationConfig, evaluate_answers
    from bench.personas.respondents import subsample_respondents

    seed_everything(seed)
    answers = read_answers(answers_path)
    try:
        config = EvaluationConfig(
            n_splits=n_splits,
            answer_source=answer_source,
            alpha_deletion=alpha_deletion,
            seed=seed,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--answers") from exc
    dataset = subsample_respondents(open_dataset(dataset_ref), humans or None, seed=seed)
    run_config = {
        "stage": "evaluate",
        "dataset": dataset_ref,
        "humans": humans,
        "by": by,
        "evaluation": config,
    }
    with record_run(out, run_config, seed=seed, identity={"answers": str(answers_path)}):
        try:
            table = evaluate_answers(dataset, answers, by, config, progress=True)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        write_tables(table, out)
        if plots_dir is not None:
            from bench.personas.plots import plot_correlations, plot_distributions

            plots_dir.mkdir(parents=True, exist_ok=True)
            plot_distributions(table, plots_dir / "distributions.png")
            plot_correlations(table, plots_dir / "correlations.png")
    click.echo(table.to_markdown())
