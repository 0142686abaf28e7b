"""Checkpoints: torch files that hold tensors and plain values only, and load without
running code.

``torch.load(weights_only=True)`` rebuilds tensors, dicts, lists, tuples, strings,
numbers, booleans and None, and refuses anything that would import or call a Python
object, so a checkpoint from elsewhere (a downloaded blueprint) cannot run a command
when it is loaded. What we save stays inside that set: numpy arrays are stored as
tensors, configs as plain dicts (``dataclasses.asdict``), byte strings as hex text.
Writes are atomic (:mod:`bench.common.atomic`): a kill mid-save leaves the previous
checkpoint.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from bench.common.atomic import atomic_path


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> Path:
    """Write ``state`` (tensors and plain values) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(path: str | os.PathLike, *, what: str, fix: str) -> dict[str, Any]:
    """The dict in a checkpoint written by :func:`save_checkpoint`.

    ``what`` names the file's role ("blueprint", "checkpoint") and ``fix`` the way to make
    a good one, for the one-line ValueError that a file we will not load gets.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} not found; {fix}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (PermissionError, IsADirectoryError):
        raise  # the file is fine, access to it is not: the OSError says which
    # A truncated archive surfaces as RuntimeError (miniz) or OSError (EINVAL on a seek).
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError) as exc:
        unsafe = _unsafe_globals(path)
        if unsafe:
            raise ValueError(
                f"{what} {path} asks to import {', '.join(unsafe)} when loaded; a checkpoint "
                f"holds only tensors and plain values, and loading this one could run code, "
                f"so it is refused; {fix}"
            ) from exc
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"{what} {path} is not a readable torch checkpoint (damaged, truncated or "
            f"written by an older version: {first}); {fix}"
        ) from exc
    if not isinstance(state, dict):
        raise ValueError(f"{what} {path} does not hold a checkpoint dict; {fix}")
    return state


def _unsafe_globals(path: Path) -> list[str]:
    """The Python names the file would import, read without unpickling it ([] if none
    or if the file cannot be scanned)."""
    try:
        return sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # only for the message: a file that cannot be scanned is "damaged"
        return []
