"""``bench personas ablate quantity|depth|consistency``: one knob against the metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bench.personas.commands.options import min_words_option, model_option, seed_option

if TYPE_CHECKING:
    from bench.personas.ablation import AblationConfig

# Sized for two busy CPU cores and the embedded model: 30 humans, interview answers of 16
# tokens; the paper's pools reach thousands of backstories of ~2,500 words.
CPU_HUMANS = 30


class KnobList(click.ParamType):
    """A comma-separated list of distinct integers >= 1 ("10,20,40")."""

    name = "N,N,..."

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        items = [part.strip() for part in str(value).split(",") if part.strip()]
        if not items:
            self.fail(f"{value!r}: give at least one integer, e.g. 10,20,40", param, ctx)
        try:
            numbers = tuple(int(part) for part in items)
        except ValueError:
            self.fail(f"{value!r}: need comma-separated integers, e.g. 10,20,40", param, ctx)
        if any(n < 1 for n in numbers):
            self.fail(f"{value!r}: every value must be >= 1", param, ctx)
        if len(set(numbers)) != len(numbers):
            self.fail(f"{value!r}: values repeat", param, ctx)
        return numbers


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options every ablation shares (outermost first in --help)."""
    options = [
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            required=True,
            help="Directory: one Parquet file per stage with run records, ablation.csv, "
            "ablation.json, plots/ablation_KIND.png.",
        ),
        click.option(
            "--dataset",
            "dataset_ref",
            default="anes1996",
            show_default=True,
            help="anes1996 | gss2018 | spec:PATH.yaml | atp:PATH.sav (perception gaps need a "
            "`groups:` block, as anes1996 has).",
        ),
        model_option,
        click.option(
            "--humans",
            type=click.IntRange(min=0),
            default=CPU_HUMANS,
            show_default=True,
            help="Seeded subsample of respondents the personas stand for (0: all).",
        ),
        seed_option,
        click.option(
            "--matching",
            type=click.Choice(["greedy", "greedy-unique", "maxweight", "random"]),
            default="greedy",
            show_default=True,
            help="How humans are matched to personas.",
        ),
        min_words_option,
        click.option(
            "--splits",
            type=click.IntRange(min=1),
            default=100,
            show_default=True,
            help="Random halves for the human lower bound (paper: 100).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


_style_option = click.option(
    "--style",
    type=click.Choice(["interview", "anthology"]),
    default="interview",
    show_default=True,
    help="Backstories: interviews (ten life-history answers) or Anthology's single answer.",
)
_max_tokens_option = click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    default=48,
    show_default=True,
    help="--style anthology: most new tokens per backstory (paper: 1500).",
)
_n_option = click.option(
    "-n",
    "n",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Backstories per pool.",
)


def _turn_tokens_option(default: int = 16) -> Callable[..., Any]:
    return click.option(
        "--turn-tokens",
        type=click.IntRange(min=1),
        default=default,
        show_default=True,
        help="Most new tokens per interview answer (paper: ~2,500-word interviews).",
    )


@click.group("ablate")
def ablate() -> None:
    """Ablations: one knob turned, the metrics plotted against it.

    Each knob value runs demographics -> matching -> survey on its persona pool and is
    scored by the overall WD to the humans and, on datasets with `groups:` (anes1996),
    the perception-gap error |gap - gap_human|, Cohen's d and WD per group and measure.
    Every stage resumes: re-running a finished command calls no model.

    \b
    Examples:
      bench personas ablate quantity --sizes 10,20,40 --out runs/ablate-quantity
      bench personas ablate depth --turn-tokens 8,16,32 -n 20 --out runs/ablate-depth
      bench personas ablate consistency -n 40 --out runs/ablate-consistency
    """


@ablate.command("quantity")
@_common
@click.option(
    "--sizes",
    type=KnobList(),
    default="10,20,40",
    show_default=True,
    help="Backstories available to matching: k=10 uses the first 10 of one pool of max(k).",
)
@_style_option
@_turn_tokens_option()
@_max_tokens_option
def quantity(sizes: tuple[int, ...], **options: Any) -> None:
    """Quantity: how many backstories matching may choose from (nested pools)."""
    _run("quantity", sizes, AblateOptions(**options, n=max(sizes)))


@ablate.command("depth")
@_common
@click.option(
    "--turn-tokens",
    "lengths",
    type=KnobList(),
    default="8,16,32",
    show_default=True,
    help="Interview answer lengths (new tokens per answer), one pool each.",
)
@click.option(
    "--max-tokens",
    "anthology_lengths",
    type=KnobList(),
    default=None,
    help="With --style anthology: backstory lengths (new tokens), one pool each.",
)
@_style_option
@_n_option
def depth(
    lengths: tuple[int, ...], anthology_lengths: tuple[int, ...] | None, **options: Any
) -> None:
    """Depth: how long each backstory is (one pool of -n per length)."""
    if options["style"] == "anthology":
        if anthology_lengths is None:
            raise click.UsageError("--style anthology: give the lengths with --max-tokens")
        lengths = anthology_lengths
    elif anthology_lengths is not None:
        raise click.UsageError("--max-tokens is for --style anthology; use --turn-tokens")
    _run("depth", lengths, AblateOptions(**options, turn_tokens=16, max_tokens=48))


@ablate.command("consistency")
@_common
@_n_option
@_turn_tokens_option()
def consistency(**options: Any) -> None:
    """Consistency: interviews as sampled vs the ones the LLM critic kept."""
    _run("consistency", (), AblateOptions(**options, style="interview", max_tokens=48))


@dataclass(frozen=True)
class AblateOptions:
    """The options of an ablation command, the knob's values aside."""

    out: Path
    dataset_ref: str
    model_spec: str
    humans: int
    seed: int
    matching: str
    min_words: int
    splits: int
    style: str
    n: int
    turn_tokens: int
    max_tokens: int

    def config(self, kind: str, values: tuple[int, ...]) -> AblationConfig:
        from bench.personas.ablation import AblationConfig
        from bench.personas.backstories import BackstoryConfig
        from bench.personas.interview import InterviewConfig

        return AblationConfig(
            kind=kind,
            values=values,
            dataset=self.dataset_ref,
            model=self.model_spec,
            humans=self.humans or None,
            seed=self.seed,
            style=self.style,
            n=self.n,
            interview=InterviewConfig(turn_tokens=self.turn_tokens, min_words=self.min_words),
            backstories=BackstoryConfig(max_tokens=self.max_tokens, min_words=self.min_words),
            matching=self.matching,
            n_splits=self.splits,
        )


def _run(kind: str, values: tuple[int, ...], options: AblateOptions) -> None:
    from bench.common.run_record import record_run
    from bench.common.seeding import seed_everything
    from bench.personas.ablation import run_ablation

    seed_everything(options.seed)
    try:
        config = options.config(kind, values)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    out = options.out
    identity = {"spec": options.model_spec}
    with record_run(out, config, seed=options.seed, identity=identity) as record:
        try:
            result = run_ablation(config, out)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        record.identity = result.model_identity
        record.add_usage(model_calls=result.model_calls)
        for timing in result.timings:
            record.add_usage(**{f"seconds_{timing.stage}": timing.seconds})
    click.echo(result.to_markdown())
    click.echo(f"table: {out / 'ablation.csv'}  plot: {result.plot}")
