"""Resumable stages: one Parquet file per stage, reused only when nothing it read changed.

A stage is a function ``work(lm, journal) -> DataFrame``, the file it writes, its own
settings and its *inputs*: the tables and item definitions it reads. Its key is a content
address,

    key = {stage, settings, seed, model (spec + the model file's size and sha256),
           inputs: {name: digest of the input's content}}

and the stage is skipped when the file exists and its run record (``FILE.run.json``)
finished with the same key. So a changed upstream table (another ``-n``, ``--min-words``,
``--max-tokens``, a changed data file) re-runs exactly the stages that read it, directly
or through the tables derived from it, and nothing else. Otherwise the stage runs with a
journal (``FILE.partial.jsonl``) that keeps every finished item, so a killed stage
resumes where it stopped; the journal's fingerprint is the key plus the loaded model's
full identity, so a resume with another seed, model or input starts afresh. A journal
whose items the stage cannot read is quarantined and its items recomputed
(:meth:`bench.personas.journal.Journal.quarantine`).

The model is loaded on first use, so a run whose stages are all finished never loads it
(the model's key is read from its spec and file, without loading it). :class:`Stages`
collects the time and token use of every stage for the run's report.

Used by ``bench personas run`` (:mod:`bench.personas.pipeline`), the single-stage commands
(``backstories``, ``demographics``, ``match``, ``survey``) and the ablations
(:mod:`bench.personas.ablation`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common.executor import load_model
from bench.common.inference import Model, Usage, parse_spec
from bench.common.inference.embedded import embedded_gguf_path
from bench.common.inference.model_file import file_identity
from bench.common.run_record import RunRecord, record_run, sidecar_path
from bench.personas.journal import Journal, journal_path
from bench.personas.tables import write_parquet

# A stage's work: its table from the loaded model (None for a stage that needs none) and
# the stage's journal. Typed Any so that a stage needing the model can take a Model.
Work = Callable[[Any, Journal], pd.DataFrame]


@dataclass(frozen=True)
class StageTiming:
    """Wall time of one stage, and whether this invocation ran it or found it done."""

    stage: str
    seconds: float
    resumed: bool  # True: finished by an earlier invocation (time from its record)
    model_calls: float = 0.0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0

    @classmethod
    def of(
        cls, stage: str, seconds: float, resumed: bool, usage: Mapping[str, float]
    ) -> StageTiming:
        """The timing with the model use recorded in ``usage`` (a run record's counts)."""
        return cls(
            stage,
            seconds,
            resumed,
            usage.get("model_calls", 0),
            usage.get("prompt_tokens", 0),
            usage.get("completion_tokens", 0),
        )


class LazyModel:
    """Loads the model on first use, so a fully finished run does not load it again.

    ``loader`` (optional) loads it instead of :func:`bench.common.inference.load_model`,
    e.g. to turn a missing model file into a command-line error.
    """

    def __init__(
        self,
        spec: str,
        seed: int,
        progress: bool,
        *,
        loader: Callable[[], Model] | None = None,
    ):
        self.spec, self.seed, self.progress = spec, seed, progress
        self._loader = loader
        self._model: Model | None = None

    def get(self) -> Model:
        if self._model is None:
            if self._loader is not None:
                self._model = self._loader()
            else:  # local, or Ray replicas
                self._model = load_model(self.spec, seed=self.seed, progress=self.progress)
        assert self._model is not None
        return self._model

    def key(self) -> dict[str, Any]:
        """What identifies the model without loading it: the spec, and for a local model
        its file's name, size and sha256 (a file replaced in place is another model)."""
        parsed = parse_spec(self.spec)
        if parsed.backend == "embedded":
            path = embedded_gguf_path()
        elif parsed.backend in ("llamacpp", "hf"):
            path = Path(parsed.target)
        else:  # a server or a hub name: the spec names it
            return {"spec": self.spec}
        if path.is_file():
            return {"spec": self.spec, **file_identity(path)}
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            listing = [
                [str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime_ns] for p in files
            ]
            return {"spec": self.spec, "files": fingerprint(listing)}
        return {"spec": self.spec}  # missing: loading it will say so

    def identity(self, first_stage: Path) -> dict[str, Any]:
        """The model's identity; from ``first_stage``'s record when the model never loaded."""
        if self._model is not None:
            return self._model.identity
        previous = sidecar_path(first_stage)
        if previous.exists():  # every stage was done earlier: reuse its record
            return RunRecord.read(previous).identity
        return self.get().identity

    def close(self) -> None:
        if self._model is not None:
            self._model.close()


def jsonable(config: Any) -> Any:
    """``config`` as its run record stores it (dataclasses to dicts, paths to strings)."""
    return json.loads(
        json.dumps(RunRecord(command=[], config=config, seed=None).to_dict()["config"])
    )


def _plain(value: Any) -> Any:
    """A value of a table cell or an item definition in canonical JSON-able form."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None  # NaN: a missing cell
    return jsonable(value)


def fingerprint(value: Any) -> str:
    """sha256 (16 hex digits) of a JSON-able value, keys sorted."""
    text = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def digest(value: Any) -> str:
    """A content address of a stage input: a DataFrame (its columns, dtypes and every
    cell, in order) or any value :func:`jsonable` can write (item definitions, prompts)."""
    if not isinstance(value, pd.DataFrame):
        return fingerprint(value)
    h = hashlib.sha256()
    h.update(json.dumps([[str(name), str(dtype)] for name, dtype in value.dtypes.items()]).encode())
    for _, column in value.items():
        if column.dtype == object:  # lists, arrays, dicts: hash their canonical JSON
            column = column.map(lambda v: json.dumps(_plain(v), sort_keys=True, default=repr))
        hashes = pd.util.hash_pandas_object(column, index=False)  # pyright: ignore[reportAttributeAccessIssue]  # missing from pandas-stubs
        h.update(hashes.to_numpy().tobytes())
    return h.hexdigest()[:16]


def finished(out: Path, config: dict[str, Any]) -> RunRecord | None:
    """The record of ``out`` if it finished with this configuration, else None."""
    record_path = sidecar_path(out)
    if not out.exists() or not record_path.exists():
        return None
    try:
        record = RunRecord.read(record_path)
    except ValueError:  # a damaged record proves nothing: the stage runs again
        return None
    if record.status != "ok" or record.config != jsonable(config):
        return None
    return record


def _elapsed(record: RunRecord) -> float:
    if not record.ended_at:
        return float("nan")
    return (
        datetime.fromisoformat(record.ended_at) - datetime.fromisoformat(record.started_at)
    ).total_seconds()


def _usage_delta(before: Usage, after: Usage) -> dict[str, float]:
    return {key: value - getattr(before, key) for key, value in after.as_dict().items()}


class Stages:
    """Runs or skips stages against one lazily loaded model; keeps their timings.

    ``base`` is merged into every stage's settings (the seed; what every stage depends
    on), so a change to any of it re-runs every stage instead of reusing a stale file.
    ``model`` None: only stages with ``needs_model=False`` (matching) can run.
    """

    def __init__(self, model: LazyModel | None, base: dict[str, Any], *, seed: int):
        self.model, self.base, self.seed = model, base, seed
        self.timings: list[StageTiming] = []

    def key(
        self,
        name: str,
        settings: dict[str, Any],
        inputs: Mapping[str, Any],
        *,
        needs_model: bool = True,
    ) -> dict[str, Any]:
        """The stage's content address (module docstring), as its run record stores it."""
        return jsonable(
            {
                "stage": name,
                **self.base,
                **settings,
                "model": self._model().key() if needs_model else None,
                "inputs": {label: digest(value) for label, value in inputs.items()},
            }
        )

    def __call__(
        self,
        name: str,
        out: Path,
        settings: dict[str, Any],
        work: Work,
        *,
        inputs: Mapping[str, Any] | None = None,
        needs_model: bool = True,
    ) -> pd.DataFrame:
        """``work``'s table in ``out``: reused if finished under the same key, else run."""
        key = self.key(name, settings, inputs or {}, needs_model=needs_model)
        done = finished(out, key)
        if done is not None:
            self.timings.append(StageTiming.of(name, _elapsed(done), True, done.usage))
            return pd.read_parquet(out)
        lm = self._model().get() if needs_model else None
        start = time.perf_counter()
        table, used = _run_stage(work, lm, out, key, seed=self.seed)
        self.timings.append(StageTiming.of(name, time.perf_counter() - start, False, used))
        return table

    def timed(self, name: str, seconds: float) -> None:
        """Record a stage that writes no Parquet file (the evaluation)."""
        self.timings.append(StageTiming(name, seconds, False))

    def close(self) -> None:
        """Close the model, if a stage loaded it."""
        if self.model is not None:
            self.model.close()

    def _model(self) -> LazyModel:
        if self.model is None:
            raise ValueError("this stage needs a language model, but none was given")
        return self.model


def _run_stage(
    work: Work, lm: Model | None, out: Path, key: dict[str, Any], *, seed: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run ``work`` under its run record and journal; write ``out``; return the table and
    the model use it cost."""
    before = dataclasses.replace(lm.usage) if lm is not None else None
    start = time.perf_counter()
    identity = lm.identity if lm is not None else {}
    with record_run(out, key, seed=seed, identity=identity) as record:
        journal_config = {"key": key, "model": identity}
        table, journal = _run_journaled(work, lm, journal_path(out), journal_config)
        write_parquet(table, out)
        journal.finish()
        used = _usage_delta(before, lm.usage) if lm is not None and before is not None else {}
        record.add_usage(**used, seconds_wall=time.perf_counter() - start)
    return table, used


def _run_journaled(
    work: Work, lm: Model | None, path: Path, config: dict[str, Any]
) -> tuple[pd.DataFrame, Journal]:
    """``work`` with the stage's journal; once more on an empty journal if the items read
    from an earlier run's journal do not fit it (a damaged or foreign file)."""
    journal = Journal(path, config=config)
    try:
        return work(lm, journal), journal
    except (TypeError, KeyError, IndexError, AttributeError, ValueError) as exc:
        if not journal.loaded:
            raise
        journal.quarantine(f"an item it held does not fit the stage ({type(exc).__name__}: {exc})")
        journal = Journal(path, config=config)
        return work(lm, journal), journal
