"""``bench personas backstories``: sample the persona backstories (Anthology, Sec. 3.1)."""

from __future__ import annotations

from pathlib import Path

import click

from bench.personas.commands.options import (
    dataset_option,
    model_option,
    open_dataset,
    open_model,
    seed_option,
)


@click.command("backstories")
@model_option
@click.option(
    "-n", "n", type=click.IntRange(min=1), required=True, help="Number of backstories (personas)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output Parquet file (persona_id, backstory, style, seed, n_words, ...).",
)
@click.option(
    "--style",
    type=click.Choice(["anthology", "anthology-dp"]),
    default="anthology",
    show_default=True,
    help="anthology: the open 'Tell me about yourself' prompt. anthology-dp: the prompt first "
    "states the demographics of a respondent drawn from --dataset (one backstory each).",
)
@dataset_option
@seed_option
@click.option(
    "--max-tokens",
    default=1500,
    show_default=True,
    help="Most new tokens per backstory (paper: 1500).",
)
@click.option(
    "--min-words",
    default=30,
    show_default=True,
    help="Drop backstories shorter than this (paper: <= 40 tokens).",
)
@click.option(
    "--temperature", default=1.0, show_default=True, help="Sampling temperature T (paper: 1)."
)
@click.option("--top-p", default=1.0, show_default=True, help="Nucleus p (paper: 1).")
@click.option(
    "--batch-size",
    default=16,
    show_default=True,
    help="Prompts per model call; part of the sampling identity.",
)
def backstories(
    model_spec: str,
    n: int,
    out: Path,
    style: str,
    dataset_ref: str,
    seed: int,
    max_tokens: int,
    min_words: int,
    temperature: float,
    top_p: float,
    batch_size: int,
) -> None:
    """Sample N backstories, dedupe them and drop the too-short ones.

    Resumable: finished samples go to OUT.partial.jsonl as they complete; re-running the
    same command continues where a killed run stopped.

    \b
    Example:
      bench personas backstories --model embedded -n 200 --max-tokens 64 --out backstories.parquet
    """
    from bench.common.run_record import record_run
    from bench.common.seeding import seed_everything
    from bench.personas.backstories import (
        BackstoryConfig,
        anthology_slots,
        demographic_slots,
        generate_backstories,
    )
    from bench.personas.journal import Journal, journal_path
    from bench.personas.respondents import subsample_respondents
    from bench.personas.tables import write_parquet

    seed_everything(seed)
    try:
        config = BackstoryConfig(
            style=style,
            temperature=temperature,
            top_p=top_p,
            max_tokens=max_tokens,
            min_words=min_words,
            batch_size=batch_size,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if style == "anthology-dp":
        dataset = open_dataset(dataset_ref)
        if n > dataset.n:
            raise click.BadParameter(
                f"{n} DP backstories need {n} respondents but {dataset_ref} has {dataset.n}; lower -n",
                param_hint="-n",
            )
        humans = subsample_respondents(dataset, n, seed=seed)
        slots = demographic_slots(humans, humans.ids.tolist(), seed=seed)
    else:
        slots = anthology_slots(n)
    model = open_model(model_spec, seed=seed)
    run_config = {"stage": "backstories", "n": n, "dataset": dataset_ref, "backstories": config}
    with record_run(out, run_config, seed=seed, identity=model.identity) as record:
        journal = Journal(journal_path(out), config=run_config)
        table = generate_backstories(model, slots, config, seed=seed, journal=journal)
        write_parquet(table, out)
        journal.finish()
        record.add_usage(**model.usage.as_dict(), personas=len(table))
    click.echo(f"wrote {out}: {len(table)} backstories ({n - len(table)} slots rejected)")
