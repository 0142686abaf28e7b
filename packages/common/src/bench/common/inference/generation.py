"""The result of generating from one prompt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Generation:
    """Completions of one prompt.

    Always a tuple of ``n`` texts (``SamplingParams.n``), so the type never changes with
    ``n``; ``text`` and ``finish_reason`` are the first completion's, for the common n=1.
    ``finish_reasons[i]`` is ``"stop"`` (end of text or a stop string) or ``"length"``
    (``max_tokens`` reached). Token counts and seconds cover all n completions; for a
    result served from the cache they are those of the run that computed it, and
    ``cached`` is True.
    """

    texts: tuple[str, ...]
    finish_reasons: tuple[str, ...]
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cached: bool = False

    @property
    def text(self) -> str:
        return self.texts[0]

    @property
    def finish_reason(self) -> str:
        return self.finish_reasons[0]
