"""What every backend implements: batch-first completion and next-token scoring.

A backend answers a list of requests and yields ``(index, result)`` pairs as each one
finishes (in any order), so the caller can store every finished item at once: a run that
is killed loses only the items in flight.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class CompletionRequest:
    """One completion to sample (``SamplingParams`` with n=1 and a derived seed)."""

    prompt: str
    temperature: float
    top_p: float
    max_tokens: int
    stop: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop" | "length"
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    reused_tokens: int = 0


@dataclass(frozen=True)
class ScoreRequest:
    """Read log p(label | prefix + suffix) for each label as the next token."""

    prefix: str
    suffix: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class LabelLogprobs:
    """``logprobs`` (K,): natural-log probability of each label as the next token, under
    the full next-token distribution (not renormalised; -inf where a server's top
    log-probabilities did not include the label)."""

    logprobs: NDArray[np.float64]
    prompt_tokens: int
    seconds: float
    reused_tokens: int = 0


class Backend(ABC):
    """A loaded model. Backends are used from one thread at a time."""

    # True when the key/value cache holds the last prompt only (llama.cpp): a caller that
    # grows one context turn by turn should send that context's prompts in a row, so that
    # each evaluates only its new turn. Backends that keep many prefixes (vLLM's prefix
    # cache, a server, a pool of replicas) are better sent one batch across contexts.
    keeps_last_prompt_only: bool = False

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """Backend name, model file name + size + sha256 (or the server's model name)."""

    @abstractmethod
    def complete(self, requests: Sequence[CompletionRequest]) -> Iterator[tuple[int, Completion]]:
        """Sample each request; yield (index into ``requests``, completion)."""

    @abstractmethod
    def score(self, requests: Sequence[ScoreRequest]) -> Iterator[tuple[int, LabelLogprobs]]:
        """Next-token log-probabilities of the labels; yield (index, result).

        Requests arrive grouped by prefix; a backend that can keep a key/value prefix
        evaluates each distinct prefix once.
        """

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release the model (threads, server connections)."""


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest shared leading run of two token lists."""
    n = min(len(a), len(b))
    mismatch = np.flatnonzero(np.asarray(a[:n]) != np.asarray(b[:n]))
    return int(mismatch[0]) if mismatch.size else n


def prefix_chunks(prefixes: Sequence[str], size: int) -> list[list[int]]:
    """Indices of consecutive runs of equal prefixes, each run cut into pieces of at most
    ``size`` (a piece never mixes contexts: each context is evaluated once)."""
    chunks: list[list[int]] = []
    for i, prefix in enumerate(prefixes):
        last = chunks[-1] if chunks else None
        if last is not None and prefixes[last[0]] == prefix and len(last) < size:
            last.append(i)
        else:
            chunks.append([i])
    return chunks
