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

from bench.personas.backstories import (
    BackstoryConfig,
    anthology_slots,
    demographic_slots,
    generate_backstories,
)
from bench.personas.critic import CriticConfig
from bench.personas.demographics import DemographicsConfig, survey_demographics
from bench.personas.interview import InterviewConfig
from bench.personas.respondents import subsample_respondents
from bench.personas.stages import LazyModel, Stages, StageTiming
from bench.personas.survey import (
    SurveyConfig,
    baseline_units,
    demographic_backstory_units,
    matched_units,
    run_survey,
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
    evaluation: Any  # bench.personas.evaluation.EvaluationTable
    timings: tuple[StageTiming, ...]
    n_humans: int
    n_personas: int
    n_dp_personas: int
    model_identity: dict[str, Any]
    report: Path
    gaps: Any = None  # bench.personas.perception.GapTable, when the dataset has groups


def run_pipeline(
    config: PipelineConfig, out_dir: str | Path, *, progress: bool = True
) -> PipelineResult:
    """Run (or resume) every stage into ``out_dir`` and write ``report.md`` (module docstring)."""
    from bench.personas.datasets import load_dataset
    from bench.personas.evaluation import EvaluationConfig, evaluate
    from bench.personas.matching import match
    from bench.personas.perception import perception_gaps
    from bench.personas.pipeline_report import write_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(config.dataset)
    humans = subsample_respondents(dataset, config.humans, seed=config.seed)
    if any(m.startswith("maxweight") for m in config.matchings) and humans.n > config.n:
        raise ValueError(
            f"maxweight matching is one-to-one: {humans.n} humans need at least as many personas, "
            f"but -n is {config.n}; raise -n or lower --humans"
        )
    model = LazyModel(config.model, config.seed, progress)
    seed = config.seed
    stage = Stages(model, {"seed": seed}, seed=seed)
    # What the humans contribute to each stage, for the stages' keys.
    profiles = humans.profiles().reset_index(names="id")
    traits = humans.demographics

    try:
        slots = anthology_slots(config.n)
        stories = stage(
            "backstories",
            out_dir / "backstories.parquet",
            {"n": config.n, "backstories": config.backstories},
            lambda lm, journal: generate_backstories(
                lm, slots, config.backstories, seed=seed, journal=journal, progress=progress
            ),
            inputs={"slots": slots},
        )
        dp_stories = None
        if config.demographic_primed:
            dp_config = dataclasses.replace(config.backstories, style="anthology-dp")
            dp_slots = demographic_slots(humans, humans.ids.tolist(), seed=seed)
            dp_stories = stage(
                "backstories-dp",
                out_dir / "backstories_dp.parquet",
                {"backstories": dp_config},
                lambda lm, journal: generate_backstories(
                    lm, dp_slots, dp_config, seed=seed, journal=journal, progress=progress
                ),
                inputs={"slots": dp_slots},
            )
        if len(stories) < humans.n and any(m.startswith("maxweight") for m in config.matchings):
            raise ValueError(
                f"only {len(stories)} of {config.n} backstories passed the filters, fewer than the "
                f"{humans.n} humans that maxweight matching needs; raise -n or lower --min-words"
            )
        demographics = stage(
            "demographics",
            out_dir / "demographics.parquet",
            {"demographics": config.demographics},
            lambda lm, journal: survey_demographics(
                lm, stories, traits, config.demographics, journal=journal, progress=progress
            ),
            inputs={"backstories": stories, "traits": traits},
        )
        matches = {
            method: stage(
                f"match-{method}",
                out_dir / f"match_{method}.parquet",
                {"match": matching_config(method)},
                lambda lm, journal, method=method: match(
                    humans, demographics, matching_config(method), seed=seed
                ),
                inputs={"demographics": demographics, "profiles": profiles, "traits": traits},
                needs_model=False,
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
        if config.interview is not None:
            units += _interview_units(config, humans, stage, out_dir, progress)
        all_units = pd.concat(units, ignore_index=True)
        answers = stage(
            "survey",
            out_dir / "answers.parquet",
            {"survey": config.survey},
            lambda lm, journal: run_survey(
                lm,
                all_units,
                humans.questions,
                config.survey,
                seed=seed,
                journal=journal,
                progress=progress,
            ),
            inputs={"units": all_units, "questions": humans.questions},
        )
        start = time.perf_counter()
        evaluation = evaluate(
            humans, answers, None, EvaluationConfig(n_splits=config.n_splits, seed=seed)
        )
        evaluation.to_json(out_dir / "metrics.json")
        evaluation.to_csv(out_dir / "summary.csv")
        gaps = None
        if humans.groups:  # the follow-up's in-group / out-group / meta-perception gaps
            gaps = perception_gaps(humans, answers)
            gaps.to_json(out_dir / "gaps.json")
            gaps.to_csv(out_dir / "gaps.csv")
        stage.timed("evaluate", time.perf_counter() - start)
        identity = model.identity(out_dir / "backstories.parquet")
    finally:
        model.close()
    result = PipelineResult(
        out_dir=out_dir,
        evaluation=evaluation,
        timings=tuple(stage.timings),
        n_humans=humans.n,
        n_personas=len(stories),
        n_dp_personas=len(dp_stories) if dp_stories is not None else 0,
        model_identity=identity,
        report=out_dir / "report.md",
        gaps=gaps,
    )
    write_report(result, config)
    return result


def matching_config(name: str) -> Any:
    """The :class:`~bench.personas.matching.MatchConfig` of a pipeline matching name."""
    from bench.personas.matching import MatchConfig

    if name == "maxweight-loglik":
        return MatchConfig(method="maxweight", objective="loglik")
    return MatchConfig(method=name)


def _interview_units(
    config: PipelineConfig, humans: Any, stage: Stages, out_dir: Path, progress: bool
) -> list[pd.DataFrame]:
    """Interview personas (and, with a critic, the ones it kept), matched and ready to answer.

    Conditions ``interview-{matching}`` and ``interview-critic-{matching}``.
    """
    from bench.personas.critic import dropped_path, review_backstories
    from bench.personas.interview import generate_interviews
    from bench.personas.matching import match
    from bench.personas.tables import write_parquet

    n = config.interview_n or config.n
    seed = config.seed
    interviews = stage(
        "interviews",
        out_dir / "interviews.parquet",
        {"n": n, "interview": config.interview},
        lambda lm, journal: generate_interviews(
            lm, n, config.interview, seed=seed, journal=journal, progress=progress
        ),
    )
    profiles = humans.profiles().reset_index(names="id")
    pools = {"interview": interviews}
    if config.critic is not None:
        reviewed = out_dir / "interviews_critic.parquet"

        def review(lm: Any, journal: Any) -> pd.DataFrame:
            result = review_backstories(
                lm,
                interviews,
                config.critic,
                seed=seed,
                journal=journal,
                interview=config.interview,
            )
            write_parquet(result.dropped, dropped_path(reviewed))
            return result.kept

        pools["interview-critic"] = stage(
            "critic",
            reviewed,
            {"interview": config.interview, "critic": config.critic},
            review,
            inputs={"interviews": interviews},
        )
    units = []
    method = config.interview_matching
    for name, pool in pools.items():
        demographics = stage(
            f"demographics-{name}",
            out_dir / f"demographics_{name.replace('-', '_')}.parquet",
            {"demographics": config.demographics},
            lambda lm, journal, pool=pool: survey_demographics(
                lm,
                pool,
                humans.demographics,
                config.demographics,
                journal=journal,
                progress=progress,
            ),
            inputs={"backstories": pool, "traits": humans.demographics},
        )
        matches = stage(
            f"match-{name}",
            out_dir / f"match_{name.replace('-', '_')}_{method}.parquet",
            {"match": matching_config(method)},
            lambda lm, journal, demographics=demographics: match(
                humans, demographics, matching_config(method), seed=seed
            ),
            inputs={
                "demographics": demographics,
                "profiles": profiles,
                "traits": humans.demographics,
            },
            needs_model=False,
        )
        units.append(matched_units(humans, pool, matches, condition=f"{name}-{method}"))
    return units
