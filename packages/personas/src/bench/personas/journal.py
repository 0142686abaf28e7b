"""Resumable stages: a JSON-lines journal of finished work items beside the output file.

A stage appends one line per finished item (flushed at once) to ``OUT.partial.jsonl``; a
restart reads the journal and does only the items that are not in it. A line cut short
by a kill is ignored (that item is redone). The stage writes its output file at the end
and then removes the journal, so a finished output never has a journal beside it.

The first line holds a fingerprint of the stage's configuration: a journal left by a run
with other settings is discarded rather than mixed into this one. The stages
(:mod:`bench.personas.stages`) put in it everything the items depend on: the settings,
the seed, the model's identity and a digest of every input table, so a killed run resumed
with another ``--seed`` or ``--model`` starts afresh instead of keeping the old items.

A journal whose lines parse as JSON but are not records (a header without a fingerprint,
a line that is not ``{"key": str, "value": ...}``) was damaged or written by something
else: it is *quarantined*, renamed to ``OUT.partial.jsonl.damaged`` with a line on stderr
saying so, and the stage recomputes what it held (the inference cache answers the repeated
requests). :meth:`Journal.quarantine` does the same for a stage that finds an item it
cannot use.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
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
        self.loaded = 0  # items read from an earlier run's journal
        self._handle = None
        if self.path is None or not self.path.exists():
            return
        lines = self.path.read_text().splitlines()
        header = _parse(lines[0]) if lines else _CUT
        if header is not _CUT and not (
            isinstance(header, dict) and isinstance(header.get("fingerprint"), str)
        ):
            self.quarantine("its first line is not a journal header")
            return
        if not isinstance(header, dict) or header["fingerprint"] != self.fingerprint:
            self.path.unlink()  # another configuration's work, or cut short: start afresh
            return
        for number, line in enumerate(lines[1:], start=2):
            entry = _parse(line)
            if entry is _CUT:
                continue  # cut short by a kill (never valid JSON): that item is redone
            if (
                not isinstance(entry, dict)
                or set(entry) != {"key", "value"}
                or not isinstance(entry["key"], str)
            ):
                self.done = {}
                self.quarantine(f'line {number} is not a {{"key", "value"}} record')
                return
            self.done[entry["key"]] = entry["value"]
        self.loaded = len(self.done)

    def quarantine(self, reason: str) -> Path | None:
        """Set the damaged journal aside (``.damaged``), say so on stderr, start empty."""
        self.close()
        self.done, self.loaded = {}, 0
        if self.path is None or not self.path.exists():
            return None
        damaged = self.path.with_name(self.path.name + ".damaged")
        os.replace(self.path, damaged)
        print(
            f"journal {self.path}: {reason}; moved it to {damaged.name} and recomputing its items",
            file=sys.stderr,
        )
        return damaged

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


_CUT = object()  # a line that is not JSON: cut short by a kill


def _parse(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return _CUT
