"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Every result file (Parquet tables, JSON records, checkpoints) is written to a temporary
file in the same directory, flushed to disk, then renamed over the target with
``os.replace`` (atomic on POSIX and Windows within one file system). The temporary name
is unique per call (``tempfile.mkstemp``), so two processes or threads writing the same
target never share a temporary file: the last rename wins and the result is one
complete file. A writer that fails or is killed leaves the target as it was; a kill can
leave a ``NAME.*.tmp`` file beside it, which nothing reads.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@functools.cache
def _file_mode() -> int:
    """The mode ``open()`` gives a new file under the process umask (mkstemp uses 0600)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path``; when the block ends without an
    exception the file written there is synced and renamed onto ``path``.

    For writers that take a file name (``DataFrame.to_parquet``, ``torch.save``)::

        with atomic_path(out) as tmp:
            table.to_parquet(tmp, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _file_mode())
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())  # the data is on disk before the name points at it
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see the module docstring)."""
    return atomic_write_bytes(path, text.encode("utf-8"))
