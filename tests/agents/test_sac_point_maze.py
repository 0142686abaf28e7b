"""SAC learns: on the point maze's true reward it reaches the goal within a small budget."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bench.agents.envs.point_maze import PointMaze
from bench.agents.gwil.domains import DOMAINS
from bench.agents.gwil.train import TrainConfig, evaluate, restore_agent, train
from bench.agents.rl.sac import SAC, ReplayBuffer, SACConfig

torch.set_num_threads(1)

SAC_STEPS = 3000  # paper: 10^5+ steps; enough here for the 64-wide SAC on this small maze


@pytest.mark.slow
def test_sac_reaches_the_goal_on_the_true_reward(tmp_path):
    domain = DOMAINS["maze"]
    config = TrainConfig(
        method="sac-true",
        total_steps=SAC_STEPS,
        sac=domain.sac,
        eval_every=SAC_STEPS,
        eval_episodes=3,
        checkpoint_every=10**9,
    )
    result = train(PointMaze(), PointMaze(), config, out=tmp_path, seed=0, progress=False)
    agent = restore_agent(PointMaze(), tmp_path / "checkpoints" / "latest.pt")
    random = evaluate(None, PointMaze(), episodes=3, seed=10_000)
    assert result.eval_success == 1.0
    assert result.eval_true_return > random.mean_return / 2
    # the saved policy is the trained one: same evaluation from the checkpoint
    again = evaluate(agent, PointMaze(), episodes=3, seed=10_000)
    assert again.mean_return == result.eval_true_return


def test_tanh_gaussian_log_density_matches_a_histogram():
    """log π(a|s) of the actor against the empirical density of its own samples (1-D action)."""
    agent = SAC(1, 1, np.array([-2.0]), np.array([2.0]), SACConfig(hidden_dim=8), seed=0)
    obs = torch.zeros(200_000, 1)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        actions, log_prob = agent.actor.sample(obs, generator)
    a = actions.numpy().ravel()
    assert a.min() >= -2.0 and a.max() <= 2.0
    counts, edges = np.histogram(a, bins=40, range=(-1.9, 1.9))
    density = counts / (len(a) * np.diff(edges))
    centres = 0.5 * (edges[1:] + edges[:-1])
    # the density at each bin centre, interpolated from the sampled (action, log π) pairs
    order = np.argsort(a)
    model = np.exp(np.interp(centres, a[order], log_prob.numpy()[order]))
    np.testing.assert_allclose(density, model, rtol=0.1, atol=0.01)


def test_replay_buffer_wraps_and_keeps_the_newest():
    buffer = ReplayBuffer(obs_dim=1, act_dim=1, capacity=4)
    for k in range(6):
        buffer.add(
            np.array([[k]]),
            np.array([[0.0]]),
            np.array([float(k)]),
            np.array([[k + 1]]),
            np.array([0.0]),
        )
    assert buffer.size == 4
    assert sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0, 5.0]
    mean, std = buffer.reward_moments()
    assert np.isclose(mean, 3.5) and np.isclose(std, np.std([2, 3, 4, 5]))
