"""The game's rules: which steps teach the density, who is paid what, and the reward scale."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bench.agents.rl.ppo_jax import PPOConfig
from bench.agents.surprise import density as dens
from bench.agents.surprise.game import (
    CONTROL,
    EXPLORE,
    GameConfig,
    explore_rewards,
    new_scale,
    normalise,
    players,
    scored,
)
from bench.agents.surprise.train import SurpriseRunConfig, _env_step, _start, make_bank, rollout


def test_rounds_alternate_and_control_is_scored_in_its_second_half():
    game = GameConfig()  # 4 rounds of 32, no_reward_time 0.5
    who = players(game)
    assert list(who[[0, 31, 32, 63, 64, 96, 127]]) == [
        EXPLORE,
        EXPLORE,
        CONTROL,
        CONTROL,
        EXPLORE,
        CONTROL,
        CONTROL,
    ]
    assert list(np.flatnonzero(scored(game))) == list(range(48, 64)) + list(range(112, 128))


def test_a_scripted_episode_teaches_the_density_only_control_scored_views():
    config = SurpriseRunConfig(
        env="noisy-dark-small", game=GameConfig(n_rounds=4, k=8), total_steps=10**6
    )
    bank = make_bank(dataclasses.replace(config, layouts=4))
    ep = _start(bank, jax.random.PRNGKey(0))
    learns = config.density_learns
    actions = np.random.default_rng(0).choice([0, 1, 2, 2, 5], size=config.game.horizon)
    views, log_ps, thetas = [], [], []
    env_step = jax.jit(lambda ep, a, k, learn: _env_step(ep, a, k, learn, config.density))
    for t, a in enumerate(actions):
        thetas.append(np.asarray(dens.features(ep.density)))
        ep, log_p = env_step(ep, jnp.asarray(a), jax.random.PRNGKey(t + 1), jnp.asarray(learns[t]))
        views.append(np.asarray(ep.view))
        log_ps.append(float(log_p))
    views = np.stack(views)
    taught = np.flatnonzero(learns)
    assert list(taught) == [12, 13, 14, 15, 28, 29, 30, 31]
    assert float(ep.density.n) == len(taught)
    # The counts are exactly the taught views' one-hot codes, summed.
    hand = sum(np.asarray(dens.one_hot(jnp.asarray(views[t]))) for t in taught)
    np.testing.assert_allclose(np.asarray(dens.features(ep.density)) * len(taught), hand, atol=1e-5)
    # Until Control's first scored step the model is the uniform prior, and Explore's
    # second round (16-23) sees the model frozen at what Control's first round taught.
    assert np.allclose(thetas[12], 1 / 12)
    np.testing.assert_allclose(thetas[16], thetas[23])
    assert not np.allclose(thetas[16], thetas[12])


def test_explore_is_paid_minus_control_next_round_at_its_last_step():
    game = GameConfig(n_rounds=4, k=4)
    control = jnp.arange(16, dtype=jnp.float32).reshape(16, 1) * jnp.asarray(scored(game))[:, None]
    paid = np.asarray(explore_rewards(control, game))[:, 0]
    expected = np.zeros(16)
    expected[3] = -(6 + 7)  # round 1's scored steps 6, 7
    expected[11] = -(14 + 15)  # round 3's
    np.testing.assert_array_equal(paid, expected)


def test_normalise_matches_the_authors_running_return_std():
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(3, 20, 5)).astype(np.float32)  # 3 episodes of 20 steps, 5 envs
    scale, out = new_scale(), []
    for ep in rewards:
        normed, scale = normalise(jnp.asarray(ep), scale, 0.99)
        out.append(np.asarray(normed))
    # The authors' NormalizedReturn, step by step in plain numpy.
    mean, var, count = 0.0, 1.0, 1e-4
    for e, ep in enumerate(rewards):
        ret = np.zeros(5)
        for t, r in enumerate(ep):
            ret = ret * 0.99 + r
            bm, bv, n = ret.mean(), ret.var(), len(ret)
            delta, tot = bm - mean, count + n
            mean, var, count = (
                mean + delta * n / tot,
                (var * count + bv * n + delta**2 * count * n / tot) / tot,
                tot,
            )
            np.testing.assert_allclose(out[e][t], r / np.sqrt(var + 1e-8), rtol=2e-4)


def test_both_players_are_wired_to_the_right_rewards():
    from bench.agents.surprise.train import compiled_iteration, init_state

    config = SurpriseRunConfig(
        env="noisy-dark-small",
        game=GameConfig(n_rounds=4, k=8),
        ppo=dataclasses.replace(PPOConfig(), num_envs=2, minibatch_size=16),
        total_steps=10**6,
        layouts=4,
    )
    bank = make_bank(config)
    states = jax.vmap(lambda k: init_state(k, bank, config))(
        jax.random.split(jax.random.PRNGKey(0), 2)
    )
    states, metrics = compiled_iteration(config)(states, bank)
    control, explore = (
        np.asarray(metrics["reward/control_return"]),
        np.asarray(metrics["reward/explore_return"]),
    )
    np.testing.assert_allclose(explore, -control, rtol=1e-5)
    assert (control < 0).all()  # log-likelihoods
    assert states.scale.count.shape == (2,)
    agents = jax.tree_util.tree_map(lambda a: a[0], states.agents)
    roll, _ = jax.jit(lambda a, k: rollout(a, bank, k, config))(agents, jax.random.PRNGKey(1))
    assert roll.obs.shape == (32, 2, 1961)
    # the time feature is t/T
    np.testing.assert_allclose(np.asarray(roll.obs[:, 0, -1]), np.arange(32) / 32, rtol=1e-6)


@pytest.mark.parametrize("method", ["smirl", "surprise-max"])
def test_single_agent_density_methods_learn_every_view(method):
    config = SurpriseRunConfig(method=method, env="noisy-dark-small", total_steps=10**6)
    assert config.density_learns.all() and (config.actor_of_step == 0).all()
