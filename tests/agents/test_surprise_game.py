"""Adversarial Surprise's round structure: who acts, which step is paid what."""

from __future__ import annotations

import numpy as np
import pytest

from bench.agents.surprise.envs import NoisyDarkRooms
from bench.agents.surprise.game import (
    CONTROL,
    EXPLORE,
    AdversarialSurpriseGame,
    GameConfig,
    player_at,
)
from bench.agents.surprise.observation import SurpriseObservation


def _play(config: GameConfig, actions: list[int]):
    env = AdversarialSurpriseGame(
        SurpriseObservation(
            NoisyDarkRooms(num_rows=1, num_cols=2, room_size=5, room_kinds=("start", "noisy")),
            config.horizon,
        ),
        config,
    )
    _, info = env.reset(seed=0)
    assert info["next_player"] == EXPLORE
    steps = []
    for action in actions:
        _, reward, _, truncated, info = env.step(action)
        steps.append((reward, info, truncated))
    return steps


def test_authors_schedule_alternates_explore_and_control():
    config = GameConfig()  # 4 rounds of 32
    assert config.horizon == 128
    who = [player_at(t, config) for t in range(128)]
    assert who == [EXPLORE] * 32 + [CONTROL] * 32 + [EXPLORE] * 32 + [CONTROL] * 32


def test_rewards_follow_the_rounds_on_a_scripted_episode():
    config = GameConfig(n_rounds=4, k=4)
    rng = np.random.default_rng(1)
    steps = _play(config, rng.integers(0, 7, size=16).tolist())
    players = [info["player"] for _, info, _ in steps]
    assert players == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]
    assert [info["next_player"] for _, info, _ in steps] == [*players[1:], 0]
    rewards = [r for r, _, _ in steps]
    log_p = [info["log_p"] for _, info, _ in steps]
    # Control is scored only in the second half of its rounds (steps 6, 7 and 14, 15).
    for t in range(16):
        expected = log_p[t] if t in (6, 7, 14, 15) else 0.0
        assert rewards[t] == pytest.approx(expected), t
    assert all(lp < 0 for lp in log_p)  # flashing tiles keep every view uncertain
    # Explore's last step of each round is paid minus the next Control round's return,
    # reported when that round ends.
    paid = {t: info for t, (_, info, _) in enumerate(steps) if "explore_reward" in info}
    assert sorted(paid) == [7, 15]
    assert paid[7]["explore_reward_step"] == 3
    assert paid[7]["explore_reward"] == pytest.approx(-(log_p[6] + log_p[7]))
    assert paid[15]["explore_reward_step"] == 11
    assert paid[15]["explore_reward"] == pytest.approx(-(log_p[14] + log_p[15]))
    assert [truncated for _, _, truncated in steps] == [False] * 15 + [True]


def test_odd_round_count_leaves_last_explore_round_unpaid():
    config = GameConfig(n_rounds=3, k=2)
    steps = _play(config, [2, 0, 2, 1, 2, 2])
    assert [info["player"] for _, info, _ in steps] == [0, 0, 1, 1, 0, 0]
    assert [t for t, (_, info, _) in enumerate(steps) if "explore_reward" in info] == [3]
    assert steps[3][1]["explore_reward_step"] == 1


def test_game_rejects_a_mismatched_horizon():
    inner = SurpriseObservation(NoisyDarkRooms(num_rows=1, num_cols=2, room_size=5), horizon=10)
    with pytest.raises(ValueError, match="horizon"):
        AdversarialSurpriseGame(inner, GameConfig(n_rounds=4, k=4))
