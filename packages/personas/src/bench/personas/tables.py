"""Reading and writing the pipeline's Parquet files, with errors that name the fix."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from bench.common.atomic import atomic_path


def write_parquet(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write atomically (:mod:`bench.common.atomic`): a kill never leaves half a Parquet
    file, and concurrent writers of one path each leave a complete file."""
    path = Path(path)
    with atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)
    return path


def read_parquet(path: str | os.PathLike, *, required: Iterable[str], what: str) -> pd.DataFrame:
    """Read a stage's file and check its columns.

    ``what`` names the file's role and the command that makes it, for the error message
    (e.g. "backstories file (from `bench personas backstories`)").
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {path} does not exist")
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a non-Parquet file
        raise ValueError(f"{what} {path} is not a readable Parquet file ({exc})") from exc
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ValueError(
            f"{what} {path} lacks column(s) {missing} (it has {list(table.columns)}); "
            "pass the file that stage wrote"
        )
    return table
