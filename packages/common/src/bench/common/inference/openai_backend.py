"""Any OpenAI-compatible Completions server (vLLM's ``vllm serve``, llama.cpp's server,
a hosted API), over HTTP with bounded concurrency, timeouts and retries.

Scoring uses the Completions ``logprobs`` field: one token is generated greedily with
``logprobs=top_logprobs`` and the first token's top log-probabilities of each option
letter, with or without a leading space ("A", " A"), are summed. A letter outside the top ``top_logprobs`` gets probability 0
(its true value is below the smallest listed one), so servers that cap ``logprobs``
(OpenAI's hosted API caps it at 5) can understate ``outside_mass``'s complement.

Sampling sends only the OpenAI fields (temperature, top_p, max_tokens, stop, seed); a
server's own extra samplers keep their defaults (llama.cpp's server applies top_k=40 and
min_p=0.05 unless told otherwise), so sampled text can differ from the in-process
backend's under the same seed; greedy text and log-probabilities agree
(tests/common/test_inference_openai.py).

The API key is read from ``$BENCH_OPENAI_API_KEY`` or ``$OPENAI_API_KEY`` and only ever
sent in the Authorization header: never a flag, never logged, not in the identity.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import httpx
from tqdm.auto import tqdm

from bench.common.errors import BenchError
from bench.common.inference.backend import (
    Backend,
    Completion,
    CompletionRequest,
    LabelLogprobs,
    ScoreRequest,
)
from bench.common.inference.choice import top_label_logprobs

API_KEY_ENV = ("BENCH_OPENAI_API_KEY", "OPENAI_API_KEY")
_RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class OpenAIConfig:
    """Client settings (not the model's: they do not change results).

    A request gets ``connect_timeout_s`` to connect and at most ``read_timeout_s`` of
    silence while the server computes; all its tries and the waits between them end by
    ``deadline_s`` after it was first sent, so a server that accepts connections and
    never answers costs one deadline, not ``max_retries`` read timeouts. Each retry is
    announced on stderr.
    """

    concurrency: int = 8  # requests in flight at once
    max_retries: int = 4  # after the first try; backoff doubles each time
    backoff_s: float = 0.5  # first wait; waits are backoff_s * 2**attempt (+ jitter)
    max_backoff_s: float = 20.0
    connect_timeout_s: float = 5.0  # a live server accepts at once; nothing listening fails fast
    # A single-slot server (llama.cpp's) answers queued requests one after another: the
    # last of 8 queued 256-token generations waits for the other 7.
    read_timeout_s: float = 120.0
    deadline_s: float = 300.0  # one request: every try and wait together
    probe_timeout_s: float = 5.0  # GET /models at load time: cheap on every server
    top_logprobs: int = 20  # vLLM's default --max-logprobs is 20


DEFAULT_OPENAI_CONFIG = OpenAIConfig()


class ServerError(BenchError):
    """The server refused or failed a request after all retries."""


class _Overdue(Exception):
    """A request ran past its deadline while the answer was still arriving."""


def api_key() -> str | None:
    for name in API_KEY_ENV:
        value = os.environ.get(name)
        if value:
            return value
    return None


class OpenAIBackend(Backend):
    def __init__(self, base_url: str, model: str, config: OpenAIConfig = DEFAULT_OPENAI_CONFIG):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.config = config
        headers = {}
        key = api_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(config.read_timeout_s, connect=config.connect_timeout_s),
            limits=httpx.Limits(max_connections=config.concurrency),
        )
        self._check_server()

    def _where(self) -> str:
        return f"openai:{self.base_url}#{self.model}"

    def _check_server(self) -> None:
        """Fail at load time, in one line, when the server is not there."""
        timeout = httpx.Timeout(self.config.probe_timeout_s, connect=self.config.connect_timeout_s)
        try:
            response = self._client.get("/models", timeout=timeout)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                what = f"no connection within {self.config.connect_timeout_s:g} s"
            else:
                what = f"it accepted the connection but sent no answer within {self.config.probe_timeout_s:g} s"
            raise ServerError(
                f"model spec {self._where()!r}: cannot reach {self.base_url}: {what} "
                f"({type(exc).__name__}); check that the URL names a running OpenAI-compatible "
                f"server (vllm serve MODEL, or python -m llama_cpp.server --model FILE.gguf) "
                f"and that it is not stuck"
            ) from exc
        except httpx.TransportError as exc:
            raise ServerError(
                f"model spec {self._where()!r}: cannot reach {self.base_url} "
                f"({type(exc).__name__}); start the server (vllm serve MODEL, or python -m "
                f"llama_cpp.server --model FILE.gguf) or fix the URL"
            ) from exc
        if response.status_code in (401, 403):
            raise ServerError(
                f"model spec {self._where()!r}: the server refused the API key "
                f"(HTTP {response.status_code}); set BENCH_OPENAI_API_KEY"
            )
        if response.status_code != 200:
            return  # some servers lack /models; the first request will tell
        listing = self._json(response.content, "/models")
        data = listing.get("data") if isinstance(listing, dict) else None
        served = [entry.get("id") for entry in data or [] if isinstance(entry, dict)]
        if served and self.model not in served:
            raise ServerError(
                f"model spec {self._where()!r}: the server serves {served}, not "
                f"{self.model!r}; write openai:{self.base_url}#{served[0]}"
            )

    def _json(self, body: bytes, route: str) -> Any:
        try:
            return json.loads(body)
        except ValueError as exc:
            raise ServerError(
                f"model spec {self._where()!r}: {self.base_url}{route} answered with "
                f"something that is not JSON ({_snippet(body)!r}); the base URL must be the "
                f"OpenAI API root, e.g. http://127.0.0.1:8000/v1"
            ) from exc

    def identity(self) -> dict[str, Any]:
        return {"backend": "openai", "base_url": self.base_url, "model": self.model}

    # -- one request, with retries ----------------------------------------------------------
    def _send(self, payload: dict[str, Any], deadline: float) -> tuple[int, bytes]:
        """One try: (status, body), the body read in full unless the deadline passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Overdue
        read = min(self.config.read_timeout_s, remaining)
        timeout = httpx.Timeout(read, connect=min(self.config.connect_timeout_s, remaining))
        with self._client.stream("POST", "/completions", json=payload, timeout=timeout) as response:
            chunks = []
            for chunk in response.iter_bytes():  # a server trickling bytes still meets the deadline
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _Overdue
        return response.status_code, b"".join(chunks)

    def _post(self, payload: dict[str, Any], *, seed: int) -> dict[str, Any]:
        rng = random.Random(seed)  # jitter only; reproducible, no global state
        started = time.monotonic()
        deadline = started + self.config.deadline_s
        tries = self.config.max_retries + 1
        last, tried = "", 0
        for attempt in range(tries):
            if attempt:
                wait_s = min(self.config.max_backoff_s, self.config.backoff_s * 2 ** (attempt - 1))
                wait_s *= 1 + 0.25 * rng.random()
                if time.monotonic() + wait_s >= deadline:
                    break
                tqdm.write(
                    f"bench: {self._where()}: {last}; try {attempt + 1} of {tries} in {wait_s:.1f} s",
                    file=sys.stderr,
                )
                time.sleep(wait_s)
            tried += 1
            try:
                status, body = self._send(payload, deadline)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            except _Overdue:
                last = f"no complete answer within the {self.config.deadline_s:g} s deadline"
                break
            if status == 200:
                return self._json(body, "/completions")
            last = f"HTTP {status}: {_snippet(body)}"
            if status not in _RETRY_STATUS:
                break
        raise ServerError(
            f"model spec {self._where()!r}: request failed after {tried} tries in "
            f"{time.monotonic() - started:.0f} s ({last}); check that the server is up "
            f"and accepts /completions; finished items are cached, re-run to resume"
        )

    def _first_choice(self, body: Any) -> dict[str, Any]:
        choices = body.get("choices") if isinstance(body, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise ServerError(
                f"model spec {self._where()!r}: the server's answer has no 'choices' "
                f"({_snippet(json.dumps(body).encode())!r}); it must implement the OpenAI "
                f"Completions API (/completions)"
            )
        return choices[0]

    def _complete_one(self, request: CompletionRequest) -> Completion:
        start = time.perf_counter()
        payload = {
            "model": self.model,
            "prompt": request.prompt,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "seed": request.seed,
            "n": 1,
        }
        if request.stop:
            payload["stop"] = list(request.stop)
        body = self._post(payload, seed=request.seed)
        choice = self._first_choice(body)
        usage = body.get("usage") or {}
        return Completion(
            text=choice.get("text", ""),
            finish_reason=choice.get("finish_reason") or "stop",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            seconds=time.perf_counter() - start,
        )

    def _score_one(self, request: ScoreRequest) -> LabelLogprobs:
        start = time.perf_counter()
        payload = {
            "model": self.model,
            "prompt": request.prefix + request.suffix,
            "max_tokens": 1,
            "temperature": 0.0,
            "logprobs": self.config.top_logprobs,
        }
        body = self._post(payload, seed=0)
        logprobs = self._first_choice(body).get("logprobs") or {}
        top = (logprobs.get("top_logprobs") or [None])[0]
        if not top:
            raise ServerError(
                f"model spec {self._where()!r}: the server returned no top_logprobs; "
                f"it must support the Completions 'logprobs' field (llama.cpp's server "
                f"needs logits_all=True), or use sample_choice_distribution"
            )
        values = top_label_logprobs(top.items(), request.labels)
        usage = body.get("usage") or {}
        return LabelLogprobs(
            logprobs=values,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            seconds=time.perf_counter() - start,
        )

    # -- batches: bounded concurrency, results as they finish --------------------------------
    def _map(self, work, requests: Sequence) -> Iterator[tuple[int, Any]]:
        """Run ``work`` on each request, ``concurrency`` at a time, yielding results as
        they finish. After a failure nothing new is sent, but the requests in flight are
        still awaited and their results yielded (so the caller can store them) before the
        error is raised."""
        error: BaseException | None = None
        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            pending: dict[Future, int] = {}
            queue = iter(enumerate(requests))
            try:
                while True:
                    while error is None and len(pending) < 2 * self.config.concurrency:
                        nxt = next(queue, None)
                        if nxt is None:
                            break
                        pending[pool.submit(work, nxt[1])] = nxt[0]
                    if not pending:
                        break
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = pending.pop(future)
                        if future.exception() is not None:
                            error = error or future.exception()
                        else:
                            yield index, future.result()
            finally:
                for future in pending:
                    future.cancel()
        if error is not None:
            raise error

    def complete(self, requests: Sequence[CompletionRequest]) -> Iterator[tuple[int, Completion]]:
        return self._map(self._complete_one, requests)

    def score(self, requests: Sequence[ScoreRequest]) -> Iterator[tuple[int, LabelLogprobs]]:
        return self._map(self._score_one, requests)

    def close(self) -> None:
        self._client.close()


def _snippet(body: bytes, limit: int = 200) -> str:
    """The start of a response body, on one line."""
    return " ".join(body[:limit].decode("utf-8", errors="replace").split())
