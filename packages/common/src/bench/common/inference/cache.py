"""Persistent result cache: sqlite in the cache directory, one row per finished request.

Key: sha256 over (model identity, request kind, the request as the backend sees it:
prompt text, sampling parameters, derived seed). A re-run costs nothing, and a run
killed mid-way resumes without recomputing finished items, because each item is
committed as soon as it completes (sqlite's WAL journal keeps committed rows across a
SIGKILL).

A damaged cache file (a corrupted page, a file that is not sqlite, a row that is not
JSON) is quarantined: renamed aside to ``inference.sqlite.damaged-TIME`` with a line on
stderr, and a fresh cache takes its place, so the work it held is recomputed rather
than the run failing. The cache is a cache: losing it costs time, never results.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.common.errors import BenchError

CACHE_ENV = "BENCH_CACHE"
CACHE_FILE = "inference.sqlite"
# sqlite's own files beside the database: a write-ahead log that belongs to a damaged
# database must not be replayed into the fresh one.
_COMPANIONS = ("-wal", "-shm", "-journal")
# Primary result codes that mean the file's content is damaged (not locked, not absent).
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

T = TypeVar("T")


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _DAMAGED
    return isinstance(exc, ValueError)  # a stored value that is not JSON (or not UTF-8)


def default_cache_dir() -> Path:
    """``$BENCH_CACHE``, else ``~/.cache/bench``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "bench"


def cache_key(identity: dict[str, Any], kind: str, request: dict[str, Any]) -> str:
    payload = json.dumps([identity, kind, request], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class ResultCache:
    """Key -> JSON value, in ``cache_dir/inference.sqlite``."""

    busy_timeout_s: float = 60.0  # wait this long for another process's write lock

    def __init__(self, cache_dir: str | os.PathLike):
        self.path = Path(cache_dir) / CACHE_FILE
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            self._quarantine(exc)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._unusable(exc) from exc
        # Values come back as bytes and are decoded by json.loads, so a damaged value is
        # a ValueError of ours rather than sqlite's generic decoding error.
        db.text_factory = bytes
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
        except sqlite3.Error as exc:
            db.close()
            if _is_damage(exc):
                raise
            raise self._unusable(exc) from exc
        return db

    def _unusable(self, exc: BaseException) -> BenchError:
        return BenchError(
            f"cannot open the inference cache {self.path} ({exc}); pass another "
            f"cache_dir or set ${CACHE_ENV} to a writable directory"
        )

    def _guarded(self, operation: Callable[[], T]) -> T:
        """Run ``operation``; if it meets a damaged file, quarantine the file and run
        the operation once more on a fresh cache. Other sqlite failures (a lock held
        past ``busy_timeout_s``, a full disk) are errors that name the cache."""
        try:
            return operation()
        except (sqlite3.DatabaseError, ValueError) as exc:
            if not _is_damage(exc):
                raise BenchError(
                    f"the inference cache {self.path} failed ({exc}); if another bench "
                    f"process is using it, let it finish, or set ${CACHE_ENV} to another "
                    f"directory"
                ) from exc
            self._db.close()
            self._quarantine(exc)
            self._db = self._open()
            return operation()

    def _quarantine(self, exc: BaseException) -> None:
        """Rename the damaged database (and its journal files) aside, and say so."""
        aside = self.path.with_name(f"{self.path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        for suffix in ("", *_COMPANIONS):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                os.replace(source, f"{aside}{suffix}")
        print(
            f"bench: the inference cache {self.path} is damaged ({exc}); moved it to "
            f"{aside.name}; its results will be recomputed",
            file=sys.stderr,
        )

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return self._guarded(lambda: self._get_many(keys))

    def _get_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):  # sqlite's host-parameter limit
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, value FROM results WHERE key IN ({marks})", chunk
            ).fetchall()
            found.update((key.decode(), json.loads(value)) for key, value in rows)
        return found

    def put(self, key: str, value: Any) -> None:
        """Store one finished item (autocommit: durable when this returns)."""
        text = json.dumps(value)
        self._guarded(
            lambda: self._db.execute(
                "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", (key, text)
            )
        )

    def __len__(self) -> int:
        return self._guarded(lambda: self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def close(self) -> None:
        self._db.close()
