"""The categorical density against hand counts, its clip and prior, and its feature layout."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from bench.agents.surprise import density as dens


def _views(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    views = np.stack(
        [
            rng.integers(0, 11, (n, 7, 7)),
            rng.integers(0, 6, (n, 7, 7)),
            rng.integers(0, 3, (n, 7, 7)),
        ],
        -1,
    )
    views[:, :, :4, 0] = 2  # shared walls: some entries always agree, so θ = 1 there
    return views


def test_log_likelihood_matches_a_hand_count():
    views, config = _views(0, 6), dens.DensityConfig()
    d = dens.empty()
    for v in views[:5]:
        d = dens.update(d, jnp.asarray(v), jnp.asarray(True))
    new = views[5].reshape(-1)
    # By hand: the share of the 5 earlier views whose entry f equals the new view's.
    share = (views[:5].reshape(5, -1) == new).mean(0)
    expected = np.log(np.maximum(share, 1e-3)).sum()
    assert float(d.n) == 5
    np.testing.assert_allclose(
        float(dens.log_prob(d, jnp.asarray(views[5]), config)), expected, rtol=1e-5
    )
    # A never-seen value costs exactly log p_min; a fully agreeing entry costs nothing.
    assert (share == 0).any() and (share == 1).any()


def test_prior_is_uniform_over_twelve_values_and_masked_updates_do_nothing():
    view = jnp.asarray(_views(1, 1)[0])
    d = dens.update(dens.empty(), view, jnp.asarray(False))
    assert float(d.n) == 0 and float(d.counts.sum()) == 0
    np.testing.assert_allclose(
        float(dens.log_prob(d, view, dens.DensityConfig())), 147 * np.log(1 / 12), rtol=1e-6
    )


def test_features_put_theta_in_the_slots_of_the_one_hot_code():
    views = _views(2, 3)
    d = dens.empty()
    for v in views:
        d = dens.update(d, jnp.asarray(v), jnp.asarray(True))
    codes = np.stack([np.asarray(dens.one_hot(jnp.asarray(v))) for v in views])
    assert codes.shape == (3, 980) and (codes.sum(1) == 147).all()
    np.testing.assert_allclose(np.asarray(dens.features(d)), codes.mean(0), rtol=1e-6)
