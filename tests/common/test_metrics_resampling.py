"""Bootstrap CIs and the split-half lower bound: seeded, symmetric, and on real survey data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import bootstrap

from bench.common.metrics import (
    answer_distribution,
    bootstrap_ci,
    representativeness,
    split_half,
)


def test_bootstrap_matches_scipy_percentile():
    rng = np.random.default_rng(5)
    x = rng.normal(loc=2.0, size=300)
    ours = bootstrap_ci(lambda rows: x[rows].mean(), len(x), n_resamples=4000, seed=1)
    ref = bootstrap(
        (x,), np.mean, n_resamples=4000, method="percentile", random_state=np.random.default_rng(1)
    ).confidence_interval
    # Different random streams: endpoints agree to Monte Carlo error (SE/sqrt(B) scale).
    se = x.std(ddof=1) / np.sqrt(len(x))
    assert ours.low == pytest.approx(ref.low, abs=0.1 * se)
    assert ours.high == pytest.approx(ref.high, abs=0.1 * se)
    assert ours.estimate == pytest.approx(x.mean())
    assert ours.low < ours.estimate < ours.high and ours.n_resamples == 4000


def test_bootstrap_is_seeded_and_checks_input():
    x = np.arange(20.0)
    a = bootstrap_ci(lambda rows: x[rows].mean(), 20, n_resamples=50, seed=3)
    b = bootstrap_ci(lambda rows: x[rows].mean(), 20, n_resamples=50, seed=3)
    c = bootstrap_ci(lambda rows: x[rows].mean(), 20, n_resamples=50, seed=4)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(lambda rows: 0.0, 20, level=95)


def test_split_half_partitions_and_is_seeded():
    seen = []

    def metric(a, b):
        assert len(a) == 5 and len(b) == 6  # n // 2 and the rest
        assert np.intersect1d(a, b).size == 0 and np.union1d(a, b).tolist() == list(range(11))
        seen.append(a)
        return float(a.sum() - b.sum())

    first = split_half(metric, 11, n_splits=20, seed=9)
    again = split_half(metric, 11, n_splits=20, seed=9)
    np.testing.assert_array_equal(first.values, again.values)
    assert first.n_splits == 20
    assert first.mean == pytest.approx(first.values.mean())
    assert first.std == pytest.approx(first.values.std(ddof=1))
    assert len({tuple(a) for a in seen}) > 1  # the splits differ
    with pytest.raises(ValueError, match="at least 4"):
        split_half(metric, 3)


def _anes_party_id() -> np.ndarray:
    from statsmodels.datasets import anes96

    return anes96.load_pandas().data["PID"].to_numpy()  # 0..6, strong Dem .. strong Rep


def test_split_half_wd_on_anes96_is_symmetric_and_small():
    pid = _anes_party_id()
    options = list(range(7))

    def wd(a, b):
        h = answer_distribution(pid[a], options)
        m = answer_distribution(pid[b], options)
        return representativeness({"PID": h}, {"PID": m}).wd_normalized

    forward = split_half(wd, len(pid), seed=0)
    backward = split_half(lambda a, b: wd(b, a), len(pid), seed=0)
    np.testing.assert_allclose(forward.values, backward.values, rtol=1e-12)
    assert forward.n_splits == 100  # the paper's S
    # Two halves of one population are close, far closer than two different populations
    # (Democratic identifiers, PID <= 2, against Republican ones, PID >= 4).
    assert 0.0 < forward.mean < 0.05
    same = split_half(lambda a, b: wd(a, a), len(pid), n_splits=3, seed=0)
    assert same.mean == 0.0
    parties = representativeness(
        {"PID": answer_distribution(pid[pid <= 2], options)},
        {"PID": answer_distribution(pid[pid >= 4], options)},
    )
    assert parties.wd_normalized > 10 * forward.mean
