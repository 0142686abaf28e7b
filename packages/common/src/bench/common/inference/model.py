"""The model facade: one object per loaded model, batch-first, cached, accounted.

``load_model(spec)`` picks the backend; :class:`Model` adds what every backend shares:
prompt rendering, per-request seeds, the persistent cache (each finished item stored as
it completes), grouping of questions by context for prefix reuse, progress bars and
usage counters.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from bench.common.inference.backend import Backend, CompletionRequest, ScoreRequest
from bench.common.inference.cache import ResultCache, cache_key, default_cache_dir
from bench.common.inference.choice import LABEL_RULE, ChoiceDistribution, ChoiceItem
from bench.common.inference.generation import Generation
from bench.common.inference.params import SamplingParams, derive_seed
from bench.common.inference.prompt_format import PROMPT_FORMATS, PromptFormat
from bench.common.inference.sampling_choice import empirical_distribution
from bench.common.inference.spec import ModelSpec, parse_spec
from bench.common.inference.usage import Usage
from bench.common.threads import free_cores

# Backend that runs `embedded`, measured with benchmarks/bench_inference.py (one thread,
# busy 2-core machine): llama.cpp generated 3.1x faster than transformers on the same GGUF,
# scored on par (0.93x, both with prefix reuse) and loaded in under a second instead of
# ~70 s of GGUF dequantisation. transformers stays reachable as hf:PATH.
EMBEDDED_BACKEND = "llamacpp"

# The sampling estimate needs only the first few tokens: "A) ..." names the option.
SAMPLE_CHOICE_PARAMS = SamplingParams(temperature=1.0, top_p=1.0, max_tokens=4)


def _distribution(logprobs: Sequence[float], labels: tuple[str, ...]) -> ChoiceDistribution:
    """p_k = exp(l_k) / sum_j exp(l_j); outside mass 1 - sum_j exp(l_j)."""
    p = np.exp(np.asarray(logprobs, dtype=np.float64))
    total = float(p.sum())
    if total <= 0 or not math.isfinite(total):
        return ChoiceDistribution(np.full(len(labels), 1 / len(labels)), 1.0, labels)
    return ChoiceDistribution(p / total, max(0.0, 1.0 - total), labels)


class Model:
    """A loaded language model (see the package docstring for the API)."""

    def __init__(
        self,
        backend: Backend,
        *,
        spec: ModelSpec,
        seed: int,
        cache: ResultCache | None,
        prompt_format: PromptFormat,
        progress: bool = True,
    ):
        self.backend = backend
        self.spec = spec
        self.seed = seed
        self.cache = cache
        self.prompt_format = prompt_format
        self.progress = progress
        self.usage = Usage()
        self._backend_identity = backend.identity()

    @property
    def identity(self) -> dict[str, Any]:
        """For run records: spec, backend, model file (name, size, sha256) or server model."""
        return {
            "spec": self.spec.text,
            **self._backend_identity,
            "prompt_format": self.prompt_format.name,
            "seed": self.seed,
        }

    # -- the cache-or-compute loop shared by every request kind ---------------------------
    def _run(self, kind: str, requests: list, compute, desc: str) -> list[dict]:
        keys = [
            cache_key(self._backend_identity, kind, dataclasses.asdict(request))
            for request in requests
        ]
        done = self.cache.get_many(keys) if self.cache is not None else {}
        self.usage.cache_hits += sum(key in done for key in keys)
        todo_keys = [key for key in dict.fromkeys(keys) if key not in done]
        if todo_keys:
            first = {key: request for key, request in zip(keys, requests)}
            todo = [first[key] for key in todo_keys]
            bar = tqdm(total=len(todo), desc=desc, disable=not self.progress, leave=False)
            with bar:
                for index, result in compute(todo):
                    record = dataclasses.asdict(result)
                    if isinstance(record.get("logprobs"), np.ndarray):
                        record["logprobs"] = record["logprobs"].tolist()
                    if self.cache is not None:
                        self.cache.put(todo_keys[index], record)
                    done[todo_keys[index]] = {**record, "fresh": True}
                    self.usage.model_calls += 1
                    self.usage.prompt_tokens += result.prompt_tokens
                    self.usage.reused_tokens += result.reused_tokens
                    self.usage.completion_tokens += getattr(result, "completion_tokens", 0)
                    self.usage.seconds += result.seconds
                    bar.update()
        return [done[key] for key in keys]

    # -- generation ---------------------------------------------------------------------
    def _complete(self, rendered: Sequence[str], params: SamplingParams) -> list[Generation]:
        occurrence: Counter[str] = Counter()
        requests = []
        for prompt in rendered:
            k = occurrence[prompt]
            occurrence[prompt] += 1
            for j in range(params.n):
                requests.append(
                    CompletionRequest(
                        prompt=prompt,
                        temperature=params.temperature,
                        top_p=params.top_p,
                        max_tokens=params.max_tokens,
                        stop=tuple(params.stop),
                        seed=derive_seed(self.seed, params.seed, prompt, k, j),
                    )
                )
        results = self._run("complete", requests, self.backend.complete, "generate")
        generations = []
        for i in range(len(rendered)):
            group = results[i * params.n : (i + 1) * params.n]
            generations.append(
                Generation(
                    texts=tuple(r["text"] for r in group),
                    finish_reasons=tuple(r["finish_reason"] for r in group),
                    prompt_tokens=group[0]["prompt_tokens"],
                    completion_tokens=sum(r["completion_tokens"] for r in group),
                    seconds=sum(r["seconds"] for r in group),
                    cached=not any(r.get("fresh") for r in group),
                )
            )
        return generations

    def generate(self, prompts: Sequence[str], params: SamplingParams) -> list[Generation]:
        """One :class:`Generation` per prompt, in the prompts' order.

        The k-th occurrence of a prompt in the batch and its j-th completion are sampled
        with seed ``derive_seed(model seed, params.seed, prompt, k, j)``: repeated prompts
        get different samples, and a result does not depend on the rest of the batch.
        """
        if isinstance(prompts, str):
            raise TypeError("generate() takes a list of prompts; wrap a single prompt in [ ]")
        return self._complete([self.prompt_format.prompt(p) for p in prompts], params)

    # -- option distributions -------------------------------------------------------------
    def _score_requests(self, items: Sequence[ChoiceItem]) -> list[ScoreRequest]:
        requests = []
        for item in items:
            prefix, suffix = self.prompt_format.choice(item)
            requests.append(ScoreRequest(prefix=prefix, suffix=suffix, labels=item.labels))
        return requests

    def _score_grouped(self, requests):
        """Backend scoring with requests grouped by prefix (stable: first appearance),
        so each context is evaluated once; indices map back to the caller's order."""
        first = _first_seen(requests)
        order = sorted(range(len(requests)), key=lambda i: first[requests[i].prefix])
        for position, result in self.backend.score([requests[i] for i in order]):
            yield order[position], result

    def choice_distributions(self, items: Sequence[ChoiceItem]) -> list[ChoiceDistribution]:
        """Next-token distribution over each item's option letters (log-probability method)."""
        requests = self._score_requests(items)
        # the label rule is part of the key: scores read under another rule are not reused
        results = self._run(f"score:{LABEL_RULE}", requests, self._score_grouped, "score")
        return [_distribution(r["logprobs"], item.labels) for r, item in zip(results, items)]

    def choice_distribution(
        self, contexts: Sequence[str], question: str, options: Sequence[str]
    ) -> list[ChoiceDistribution]:
        """One question asked of each context."""
        if isinstance(contexts, str):
            raise TypeError("choice_distribution() takes a list of contexts; wrap one in [ ]")
        return self.choice_distributions(
            [ChoiceItem(context, question, tuple(options)) for context in contexts]
        )

    def sample_choice_distribution(
        self,
        items: Sequence[ChoiceItem],
        k: int = 40,
        params: SamplingParams = SAMPLE_CHOICE_PARAMS,
    ) -> list[ChoiceDistribution]:
        """Empirical distribution of the option named by ``k`` sampled completions of
        each rendered question (``params.n`` is replaced by ``k``)."""
        if k < 1:
            raise ValueError(f"sample_choice_distribution: k={k}; needs k >= 1 samples")
        params = dataclasses.replace(params, n=k)
        rendered = ["".join(self.prompt_format.choice(item)) for item in items]
        generations = self._complete(rendered, params)
        return [empirical_distribution(list(g.texts), item) for g, item in zip(generations, items)]

    def close(self) -> None:
        self.backend.close()
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _first_seen(requests: Sequence[ScoreRequest]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for i, request in enumerate(requests):
        seen.setdefault(request.prefix, i)
    return seen


def _make_backend(spec: ModelSpec, *, seed: int, threads: int) -> Backend:
    if spec.backend in ("embedded", "llamacpp"):
        from bench.common.inference.embedded import embedded_gguf_path
        from bench.common.inference.llamacpp_backend import LlamaCppBackend
        from bench.common.inference.model_file import missing_file_error

        path = embedded_gguf_path() if spec.backend == "embedded" else Path(spec.target)
        if not path.is_file():
            raise missing_file_error(spec.text, path, "the GGUF file")
        if spec.backend == "embedded" and EMBEDDED_BACKEND == "hf":
            from bench.common.inference.hf_backend import HFBackend

            return HFBackend(path, seed=seed, threads=threads)
        return LlamaCppBackend(path, seed=seed, threads=threads)
    if spec.backend == "hf":
        from bench.common.inference.hf_backend import HFBackend
        from bench.common.inference.model_file import missing_file_error

        if not os.path.exists(spec.target):
            raise missing_file_error(spec.text, spec.target, "the model directory or .gguf file")
        return HFBackend(Path(spec.target), seed=seed, threads=threads)
    if spec.backend == "vllm":
        from bench.common.inference.vllm_backend import VLLMBackend

        return VLLMBackend(spec.target, seed=seed)
    if spec.backend == "openai":
        from bench.common.inference.openai_backend import OpenAIBackend

        return OpenAIBackend(spec.target, spec.model_name or "")
    raise ValueError(f"unknown model spec {spec.text!r}")  # parse_spec already refused it


def load_model(
    spec: str = "embedded",
    *,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    prompt_format: str = "auto",
    threads: int | None = None,
    progress: bool = True,
) -> Model:
    """Load the model a spec names (grammar in :mod:`bench.common.inference.spec`).

    ``cache_dir`` None -> ``$BENCH_CACHE`` or ``~/.cache/bench``; ``use_cache=False``
    computes everything. ``prompt_format``: ``chat`` wraps prompts in the model's chat
    template (local backends), ``raw`` sends the text as is, ``auto`` (default) is chat
    when the backend has a template (the embedded model) and raw otherwise.
    ``threads`` None -> all free cores (:func:`bench.common.threads.free_cores`); more
    is refused. ``seed`` is mixed into every request's seed (see ``Model.generate``).
    """
    parsed = parse_spec(spec)
    if prompt_format not in (*PROMPT_FORMATS, "auto"):
        raise ValueError(f"prompt_format={prompt_format!r}; expected auto, raw or chat")
    cores = free_cores()
    if threads is None:
        threads = cores
    if not 1 <= threads <= cores:
        raise ValueError(
            f"threads={threads}, but {cores} core(s) are free; more threads than cores "
            f"runs many times slower (set BENCH_THREADS or pass threads<={cores})"
        )
    backend = _make_backend(parsed, seed=seed, threads=threads)
    return model_from_backend(
        backend,
        spec=parsed,
        seed=seed,
        cache_dir=cache_dir,
        use_cache=use_cache,
        prompt_format=prompt_format,
        progress=progress,
    )


def model_from_backend(
    backend: Backend,
    *,
    spec: ModelSpec,
    seed: int,
    cache_dir: str | os.PathLike | None,
    use_cache: bool,
    prompt_format: str,
    progress: bool,
) -> Model:
    """A :class:`Model` over an already built backend (``load_model``'s last step, shared
    with the Ray replica pool, whose backend stands for remote copies of the model)."""
    template = None
    if prompt_format in ("chat", "auto"):
        get_template = getattr(backend, "chat_template", None)
        template = get_template() if get_template is not None else None
        if template is None and prompt_format == "chat":
            backend.close()
            raise ValueError(
                f"model spec {spec.text!r} has no chat template available here; use prompt_format='raw'"
            )
    cache = (
        ResultCache(cache_dir if cache_dir is not None else default_cache_dir())
        if use_cache
        else None
    )
    return Model(
        backend,
        spec=spec,
        seed=seed,
        cache=cache,
        prompt_format=PromptFormat(template),
        progress=progress,
    )
