"""``bench personas backstories``: sample the persona backstories (Anthology, Sec. 3.1),
or interview the personas (``--style interview``, the follow-up's long backstories)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import click
import pandas as pd

from bench.personas.commands.options import (
    dataset_option,
    min_words_option,
    model_option,
    open_dataset,
    seed_option,
    stages,
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
    help="Output Parquet file (persona_id, backstory, style, seed, n_words, ...). With the "
    "critic, backstories it drops go to OUT.dropped.parquet.",
)
@click.option(
    "--style",
    type=click.Choice(["anthology", "anthology-dp", "interview"]),
    default="anthology",
    show_default=True,
    help="anthology: the open 'Tell me about yourself' prompt. anthology-dp: the prompt first "
    "states the demographics of a respondent drawn from --dataset (one backstory each). "
    "interview: ten life-history questions, each answer conditioned on the earlier ones.",
)
@dataset_option
@seed_option
@click.option(
    "--max-tokens",
    default=1500,
    show_default=True,
    help="Most new tokens per backstory (paper: 1500); anthology styles.",
)
@click.option(
    "--turn-tokens",
    type=click.IntRange(min=1),
    default=48,
    show_default=True,
    help="Most new tokens per interview answer (--style interview). 48 is this machine's "
    "small setting; the paper's interviews average ~2,500 words (~250 per answer).",
)
@click.option(
    "--critic/--no-critic",
    default=None,
    help="Run the LLM critic: flag self-contradicting backstories (age, birth year and "
    "place, party, marriage, children), re-sample a flagged interview answer up to "
    "--regenerations times, else drop the backstory. Default: on for interview, off otherwise.",
)
@click.option(
    "--regenerations",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="R: critic re-samples of a flagged answer before the backstory is dropped.",
)
@min_words_option
@click.option(
    "--temperature", default=1.0, show_default=True, help="Sampling temperature T (paper: 1)."
)
@click.option("--top-p", default=1.0, show_default=True, help="Nucleus p (paper: 1).")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Prompts per model call; part of the sampling identity. Default 16, and 1 for "
    "interview (llama.cpp reuses the previous turn's prompt only when it comes next).",
)
def backstories(
    model_spec: str,
    n: int,
    out: Path,
    style: str,
    dataset_ref: str,
    seed: int,
    max_tokens: int,
    turn_tokens: int,
    critic: bool | None,
    regenerations: int,
    min_words: int,
    temperature: float,
    top_p: float,
    batch_size: int | None,
) -> None:
    """Sample N backstories, dedupe them and drop the too-short ones.

    Resumable: finished samples go to OUT.partial.jsonl as they complete; re-running the
    same command continues where a killed run stopped (a journal left under another seed,
    model or setting is discarded), and a finished OUT is reused only if nothing it was
    computed from changed.

    \b
    Example:
      bench personas backstories --model embedded -n 200 --max-tokens 64 --out backstories.parquet
      bench personas backstories --style interview -n 20 --turn-tokens 48 --out interviews.parquet
    """
    from bench.common.seeding import seed_everything
    from bench.personas.backstories import (
        BackstoryConfig,
        anthology_slots,
        demographic_slots,
        generate_backstories,
    )
    from bench.personas.critic import Review, dropped_path, review_backstories
    from bench.personas.interview import InterviewConfig, generate_interviews
    from bench.personas.respondents import subsample_respondents
    from bench.personas.tables import write_parquet

    seed_everything(seed)
    critic = style == "interview" if critic is None else critic
    try:
        if style == "interview":
            config = InterviewConfig(
                temperature=temperature,
                top_p=top_p,
                turn_tokens=turn_tokens,
                min_words=min_words,
                batch_size=batch_size or 1,
            )
        else:
            config = BackstoryConfig(
                style=style,
                temperature=temperature,
                top_p=top_p,
                max_tokens=max_tokens,
                min_words=min_words,
                batch_size=batch_size or 16,
            )
        critic_config = _critic_config(regenerations) if critic else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    slots = None
    if style == "anthology-dp":
        dataset = open_dataset(dataset_ref)
        if n > dataset.n:
            raise click.BadParameter(
                f"{n} DP backstories need {n} respondents but {dataset_ref} has {dataset.n}; lower -n",
                param_hint="-n",
            )
        humans = subsample_respondents(dataset, n, seed=seed)
        slots = demographic_slots(humans, humans.ids.tolist(), seed=seed)
    elif style == "anthology":
        slots = anthology_slots(n)

    def work(model, journal):
        if style == "interview":
            table = generate_interviews(model, n, config, seed=seed, journal=journal)
        else:
            table = generate_backstories(model, slots, config, seed=seed, journal=journal)
        if critic_config is None:
            return table
        review = review_backstories(
            model,
            table,
            critic_config,
            seed=seed,
            journal=journal,
            interview=config if style == "interview" else None,
        )
        write_parquet(review.dropped, dropped_path(out))
        return review.kept

    settings = {"n": n, "backstories": config, "critic": critic_config}
    inputs = {"slots": slots} if slots is not None else {}
    with closing(stages(model_spec, seed)) as stage:
        table = stage("backstories", out, settings, work, inputs=inputs)
    counts = {}
    if critic_config is not None and dropped_path(out).exists():
        counts = Review(table, pd.read_parquet(dropped_path(out))).counts
    critic_note = (
        f"; critic: {counts['passed']} passed, {counts['regenerated']} "
        f"regenerated, {counts['dropped']} dropped"
        if counts
        else ""
    )
    click.echo(
        f"wrote {out}: {len(table)} backstories ({n - len(table)} slots rejected){critic_note}"
    )


def _critic_config(regenerations: int) -> Any:
    from bench.personas.critic import CriticConfig

    return CriticConfig(regenerations=regenerations)
