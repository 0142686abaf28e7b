"""Answer distributions and the representativeness WD, against scipy and by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from bench.common.metrics import answer_distribution, representativeness


def test_weighted_distribution_by_hand():
    # Options 1..3; 98 = refused, NaN = not asked. Kept: 1 (w=1), 2 (w=2), 2 (w=1), 3 (w=4)
    # -> mass [1, 3, 4] / 8.
    answers = [1, 2, 98, 2, np.nan, 3]
    weights = [1.0, 2.0, 5.0, 1.0, 7.0, 4.0]
    dist = answer_distribution(answers, [1, 2, 3], weights=weights, missing=[98])
    np.testing.assert_allclose(dist.probabilities, [1 / 8, 3 / 8, 4 / 8])
    assert (dist.n, dist.n_missing, dist.weight_total) == (4, 2, 8.0)
    assert dist.as_series().index.tolist() == [1, 2, 3]


def test_string_codes_and_unweighted():
    dist = answer_distribution(["No", "Yes", "Yes", "Refused"], ["No", "Yes"], missing=["Refused"])
    np.testing.assert_allclose(dist.probabilities, [1 / 3, 2 / 3])


def test_all_missing_is_a_clear_error():
    with pytest.raises(ValueError, match="q7: every answer is missing"):
        answer_distribution([98, np.nan, 99], [1, 2], missing=[98, 99], name="q7")


def test_unknown_code_is_an_error():
    with pytest.raises(ValueError, match="answer codes 5 are neither options"):
        answer_distribution([1, 5, 2], [1, 2])


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1.0, -1.0, 1.0], "negative"), ([1.0, np.nan, 1.0], "NaN"), ([1.0, 1.0], "shape")],
)
def test_bad_weights(weights, message):
    with pytest.raises(ValueError, match=message):
        answer_distribution([1, 2, 2], [1, 2], weights=weights)


def test_representativeness_matches_scipy_on_both_scales():
    rng = np.random.default_rng(3)
    sizes = {"a": 2, "b": 5, "c": 7}  # questions with different numbers of options
    human = {q: rng.dirichlet(np.ones(k)) for q, k in sizes.items()}
    model = {q: rng.dirichlet(np.ones(k)) for q, k in sizes.items()}
    result = representativeness(human, model)
    raw = [
        wasserstein_distance(np.arange(k), np.arange(k), human[q], model[q])
        for q, k in sizes.items()
    ]
    normalized = [d / (k - 1) for d, k in zip(raw, sizes.values())]
    np.testing.assert_allclose(result.per_question.loc[list(sizes), "wd"], raw, rtol=1e-12)
    assert result.wd == pytest.approx(np.mean(raw), rel=1e-12)
    assert result.wd_normalized == pytest.approx(np.mean(normalized), rel=1e-12)
    assert result.per_question["n_options"].tolist() == [2, 5, 7]


def test_representativeness_properties():
    h = {"q": [0.2, 0.3, 0.5]}
    m = {"q": [0.6, 0.1, 0.3]}
    assert representativeness(h, h).wd == 0.0
    assert representativeness(h, m).wd == pytest.approx(representativeness(m, h).wd)
    # All mass at opposite ends: the largest distance, K-1 raw and 1 normalised.
    far = representativeness({"q": [1, 0, 0]}, {"q": [0, 0, 1]})
    assert (far.wd, far.wd_normalized) == (2.0, 1.0)


def test_representativeness_accepts_answer_distributions():
    # Counts 2/1/1 vs 0/1/3 on 3 options: CDFs (.5, .75) vs (0, .25) -> W1 = .5 + .5 = 1.
    h = answer_distribution([1, 1, 2, 3], [1, 2, 3])
    m = answer_distribution([2, 3, 3, 3], [1, 2, 3])
    assert representativeness({"q": h}, {"q": m}).wd == pytest.approx(1.0)


def test_representativeness_mismatches():
    with pytest.raises(ValueError, match="different questions"):
        representativeness({"a": [1, 1]}, {"b": [1, 1]})
    with pytest.raises(ValueError, match="'a': human has 2 options and model 3"):
        representativeness({"a": [1, 1]}, {"a": [1, 1, 1]})
    with pytest.raises(ValueError, match="question 'b': u: has negative weights"):
        representativeness({"a": [1, 1], "b": [-1, 2]}, {"a": [1, 0], "b": [1, 1]})
