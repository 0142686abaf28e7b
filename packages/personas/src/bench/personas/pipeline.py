"""``bench personas run``: every stage and every condition of the Anthology pipeline.

    humans (a seeded subsample of the dataset's respondents)
    backstories.parquet       n Anthology backstories                      (backstories.py)
    backstories_dp.parquet    one demographic-primed backstory per human   (backstories.py)
    demographics.parquet      each persona's demographic distributions     (demographics.py)
    match_{method}.parquet    humans -> personas, greedy / maxweight (the paper's sum of
                              likelihoods) / maxweight-loglik (sum of log-likelihoods) /
                              random                                       (matching.py)
    answers.parquet           Bio, QA, Portray, Anthology DP and the three matchings answer
                              every question                               (survey.py)
    metrics.json, summary.csv the evaluation table                         (evaluation.py)
    report.md, plots/         the report                                   (pipeline_report.py)

Each stage writes its file with a run record beside it (``FILE.run.json``) and the run
writes ``run.json`` for the whole. Resumable: a stage whose file exists with a finished
record of the same key (its settings, the seed, the model and a digest of every table it
read; :mod:`bench.personas.stages`) is skipped, and a stage that was killed resumes from
its journal (``FILE.partial.jsonl``) and the inference cache, so re-running the same
command after a kill continues where it stopped and gives the same result. Re-running
into the same directory with other settings re-runs exactly the stages whose inputs
changed: another ``-n`` regenerates the backstories and everything read from them, but
not the DP backstories; another ``--humans`` keeps the backstories and their demographic
survey and re-runs the DP backstories, the matchings and the survey.

Humans. The survey's baselines and the matched conditions stand for the same H humans,
and the evaluation compares against those H humans (the split-half lower bound splits
them), so every condition is measured at the same sample size.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench.personas.backstories import BackstoryConfig, anthology_slots, demographic_slots
from bench.personas.critic import CriticConfig
from bench.personas.datasets import Dataset, load_dataset
from bench.personas.demographics import DemographicsConfig
from bench.personas.evaluation import EvaluationConfig, EvaluationTable, evaluate_answers
from bench.personas.interview import InterviewConfig
from bench.personas.matching import MatchConfig
from bench.personas.perception import GapTable, perception_gaps
from bench.personas.pipeline_report import write_run_report
from bench.personas.respondents import subsample_respondents
from bench.personas.stages import LazyModel, Stages, StageTiming
from bench.personas.steps import Steps
from bench.personas.survey import (
    SurveyConfig,
    baseline_units,
    demographic_backstory_units,
    matched_units,
)

# maxweight under both objectives, so the report shows what the choice does.
MATCHINGS = ("greedy", "maxweight", "maxweight-loglik", "random")
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
    # The follow-up's interview backstories (None: not run). With a critic, the interviews
    # it kept (passed or repaired) are a second pool, so both conditions are measured.
    interview: InterviewConfig | None = None
    critic: CriticConfig | None = None
    interview_n: int | None = None  # interviews to run (None: n)
    interview_matching: str = "greedy"  # how humans are matched to interview personas

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"-n {self.n}: need at least one persona")
        unknown = [m for m in self.matchings if m not in MATCHINGS]
        if unknown:
            raise ValueError(f"unknown matching method(s) {unknown}; use {list(MATCHINGS)}")
        if self.interview_matching not in MATCHINGS:
            raise ValueError(
                f"unknown interview matching {self.interview_matching!r}; use {list(MATCHINGS)}"
            )
        if self.critic is not None and self.interview is None:
            raise ValueError("the critic reviews interview backstories: add --interview")
        unknown = [b for b in self.baselines if b not in BASELINES]
        if unknown:
            raise ValueError(f"unknown baseline(s) {unknown}; use {list(BASELINES)}")


@dataclass(frozen=True)
class PipelineResult:
    """What a run produced: the evaluation, the stage timings and the output files."""

    out_dir: Path
    evaluation: EvaluationTable
    timings: tuple[StageTiming, ...]
    n_humans: int
    n_personas: int
    n_dp_personas: int
    model_identity: dict[str, Any]
    report_path: Path  # report.md
    gaps: GapTable | None = None  # when the dataset has groups


@dataclass(frozen=True)
class _Personas:
    """The persona pools of a run: Anthology backstories, and the DP ones (or None)."""

    backstories: pd.DataFrame
    dp_backstories: pd.DataFrame | None


def run_pipeline(
    config: PipelineConfig, out_dir: str | Path, *, progress: bool = True
) -> PipelineResult:
    """Run (or resume) every stage into ``out_dir`` and write ``report.md`` (module docstring)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    respondents = _respondents(config)
    model = LazyModel(config.model, config.seed, progress)
    stages = Stages(model, {"seed": config.seed}, seed=config.seed)
    steps = Steps(stages, progress=progress)
    try:
        personas = _persona_pools(config, respondents, steps, out_dir)
        answers = _survey(config, respondents, personas, steps, out_dir)
        start = time.perf_counter()
        evaluation, gaps = _score(config, respondents, answers, out_dir)
        stages.timed("evaluate", time.perf_counter() - start)
        identity = model.identity(out_dir / "backstories.parquet")
    finally:
        model.close()
    dp = personas.dp_backstories
    result = PipelineResult(
        out_dir=out_dir,
        evaluation=evaluation,
        timings=tuple(stages.timings),
        n_humans=respondents.n,
        n_personas=len(personas.backstories),
        n_dp_personas=len(dp) if dp is not None else 0,
        model_identity=identity,
        report_path=out_dir / "report.md",
        gaps=gaps,
    )
    write_run_report(result, config)
    return result


def _needs_one_to_one(config: PipelineConfig) -> bool:
    return any(m.startswith("maxweight") for m in config.matchings)


def _respondents(config: PipelineConfig) -> Dataset:
    """The seeded subsample of the dataset's respondents that every condition stands for."""
    respondents = subsample_respondents(
        load_dataset(config.dataset), config.humans, seed=config.seed
    )
    if _needs_one_to_one(config) and respondents.n > config.n:
        raise ValueError(
            f"maxweight matching is one-to-one: {respondents.n} humans need at least as many "
            f"personas, but -n is {config.n}; raise -n or lower --humans"
        )
    return respondents


def _persona_pools(
    config: PipelineConfig, respondents: Dataset, steps: Steps, out_dir: Path
) -> _Personas:
    """The Anthology backstories and, for the DP condition, one primed per respondent."""
    backstories = steps.backstories(
        "backstories",
        out_dir / "backstories.parquet",
        {"n": config.n, "backstories": config.backstories},
        anthology_slots(config.n),
        config.backstories,
    )
    dp_backstories = None
    if config.demographic_primed:
        dp_config = dataclasses.replace(config.backstories, style="anthology-dp")
        dp_backstories = steps.backstories(
            "backstories-dp",
            out_dir / "backstories_dp.parquet",
            {"backstories": dp_config},
            demographic_slots(respondents, respondents.ids.tolist(), seed=config.seed),
            dp_config,
        )
    if len(backstories) < respondents.n and _needs_one_to_one(config):
        raise ValueError(
            f"only {len(backstories)} of {config.n} backstories passed the filters, fewer than "
            f"the {respondents.n} humans that maxweight matching needs; raise -n or lower "
            "--min-words"
        )
    return _Personas(backstories, dp_backstories)


def _survey(
    config: PipelineConfig,
    respondents: Dataset,
    personas: _Personas,
    steps: Steps,
    out_dir: Path,
) -> pd.DataFrame:
    """Every condition's units, matched where they need it, answer every question."""
    demographics = steps.demographics(
        "demographics",
        out_dir / "demographics.parquet",
        personas.backstories,
        respondents.demographics,
        config.demographics,
    )
    matches = {
        method: steps.match(
            f"match-{method}",
            out_dir / f"match_{method}.parquet",
            respondents,
            demographics,
            matching_config(method),
        )
        for method in config.matchings
    }
    units = [baseline_units(respondents, b, seed=config.seed) for b in config.baselines]
    if personas.dp_backstories is not None:
        units.append(demographic_backstory_units(respondents, personas.dp_backstories))
    units += [
        matched_units(respondents, personas.backstories, table, condition=f"anthology-{method}")
        for method, table in matches.items()
    ]
    if config.interview is not None:
        units += _interview_units(config, config.interview, respondents, steps, out_dir)
    return steps.survey(
        "survey",
        out_dir / "answers.parquet",
        pd.concat(units, ignore_index=True),
        respondents.questions,
        config.survey,
    )


def _score(
    config: PipelineConfig, respondents: Dataset, answers: pd.DataFrame, out_dir: Path
) -> tuple[EvaluationTable, GapTable | None]:
    """The evaluation table and, on datasets with groups, the follow-up's perception gaps;
    each written to the run directory."""
    evaluation = evaluate_answers(
        respondents, answers, None, EvaluationConfig(n_splits=config.n_splits, seed=config.seed)
    )
    evaluation.to_json(out_dir / "metrics.json")
    evaluation.to_csv(out_dir / "summary.csv")
    gaps = None
    if respondents.groups:
        gaps = perception_gaps(respondents, answers)
        gaps.to_json(out_dir / "gaps.json")
        gaps.to_csv(out_dir / "gaps.csv")
    return evaluation, gaps


def matching_config(name: str) -> MatchConfig:
    """The :class:`~bench.personas.matching.MatchConfig` of a pipeline matching name."""
    if name == "maxweight-loglik":
        return MatchConfig(method="maxweight", objective="loglik")
    return MatchConfig(method=name)


def _interview_units(
    config: PipelineConfig,
    interview: InterviewConfig,
    respondents: Dataset,
    steps: Steps,
    out_dir: Path,
) -> list[pd.DataFrame]:
    """Interview personas (and, with a critic, the ones it kept), matched and ready to answer.

    Conditions ``interview-{matching}`` and ``interview-critic-{matching}``.
    """
    n = config.interview_n or config.n
    interviews = steps.interviews(
        "interviews",
        out_dir / "interviews.parquet",
        {"n": n, "interview": interview},
        n,
        interview,
    )
    pools = {"interview": interviews}
    if config.critic is not None:
        pools["interview-critic"] = steps.critic(
            "critic",
            out_dir / "interviews_critic.parquet",
            interviews,
            config.critic,
            interview,
        )
    method = config.interview_matching
    units = []
    for name, pool in pools.items():
        file = name.replace("-", "_")
        demographics = steps.demographics(
            f"demographics-{name}",
            out_dir / f"demographics_{file}.parquet",
            pool,
            respondents.demographics,
            config.demographics,
        )
        matches = steps.match(
            f"match-{name}",
            out_dir / f"match_{file}_{method}.parquet",
            respondents,
            demographics,
            matching_config(method),
        )
        units.append(matched_units(respondents, pool, matches, condition=f"{name}-{method}"))
    return units
