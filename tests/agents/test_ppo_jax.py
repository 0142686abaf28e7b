"""JAX PPO: GAE against a hand-worked case, and PPO solving a small grid world."""

from __future__ import annotations

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bench.agents.rl import ppo_jax as ppo
from bench.agents.surprise import density as dens
from bench.agents.surprise import grid
from bench.agents.surprise.envs import NoisyDarkRooms


def test_gae_matches_a_hand_computed_case():
    # Two steps, the episode ends after the second: δ_1 = 1 - 0.5, δ_0 = 0 + γ·0.5 - 0.2.
    rewards, values = jnp.array([[0.0], [1.0]]), jnp.array([[0.2], [0.5]])
    dones = jnp.array([[0.0], [1.0]])
    adv, ret = ppo.gae(rewards, values, dones, jnp.array([9.0]), 0.9, 0.8)
    d1 = 1.0 - 0.5
    d0 = 0.0 + 0.9 * 0.5 - 0.2
    np.testing.assert_allclose(np.asarray(adv)[:, 0], [d0 + 0.9 * 0.8 * d1, d1], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ret), np.asarray(adv + values), rtol=1e-6)


@pytest.mark.slow
def test_ppo_learns_to_walk_east_through_the_rooms():
    """Three plain rooms in a row joined by doorways: paid x / (W - 1) at every step.

    A uniformly random policy of 32 steps stays near its start in the west room; PPO
    learns to find the doorways and walk east (the best return is about 20).
    """
    env = NoisyDarkRooms(1, 3, room_size=5, p_dark=1.0)  # all plain: a pure navigation task
    layouts = []
    for seed in range(64):
        env.reset(seed=seed)
        layouts.append(env.layout())
    bank = grid.stack_layouts(layouts)
    T, N = 32, 32
    config = dataclasses.replace(ppo.PPOConfig(), num_envs=N, learning_rate=1e-3)

    def features(world):
        return dens.one_hot(grid.view(world))

    def episode(params, key):
        key, k0 = jax.random.split(key)
        worlds = jax.vmap(grid.reset, in_axes=(None, 0))(bank, jax.random.split(k0, N))

        def one(carry, _):
            worlds, key = carry
            key, ka, ke = jax.random.split(key, 3)
            obs = jax.vmap(features)(worlds)
            action, logp, value = ppo.act(params, obs, ka, grid.N_ACTIONS, config.hidden)
            worlds = jax.vmap(grid.step)(worlds, action, jax.random.split(ke, N))
            reward = worlds.pos[:, 0] / (bank.grid.shape[1] - 1)
            return (worlds, key), (obs, action, logp, value, reward)

        _, out = jax.lax.scan(one, (worlds, key), None, length=T)
        return out

    @partial(jax.jit)
    def iteration(agent, key):
        k_ep, k_up = jax.random.split(key)
        obs, action, logp, value, reward = episode(agent.params, k_ep)
        dones = jnp.zeros_like(reward).at[-1].set(1.0)
        adv, ret = ppo.gae(reward, value, dones, jnp.zeros(N), config.gamma, config.gae_lambda)
        flat = lambda a: a.reshape(-1, *a.shape[2:])  # noqa: E731
        batch = ppo.Batch(flat(obs), flat(action), flat(logp), flat(adv), flat(ret), flat(value))
        agent, _ = ppo.update(agent, batch, k_up, grid.N_ACTIONS, config)
        return agent, reward.sum(0).mean()

    agent = ppo.init_agent(jax.random.PRNGKey(0), dens.FEATURES, grid.N_ACTIONS, config)
    key = jax.random.PRNGKey(1)
    returns = []
    for _ in range(100):
        key, k = jax.random.split(key)
        agent, mean_return = iteration(agent, k)
        returns.append(float(mean_return))
    first, last = np.mean(returns[:5]), np.mean(returns[-10:])
    assert first < 6.0, first  # a random walk stays in the west room
    assert last > first + 5.0, (first, last)  # the learnt policy reaches the middle room and beyond
