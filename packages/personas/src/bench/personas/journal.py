"""Resumable stages: a JSON-lines journal of finished work items beside the output file.

A stage appends one line per finished item (flushed at once) to ``OUT.partial.jsonl``; a
restart reads the journal and does only the items that are not in it. A line cut short
by a kill is ignored (that item is redone). The stage writes its output file at the end
and then removes the journal, so a finished output never has a journal beside it.

The first line holds a fingerprint of the stage's configuration: a journal left by a run
with other settings is discarded rather than mixed into this one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def journal_path(out: str | os.PathLike) -> Path:
    out = Path(out)
    return out.with_name(out.name + ".partial.jsonl")


def fingerprint(config: Any) -> str:
    """A short hash of a JSON-able configuration."""
    text = json.dumps(config, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Journal:
    """Finished items by key (a string), persisted as JSON lines at ``path``.

    ``config`` (JSON-able) identifies the work: a journal written under another config
    is removed when this one opens.
    """

    def __init__(self, path: str | os.PathLike | None, *, config: Any = None):
        self.path = Path(path) if path is not None else None
        self.fingerprint = fingerprint(config)
        self.done: dict[str, Any] = {}
        self._handle = None
        if self.path is None or not self.path.exists():
            return
        lines = self.path.read_text().splitlines()
        header = _parse(lines[0]) if lines else None
        if header is None or header.get("fingerprint") != self.fingerprint:
            self.path.unlink()  # another configuration's work, or no header: start afresh
            return
        for line in lines[1:]:
            entry = _parse(line)
            if entry is not None and "key" in entry:  # else cut short by a kill: redo it
                self.done[entry["key"]] = entry["value"]

    def __contains__(self, key: str) -> bool:
        return key in self.done

    def __getitem__(self, key: str) -> Any:
        return self.done[key]

    def add(self, key: str, value: Any) -> None:
        """Record a finished item; durable (flushed) when this returns."""
        self.done[key] = value
        if self.path is None:
            return
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists()
            self._handle = self.path.open("a")
            if fresh:
                self._handle.write(json.dumps({"fingerprint": self.fingerprint}) + "\n")
        self._handle.write(json.dumps({"key": key, "value": value}) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def finish(self) -> None:
        """Close and remove the journal (the stage's output now holds everything)."""
        self.close()
        if self.path is not None and self.path.exists():
            self.path.unlink()


def _parse(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) else None
