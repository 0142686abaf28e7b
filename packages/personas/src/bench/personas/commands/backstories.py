"""``bench personas backstories``: sample the persona backstories (Anthology, Sec. 3.1),
or interview the personas (``--style interview``, the follow-up's long backstories)."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bench.personas.commands.options import (
    dataset_option,
    grouped,
    min_words_option,
    model_option,
    open_dataset,
    seed_option,
    stages,
)

if TYPE_CHECKING:
    from bench.personas.backstories import BackstoryConfig, Slot
    from bench.personas.critic import CriticConfig
    from bench.personas.interview import InterviewConfig


@dataclass(frozen=True)
class SamplingOptions:
    """How the backstories are sampled and checked (--max-tokens ... --batch-size)."""

    max_tokens: int
    turn_tokens: int
    critic: bool | None
    regenerations: int
    min_words: int
    temperature: float
    top_p: float
    batch_size: int | None

    def config(self, style: str) -> BackstoryConfig | InterviewConfig:
        from bench.personas.backstories import BackstoryConfig
        from bench.personas.interview import InterviewConfig

        if style == "interview":
            return InterviewConfig(
                temperature=self.temperature,
                top_p=self.top_p,
                turn_tokens=self.turn_tokens,
                min_words=self.min_words,
                batch_size=self.batch_size or 1,
            )
        return BackstoryConfig(
            style=style,
            temperature=self.temperature,
            top_p=self.top_p,
            max_tokens=self.max_tokens,
            min_words=self.min_words,
            batch_size=self.batch_size or 16,
        )

    def critic_config(self, style: str) -> CriticConfig | None:
        """The critic's settings; None without it (its default: on for interviews only)."""
        from bench.personas.critic import CriticConfig

        critic = style == "interview" if self.critic is None else self.critic
        return CriticConfig(regenerations=self.regenerations) if critic else None


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
@grouped(
    "sampling",
    SamplingOptions,
    click.option(
        "--max-tokens",
        default=1500,
        show_default=True,
        help="Most new tokens per backstory (paper: 1500); anthology styles.",
    ),
    click.option(
        "--turn-tokens",
        type=click.IntRange(min=1),
        default=48,
        show_default=True,
        help="Most new tokens per interview answer (--style interview). 48 is this machine's "
        "small setting; the paper's interviews average ~2,500 words (~250 per answer).",
    ),
    click.option(
        "--critic/--no-critic",
        default=None,
        help="Run the LLM critic: flag self-contradicting backstories (age, birth year and "
        "place, party, marriage, children), re-sample a flagged interview answer up to "
        "--regenerations times, else drop the backstory. Default: on for interview, off otherwise.",
    ),
    click.option(
        "--regenerations",
        type=click.IntRange(min=0),
        default=2,
        show_default=True,
        help="R: critic re-samples of a flagged answer before the backstory is dropped.",
    ),
    min_words_option,
    click.option(
        "--temperature", default=1.0, show_default=True, help="Sampling temperature T (paper: 1)."
    ),
    click.option("--top-p", default=1.0, show_default=True, help="Nucleus p (paper: 1)."),
    click.option(
        "--batch-size",
        type=click.IntRange(min=1),
        default=None,
        help="Prompts per model call; part of the sampling identity. Default 16, and 1 for "
        "interview (llama.cpp reuses the previous turn's prompt only when it comes next).",
    ),
)
def backstories(
    model_spec: str,
    n: int,
    out: Path,
    style: str,
    dataset_ref: str,
    seed: int,
    sampling: SamplingOptions,
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
    from bench.personas.critic import dropped_path, read_review
    from bench.personas.steps import Steps

    seed_everything(seed)
    try:
        config = sampling.config(style)
        critic = sampling.critic_config(style)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    slots = _slots(style, n, dataset_ref, seed)
    with closing(stages(model_spec, seed)) as runner:
        table = Steps(runner).persona_pool(out, n, slots, config, critic)
    critic_note = ""
    if critic is not None and dropped_path(out).exists():
        counts = read_review(table, out).counts
        critic_note = (
            f"; critic: {counts['passed']} passed, {counts['regenerated']} "
            f"regenerated, {counts['dropped']} dropped"
        )
    click.echo(
        f"wrote {out}: {len(table)} backstories ({n - len(table)} slots rejected){critic_note}"
    )


def _slots(style: str, n: int, dataset_ref: str, seed: int) -> list[Slot] | None:
    """The Anthology styles' slots: open prompts, or one per respondent drawn (seeded) from
    the dataset for anthology-dp; None for interviews."""
    from bench.personas.backstories import anthology_slots, demographic_slots
    from bench.personas.respondents import subsample_respondents

    if style == "anthology":
        return anthology_slots(n)
    if style != "anthology-dp":
        return None
    dataset = open_dataset(dataset_ref)
    if n > dataset.n:
        raise click.BadParameter(
            f"{n} DP backstories need {n} respondents but {dataset_ref} has {dataset.n}; lower -n",
            param_hint="-n",
        )
    respondents = subsample_respondents(dataset, n, seed=seed)
    return demographic_slots(respondents, respondents.ids.tolist(), seed=seed)
