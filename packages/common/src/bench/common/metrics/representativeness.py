"""Representativeness: mean 1-D Wasserstein distance between human and model answers.

For questions q = 1..Q with K_q ordered options, human distribution h_q and model
distribution m_q (both (K_q,)), on the ordinal positions 0..K_q-1,

    WD     = (1/Q) sum_q W1(h_q, m_q)                 (raw scale, as the Anthology code)
    WD_norm = (1/Q) sum_q W1(h_q, m_q) / (K_q - 1)    (OpinionQA's scale, in [0, 1])

Each W1 comes from :func:`bench.common.ot.wasserstein_1d`; questions may have different
numbers of options, which is why the normalised scale exists: on the raw scale a
10-option question weighs more than a 3-option one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from bench.common.metrics.distributions import AnswerDistribution
from bench.common.ot import wasserstein_1d


@dataclass(frozen=True)
class Representativeness:
    """Per-question distances and their means on both scales."""

    per_question: pd.DataFrame  # index: question; columns: n_options, wd, wd_normalized

    @property
    def wd(self) -> float:
        """Mean W1 on the raw ordinal scale (positions 0..K-1)."""
        return self._mean("wd")

    @property
    def wd_normalized(self) -> float:
        """Mean W1 divided by K-1 (OpinionQA), in [0, 1]."""
        return self._mean("wd_normalized")

    def _mean(self, column: str) -> float:
        values = self.per_question[column]
        assert isinstance(values, pd.Series)  # one column per name
        return float(values.mean())


def _probabilities(question: str, side: str, value: ArrayLike | AnswerDistribution) -> np.ndarray:
    if isinstance(value, AnswerDistribution):
        return value.probabilities
    p = np.asarray(value, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(
            f"question {question!r}: {side} distribution has shape {p.shape}; expected (K,)"
        )
    return p


def representativeness(
    human: Mapping[str, ArrayLike | AnswerDistribution],
    model: Mapping[str, ArrayLike | AnswerDistribution],
) -> Representativeness:
    """Mean W1 between ``human[q]`` and ``model[q]`` over the questions q.

    Each value is a distribution (K_q,) over the question's ordered options (weights or
    counts are normalised) or an :class:`AnswerDistribution`. Both mappings must name
    the same questions, and each question must have the same K_q on both sides.
    """
    if set(human) != set(model):
        only_h = sorted(set(human) - set(model))
        only_m = sorted(set(model) - set(human))
        raise ValueError(
            f"human and model cover different questions (human only: {only_h}, model only: {only_m})"
        )
    if not human:
        raise ValueError("no questions to compare")
    # One batched wasserstein_1d call per option count K (thousands of questions at once).
    by_k: dict[int, list[str]] = {}
    pairs = {}
    for q in human:
        h = _probabilities(q, "human", human[q])
        m = _probabilities(q, "model", model[q])
        if h.shape != m.shape:
            raise ValueError(
                f"question {q!r}: human has {h.shape[0]} options and model {m.shape[0]}; "
                "they must share the question's options"
            )
        pairs[q] = (h, m)
        by_k.setdefault(h.shape[0], []).append(q)
    wd = {}
    for questions in by_k.values():
        try:
            values = wasserstein_1d(
                np.stack([pairs[q][0] for q in questions]),
                np.stack([pairs[q][1] for q in questions]),
            )
        except ValueError:
            for q in questions:  # find and name the offending question
                try:
                    wasserstein_1d(*pairs[q])
                except ValueError as exc:
                    raise ValueError(f"question {q!r}: {exc}") from exc
            raise
        wd.update(zip(questions, np.atleast_1d(values)))
    n_options = np.array([pairs[q][0].shape[0] for q in human])
    raw = np.array([wd[q] for q in human], dtype=np.float64)
    per_question = pd.DataFrame(
        {
            "n_options": n_options,
            "wd": raw,
            "wd_normalized": np.where(n_options > 1, raw / np.maximum(n_options - 1, 1), 0.0),
        },
        index=pd.Index(list(human), name="question"),
    )
    return Representativeness(per_question=per_question)
