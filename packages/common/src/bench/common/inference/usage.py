"""Running totals of what a model did: tokens, seconds, cache hits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class Usage:
    """Counters since the model was loaded.

    ``prompt_tokens`` counts the prompt tokens of computed requests, ``reused_tokens`` the
    part of them served from a kept key/value prefix instead of being evaluated again,
    ``completion_tokens`` the generated tokens, ``seconds`` the wall time spent in the
    backend, ``model_calls`` the requests the backend computed and ``cache_hits`` the
    requests answered by the persistent cache (no model work).
    Pass to a run record with ``record.add_usage(**model.usage.as_dict())``.
    """

    prompt_tokens: int = 0
    reused_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    model_calls: int = 0
    cache_hits: int = 0

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)
