"""Multiple-choice questions and the model's distribution over their options.

Reading an option letter. The probability of option k is the next-token mass of every
token that decodes to its letter, with or without one leading space (OpinionQA's rule):

    p(label_k) = sum over tokens t with strip_space(decode(t)) == label_k of p(t)

One letter has several tokens in most vocabularies: GPT-2-style BPE has "A" and " A";
SentencePiece (Llama 2, Mistral) has "A", "\u2581A" and the byte token <0x41>. Which one
the model uses after "(" depends on its tokenizer, so reading a single token id would
lose mass that names the option. Full-vocabulary backends (llama.cpp, transformers) sum
the exact probabilities (:func:`label_token_ids`, :func:`label_logprobs`); servers that
return a top-k list keyed by decoded text (vLLM, OpenAI-compatible) sum the listed
entries (:func:`top_label_logprobs`), so two tokens that decode to the same text add
instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# Option labels, in order: the option letters of the rendered question.
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The rule above, named in the inference cache's keys: scores computed under another
# rule (one token per letter) are not reused.
LABEL_RULE = "letter-with-or-without-leading-space"

# A leading space as decoders spell it: plain, or SentencePiece's meta symbol U+2581.
_SPACES = (" ", "\u2581")


def strip_space(text: str) -> str:
    """``text`` without one leading space (" A" and "\u2581A" -> "A")."""
    return text[1:] if text[:1] in _SPACES else text


def label_token_ids(
    vocabulary: Iterable[tuple[int, str]], labels: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    """For each label, the ids of the tokens whose decoded text is the label, with or
    without one leading space. ``vocabulary`` yields (token id, decoded text) pairs."""
    wanted: dict[str, list[int]] = {label: [] for label in labels}
    for token_id, text in vocabulary:
        found = wanted.get(strip_space(text))
        if found is not None:
            found.append(int(token_id))
    missing = [label for label, ids in wanted.items() if not ids]
    if missing:
        raise ValueError(f"option label(s) {missing} are no token of this model's vocabulary")
    return tuple(tuple(wanted[label]) for label in labels)


def label_logprobs(
    logp: NDArray[np.float64], token_ids: Sequence[Sequence[int]]
) -> NDArray[np.float64]:
    """log p(label_k) = log sum_{t in token_ids[k]} exp(logp[t]), for ``logp`` (V,) the
    next-token log-probabilities; returns (K,)."""
    logp = np.asarray(logp, dtype=np.float64)
    return np.array([np.logaddexp.reduce(logp[list(ids)]) for ids in token_ids])


def top_label_logprobs(
    top: Iterable[tuple[str, float]], labels: Sequence[str]
) -> NDArray[np.float64]:
    """log p(label_k) from a top-k list of (decoded text, logprob) pairs: the listed
    tokens of each label add; a label with none listed gets -inf (probability 0)."""
    out = {label: -np.inf for label in labels}
    for text, logprob in top:
        label = strip_space(text)
        if label in out:
            out[label] = float(np.logaddexp(out[label], float(logprob)))
    return np.array([out[label] for label in labels], dtype=np.float64)


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
