"""Resumable stages: one Parquet file per stage, skipped when already finished.

A stage is a function ``work(lm, journal) -> DataFrame`` and the file it writes. It is
skipped when the file exists and its run record (``FILE.run.json``) finished with the same
configuration; otherwise it runs with a journal (``FILE.partial.jsonl``) that keeps every
finished item, so a killed stage resumes where it stopped. The model is loaded on first
use, so a run whose stages are all finished never loads it. :class:`Stages` collects the
time and token use of every stage for the run's report.

Used by ``bench personas run`` (:mod:`bench.personas.pipeline`) and the ablations
(:mod:`bench.personas.ablation`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.common.run_record import RunRecord, record_run, sidecar_path
from bench.personas.journal import Journal, journal_path
from bench.personas.tables import write_parquet


@dataclass(frozen=True)
class StageTiming:
    """Wall time of one stage, and whether this invocation ran it or found it done."""

    stage: str
    seconds: float
    resumed: bool  # True: finished by an earlier invocation (time from its record)
    model_calls: float = 0.0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0


class LazyModel:
    """Loads the model on first use, so a fully finished run does not load it again."""

    def __init__(self, spec: str, seed: int, progress: bool):
        self.spec, self.seed, self.progress = spec, seed, progress
        self._model = None

    def get(self) -> Any:
        if self._model is None:
            from bench.common.executor import load_model  # local, or Ray replicas

            self._model = load_model(self.spec, seed=self.seed, progress=self.progress)
        return self._model

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


def finished(out: Path, config: dict[str, Any]) -> RunRecord | None:
    """The record of ``out`` if it finished with this configuration, else None."""
    record_path = sidecar_path(out)
    if not out.exists() or not record_path.exists():
        return None
    record = RunRecord.read(record_path)
    if record.status != "ok" or record.config != jsonable(config):
        return None
    return record


def _elapsed(record: RunRecord) -> float:
    if not record.ended_at:
        return float("nan")
    return (
        datetime.fromisoformat(record.ended_at) - datetime.fromisoformat(record.started_at)
    ).total_seconds()


def _usage_delta(before: Any, after: Any) -> dict[str, float]:
    return {key: value - getattr(before, key) for key, value in after.as_dict().items()}


class Stages:
    """Runs or skips stages against one lazily loaded model; keeps their timings.

    ``base`` is merged into every stage's configuration (dataset, seed, model...), so a
    change to any of it re-runs the stage instead of reusing a stale file.
    """

    def __init__(self, model: LazyModel, base: dict[str, Any], *, seed: int):
        self.model, self.base, self.seed = model, base, seed
        self.timings: list[StageTiming] = []

    def __call__(
        self,
        name: str,
        out: Path,
        stage_config: dict[str, Any],
        work: Callable[[Any, Journal], pd.DataFrame],
        *,
        needs_model: bool = True,
    ) -> pd.DataFrame:
        stage_config = {"stage": name, **self.base, **stage_config}
        done = finished(out, stage_config)
        if done is not None:
            self.timings.append(
                StageTiming(
                    name,
                    _elapsed(done),
                    True,
                    done.usage.get("model_calls", 0),
                    done.usage.get("prompt_tokens", 0),
                    done.usage.get("completion_tokens", 0),
                )
            )
            return pd.read_parquet(out)
        lm = self.model.get() if needs_model else None
        before = dataclasses.replace(lm.usage) if lm is not None else None
        start = time.perf_counter()
        identity = lm.identity if lm is not None else {}
        with record_run(out, stage_config, seed=self.seed, identity=identity) as record:
            journal = Journal(journal_path(out), config=jsonable(stage_config))
            table = work(lm, journal)
            write_parquet(table, out)
            journal.finish()
            used = _usage_delta(before, lm.usage) if lm is not None else {}
            record.add_usage(**used, seconds_wall=time.perf_counter() - start)
        self.timings.append(
            StageTiming(
                name,
                time.perf_counter() - start,
                False,
                used.get("model_calls", 0),
                used.get("prompt_tokens", 0),
                used.get("completion_tokens", 0),
            )
        )
        return table

    def timed(self, name: str, seconds: float) -> None:
        """Record a stage that writes no Parquet file (the evaluation)."""
        self.timings.append(StageTiming(name, seconds, False))
