"""Identity of a model file for run records and cache keys: name, size, sha256."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_identity(path: str | os.PathLike) -> dict[str, Any]:
    """``{"file": name, "size": bytes, "sha256": hex}`` (hashed once per process).

    The content hash, not the path, identifies the model: moving the file keeps its
    cached results valid, replacing it in place does not.
    """
    path = Path(path)
    stat = path.stat()
    return {
        "file": path.name,
        "size": stat.st_size,
        "sha256": _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns),
    }


def missing_file_error(spec: str, path: str | os.PathLike, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"model spec {spec!r}: {what} {os.fspath(path)!r} does not exist; "
        f"check the path (or use --model embedded for the built-in model)"
    )
