"""Cronbach's alpha and Cohen's d: hand-worked cases, pingouin as reference, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest

from bench.common.metrics import cohens_d, cronbach_alpha


def test_alpha_by_hand():
    # Items x1 = (1, 2, 3), x2 = (2, 3, 3); total = (3, 5, 6).
    # var(x1) = 1, var(x2) = (4/9 + 1/9 + 1/9) / 2 = 1/3, var(total) = (25 + 1 + 16)/9 / 2 = 7/3
    # α = 2/1 · (1 - (1 + 1/3) / (7/3)) = 2 · 3/7 = 6/7.
    assert cronbach_alpha([[1, 2], [2, 3], [3, 3]]) == pytest.approx(6 / 7)


def test_alpha_weights_and_listwise_deletion():
    items = np.array([[1, 2], [2, 3], [3, 3]], dtype=float)
    # Integer weights are repeated rows; equal weights change nothing.
    assert cronbach_alpha(items, weights=[2, 1, 3]) == pytest.approx(
        cronbach_alpha(np.repeat(items, [2, 1, 3], axis=0))
    )
    assert cronbach_alpha(items, weights=[5, 5, 5]) == pytest.approx(6 / 7)
    # Listwise: a respondent with a hole is dropped entirely; pairwise (the default) keeps
    # its answer to the second item.
    holey = np.vstack([items, [[np.nan, 1.0]]])
    assert cronbach_alpha(holey, deletion="listwise") == pytest.approx(6 / 7)
    assert cronbach_alpha(holey) != pytest.approx(6 / 7)


def _survey_items(seed: int, n: int = 60, k: int = 5) -> pd.DataFrame:
    """Correlated 5-point answers with a quarter of them missing (refusals, split forms)."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(n, 1))
    answers = np.clip(np.rint(3 + trait + rng.normal(scale=0.9, size=(n, k))), 1, 5)
    table = pd.DataFrame(answers, columns=[f"q{j}" for j in range(k)])
    return table.mask(rng.random(table.shape) < 0.25)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alpha_with_missing_answers_equals_pingouin(seed):
    # The Anthology code calls pingouin.cronbach_alpha with its default (pairwise) policy.
    table = _survey_items(seed)
    assert cronbach_alpha(table) == pytest.approx(pingouin.cronbach_alpha(table)[0], rel=1e-12)
    listwise = pingouin.cronbach_alpha(table, nan_policy="listwise")[0]
    assert cronbach_alpha(table, deletion="listwise") == pytest.approx(listwise, rel=1e-12)


@pytest.mark.parametrize("deletion", ["pairwise", "listwise"])
def test_weighted_alpha_equals_pingouin_on_repeated_rows(deletion):
    # Integer weights averaging 1 (0: the row is left out, 2: it counts twice) are the
    # table with each row repeated w_i times; any rescaling of them gives the same alpha.
    table = _survey_items(3)
    counts = np.random.default_rng(4).permutation(np.repeat([0, 1, 2], len(table) // 3))
    repeated = table.loc[table.index.repeat(counts)].reset_index(drop=True)
    expected = pingouin.cronbach_alpha(repeated, nan_policy=deletion)[0]
    for weights in (counts, counts * 7.3):
        assert cronbach_alpha(table, weights=weights, deletion=deletion) == pytest.approx(
            expected, rel=1e-12
        )


def test_alpha_properties():
    # Identical items: α = k/(k-1) · (1 - k s² / (k² s²)) = 1.
    x = np.array([1.0, 4.0, 2.0, 5.0])
    assert cronbach_alpha(np.column_stack([x, x, x])) == pytest.approx(1.0)


def test_alpha_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha([[1], [2], [3]])
    with pytest.raises(ValueError, match="zero variance"):
        cronbach_alpha([[1, 3], [2, 2], [3, 1]])  # every total is 4
    with pytest.raises(ValueError, match="NaN"):
        cronbach_alpha([[1, 2], [2, 3], [3, 3]], weights=[1, np.nan, 1])


def test_cohens_d_by_hand():
    # a = (2, 4, 6): mean 4, s² = (4 + 0 + 4)/2 = 4;  b = (1, 2, 3): mean 2, s² = 1.
    # pooled s² = (2·4 + 2·1) / 4 = 2.5;  d = 2 / sqrt(2.5).
    assert cohens_d([2, 4, 6], [1, 2, 3]) == pytest.approx(2 / np.sqrt(2.5))
    assert cohens_d([1, 2, 3], [2, 4, 6]) == pytest.approx(-2 / np.sqrt(2.5))


def test_cohens_d_weighted_by_hand():
    # a = (0, 2), w = (1, 3): mean 6/4 = 1.5; Σw(x-x̄)²/Σw = (2.25 + 3·0.25)/4 = 0.75;
    # s_a² = 0.75 · n/(n-1) = 1.5.  b = (0, 1) unweighted: mean 0.5, s_b² = 0.5.
    # pooled s² = (1·1.5 + 1·0.5) / 2 = 1;  d = (1.5 - 0.5) / 1 = 1.
    assert cohens_d([0, 2], [0, 1], weights_a=[1, 3]) == pytest.approx(1.0)
    # Rescaling weights and NaN answers (dropped) change nothing.
    assert cohens_d([0, 2, np.nan], [0, 1], weights_a=[10, 30, 5]) == pytest.approx(1.0)
    assert cohens_d([2, 4, 6], [1, 2, 3], weights_b=[7, 7, 7]) == pytest.approx(2 / np.sqrt(2.5))


def test_cohens_d_bad_inputs():
    with pytest.raises(ValueError, match="zero variance"):
        cohens_d([1, 1], [2, 2])
    with pytest.raises(ValueError, match="group b has 1"):
        cohens_d([1, 2], [3])
    with pytest.raises(ValueError, match="weights_a has shape"):
        cohens_d([1, 2], [1, 3], weights_a=[1, 2, 3])
