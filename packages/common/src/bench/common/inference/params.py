"""Sampling parameters: one record per request batch, as in vLLM's ``SamplingParams``.

Semantics are the OpenAI Completions API's, on every backend: ``temperature`` scales the
logits (0 means greedy), ``top_p`` keeps the smallest set of tokens whose probability
reaches p (nucleus sampling, Holtzman et al. 2020), nothing else (no top-k, min-p or
repetition penalty), so a spec can be swapped for another without changing the numbers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class SamplingParams:
    """How completions are sampled.

    ``n > 1`` asks for n completions of each prompt (``Generation.texts`` has n entries).
    ``seed`` is mixed with the model's seed, the prompt and the prompt's occurrence in the
    batch (see :func:`derive_seed`), so repeated prompts get different samples and a
    prompt's result does not depend on the other prompts of its batch.
    """

    temperature: float = 1.0  # T; 0 -> greedy decoding
    top_p: float = 1.0  # p of nucleus sampling; 1 -> the full distribution
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int = 0
    n: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.stop, str) or not isinstance(self.stop, tuple):
            # a bare string would be read as a tuple of characters
            object.__setattr__(
                self, "stop", (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)
            )
        if self.temperature < 0:
            raise ValueError(f"SamplingParams.temperature={self.temperature}; must be >= 0")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"SamplingParams.top_p={self.top_p}; must be in (0, 1]")
        if self.max_tokens < 1:
            raise ValueError(f"SamplingParams.max_tokens={self.max_tokens}; must be >= 1")
        if self.n < 1:
            raise ValueError(f"SamplingParams.n={self.n}; must be >= 1")


def derive_seed(*parts: object) -> int:
    """A 31-bit seed from any printable parts (model seed, params seed, prompt, index).

    sha256 rather than ``hash()``: Python's string hash changes between processes.
    """
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF
