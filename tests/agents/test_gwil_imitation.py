"""GWIL in the mirrored maze: the packaged demonstration is an expert path, and the
pseudo-reward tracks true progress (the learning comparison is benchmarks/bench_gwil.py)."""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr

from bench.agents.envs.point_maze import PointMaze
from bench.agents.gwil.demonstration import PACKAGED_DEMOS, Trajectory
from bench.agents.gwil.rewards import gw_pseudo_rewards

torch.set_num_threads(1)

DEMO = PACKAGED_DEMOS / "maze.npz"


def _waypoint_episode(env: PointMaze, noise: float, rng: np.random.Generator, seed: int):
    """Drive around the wall tip to the goal, with Gaussian action noise of scale ``noise``."""
    obs, _ = env.reset(seed=seed)
    sign = -1.0 if env.mirrored else 1.0
    waypoints = [np.array([0.8 * sign, -0.4]), np.array([0.8 * sign, 0.4]), env.goal]
    k, observations, actions, total = 0, [], [], 0.0
    while True:
        if k < 2 and np.linalg.norm(obs - waypoints[k]) < 0.2:
            k += 1
        action = np.clip((waypoints[k] - obs) / env.config.step_size, -1, 1)
        action = np.clip(action + noise * rng.normal(size=2), -1, 1)
        observations.append(obs)
        actions.append(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        total += reward
        if terminated or truncated:
            return Trajectory(np.asarray(observations), np.asarray(actions), true_return=total)


def test_packaged_demo_is_an_expert_path():
    demo = Trajectory.load(DEMO)
    env = PointMaze()
    assert demo.domain == "maze" and demo.observations.shape[1] == 2
    # the expert ends within the goal's reach: its last move lands in the goal disc
    last = np.clip(demo.observations[-1] + env.config.step_size * demo.actions[-1], -1, 1)
    assert np.linalg.norm(last - env.goal) < env.config.goal_radius + 1e-9
    assert len(demo) < env.config.max_episode_steps


def test_pseudo_return_tracks_true_return_in_the_mirror_maze():
    demo = Trajectory.load(DEMO)
    env = PointMaze(mirrored=True)
    rng = np.random.default_rng(0)
    episodes = [
        _waypoint_episode(env, noise, rng, seed)
        for noise in (0.0, 0.5, 1.0, 2.0, 4.0)
        for seed in range(3)
    ]
    pseudo = [gw_pseudo_rewards(demo, e).rewards.sum() for e in episodes]
    true = [e.true_return for e in episodes]
    rho = spearmanr(pseudo, true).statistic
    assert rho > 0.7, f"Spearman correlation of pseudo and true return {rho:.2f}"
    # the clean mirrored path is closer to the expert than any very noisy episode
    assert max(pseudo[:3]) > max(pseudo[-3:])
