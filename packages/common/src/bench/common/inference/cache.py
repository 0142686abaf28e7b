"""Persistent result cache: sqlite in the cache directory, one row per finished request.

Key: sha256 over (model identity, request kind, the request as the backend sees it:
prompt text, sampling parameters, derived seed). A re-run costs nothing, and a run
killed mid-way resumes without recomputing finished items, because each item is
committed as soon as it completes (sqlite's WAL journal keeps committed rows across a
SIGKILL).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

CACHE_ENV = "BENCH_CACHE"
CACHE_FILE = "inference.sqlite"


def default_cache_dir() -> Path:
    """``$BENCH_CACHE``, else ``~/.cache/bench``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "bench"


def cache_key(identity: dict[str, Any], kind: str, request: dict[str, Any]) -> str:
    payload = json.dumps([identity, kind, request], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


class ResultCache:
    """Key -> JSON value, in ``cache_dir/inference.sqlite``."""

    def __init__(self, cache_dir: str | os.PathLike):
        self.path = Path(cache_dir) / CACHE_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise RuntimeError(
                f"cannot open the inference cache {self.path} ({exc}); pass another "
                f"cache_dir or set ${CACHE_ENV} to a writable directory"
            ) from exc

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):  # sqlite's host-parameter limit
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, value FROM results WHERE key IN ({marks})", chunk
            ).fetchall()
            found.update((key, json.loads(value)) for key, value in rows)
        return found

    def put(self, key: str, value: Any) -> None:
        """Store one finished item (autocommit: durable when this returns)."""
        self._db.execute(
            "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)",
            (key, json.dumps(value)),
        )

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self._db.close()
