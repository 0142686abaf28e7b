"""The sampling estimate of an option distribution (the Anthology code's method).

Sample K completions of the rendered question (which ends in "Answer: ("), read the
option each one names, and count: p̂_k = #{samples naming option k} / K. Samples naming
no option are the ``outside_mass`` (their fraction), and p̂ is renormalised over the
parsed ones (uniform when none parsed, with ``outside_mass`` 1 telling so).
"""

from __future__ import annotations

import re

import numpy as np

from bench.common.inference.choice import ChoiceDistribution, ChoiceItem

# "A)", "A", "(A)", " A." ... : a label letter that is not the start of a longer word.
_LABEL = re.compile(r"^\s*\(?\s*([A-Z])(?![A-Za-z])")


def parse_choice(completion: str, item: ChoiceItem) -> int | None:
    """Index of the option a completion names, or None.

    First the leading label letter; failing that, an option's text at the start of the
    completion (case-insensitive), the longest match first.
    """
    match = _LABEL.match(completion)
    if match and match.group(1) in item.labels:
        return item.labels.index(match.group(1))
    text = completion.strip().lower()
    by_length = sorted(range(len(item.options)), key=lambda k: -len(item.options[k]))
    for k in by_length:
        option = item.options[k].strip().lower()
        if option and text.startswith(option):
            return k
    return None


def empirical_distribution(completions: list[str], item: ChoiceItem) -> ChoiceDistribution:
    """p̂ over ``item``'s options from K sampled completions (see module docstring)."""
    counts = np.zeros(len(item.options))
    for completion in completions:
        k = parse_choice(completion, item)
        if k is not None:
            counts[k] += 1
    parsed = counts.sum()
    probs = counts / parsed if parsed else np.full(len(item.options), 1 / len(item.options))
    outside = 1 - parsed / len(completions) if completions else 1.0
    return ChoiceDistribution(probs=probs, outside_mass=float(outside), labels=item.labels)
