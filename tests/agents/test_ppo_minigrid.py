"""PPO learns a trivial MiniGrid task: reach the goal of Empty-5x5 faster than chance.

The budget (16k steps, 4 envs of 128-step rollouts instead of the authors' 16) is what a
test can afford on two cores; CleanRL's PPO solves this task in about that many steps.
"""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import minigrid  # noqa: F401  (registers the MiniGrid env ids)
import numpy as np
import pytest
import torch

from bench.agents.rl.ppo import PPOConfig, compute_gae, train_ppo
from bench.agents.surprise.observation import OneHotImage


def _make_env() -> gym.Env:
    return OneHotImage(gym.make("MiniGrid-Empty-5x5-v0"))


def _returns(policy, episodes: int, seed: int) -> np.ndarray:
    env, out = _make_env(), []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(policy(obs))
            total += reward
            done = terminated or truncated
        out.append(total)
    return np.array(out)


def test_gae_matches_a_hand_computed_case():
    # Two steps, episode ends after the second: δ_1 = 1 - 0.5, δ_0 = 0 + γ·0.5 - 0.2.
    rewards = np.array([[0.0], [1.0]])
    values = np.array([[0.2], [0.5]])
    dones = np.array([[0.0], [1.0]])
    adv, ret = compute_gae(rewards, values, dones, np.array([9.0]), gamma=0.9, gae_lambda=0.5)
    d1 = 1.0 - 0.5
    d0 = 0.9 * 0.5 - 0.2
    np.testing.assert_allclose(adv[:, 0], [d0 + 0.9 * 0.5 * d1, d1])
    np.testing.assert_allclose(ret, adv + values)


@pytest.mark.slow
def test_ppo_beats_a_random_policy_on_empty_5x5():
    config = dataclasses.replace(PPOConfig(), num_envs=4, num_steps=128)
    result = train_ppo(_make_env, config, total_steps=16_384, seed=0)
    generator = torch.Generator().manual_seed(1)

    def trained(obs):
        with torch.no_grad():
            return int(result.agent.act(torch.as_tensor(obs)[None], generator)[0][0])

    rng = np.random.default_rng(1)
    learnt = _returns(trained, episodes=40, seed=1000)
    chance = _returns(lambda _obs: int(rng.integers(0, 7)), episodes=40, seed=1000)
    # Return = 1 - 0.9 · steps / 100 on success, 0 on a timeout: a clear gap means the
    # goal is reached often and fast. Chance is about 0.1-0.3 here.
    assert learnt.mean() > chance.mean() + 0.3, (learnt.mean(), chance.mean())
    assert (learnt > 0).mean() >= (chance > 0).mean()
    assert len(result.episode_returns) > 0
