import numpy as np
from scipy import stats

from bench.common.metrics import mean_ci


def test_mean_ci_by_hand():
    # 1, 2, 3: mean 2, s = 1, t_{0.975, 2} = 4.302653 -> half-width 4.302653 / sqrt(3)
    mean, half = mean_ci(np.array([1.0, 2.0, 3.0]))
    assert mean == 2.0
    assert np.isclose(half, 4.302653 / np.sqrt(3), atol=1e-6)


def test_mean_ci_matches_scipy_and_drops_nans():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    mean, half = mean_ci(np.append(x, np.nan))
    assert np.isclose(mean - half, low) and np.isclose(mean + half, high)
    assert np.isnan(mean_ci(np.array([5.0]))[1])
