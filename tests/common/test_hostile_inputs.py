"""Hostile inputs and failing machines, replayed against the ``bench`` command and the
common core: a missing or damaged model file, a server that refuses, never answers or
fails, a damaged inference cache, concurrent writers of one file. Each case ends in one
line that names what failed and how to fix it (exit status 2, no traceback), in
bounded time, with files left unchanged or complete.

The servers are real sockets on 127.0.0.1: one that accepts connections and never
answers, one that speaks HTTP and fails every completion.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from bench.common import cli
from bench.common.atomic import atomic_path, atomic_write_text
from bench.common.errors import BenchError
from bench.common.inference import ChoiceItem, load_model
from bench.common.inference.backend import CompletionRequest
from bench.common.inference.cache import CACHE_FILE, ResultCache
from bench.common.inference.openai_backend import OpenAIBackend, OpenAIConfig, ServerError

ITEMS = [
    ChoiceItem("I grew up on a farm in Iowa.", "Do you own a tractor?", ("Yes", "No")),
    ChoiceItem("I grew up on a farm in Iowa.", "Do you vote?", ("Yes", "No", "Sometimes")),
    ChoiceItem("", "Is the sky blue?", ("Yes", "No")),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts every connection and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


@contextlib.contextmanager
def http_server(completions: str, models: bytes | None = None) -> Iterator[int]:
    """An HTTP server on 127.0.0.1 that answers GET /v1/models with ``models`` (default:
    a list holding model ``m``) and POST /v1/completions with HTTP 500
    (``completions="500"``) or not at all (``"hang"``)."""
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, models or json.dumps({"data": [{"id": "m"}]}).encode())

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            if completions == "hang":
                release.wait()
                return
            self._send(500, b"internal error\nwhile computing")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        release.set()
        server.shutdown()
        server.server_close()


# -- the CLI host: one line for expected failures, tracebacks for bugs -----------------------


def _host_with(error: BaseException) -> click.Group:
    """The real host group with one command that raises ``error``: provokes failures of
    every expected type without depending on where a real command raises them."""
    group = cli.BenchGroup(name="bench", lazy_subcommands={})

    @group.command()
    def fail() -> None:
        raise error

    return group


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            FileNotFoundError(2, "No such file or directory", "/data/x.parquet"),
            "No such file or directory ('/data/x.parquet'); check the path, its permissions "
            "and the free space",
        ),
        (ConnectionRefusedError("connection refused"), "connection refused"),
        (
            ValueError("spec x.yaml: column 'age' is missing;\n  add it or drop the trait"),
            "spec x.yaml: column 'age' is missing; add it or drop the trait",
        ),
        (
            BenchError("cache not writable; set $BENCH_CACHE"),
            "cache not writable; set $BENCH_CACHE",
        ),
        (
            sqlite3.DatabaseError("database disk image is malformed"),
            "database disk image is malformed",
        ),
    ],
    ids=lambda case: type(case).__name__,
)
def test_host_prints_expected_failures_in_one_line(error, line, monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    result = CliRunner().invoke(_host_with(error), ["fail"])
    assert result.exit_code == 2
    assert result.output == f"bench: error: {line}\n"


def test_host_keeps_bugs_as_tracebacks_and_debug_shows_all(monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    bug = CliRunner().invoke(_host_with(TypeError("unsupported operand")), ["fail"])
    assert isinstance(bug.exception, TypeError)  # not swallowed into a message
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    debug = CliRunner().invoke(_host_with(FileNotFoundError("x")), ["fail"])
    assert isinstance(debug.exception, FileNotFoundError)


# -- model specs that name nothing usable ------------------------------------------------


@pytest.mark.slow
def test_missing_gguf_is_one_line(run_bench, tmp_path):
    out = tmp_path / "run"
    result = run_bench(
        "personas", "run", "--model", "llamacpp:/missing.gguf", "-n", "8", "--out", str(out),
        process=True,
    )  # fmt: skip
    result.assert_one_line_error("/missing.gguf", "does not exist", "check the path")
    assert not list(out.glob("*.parquet"))


def test_damaged_gguf_is_one_line(run_bench, tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    result = run_bench(
        "personas", "backstories", "--model", f"llamacpp:{bad}", "-n", "1",
        "--out", str(tmp_path / "b.parquet"),
    )  # fmt: skip
    result.assert_one_line_error(str(bad), "cannot load", "download it again")
    assert not (tmp_path / "b.parquet").exists()


@pytest.mark.slow
def test_refused_server_is_one_line(run_bench, tmp_path):
    spec = f"openai:http://127.0.0.1:{_free_port()}#x"
    result = run_bench(
        "personas", "run", "--model", spec, "-n", "8", "--out", str(tmp_path / "r"), process=True
    )
    result.assert_one_line_error(spec, "cannot reach", "start the server")


@pytest.mark.slow
def test_silent_server_fails_within_the_probe_timeout(run_bench, tmp_path):
    with silent_server() as port:
        spec = f"openai:http://127.0.0.1:{port}/v1#m"
        result = run_bench(
            "personas", "backstories", "--model", spec, "-n", "1",
            "--out", str(tmp_path / "b.parquet"), timeout=120, process=True,
        )  # fmt: skip
    line = result.assert_one_line_error(spec, "sent no answer within 5 s", "not stuck")
    assert "ReadTimeout" in line


def test_output_under_a_file_is_one_line(run_bench, tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where a directory should be")
    result = run_bench(
        "personas", "backstories", "--model", "embedded", "-n", "1", "--max-tokens", "4",
        "--out", str(blocker / "b.parquet"),
    )  # fmt: skip
    result.assert_one_line_error(str(blocker), "check the path")
    assert blocker.read_text() == "a file where a directory should be"


def test_unusable_cache_dir_is_one_line(run_bench, tmp_path):
    not_a_dir = tmp_path / "cache-file"
    not_a_dir.write_text("a file where the cache directory should be")
    result = run_bench(
        "personas", "backstories", "--model", "embedded", "-n", "1", "--max-tokens", "4",
        "--out", str(tmp_path / "b.parquet"), env={"BENCH_CACHE": str(not_a_dir)},
    )  # fmt: skip
    result.assert_one_line_error("cannot open the inference cache", "BENCH_CACHE")
    assert not_a_dir.read_text() == "a file where the cache directory should be"


# -- the OpenAI client: bounded time, a line per retry, one-line failure ---------------------

FAST = OpenAIConfig(backoff_s=0.01, max_backoff_s=0.05, read_timeout_s=0.5, deadline_s=3.0)
REQUEST = CompletionRequest(
    prompt="Hello", temperature=0.0, top_p=1.0, max_tokens=4, stop=(), seed=0
)


def test_http_500_is_retried_with_a_line_each_then_fails_in_one_line(capfd):
    with http_server("500") as port:
        backend = OpenAIBackend(f"http://127.0.0.1:{port}/v1", "m", FAST)
        with pytest.raises(ServerError) as info:
            list(backend.complete([REQUEST]))
        backend.close()
    message = str(info.value)
    assert "\n" not in message
    assert "after 5 tries" in message and "HTTP 500: internal error while computing" in message
    retries = [line for line in capfd.readouterr().err.splitlines() if "HTTP 500" in line]
    assert [line.split("; try ")[1].split(" in ")[0] for line in retries] == [
        "2 of 5",
        "3 of 5",
        "4 of 5",
        "5 of 5",
    ]


def test_a_server_that_never_answers_a_completion_meets_the_deadline(capfd):
    with http_server("hang") as port:
        backend = OpenAIBackend(f"http://127.0.0.1:{port}/v1", "m", FAST)
        started = time.monotonic()
        with pytest.raises(ServerError) as info:
            list(backend.complete([REQUEST]))
        elapsed = time.monotonic() - started
        backend.close()
    # 3 s deadline, 0.5 s read timeout: never the 5 x 0.5 s + backoff a loop without a
    # deadline would need at these settings, and far from the 5 x 120 s of the defaults.
    assert elapsed < FAST.deadline_s + FAST.read_timeout_s + 1
    assert "ReadTimeout" in str(info.value) and "re-run to resume" in str(info.value)
    assert "ReadTimeout" in capfd.readouterr().err  # each retry was announced


def test_a_server_that_never_answers_the_probe_fails_in_seconds():
    with silent_server() as port:
        config = OpenAIConfig(probe_timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(ServerError, match=r"sent no answer within 0.5 s"):
            OpenAIBackend(f"http://127.0.0.1:{port}/v1", "m", config)
        assert time.monotonic() - started < 5


def test_a_web_page_at_the_base_url_is_one_line():
    with http_server("500", models=b"<html><body>Welcome</body></html>") as port:
        with pytest.raises(
            ServerError,
            match=r"/v1/models answered with something that is not "
            r"JSON \('<html><body>Welcome</body></html>'\); the base URL must be",
        ):
            OpenAIBackend(f"http://127.0.0.1:{port}/v1", "m", FAST)


@pytest.mark.slow
def test_http_500_through_the_cli_is_one_line_after_announced_retries(run_bench, tmp_path):
    with http_server("500") as port:
        spec = f"openai:http://127.0.0.1:{port}/v1#m"
        result = run_bench(
            "personas", "backstories", "--model", spec, "-n", "1", "--max-tokens", "8",
            "--out", str(tmp_path / "b.parquet"), timeout=240, process=True,
        )  # fmt: skip
    result.assert_one_line_error(spec, "after 5 tries", "HTTP 500", "re-run to resume")
    assert result.stderr.count("try 5 of 5") >= 1
    assert not (tmp_path / "b.parquet").exists()


# -- a damaged inference cache is quarantined and recomputed ---------------------------------


def _damage_header(path) -> None:
    with open(path, "r+b") as handle:
        handle.write(b"this is not an sqlite file" * 4)


def _damage_pages(path) -> None:
    """Garbage over every page but the first: the tables' b-trees are unreadable."""
    size = path.stat().st_size
    rng = np.random.default_rng(0)
    with open(path, "r+b") as handle:
        handle.seek(4096)
        handle.write(rng.integers(0, 256, size - 4096, dtype=np.uint8).tobytes())


def _damage_row(path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE results SET value = '{\"logprobs\": [0.1, ' WHERE rowid = 1")
    db.close()


@pytest.mark.parametrize("damage", [_damage_header, _damage_pages, _damage_row])
def test_damaged_cache_file_is_quarantined(damage, tmp_path, capfd):
    cache = ResultCache(tmp_path)
    rows = {f"key{i}": {"logprobs": [-0.1 * i, -2.0], "text": "x" * 500} for i in range(40)}
    for key, value in rows.items():
        cache.put(key, value)
    cache.close()
    cache_file = tmp_path / CACHE_FILE
    assert cache_file.stat().st_size > 4096  # several pages, the WAL checkpointed on close
    damage(cache_file)
    cache = ResultCache(tmp_path)
    assert cache.get_many(list(rows)) == {}  # nothing is read from the damaged file
    cache.put("key0", rows["key0"])  # the fresh cache takes new results
    assert cache.get_many(list(rows)) == {"key0": rows["key0"]} and len(cache) == 1
    cache.close()
    notes = [line for line in capfd.readouterr().err.splitlines() if "is damaged" in line]
    assert len(notes) == 1 and "recomputed" in notes[0]
    aside = [p.name for p in tmp_path.glob(f"{CACHE_FILE}.damaged-*")]
    assert len(aside) == 1 and aside[0] in notes[0]


@pytest.mark.slow
def test_damaged_cache_is_recomputed_by_the_model(tmp_path, capfd):
    with load_model("embedded", cache_dir=tmp_path, threads=1, progress=False) as model:
        want = model.choice_distributions(ITEMS)
    _damage_pages(tmp_path / CACHE_FILE)
    with load_model("embedded", cache_dir=tmp_path, threads=1, progress=False) as model:
        got = model.choice_distributions(ITEMS)
        assert model.usage.model_calls == len(ITEMS)  # recomputed, none read from the damage
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.probs, b.probs)
    assert "is damaged" in capfd.readouterr().err
    with load_model("embedded", cache_dir=tmp_path, threads=1, progress=False) as model:
        model.choice_distributions(ITEMS)
        assert model.usage.cache_hits == len(ITEMS)  # the fresh cache holds the recomputed rows


def test_cache_lock_is_not_mistaken_for_damage(tmp_path, monkeypatch):
    """Only damage quarantines: another process's lock is an error, and the file stays."""
    ResultCache(tmp_path).close()
    holder = sqlite3.connect(tmp_path / CACHE_FILE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(ResultCache, "busy_timeout_s", 0.1)
    try:
        with pytest.raises(BenchError, match=r"inference cache .* \(database is locked\); if "):
            ResultCache(tmp_path).put("k", {"v": 1})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not list(tmp_path.glob("*.damaged-*"))
    assert len(ResultCache(tmp_path)) == 0


# -- concurrent writers of one file each leave it complete ----------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from bench.common.run_record import RunRecord
    from bench.personas.tables import write_parquet

    out, which = sys.argv[1], int(sys.argv[2])
    table = pd.DataFrame({"writer": [which] * 5000, "x": range(5000)})
    record = RunRecord(command=["w", str(which)], config={"writer": which}, seed=which)
    for _ in range(60):
        write_parquet(table, out)
        record.write(out + ".run.json")
    """
)


@pytest.mark.slow
def test_two_processes_writing_one_parquet_file_both_succeed(tmp_path):
    pytest.importorskip("bench.personas")
    out = tmp_path / "answers.parquet"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(out), str(which)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for which in (1, 2)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err[-2000:]
    table = pd.read_parquet(out)
    assert len(table) == 5000 and len(set(table["writer"])) == 1  # one writer's whole file
    assert json.loads((tmp_path / "answers.parquet.run.json").read_text())["seed"] in (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "answers.parquet",
        "answers.parquet.run.json",
    ]  # no temporary file left behind


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    atomic_write_text(target, '{"old": 1}\n')
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text('{"new": ')  # half written when the user presses Ctrl-C
        raise KeyboardInterrupt
    assert target.read_text() == '{"old": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # as open() would, not 0600
