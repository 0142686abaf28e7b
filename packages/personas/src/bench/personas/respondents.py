"""Which human respondents a run uses: all of them, or a seeded subsample.

A run on a small machine surveys a subsample of the humans (``--humans N``); the same
``(N, seed)`` picks the same respondents in every stage and command, so ``bench personas
survey --humans 50 --seed 0`` answers for the humans that ``bench personas run --humans 50
--seed 0`` matched.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from bench.personas.datasets import Dataset


def subsample_respondents(dataset: Dataset, n: int | None, *, seed: int) -> Dataset:
    """``dataset`` restricted to ``n`` respondents drawn without replacement (seeded).

    ``n`` None (or at least the dataset's size) keeps every respondent. The kept rows stay
    in dataset order, so ids, weights and profiles line up as before.
    """
    if n is None or n >= dataset.n:
        return dataset
    if n < 1:
        raise ValueError(f"--humans {n}: need at least 1 respondent (or leave it out for all)")
    rng = np.random.default_rng([seed, 0x4855])  # its own stream: "HU"
    rows = np.sort(rng.choice(dataset.n, size=n, replace=False))
    weights = None if dataset.weights is None else dataset.weights.iloc[rows].reset_index(drop=True)
    return dataclasses.replace(
        dataset,
        respondents=dataset.respondents.iloc[rows].reset_index(drop=True),
        weights=weights,
        _cache={},
    )
