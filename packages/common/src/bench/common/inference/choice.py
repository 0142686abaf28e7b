"""Multiple-choice questions and the model's distribution over their options."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# Option labels, in order: the option letters of the rendered question.
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class ChoiceItem:
    """One question asked of one context (a persona's backstory, or "" for none).

    Items sharing a ``context`` share its key/value prefix: the context is evaluated once.
    """

    context: str
    question: str
    options: tuple[str, ...]

    def __post_init__(self) -> None:
        if isinstance(self.options, str):
            raise ValueError("ChoiceItem.options is a single string; pass a list of option texts")
        object.__setattr__(self, "options", tuple(self.options))
        if not 2 <= len(self.options) <= len(LABELS):
            raise ValueError(
                f"ChoiceItem has {len(self.options)} options for {self.question!r}; "
                f"need 2 to {len(LABELS)}"
            )

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(LABELS[: len(self.options)])


@dataclass(frozen=True)
class ChoiceDistribution:
    """p(option k | context, question) for the K options of one item.

    ``probs`` (K,) sums to 1. ``outside_mass`` is the probability that went elsewhere:
    for the log-probability method, 1 - sum_k p(label_k) of the next token before
    renormalising (a compliance measure: how much the model wanted to say something that
    is not an option letter); for the sampling method, the fraction of the K samples that
    named no option. ``labels`` are the option letters, in the options' order.
    """

    probs: NDArray[np.float64]
    outside_mass: float
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        probs = np.asarray(self.probs, dtype=np.float64)
        probs.setflags(write=False)
        object.__setattr__(self, "probs", probs)
        object.__setattr__(self, "labels", tuple(self.labels))
