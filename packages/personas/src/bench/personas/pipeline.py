"""``bench personas run``: every stage and every condition of the Anthology pipeline.

    humans (a seeded subsample of the dataset's respondents)
    backstories.parquet       n Anthology backstories                      (backstories.py)
    backstories_dp.parquet    one demographic-primed backstory per human   (backstories.py)
    demographics.parquet      each persona's demographic distributions     (demographics.py)
    match_{method}.parquet    humans -> personas, greedy / maxweight / random (matching.py)
    answers.parquet           Bio, QA, Portray, Anthology DP and the three matchings answer
                              every question                               (survey.py)
    metrics.json, summary.csv the evaluation table                         (evaluation.py)
    report.md, plots/         the report                                   (pipeline_report.py)

Each stage writes its file with a run record beside it (``FILE.run.json``) and the run
writes ``run.json`` for the whole. Resumable: a stage whose file exists with a finished
record of the same configuration is skipped, and a stage that was killed resumes from its
journal (``FILE.partial.jsonl``) and the inference cache, so re-running the same command
after a kill continues where it stopped and gives the same result.

Humans. The survey's baselines and the matched conditions stand for the same H humans,
and the evaluation compares against those H humans (the split-half lower bound splits
them), so every condition is measured at the same sample size.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bench.common.run_record import RunRecord, record_run, sidecar_path
from bench.personas.backstories import (
    BackstoryConfig,
    anthology_slots,
    demographic_slots,
    generate_backstories,
)
from bench.personas.demographics import DemographicsConfig, survey_demographics
from bench.personas.journal import Journal, journal_path
from bench.personas.respondents import subsample_respondents
from bench.personas.survey import (
    SurveyConfig,
    baseline_units,
    demographic_backstory_units,
    matched_units,
    run_survey,
)
from bench.personas.tables import write_parquet

MATCHINGS = ("greedy", "maxweight", "random")
BASELINES = ("bio", "qa", "portray")


@dataclass(frozen=True)
class PipelineConfig:
    """One run of the whole pipeline. Stage settings default to the paper's values.

    ``humans`` None uses every respondent of the dataset.
    """

    dataset: str = "gss2018"
    model: str = "embedded"
    n: int = 200  # personas (Anthology backstories)
    humans: int | None = None
    seed: int = 0
    backstories: BackstoryConfig = field(default_factory=BackstoryConfig)
    demographics: DemographicsConfig = field(default_factory=DemographicsConfig)
    survey: SurveyConfig = field(default_factory=SurveyConfig)
    matchings: tuple[str, ...] = MATCHINGS
    baselines: tuple[str, ...] = BASELINES
    demographic_primed: bool = True  # the Anthology DP condition
    n_splits: int = 100  # S, random halves for the human lower bound (Anthology, Sec. 4)

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"-n {self.n}: need at least one persona")
        unknown = [m for m in self.matchings if m not in MATCHINGS]
        if unknown:
            raise ValueError(f"unknown matching method(s) {unknown}; use {list(MATCHINGS)}")
        unknown = [b for b in self.baselines if b not in BASELINES]
        if unknown:
            raise ValueError(f"unknown baseline(s) {unknown}; use {list(BASELINES)}")


@dataclass(frozen=True)
class StageTiming:
    """Wall time of one stage, and whether this invocation ran it or found it done."""

    stage: str
    seconds: float
    resumed: bool  # True: finished by an earlier invocation (time from its record)
    model_calls: float = 0.0
    prompt_tokens: float = 0.0
    completion_tokens: float = 0.0


@dataclass(frozen=True)
class PipelineResult:
    """What a run produced: the evaluation, the stage timings and the output files."""

    out_dir: Path
    evaluation: Any  # bench.personas.evaluation.EvaluationTable
    timings: tuple[StageTiming, ...]
    n_humans: int
    n_personas: int
    n_dp_personas: int
    model_identity: dict[str, Any]
    report: Path


class _LazyModel:
    """Loads the model on first use, so a fully finished run does not load it again."""

    def __init__(self, spec: str, seed: int, progress: bool):
        self.spec, self.seed, self.progress = spec, seed, progress
        self._model = None

    def get(self) -> Any:
        if self._model is None:
            from bench.common.inference import load_model

            self._model = load_model(self.spec, seed=self.seed, progress=self.progress)
        return self._model

    def identity(self, out_dir: Path) -> dict[str, Any]:
        if self._model is not None:
            return self._model.identity
        previous = sidecar_path(out_dir / "backstories.parquet")
        if previous.exists():  # every stage was done earlier: reuse its record
            return RunRecord.read(previous).identity
        return self.get().identity

    def close(self) -> None:
        if self._model is not None:
            self._model.close()


def _jsonable(config: Any) -> Any:
    return json.loads(
        json.dumps(RunRecord(command=[], config=config, seed=None).to_dict()["config"])
    )


def _finished(out: Path, config: dict[str, Any]) -> RunRecord | None:
    """The record of ``out`` if it finished with this configuration, else None."""
    record_path = sidecar_path(out)
    if not out.exists() or not record_path.exists():
        return None
    record = RunRecord.read(record_path)
    if record.status != "ok" or record.config != _jsonable(config):
        return None
    return record


def _elapsed(record: RunRecord) -> float:
    if not record.ended_at:
        return float("nan")
    return (
        datetime.fromisoformat(record.ended_at) - datetime.fromisoformat(record.started_at)
    ).total_seconds()


def run_pipeline(
    config: PipelineConfig, out_dir: str | Path, *, progress: bool = True
) -> PipelineResult:
    """Run (or resume) every stage into ``out_dir`` and write ``report.md`` (module docstring)."""
    from bench.personas.datasets import load_dataset
    from bench.personas.evaluation import EvaluationConfig, evaluate
    from bench.personas.matching import MatchConfig, match
    from bench.personas.pipeline_report import write_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(config.dataset)
    humans = subsample_respondents(dataset, config.humans, seed=config.seed)
    if "maxweight" in config.matchings and humans.n > config.n:
        raise ValueError(
            f"maxweight matching is one-to-one: {humans.n} humans need at least as many personas, "
            f"but -n is {config.n}; raise -n or lower --humans"
        )
    model = _LazyModel(config.model, config.seed, progress)
    timings: list[StageTiming] = []
    seed = config.seed
    base = {"dataset": config.dataset, "humans": config.humans, "seed": seed, "model": config.model}

    def stage(name: str, out: Path, stage_config: dict[str, Any], work) -> pd.DataFrame:
        stage_config = {"stage": name, **base, **stage_config}
        done = _finished(out, stage_config)
        if done is not None:
            timings.append(
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
        lm = None if name.startswith("match") else model.get()
        before = dataclasses.replace(lm.usage) if lm is not None else None
        start = time.perf_counter()
        with record_run(out, stage_config, seed=seed, identity=lm.identity if lm else {}) as record:
            journal = Journal(journal_path(out), config=_jsonable(stage_config))
            table = work(lm, journal)
            write_parquet(table, out)
            journal.finish()
            used = _usage_delta(before, lm.usage) if lm is not None else {}
            record.add_usage(**used, seconds_wall=time.perf_counter() - start)
        timings.append(
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

    try:
        stories = stage(
            "backstories",
            out_dir / "backstories.parquet",
            {"n": config.n, "backstories": config.backstories},
            lambda lm, journal: generate_backstories(
                lm,
                anthology_slots(config.n),
                config.backstories,
                seed=seed,
                journal=journal,
                progress=progress,
            ),
        )
        dp_stories = None
        if config.demographic_primed:
            dp_config = dataclasses.replace(config.backstories, style="anthology-dp")
            dp_stories = stage(
                "backstories-dp",
                out_dir / "backstories_dp.parquet",
                {"backstories": dp_config},
                lambda lm, journal: generate_backstories(
                    lm,
                    demographic_slots(humans, humans.ids.tolist(), seed=seed),
                    dp_config,
                    seed=seed,
                    journal=journal,
                    progress=progress,
                ),
            )
        if len(stories) < humans.n and "maxweight" in config.matchings:
            raise ValueError(
                f"only {len(stories)} of {config.n} backstories passed the filters, fewer than the "
                f"{humans.n} humans that maxweight matching needs; raise -n or lower --min-words"
            )
        demographics = stage(
            "demographics",
            out_dir / "demographics.parquet",
            {"demographics": config.demographics},
            lambda lm, journal: survey_demographics(
                lm,
                stories,
                humans.demographics,
                config.demographics,
                journal=journal,
                progress=progress,
            ),
        )
        matches = {
            method: stage(
                f"match-{method}",
                out_dir / f"match_{method}.parquet",
                {"method": method},
                lambda lm, journal, method=method: match(
                    humans, demographics, MatchConfig(method=method), seed=seed
                ),
            )
            for method in config.matchings
        }
        units = [baseline_units(humans, b, seed=seed) for b in config.baselines]
        if dp_stories is not None:
            units.append(demographic_backstory_units(humans, dp_stories))
        units += [
            matched_units(humans, stories, table, condition=f"anthology-{method}")
            for method, table in matches.items()
        ]
        all_units = pd.concat(units, ignore_index=True)
        answers = stage(
            "survey",
            out_dir / "answers.parquet",
            {"conditions": list(pd.unique(all_units["condition"])), "survey": config.survey},
            lambda lm, journal: run_survey(
                lm,
                all_units,
                humans.questions,
                config.survey,
                seed=seed,
                journal=journal,
                progress=progress,
            ),
        )
        start = time.perf_counter()
        evaluation = evaluate(
            humans, answers, None, EvaluationConfig(n_splits=config.n_splits, seed=seed)
        )
        evaluation.to_json(out_dir / "metrics.json")
        evaluation.to_csv(out_dir / "summary.csv")
        timings.append(StageTiming("evaluate", time.perf_counter() - start, False))
        identity = model.identity(out_dir)
    finally:
        model.close()
    result = PipelineResult(
        out_dir=out_dir,
        evaluation=evaluation,
        timings=tuple(timings),
        n_humans=humans.n,
        n_personas=len(stories),
        n_dp_personas=len(dp_stories) if dp_stories is not None else 0,
        model_identity=identity,
        report=out_dir / "report.md",
    )
    write_report(result, config)
    return result


def _usage_delta(before: Any, after: Any) -> dict[str, float]:
    return {key: value - getattr(before, key) for key, value in after.as_dict().items()}
