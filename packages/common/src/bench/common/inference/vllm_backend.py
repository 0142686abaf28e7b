"""vLLM in process (``vllm:NAME_OR_PATH``), for GPUs. An optional extra, imported lazily.

Offline ``vllm.LLM`` with automatic prefix caching: every question asked of a backstory
shares the backstory's key/value blocks, so batching all requests at once gives prefix
reuse without any bookkeeping here. Scoring generates one greedy token with
``logprobs=top_logprobs`` and sums the listed tokens of each option letter, with or
without a leading space (a letter outside the top list gets probability 0, as for the
OpenAI backend). Not exercised on this CPU-only
machine; its tests are marked ``gpu``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.common.errors import BenchError
from bench.common.inference.backend import (
    Backend,
    Completion,
    CompletionRequest,
    LabelLogprobs,
    ScoreRequest,
)
from bench.common.inference.choice import top_label_logprobs

VLLM_HINT = "pip install 'bench-common[vllm]' on a machine with a CUDA GPU"
TOP_LOGPROBS = 20  # vLLM's default max_logprobs
CHUNK = 256  # requests per llm.generate call: finished chunks reach the cache early


def import_vllm():
    try:
        import vllm  # pyright: ignore[reportMissingImports]  (optional GPU extra)
    except ImportError as exc:
        raise BenchError(
            f"model spec vllm:... needs vLLM, which is not installed: {VLLM_HINT}; "
            f"or serve the model elsewhere and use openai:BASE_URL#MODEL"
        ) from exc
    return vllm


def top_id_label_logprobs(
    top: Mapping[int, Any], decode: Callable[[list[int]], str], labels: tuple[str, ...]
) -> NDArray[np.float64]:
    """log p(label) from vLLM's top list (token id -> Logprob): each id is decoded, and ids
    that decode to the same letter add (SentencePiece's "A" and "\u2581A" both decode to
    "A"; a dict keyed by text would keep only one of them)."""
    return top_label_logprobs(
        ((decode([token_id]), entry.logprob) for token_id, entry in top.items()), labels
    )


class VLLMBackend(Backend):
    def __init__(self, model: str, *, seed: int):
        vllm = import_vllm()
        self._vllm = vllm
        self.model_name = model
        self.llm = vllm.LLM(model=model, seed=seed, enable_prefix_caching=True)

    def identity(self) -> dict[str, Any]:
        return {"backend": "vllm", "model": self.model_name, "vllm": self._vllm.__version__}

    def _chunks(self, requests: Sequence) -> Iterator[tuple[int, Sequence]]:
        for start in range(0, len(requests), CHUNK):
            yield start, requests[start : start + CHUNK]

    def complete(self, requests: Sequence[CompletionRequest]) -> Iterator[tuple[int, Completion]]:
        for start, chunk in self._chunks(requests):
            began = time.perf_counter()
            params = [
                self._vllm.SamplingParams(
                    temperature=r.temperature,
                    top_p=r.top_p,
                    max_tokens=r.max_tokens,
                    stop=list(r.stop),
                    seed=r.seed,
                )
                for r in chunk
            ]
            outputs = self.llm.generate([r.prompt for r in chunk], params, use_tqdm=False)
            share = (time.perf_counter() - began) / len(chunk)
            for offset, output in enumerate(outputs):
                first = output.outputs[0]
                yield (
                    start + offset,
                    Completion(
                        text=first.text,
                        finish_reason=first.finish_reason or "stop",
                        prompt_tokens=len(output.prompt_token_ids),
                        completion_tokens=len(first.token_ids),
                        seconds=share,
                    ),
                )

    def score(self, requests: Sequence[ScoreRequest]) -> Iterator[tuple[int, LabelLogprobs]]:
        tokenizer = self.llm.get_tokenizer()
        params = self._vllm.SamplingParams(temperature=0.0, max_tokens=1, logprobs=TOP_LOGPROBS)
        for start, chunk in self._chunks(requests):
            began = time.perf_counter()
            outputs = self.llm.generate(
                [r.prefix + r.suffix for r in chunk], params, use_tqdm=False
            )
            share = (time.perf_counter() - began) / len(chunk)
            for offset, (request, output) in enumerate(zip(chunk, outputs)):
                top = output.outputs[0].logprobs[0]  # token id -> Logprob
                yield (
                    start + offset,
                    LabelLogprobs(
                        logprobs=top_id_label_logprobs(top, tokenizer.decode, request.labels),
                        prompt_tokens=len(output.prompt_token_ids),
                        seconds=share,
                    ),
                )
