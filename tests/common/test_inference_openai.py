"""The OpenAI backend against a real server on loopback: llama.cpp's own
OpenAI-compatible server (``python -m llama_cpp.server``) serving the embedded GGUF."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest

from bench.common.inference import ChoiceItem, Model, SamplingParams, load_model, parse_spec
from bench.common.inference.embedded import embedded_gguf_path
from bench.common.inference.openai_backend import OpenAIBackend, OpenAIConfig, ServerError
from bench.common.inference.prompt_format import PromptFormat

pytestmark = pytest.mark.slow  # every test here runs the language model

pytest.importorskip("uvicorn", reason="needs llama-cpp-python[server]")

BACKSTORY = "I was born in Ohio, I teach fourth grade and I sing in a church choir."
ITEMS = [
    ChoiceItem(BACKSTORY, "Do you enjoy your work?", ("Yes", "No")),
    ChoiceItem(BACKSTORY, "How often do you attend church?", ("Weekly", "Monthly", "Never")),
    ChoiceItem("", "Is the sky blue?", ("Yes", "No", "Sometimes")),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_gguf_path()),
         "--host", "127.0.0.1", "--port", str(port), "--model_alias", "smollm2",
         "--n_threads", "1", "--n_threads_batch", "1", "--n_ctx", "4096"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("llama_cpp.server did not come up in 180 s")


@pytest.fixture
def server_port():
    port = _free_port()
    server = _start_server(port)
    yield port
    server.kill()
    server.wait()


def test_server_gives_the_in_process_distributions(server_port):
    spec = f"openai:http://127.0.0.1:{server_port}/v1#smollm2"
    with load_model(spec, use_cache=False, progress=False) as remote:
        greedy = remote.generate(["Once upon a time"], SamplingParams(temperature=0, max_tokens=8))
        assert remote.identity["model"] == "smollm2" and remote.identity["backend"] == "openai"
    # The server lists the top k tokens only. " A" (a letter's second spelling, ~4e-4 here)
    # is below the 20th token (~2e-3), so compare with k = 5000, which lists both spellings
    # of every letter: the server's sum of "A" and " A" must equal the in-process one.
    wide = OpenAIConfig(top_logprobs=5000)
    backend = OpenAIBackend(f"http://127.0.0.1:{server_port}/v1", "smollm2", wide)
    with Model(
        backend, spec=parse_spec(spec), seed=0, cache=None, prompt_format=PromptFormat()
    ) as remote:
        got = remote.choice_distributions(ITEMS)
    # raw text: a Completions server applies no chat template
    with load_model(
        "embedded", use_cache=False, threads=1, progress=False, prompt_format="raw"
    ) as local:
        want = local.choice_distributions(ITEMS)
        local_greedy = local.generate(
            ["Once upon a time"], SamplingParams(temperature=0, max_tokens=8)
        )
    for a, b in zip(got, want):
        # Same weights, same tokens, same llama.cpp kernels; the server's log-softmax is
        # float32 (relative error ~1e-7 on each log-probability), ours float64.
        np.testing.assert_allclose(a.probs, b.probs, atol=1e-5)
        assert a.outside_mass == pytest.approx(b.outside_mass, abs=1e-5)
    assert greedy[0].text == local_greedy[0].text
    # By hand from the server's own list for the first item: its letters' mass is that of
    # "A", "B" and " A", " B" together (the spaced pair holds ~4e-4 here).
    prefix, suffix = PromptFormat().choice(ITEMS[0])
    body = httpx.post(
        f"http://127.0.0.1:{server_port}/v1/completions",
        json={"model": "smollm2", "prompt": prefix + suffix, "max_tokens": 1, "logprobs": 5000},
        timeout=60,
    ).json()
    top = body["choices"][0]["logprobs"]["top_logprobs"][0]
    spaced = np.exp(top[" A"]) + np.exp(top[" B"])
    assert spaced > 1e-4
    assert 1 - got[0].outside_mass == pytest.approx(
        np.exp(top["A"]) + np.exp(top["B"]) + spaced, abs=1e-7
    )
    assert greedy[0].completion_tokens == 8


def _rows(cache_dir) -> int:
    try:
        with sqlite3.connect(cache_dir / "inference.sqlite", timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_server_death_mid_batch_loses_no_finished_item(tmp_path):
    port = _free_port()
    server = _start_server(port)
    spec = f"openai:http://127.0.0.1:{port}/v1#smollm2"
    items = [
        ChoiceItem(f"I am {age} years old.", "Do you vote?", ("Yes", "No")) for age in range(20, 30)
    ]
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with load_model(spec, cache_dir=tmp_path, progress=False) as model:
                model.choice_distributions(items)
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run)
    try:
        worker.start()
        deadline = time.monotonic() + 240
        while _rows(tmp_path) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        worker.join(timeout=120)
        assert not worker.is_alive()
        finished = _rows(tmp_path)
        assert 2 <= finished < len(items), "the kill should land mid-batch"
        assert len(failure) == 1 and isinstance(failure[0], ServerError)
        message = str(failure[0])
        assert spec in message and "tries" in message and "re-run to resume" in message

        server = _start_server(port)  # same URL: the same cache identity
        with load_model(spec, cache_dir=tmp_path, progress=False) as model:
            resumed = model.choice_distributions(items)
            assert model.usage.cache_hits == finished
            assert model.usage.model_calls == len(items) - finished
        with load_model(
            "embedded", use_cache=False, threads=1, progress=False, prompt_format="raw"
        ) as local:
            expected = local.choice_distributions(items)
        for a, b in zip(resumed, expected):
            np.testing.assert_allclose(a.probs, b.probs, atol=1e-5)
    finally:
        server.kill()
        server.wait()
