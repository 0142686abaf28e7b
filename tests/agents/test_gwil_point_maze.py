"""The point maze: its mirror is a rigid transform of it, and reset seeding is reproducible."""

from __future__ import annotations

import numpy as np

from bench.agents.envs.point_maze import PointMaze

REFLECT = np.array([-1.0, 1.0])  # R(x, y) = (-x, y)


def _rollout(env: PointMaze, actions: np.ndarray, seed: int) -> tuple[np.ndarray, list[float]]:
    obs, _ = env.reset(seed=seed)
    states, rewards = [obs], []
    for a in actions:
        obs, r, terminated, truncated, _ = env.step(a)
        states.append(obs)
        rewards.append(r)
        if terminated or truncated:
            break
    return np.asarray(states), rewards


def test_mirror_is_the_reflection_of_the_original():
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, size=(50, 2))
    states, rewards = _rollout(PointMaze(), actions, seed=3)
    # The mirrored agent taking the reflected actions visits the reflected states
    # (including the bumps into the reflected wall) and earns the same rewards.
    mirrored_states, mirrored_rewards = _rollout(
        PointMaze(mirrored=True), actions * REFLECT, seed=3
    )
    np.testing.assert_allclose(mirrored_states, states * REFLECT, atol=1e-12)
    np.testing.assert_allclose(mirrored_rewards, rewards, atol=1e-12)
    # pairwise distances are equal: the mirror is an isometry of the trajectory
    d = np.linalg.norm(states[:, None] - states[None], axis=-1)
    dm = np.linalg.norm(mirrored_states[:, None] - mirrored_states[None], axis=-1)
    np.testing.assert_allclose(dm, d, atol=1e-12)


def test_wall_blocks_and_goal_terminates():
    env = PointMaze()
    env.reset(seed=0)
    # straight up from the start runs into the wall (y = -0.1) and stops below it
    for _ in range(10):
        obs, _, terminated, _, _ = env.step(np.array([0.0, 1.0]))
    assert obs[1] < -env.config.wall_half_thickness
    assert not terminated
    # around the tip by waypoints: reaches the goal, terminated (not truncated)
    obs, _ = env.reset(seed=0)
    waypoints = [np.array([0.75, -0.3]), np.array([0.75, 0.3]), env.goal]
    k, terminated, truncated, steps = 0, False, False, 0
    while not (terminated or truncated):
        if k < 2 and np.linalg.norm(obs - waypoints[k]) < 0.2:
            k += 1
        obs, _, terminated, truncated, info = env.step(
            np.clip((waypoints[k] - obs) / env.config.step_size, -1, 1)
        )
        steps += 1
    assert terminated and not truncated and info["success"]
    assert steps < env.config.max_episode_steps


def test_path_distance_goes_around_the_wall():
    env = PointMaze()
    tip = np.array([env.config.wall_tip_x + env.config.wall_half_thickness, 0.0])
    below = np.array([-0.75, -0.5])
    expected = np.linalg.norm(below - tip) + np.linalg.norm(tip - env.goal)
    assert np.isclose(env.path_distance(below), expected)
    above = np.array([0.0, 0.5])
    assert np.isclose(env.path_distance(above), np.linalg.norm(above - env.goal))


def test_seeded_reset_is_reproducible_and_truncates():
    env = PointMaze()
    first, _ = env.reset(seed=11)
    second, _ = env.reset(seed=11)
    other, _ = env.reset(seed=12)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    env.reset(seed=0)
    steps, truncated = 0, False
    while not truncated:
        _, _, terminated, truncated, _ = env.step(np.array([-1.0, -1.0]))  # into a corner
        assert not terminated
        steps += 1
    assert steps == env.config.max_episode_steps
