"""llama.cpp in process (llama-cpp-python): the embedded model's backend.

Prefix reuse: llama.cpp keeps the key/value cache of the tokens it evaluated last
(``n_tokens``, ``input_ids``). A new prompt is compared with them; the longest common
prefix stays, the rest of the cache is dropped and only the new suffix is evaluated.
Questions asked of one backstory arrive one after another (the caller groups them), so
the backstory is evaluated once. The result is the same as evaluating every prompt from
scratch, up to floating-point reassociation (tests/common/test_inference_choice.py).
Generation goes through ``Llama.create_completion``, which applies the same rule.

Scoring is not batched across prompts: llama.cpp's CPU kernels for this model's Q4_1
weights evaluate ~150 tokens per CPU second whether a pass holds 40 tokens (one
question) or 640 (sixteen), so putting several questions' suffixes in one pass
(multi-sequence decoding) saves nothing here (the ``llamacpp_prefill_width*`` rows of
benchmarks/bench_inference.py), and llama-cpp-python 0.3.36's multi-sequence path
mixed up sequences when tried (unified cache: suffixes saw each other's cells; split
streams: a one-token piece after ``llama_memory_seq_cp`` read stale cells).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.common.errors import BenchError
from bench.common.inference.backend import (
    Backend,
    Completion,
    CompletionRequest,
    LabelLogprobs,
    ScoreRequest,
)
from bench.common.inference.choice import label_logprobs, label_token_ids
from bench.common.inference.model_file import file_identity
from bench.common.inference.prompt_format import ChatTemplate

if TYPE_CHECKING:
    from llama_cpp import Llama

LLAMACPP_HINT = "pip install llama-cpp-python==0.3.36 (or pip install 'bench-common[llamacpp]')"

# SmolLM2 was trained on 8192 tokens; 4096 holds a long interview backstory, a question
# and a 256-token answer, with a key/value cache of ~100 MB instead of ~200 MB.
DEFAULT_N_CTX = 4096


def _import_llama_cpp():
    try:
        import llama_cpp
    except ImportError as exc:
        raise BenchError(f"the llama.cpp backend needs llama-cpp-python: {LLAMACPP_HINT}") from exc
    return llama_cpp


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p_i = z_i - log sum_j exp(z_j), in float64 (logits (V,))."""
    z = logits.astype(np.float64)
    top = z.max()
    return z - (top + np.log(np.exp(z - top).sum()))


class LlamaCppBackend(Backend):
    """A GGUF file run by llama.cpp with ``threads`` threads."""

    keeps_last_prompt_only = True  # (module docstring)

    def __init__(
        self,
        path: str | Path,
        *,
        seed: int,
        threads: int,
        n_ctx: int = DEFAULT_N_CTX,
        prefix_reuse: bool = True,
    ):
        llama_cpp = _import_llama_cpp()
        self.path = Path(path)
        self.threads = threads
        self.prefix_reuse = prefix_reuse
        self._llama_cpp = llama_cpp
        try:
            self._llm: Llama | None = llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                seed=seed,
                logits_all=False,
                verbose=False,
            )
        except ValueError as exc:  # llama.cpp's "Failed to load model from file"
            raise BenchError(
                f"llama.cpp cannot load {self.path} ({exc}); it is not a GGUF model file this "
                f"llama.cpp reads (damaged, truncated or another format): download it again "
                f"or pass another file"
            ) from exc
        self._label_tokens: dict[tuple[str, ...], tuple[tuple[int, ...], ...]] = {}
        self._vocabulary: list[tuple[int, str]] | None = None

    @property
    def llm(self) -> Llama:
        """The loaded model; using it after ``close`` is an error, not a crash."""
        if self._llm is None:
            raise BenchError("this llama.cpp model was closed; load it again to use it")
        return self._llm

    def identity(self) -> dict[str, Any]:
        return {"backend": "llamacpp", **file_identity(self.path)}

    def chat_template(self) -> ChatTemplate | None:
        source = self.llm.metadata.get("tokenizer.chat_template")
        if not source:
            return None
        detok = self.llm.detokenize
        return ChatTemplate(
            source,
            bos_token=detok([self.llm.token_bos()], special=True).decode(errors="replace"),
            eos_token=detok([self.llm.token_eos()], special=True).decode(errors="replace"),
        )

    # -- tokens ---------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        """Tokens of the whole text, BOS added if the model uses one; ``special=True`` so
        a chat template's markers become their special tokens (as llama.cpp's server
        does). The text is tokenised whole, never piecewise: BPE merges across the
        context/question boundary (".\n\n" -> ".", "\n", "\n"), and the reused prefix
        is simply the longest run of tokens shared with what was evaluated last."""
        if not text:
            return []
        return self.llm.tokenize(text.encode(), add_bos=True, special=True)

    def label_tokens(self, labels: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
        """Every token id of each label, with or without a leading space (``choice.py``)."""
        if labels not in self._label_tokens:
            if self._vocabulary is None:
                # special=False: control tokens decode to "" and never count as a letter
                detok = self.llm.detokenize
                self._vocabulary = [
                    (i, detok([i], special=False).decode("utf-8", errors="replace"))
                    for i in range(self.llm.n_vocab())
                ]
            self._label_tokens[labels] = label_token_ids(self._vocabulary, labels)
        return self._label_tokens[labels]

    def _check_fits(self, n_tokens: int, what: str) -> None:
        if n_tokens >= self.llm.n_ctx():
            raise ValueError(
                f"{what} is {n_tokens} tokens, beyond the context window of "
                f"{self.llm.n_ctx()}; shorten the backstory/prompt"
            )

    def _keep_prefix(self, tokens: list[int]) -> int:
        """Keep the longest evaluated prefix of ``tokens`` (at least one token is left to
        evaluate, whose logits are read); return its length."""
        if not self.prefix_reuse:
            self.llm.n_tokens = 0
            return 0
        current = self.llm.input_ids[: self.llm.n_tokens]
        n = min(len(current), len(tokens) - 1)
        head = np.asarray(tokens[:n])
        mismatch = np.flatnonzero(current[:n] != head)
        kept = int(mismatch[0]) if mismatch.size else n
        # Llama.eval drops the key/value cache beyond n_tokens before evaluating.
        self.llm.n_tokens = kept
        return kept

    # -- scoring ----------------------------------------------------------------------
    def score(self, requests: Sequence[ScoreRequest]) -> Iterator[tuple[int, LabelLogprobs]]:
        """One prompt per evaluation, reusing the longest prefix of the previous one."""
        llm = self.llm
        n_vocab = llm.n_vocab()
        for index, request in enumerate(requests):
            start = time.perf_counter()
            tokens = self._prompt_tokens(request)
            kept = self._keep_prefix(tokens)
            llm.eval(tokens[kept:])
            pointer = self._llama_cpp.llama_get_logits_ith(llm.ctx, -1)
            logits = np.ctypeslib.as_array(pointer, shape=(n_vocab,))
            yield (
                index,
                LabelLogprobs(
                    logprobs=self._label_logprobs(logits, request.labels),
                    prompt_tokens=len(tokens),
                    seconds=time.perf_counter() - start,
                    reused_tokens=kept,
                ),
            )

    def _label_logprobs(self, logits: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
        return label_logprobs(log_softmax(logits), self.label_tokens(labels))

    def _prompt_tokens(self, request: ScoreRequest) -> list[int]:
        tokens = self.tokenize(request.prefix + request.suffix)
        self._check_fits(len(tokens), "the rendered question")
        return tokens

    def forget_prefix(self) -> None:
        """Drop the kept key/value prefix (benchmarks time cold scoring with it)."""
        self.llm.reset()

    # -- generation ---------------------------------------------------------------------
    def complete(self, requests: Sequence[CompletionRequest]) -> Iterator[tuple[int, Completion]]:
        for index, request in enumerate(requests):
            start = time.perf_counter()
            tokens = self.tokenize(request.prompt)
            self._check_fits(len(tokens) + 1, "the prompt")
            kept = self._keep_prefix(tokens) if tokens else 0
            # OpenAI semantics: temperature and top_p only (top_k=0 and min_p=0 switch
            # llama.cpp's extra truncations off; no repetition penalty).
            response = self.llm.create_completion(
                prompt=tokens,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                top_p=request.top_p,
                top_k=0,
                min_p=0.0,
                typical_p=1.0,
                repeat_penalty=1.0,
                stop=list(request.stop),
                seed=request.seed,
            )
            # stream=False: one response dict, which always carries "usage"
            assert isinstance(response, dict) and "usage" in response
            choice = response["choices"][0]
            usage = response["usage"]
            yield (
                index,
                Completion(
                    text=choice["text"],
                    finish_reason=choice["finish_reason"] or "stop",
                    prompt_tokens=usage["prompt_tokens"],
                    completion_tokens=usage["completion_tokens"],
                    seconds=time.perf_counter() - start,
                    reused_tokens=kept,
                ),
            )

    def close(self) -> None:
        if self._llm is not None:
            self._llm.close()
            # a closed llama.cpp context crashes the process when used; fail loudly instead
            self._llm = None
