"""Ask every unit every question: journaled chunks of units, one model call per chunk.

The demographic survey (personas x traits) and the opinion survey (units x questions)
share this loop. Units are taken in chunks of ``batch_size``; a chunk's units that the
journal already holds are skipped, the others are asked together and each one's answers
are journaled as soon as the chunk returns, so a killed stage resumes at the first
unfinished chunk and a chunk's model call is the same batch whether or not it resumed.

A unit's journaled value is its list of ``[probabilities over the shown options, outside
mass]``, one per question, in question order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tqdm.auto import tqdm

from bench.common.inference import ChoiceDistribution, ChoiceItem, Model
from bench.personas.journal import Journal

# One unit's answers as the journal stores them (JSON): [[shown probabilities, outside
# mass], ...], one pair per question.
UnitAnswers = list[list[Any]]


def ask_choices(
    model: Model, items: list[ChoiceItem], *, method: str, k: int
) -> list[ChoiceDistribution]:
    """Each item's option distribution: the option letters' next-token probabilities
    (``method="logprob"``) or the shares of ``k`` sampled answers (``"sample"``)."""
    if method == "logprob":
        return model.choice_distributions(items)
    return model.sample_choice_distribution(items, k=k)


def journal_value(answer: ChoiceDistribution) -> list[Any]:
    """``[probabilities, outside mass]``: one answer as the journal stores it."""
    return [answer.probs.tolist(), float(answer.outside_mass)]


def ask_each_unit(
    model: Model, items: Sequence[Sequence[ChoiceItem]], *, method: str, k: int
) -> list[UnitAnswers]:
    """Every unit's items (one per question) asked in one model call; answers per unit."""
    flat = [item for unit_items in items for item in unit_items]
    answers = ask_choices(model, flat, method=method, k=k)
    per_unit, start = [], 0
    for unit_items in items:
        per_unit.append([journal_value(a) for a in answers[start : start + len(unit_items)]])
        start += len(unit_items)
    return per_unit


def ask_in_chunks(
    keys: Sequence[str],
    ask: Callable[[list[int]], Sequence[UnitAnswers]],
    journal: Journal | None,
    *,
    batch_size: int,
    desc: str,
    progress: bool = True,
) -> list[UnitAnswers]:
    """Each unit's answers, in ``keys``' order (module docstring).

    ``ask(todo)`` answers the units at positions ``todo`` (those of one chunk that the
    journal lacks) and returns one value per unit; ``keys[i]`` is unit i's journal key.
    ``journal`` None: nothing is kept beyond this call.
    """
    journal = journal if journal is not None else Journal(None)
    with tqdm(total=len(keys), desc=desc, disable=not progress) as bar:
        for start in range(0, len(keys), batch_size):
            chunk = range(start, min(start + batch_size, len(keys)))
            todo = [i for i in chunk if keys[i] not in journal]
            if todo:
                for i, value in zip(todo, ask(todo)):
                    journal.add(keys[i], value)
            bar.update(len(chunk))
    journal.close()
    return [journal[key] for key in keys]
