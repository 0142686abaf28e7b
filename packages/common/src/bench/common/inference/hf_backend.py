"""transformers in process (``hf:PATH``): a local model directory or a .gguf file
(dequantised to float32 by transformers' GGUF loader, which needs ``accelerate``).

Kept minimal: llama.cpp runs the embedded model faster here (benchmarks/bench_inference.py)
so this backend is the reference implementation rather than the workhorse. Generation
runs one request at a time so that each request's seed alone decides its sample.
Scoring keeps the key/value cache of the last prefix (``past_key_values``), crops it
to the tokens the next prompt shares with it, and evaluates only the rest; the questions
of one context share one batched pass (``score_batch``). Batched and one-at-a-time
results differ by float32 reassociation only (a few 1e-6 in probability).
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common.errors import BenchError
from bench.common.inference.backend import (
    Backend,
    Completion,
    CompletionRequest,
    LabelLogprobs,
    ScoreRequest,
    common_prefix_length,
    prefix_chunks,
)
from bench.common.inference.choice import label_logprobs, label_token_ids
from bench.common.inference.model_file import file_identity
from bench.common.inference.prompt_format import ChatTemplate

# Questions of one context per forward pass. On one thread, 16 suffixes per pass scored
# 1.35x faster than one at a time (float32 matrix products gain from width, unlike
# llama.cpp's Q4_1 kernels); a survey asks 18 questions per persona.
DEFAULT_SCORE_BATCH = 16

HF_HINT = "pip install 'bench-common[hf]' (torch==2.13.0, transformers, gguf, accelerate)"


def _directory_identity(path: Path) -> dict[str, Any]:
    """Name, total size, and sha256 over config.json plus every file's name and size
    (hashing many GB of weights would dominate loading; a re-quantised model changes
    its sizes or its config)."""
    digest = hashlib.sha256()
    total = 0
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        size = file.stat().st_size
        total += size
        digest.update(f"{file.relative_to(path)}\x1f{size}\n".encode())
    config = path / "config.json"
    if config.is_file():
        digest.update(config.read_bytes())
    return {"file": path.name, "size": total, "sha256": digest.hexdigest()}


class HFBackend(Backend):
    def __init__(
        self, path: str | Path, *, seed: int, threads: int, score_batch: int = DEFAULT_SCORE_BATCH
    ):
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise BenchError(f"the hf backend needs transformers and torch: {HF_HINT}") from exc
        self._torch = torch
        torch.set_num_threads(threads)  # process-wide in torch; never above free cores
        self.path = Path(path)
        if self.path.suffix == ".gguf":
            where, extra = self.path.parent, {"gguf_file": self.path.name}
        else:
            where, extra = self.path, {}
        self.tokenizer = AutoTokenizer.from_pretrained(where, **extra)
        self.model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32, **extra)
        self.model.eval()
        self.seed = seed
        if score_batch < 1:
            raise ValueError(f"score_batch={score_batch}; needs at least 1 question per pass")
        self.score_batch = score_batch
        self._label_tokens: dict[tuple[str, ...], tuple[tuple[int, ...], ...]] = {}
        self._vocabulary: list[tuple[int, str]] | None = None
        self._kept: tuple[tuple[int, ...], Any] | None = None  # (ids, their key/value cache)
        # transformers 5 renamed ``past_key_values`` to ``cache`` (input and output)
        forward = inspect.signature(self.model.forward).parameters
        self._cache_arg = "cache" if "cache" in forward else "past_key_values"

    def identity(self) -> dict[str, Any]:
        found = file_identity(self.path) if self.path.is_file() else _directory_identity(self.path)
        return {"backend": "hf", **found}

    def chat_template(self) -> ChatTemplate | None:
        source = self.tokenizer.chat_template
        if not source:
            return None
        return ChatTemplate(
            source,
            bos_token=self.tokenizer.bos_token or "",
            eos_token=self.tokenizer.eos_token or "",
        )

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text).input_ids if text else []

    def _label_ids(self, labels: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
        """Every token id of each label, with or without a leading space (``choice.py``)."""
        if labels not in self._label_tokens:
            if self._vocabulary is None:
                texts = self.tokenizer.batch_decode([[i] for i in range(len(self.tokenizer))])
                self._vocabulary = list(enumerate(texts))
            self._label_tokens[labels] = label_token_ids(self._vocabulary, labels)
        return self._label_tokens[labels]

    def score(self, requests: Sequence[ScoreRequest]) -> Iterator[tuple[int, LabelLogprobs]]:
        """The questions of one context ``score_batch`` at a time: the shared prefix is
        evaluated once (or kept from the previous batch), its key/value cache repeated
        for each question, and the questions' suffixes evaluated in one padded pass."""
        for chunk in prefix_chunks([r.prefix for r in requests], self.score_batch):
            start = time.perf_counter()
            ids = [self._ids(requests[i].prefix + requests[i].suffix) for i in chunk]
            logp, shared, reused = self._score_chunk(ids)
            seconds = (time.perf_counter() - start) / len(chunk)
            for row, i in enumerate(chunk):
                yield (
                    i,
                    LabelLogprobs(
                        logprobs=label_logprobs(logp[row], self._label_ids(requests[i].labels)),
                        prompt_tokens=len(ids[row]),
                        seconds=seconds,
                        # the prefix is evaluated once, paid by the first question
                        reused_tokens=reused if row == 0 else shared,
                    ),
                )

    def _prefix_cache(self, prefix: list[int]) -> tuple[Any, int]:
        """The key/value cache of ``prefix``: the kept cache cropped to what it shares
        with ``prefix``, extended by the rest; returns (cache, tokens reused)."""
        torch = self._torch
        reused, cache = 0, None
        if self._kept is not None:
            kept_ids, cache = self._kept
            reused = common_prefix_length(kept_ids, prefix)
            if reused == 0:
                cache = None
            elif len(kept_ids) > reused:
                # a negative count removes that many tokens (transformers 4.46 and 5.x)
                cache.crop(reused - len(kept_ids))
        if reused < len(prefix):
            out = self.model(
                torch.tensor([prefix[reused:]]), use_cache=True, **{self._cache_arg: cache}
            )
            cache = getattr(out, self._cache_arg)
        self._kept = (tuple(prefix), cache)
        return cache, reused

    def _score_chunk(self, ids: list[list[int]]) -> tuple[np.ndarray, int, int]:
        """Next-token log-probabilities (B, V) after each token list, the tokens they
        share, and how many of those were kept from the previous chunk."""
        torch = self._torch
        shared = min(len(i) for i in ids) - 1  # each row evaluates at least one token
        for other in ids[1:]:
            shared = min(shared, common_prefix_length(ids[0], other))
        with torch.inference_mode():
            cache, reused = self._prefix_cache(ids[0][:shared])
            width = max(len(i) for i in ids) - shared
            # Right padding needs no mask: causal attention keeps every real token from
            # seeing the padding after it, and positions continue from the cache.
            batch = torch.zeros((len(ids), width), dtype=torch.long)
            for row, tokens in enumerate(ids):
                batch[row, : len(tokens) - shared] = torch.tensor(tokens[shared:])
            if cache is not None:
                cache = copy.deepcopy(cache)  # the kept prefix stays one row wide
                cache.batch_repeat_interleave(len(ids))
            out = self.model(batch, use_cache=cache is not None, **{self._cache_arg: cache})
            last = torch.tensor([len(t) - shared - 1 for t in ids])
            logits = out.logits[torch.arange(len(ids)), last].double()
            logp = torch.log_softmax(logits, dim=-1).numpy()
        return logp, shared, reused

    def complete(self, requests: Sequence[CompletionRequest]) -> Iterator[tuple[int, Completion]]:
        torch = self._torch
        for index, request in enumerate(requests):
            start = time.perf_counter()
            ids = torch.tensor([self._ids(request.prompt)])
            sampling = request.temperature > 0
            # generate() samples from torch's global generator; seeding it per request is
            # what makes a request's sample depend on its own seed only.
            torch.manual_seed(request.seed)
            with torch.inference_mode():
                # transformers' stub types from_pretrained's result as a protocol that
                # lacks generate()'s self type; the loaded model is a PreTrainedModel
                out = self.model.generate(  # pyright: ignore[reportAttributeAccessIssue]
                    ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=request.max_tokens,
                    do_sample=sampling,
                    temperature=request.temperature if sampling else None,
                    top_p=request.top_p if sampling else None,
                    top_k=0 if sampling else None,
                    pad_token_id=self.tokenizer.eos_token_id,
                )
            new = out[0, ids.shape[1] :].tolist()
            text = self.tokenizer.decode(new, skip_special_tokens=True)
            finish = "stop" if new and new[-1] == self.tokenizer.eos_token_id else "length"
            for stop in request.stop:
                cut = text.find(stop)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
            yield (
                index,
                Completion(
                    text=text,
                    finish_reason=finish,
                    prompt_tokens=ids.shape[1],
                    completion_tokens=len(new),
                    seconds=time.perf_counter() - start,
                ),
            )
