"""The ablation's long metrics table (:data:`~bench.personas.ablation.config.TABLE_COLUMNS`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.personas.ablation.config import (
    ALL_QUESTIONS,
    GAP_MEASURES,
    TABLE_COLUMNS,
    AblationConfig,
)
from bench.personas.ablation.result import KnobValue
from bench.personas.datasets import Dataset
from bench.personas.evaluation import ALL, HUMAN_BOUND, EvaluationConfig, evaluate_answers
from bench.personas.perception import HUMAN, perception_gaps


def ablation_metrics(
    config: AblationConfig,
    respondents: Dataset,
    answers: pd.DataFrame,
    pools: dict[KnobValue, list[str]],
    words: dict[KnobValue, float],
) -> pd.DataFrame:
    """The long metrics table (module docstring) from the answers of every knob value.

    ``answers`` holds one condition ``{knob}={value}`` per knob value; ``pools`` the
    persona ids each value's matching drew from, ``words`` their mean backstory length.
    """
    evaluation = evaluate_answers(
        respondents, answers, None, EvaluationConfig(n_splits=config.n_splits, seed=config.seed)
    ).summary
    overall = {
        str(row["condition"]): row
        for row in evaluation.loc[evaluation["group"] == ALL].to_dict("records")
    }
    gaps = _gap_means(respondents, answers)
    rows: list[tuple[str, str, KnobValue, str, str, str, float]] = []

    def add(value: KnobValue, group: str, measure: str, metric: str, score: float) -> None:
        rows.append((config.kind, config.knob, value, group, measure, metric, float(score)))

    for value in config.knob_values:
        condition = f"{config.knob}={value}"
        add(value, ALL, ALL_QUESTIONS, "n_personas", len(pools[value]))
        add(value, ALL, ALL_QUESTIONS, "mean_words", words.get(value, np.nan))
        for metric in ("wd", "wd_normalized"):
            add(value, ALL, ALL_QUESTIONS, metric, overall[condition][metric])
        add(value, ALL, ALL_QUESTIONS, "wd_human_bound", overall[HUMAN_BOUND]["wd"])
        if gaps is None:
            continue
        for measure, group, _ in [key for key in gaps if key[2] == HUMAN]:
            human = gaps[(measure, group, HUMAN)]
            persona = gaps[(measure, group, condition)]
            add(value, group, measure, "gap", persona["gap"])
            add(value, group, measure, "gap_human", human["gap"])
            add(value, group, measure, "gap_error", abs(persona["gap"] - human["gap"]))
            add(value, group, measure, "cohens_d", persona["cohens_d"])
            add(value, group, measure, "cohens_d_human", human["cohens_d"])
            add(value, group, measure, "wd", persona["wd"])
            add(value, group, measure, "wd_normalized", persona["wd_normalized"])
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def _gap_means(
    respondents: Dataset, answers: pd.DataFrame
) -> dict[tuple[str, str, str], dict[str, float]] | None:
    """(measure, group, condition) -> the mean gap, Cohen's d and WDs of the perception
    measures in :data:`GAP_MEASURES`; None when the dataset has no groups."""
    if not respondents.groups:
        return None
    gaps = perception_gaps(respondents, answers).table
    gaps = gaps.loc[gaps["measure"].isin(GAP_MEASURES)]
    columns = ["gap", "cohens_d", "wd", "wd_normalized"]
    means = gaps.groupby(["measure", "group", "condition"], sort=False)[columns].mean()
    return {
        (str(measure), str(group), str(condition)): {
            column: float(row[column]) for column in columns
        }
        for (measure, group, condition), row in zip(means.index, means.to_dict("records"))
    }
