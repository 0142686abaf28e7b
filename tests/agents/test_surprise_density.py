"""The episode density p_θ(o): log-likelihoods against hand counts on scripted views."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from bench.agents.surprise.density import (
    CELL_BLOCK,
    CHANNEL_SIZES,
    CategoricalDensity,
    DensityConfig,
    one_hot,
)
from bench.agents.surprise.envs import NoisyDarkRooms
from bench.agents.surprise.observation import SurpriseObservation


def _empty_view() -> np.ndarray:
    view = np.zeros((7, 7, 3), dtype=np.uint8)
    view[..., 0] = 1  # "empty" everywhere, colour 0, state 0
    return view


def test_uniform_before_any_view():
    density = CategoricalDensity()
    expected = 49 * (math.log(1 / 11) + math.log(1 / 6) + math.log(1 / 3))
    assert density.log_prob(_empty_view()) == pytest.approx(expected)
    assert CHANNEL_SIZES == (11, 6, 3)


def test_log_prob_matches_hand_count_with_clip():
    a = _empty_view()
    b = a.copy()
    b[0, 0] = (2, 5, 0)  # a grey wall where A has an empty cell
    density = CategoricalDensity(DensityConfig(p_min=1e-3))
    density.update(a)
    density.update(a)
    # n = 2: 48 cells of B agree with both A's (θ = 1); cell (0,0)'s object and colour
    # were never seen (θ = 0, clipped to 1e-3), its state was (θ = 1).
    assert density.log_prob(b) == pytest.approx(2 * math.log(1e-3))
    density.update(b)
    # n = 3: cell (0,0) saw "empty" 2 of 3 times in object and colour, state 0 always.
    assert density.log_prob(a) == pytest.approx(2 * math.log(2 / 3))
    assert density.log_prob(b) == pytest.approx(2 * math.log(1 / 3))
    density.reset()
    assert density.n == 0
    assert density.log_prob(a) == pytest.approx(CategoricalDensity().log_prob(a))


def test_theta_is_a_distribution_per_cell_and_channel():
    rng = np.random.default_rng(0)
    density = CategoricalDensity()
    for _ in range(5):
        view = np.stack([rng.integers(0, k, size=(7, 7)) for k in CHANNEL_SIZES], axis=-1).astype(
            np.uint8
        )
        density.update(view)
    blocks = density.theta.reshape(49, CELL_BLOCK)
    starts = np.cumsum((0, *CHANNEL_SIZES))
    for lo, hi in itertools.pairwise(starts):
        np.testing.assert_allclose(blocks[:, lo:hi].sum(axis=1), 1.0)
    # theta and the one-hot code share a layout: <one_hot(o), theta> sums θ over the
    # view's 147 values, and log of their product is log p without the clip.
    view = view.copy()
    theta_at_view = density.theta[one_hot(view) > 0]
    assert len(theta_at_view) == 147
    assert density.log_prob(view) == pytest.approx(np.log(theta_at_view).sum())


def test_wrapper_reports_log_p_before_the_update_on_a_real_env():
    env = SurpriseObservation(NoisyDarkRooms(num_rows=1, num_cols=2, room_size=5), horizon=12)
    _, info = env.reset(seed=4)
    views = [env.image.copy()]
    reference = CategoricalDensity()
    assert info["log_p"] == pytest.approx(reference.log_prob(views[0]))
    reference.update(views[0])
    for action in [2, 2, 0, 2, 1, 2, 5, 2, 2, 0, 2, 2]:
        features, _, terminated, truncated, info = env.step(action)
        assert info["log_p"] == pytest.approx(reference.log_prob(env.image))
        reference.update(env.image)
        np.testing.assert_allclose(features[980:1960], reference.theta, rtol=1e-6)
        assert features[-1] == pytest.approx(env.t / 12)
        assert not terminated
    assert truncated  # the 12th step ends the fixed-horizon episode
