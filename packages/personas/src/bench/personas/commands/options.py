"""Options shared by the personas commands: model, dataset, seed, and opening them.

Errors in what the user passed (an unknown model spec, dataset, or a malformed file)
become one-line ``click.UsageError``/``click.BadParameter`` messages.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from bench.common.executor import executor_options

if TYPE_CHECKING:  # imported when a command runs, so `bench personas --help` stays fast
    from pathlib import Path

    import pandas as pd

    from bench.common.inference import Model
    from bench.personas.datasets import Dataset
    from bench.personas.evaluation import EvaluationTable
    from bench.personas.perception import GapTable
    from bench.personas.stages import Stages

_model_spec_option = click.option(
    "--model",
    "model_spec",
    default="embedded",
    show_default=True,
    help="Model spec: embedded | llamacpp:PATH.gguf | hf:PATH | vllm:NAME_OR_PATH | "
    "openai:BASE_URL#MODEL (key from $BENCH_OPENAI_API_KEY or $OPENAI_API_KEY).",
)


def model_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--model`` and, with it, where the model runs (``--executor``, ``--replicas``,
    ``--resources-per-replica``: :func:`bench.common.executor.executor_options`)."""
    return _model_spec_option(executor_options(command))


dataset_option = click.option(
    "--dataset",
    "dataset_ref",
    default="gss2018",
    show_default=True,
    help="gss2018 | anes1996 | spec:PATH.yaml | atp:PATH.sav",
)
seed_option = click.option(
    "--seed", default=0, show_default=True, help="Seed of every random draw."
)
min_words_option = click.option(
    "--min-words",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Drop backstories (for interviews: the joined answers) shorter than this many "
    "words (paper: <= 40 tokens).",
)
humans_option = click.option(
    "--humans",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Use a seeded subsample of this many respondents (0: all). The same --humans and "
    "--seed pick the same respondents in every command.",
)


def grouped(
    name: str, group: type[Any], *options: Callable[[Any], Any]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``options`` (outermost first in --help) and pass their values to the command as
    one ``group`` instance, keyword ``name``: ``group`` is a dataclass whose fields are the
    options' parameter names."""
    fields = [f.name for f in dataclasses.fields(group)]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {field: kwargs.pop(field) for field in fields}
            return command(*args, **{name: group(**values)}, **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorate


def open_dataset(ref: str) -> Dataset:
    from bench.personas.datasets import load_dataset

    try:
        return load_dataset(ref)
    except (ValueError, KeyError, FileNotFoundError) as exc:
        raise click.BadParameter(str(exc), param_hint="--dataset") from exc


def read_answers(path: Path) -> pd.DataFrame:
    """The answers file of ``bench personas survey``, or a one-line ``--answers`` error."""
    from bench.personas.evaluation import ANSWER_COLUMNS
    from bench.personas.tables import read_parquet

    try:
        return read_parquet(
            path, required=ANSWER_COLUMNS, what="answers file (from `bench personas survey`)"
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--answers") from exc


def write_tables(table: EvaluationTable | GapTable, out: Path) -> None:
    """``out`` (JSON) and, beside it, the same table as .csv and .md."""
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_json(out)
    table.to_csv(out.with_suffix(".csv"))
    out.with_suffix(".md").write_text(table.to_markdown())


def open_model(spec: str, *, seed: int) -> Model:
    from bench.common.executor import load_model

    try:
        return load_model(spec, seed=seed)
    except (ValueError, FileNotFoundError) as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from exc
    except RuntimeError as exc:  # a missing backend package or model file
        raise click.UsageError(str(exc)) from exc


def stages(spec: str | None, seed: int) -> Stages:
    """The stage runner of a single-stage command: the same content-addressed reuse and
    journals as ``bench personas run`` (:mod:`bench.personas.stages`), the model loaded
    only if the stage runs, a model that cannot load turned into a one-line error.
    ``spec`` None: a command without a model (matching)."""
    from bench.personas.stages import LazyModel, Stages

    if spec is None:
        return Stages(None, {"seed": seed}, seed=seed)
    model = LazyModel(spec, seed, True, loader=lambda: open_model(spec, seed=seed))
    try:
        model.key()  # an unknown spec or a missing embedded model: say so before any work
    except (ValueError, FileNotFoundError) as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from exc
    except RuntimeError as exc:
        raise click.UsageError(str(exc)) from exc
    return Stages(model, {"seed": seed}, seed=seed)


# --survey-mode, the same for `run` and `survey`.
survey_mode_option = click.option(
    "--survey-mode",
    type=click.Choice(["independent", "series"]),
    default="independent",
    show_default=True,
    help="independent: each question alone after the persona's context; series: one after "
    "another in an order shuffled per unit, earlier answers kept in the context (the "
    "Anthology code's in_series).",
)
