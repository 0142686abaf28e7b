"""The pipeline's steps as stages: each step's work, settings and inputs in one place.

``bench personas run`` (:mod:`bench.personas.pipeline`), the ablations
(:mod:`bench.personas.ablation`) and the single-stage commands run their steps through
:class:`Steps`, so a step's content address (:mod:`bench.personas.stages`) is built the
same way wherever it runs. ``name`` and ``out`` are the caller's: a run holds several
stages of one step (a demographic survey per persona pool).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bench.common.inference import Model
from bench.personas.backstories import BackstoryConfig, Slot, generate_backstories
from bench.personas.critic import CriticConfig, review_setting_aside_dropped
from bench.personas.datasets import Dataset, Question, Trait
from bench.personas.demographics import DemographicsConfig, survey_demographics
from bench.personas.interview import InterviewConfig, generate_interviews
from bench.personas.journal import Journal
from bench.personas.matching import MatchConfig, match
from bench.personas.stages import Stages
from bench.personas.survey import SurveyConfig, run_survey


class Steps:
    """Each step of the pipeline as a stage of ``stages`` (its seed is every step's)."""

    def __init__(self, stages: Stages, *, progress: bool = True):
        self.stages, self.seed, self.progress = stages, stages.seed, progress

    def backstories(
        self,
        name: str,
        out: Path,
        settings: Mapping[str, Any],
        slots: Sequence[Slot],
        config: BackstoryConfig,
    ) -> pd.DataFrame:
        """One accepted backstory per slot (:func:`~bench.personas.backstories.generate_backstories`)."""

        def work(model: Model, journal: Journal) -> pd.DataFrame:
            return generate_backstories(
                model, slots, config, seed=self.seed, journal=journal, progress=self.progress
            )

        return self.stages(name, out, dict(settings), work, inputs={"slots": slots})

    def interviews(
        self, name: str, out: Path, settings: Mapping[str, Any], n: int, config: InterviewConfig
    ) -> pd.DataFrame:
        """``n`` interview backstories (:func:`~bench.personas.interview.generate_interviews`)."""

        def work(model: Model, journal: Journal) -> pd.DataFrame:
            return generate_interviews(
                model, n, config, seed=self.seed, journal=journal, progress=self.progress
            )

        return self.stages(name, out, dict(settings), work)

    def critic(
        self,
        name: str,
        out: Path,
        table: pd.DataFrame,
        critic: CriticConfig,
        interview: InterviewConfig,
        *,
        input_name: str = "interviews",
    ) -> pd.DataFrame:
        """The backstories of ``table`` that the critic kept; the dropped ones beside ``out``
        (:func:`~bench.personas.critic.review_setting_aside_dropped`)."""

        def work(model: Model, journal: Journal) -> pd.DataFrame:
            return review_setting_aside_dropped(
                model, table, critic, seed=self.seed, journal=journal, interview=interview, out=out
            )

        settings = {"interview": interview, "critic": critic}
        return self.stages(name, out, settings, work, inputs={input_name: table})

    def demographics(
        self,
        name: str,
        out: Path,
        backstories: pd.DataFrame,
        traits: Sequence[Trait],
        config: DemographicsConfig,
    ) -> pd.DataFrame:
        """Every persona's demographic survey (:func:`~bench.personas.demographics.survey_demographics`)."""

        def work(model: Model, journal: Journal) -> pd.DataFrame:
            return survey_demographics(
                model, backstories, traits, config, journal=journal, progress=self.progress
            )

        inputs = {"backstories": backstories, "traits": traits}
        return self.stages(name, out, {"demographics": config}, work, inputs=inputs)

    def match(
        self,
        name: str,
        out: Path,
        respondents: Dataset,
        demographics: pd.DataFrame,
        config: MatchConfig,
    ) -> pd.DataFrame:
        """``respondents`` matched to the personas of ``demographics`` (no model)."""

        def work(model: None, journal: Journal) -> pd.DataFrame:
            return match(respondents, demographics, config, seed=self.seed)

        inputs = {
            "demographics": demographics,
            "profiles": respondents.profiles().reset_index(names="id"),
            "traits": respondents.demographics,
        }
        return self.stages(name, out, {"match": config}, work, inputs=inputs, needs_model=False)

    def survey(
        self,
        name: str,
        out: Path,
        units: pd.DataFrame,
        questions: Sequence[Question],
        config: SurveyConfig,
    ) -> pd.DataFrame:
        """Every unit's answer to every question (:func:`~bench.personas.survey.run_survey`)."""

        def work(model: Model, journal: Journal) -> pd.DataFrame:
            return run_survey(
                model,
                units,
                questions,
                config,
                seed=self.seed,
                journal=journal,
                progress=self.progress,
            )

        inputs = {"units": units, "questions": questions}
        return self.stages(name, out, {"survey": config}, work, inputs=inputs)

    def persona_pool(
        self,
        out: Path,
        n: int,
        slots: Sequence[Slot] | None,
        config: BackstoryConfig | InterviewConfig,
        critic: CriticConfig | None,
    ) -> pd.DataFrame:
        """``bench personas backstories``: n personas' backstories of either style
        (``slots`` for Anthology, None for interviews) and, with ``critic``, its review, as
        one stage sharing one journal; the dropped backstories go beside ``out``."""

        def work(model: Model, journal: Journal) -> pd.DataFrame:
            if isinstance(config, InterviewConfig):
                table = generate_interviews(model, n, config, seed=self.seed, journal=journal)
            else:
                assert slots is not None, "Anthology backstories are sampled for slots"
                table = generate_backstories(model, slots, config, seed=self.seed, journal=journal)
            if critic is None:
                return table
            interview = config if isinstance(config, InterviewConfig) else None
            return review_setting_aside_dropped(
                model, table, critic, seed=self.seed, journal=journal, interview=interview, out=out
            )

        settings = {"n": n, "backstories": config, "critic": critic}
        inputs = {"slots": slots} if slots is not None else {}
        return self.stages("backstories", out, settings, work, inputs=inputs)
