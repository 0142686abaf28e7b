"""The ALE Ms. Pac-Man simulator: restoring a cloned state replays the same trajectory."""

from __future__ import annotations

import numpy as np
import pytest

from bench.agents.search.ale_simulator import AleSimulator


@pytest.fixture(scope="module")
def sim():
    return AleSimulator()


def _play(sim, actions):
    trace = []
    for a in actions:
        step = sim.step(int(a))
        trace.append(
            (step.score, step.reward, step.terminal, sim.observation().copy(), sim.screen().copy())
        )
        if step.game_over:
            break
    return trace


def test_clone_restore_reproduces_the_trajectory(sim):
    sim.reset(seed=3)
    actions = np.random.default_rng(0).integers(0, sim.num_actions, size=150)
    _play(sim, actions[:20])  # start from a mid-game state
    token = sim.clone()
    first = _play(sim, actions[20:])
    sim.restore(token)
    second = _play(sim, actions[20:])
    assert len(first) == len(second) > 0
    for a, b in zip(first, second):
        assert a[:3] == b[:3]
        np.testing.assert_array_equal(a[3], b[3])
        np.testing.assert_array_equal(a[4], b[4])
    assert (
        sum(t[0] for t in first) > 0
    )  # the trajectory scored: it is a real game, not a still frame


def test_reward_is_clipped_score_is_raw(sim):
    sim.reset(seed=0)
    steps = [sim.step(int(a)) for a in np.random.default_rng(1).integers(0, sim.num_actions, 100)]
    scores = np.array([s.score for s in steps])
    rewards = np.array([s.reward for s in steps])
    np.testing.assert_array_equal(rewards, np.sign(scores))
    assert scores.max() >= 10  # a pellet is worth 10 points


def test_reset_is_seeded(sim):
    sim.reset(seed=5)
    a = sim.observation()
    sim.reset(seed=5)
    np.testing.assert_array_equal(a, sim.observation())
    assert sim.obs_dim == 128 and sim.num_actions == 9
