"""DQN pieces that RL search reuses: the masked Bellman residual, and the Hanabi deal bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bench.agents.rl.dqn import Batch, QNetwork, ReplayBuffer, bellman_residual
from bench.agents.search.hanabi_belief import own_hand_deal_indices
from bench.agents.search.hanabi_simulator import HanabiSimulator


def _constant_q(values) -> QNetwork:
    """Q(s, ·) = values for every s: zero weights, the values as the last bias."""
    q = QNetwork(obs_dim=2, num_actions=len(values), hidden=(4,))
    with torch.no_grad():
        for p in q.parameters():
            p.zero_()
        q.net[-1].bias.copy_(torch.tensor(values))
    return q


def test_bellman_residual_by_hand():
    q = _constant_q([1.0, 2.0, 3.0])
    batch = Batch(
        obs=torch.zeros(2, 2),
        action=torch.tensor([0, 1]),
        reward=torch.tensor([0.5, 0.5]),
        next_obs=torch.zeros(2, 2),
        next_mask=torch.tensor([[True, True, False], [True, True, True]]),
        done=torch.tensor([0.0, 1.0]),
    )
    delta = bellman_residual(q, q, batch, gamma=0.9)
    # row 0: Q(s,0) − (0.5 + 0.9 · max over legal {1, 2}) = 1 − 2.3 = −1.3 (action 2 masked)
    # row 1: terminal: Q(s,1) − 0.5 = 1.5
    np.testing.assert_allclose(delta.detach().numpy(), [-1.3, 1.5], rtol=1e-6)


def test_replay_buffer_wraps_and_samples_what_was_stored():
    buffer = ReplayBuffer(capacity=3, obs_dim=1, num_actions=2)
    for i in range(5):
        buffer.add(
            np.array([i], np.float32),
            i % 2,
            float(i),
            np.array([i + 1], np.float32),
            np.ones(2, bool),
            False,
        )
    assert len(buffer) == 3
    batch = buffer.sample(50, np.random.default_rng(0))
    assert set(batch.obs[:, 0].tolist()) == {2.0, 3.0, 4.0}  # the two oldest were overwritten
    np.testing.assert_array_equal(batch.reward.numpy(), batch.obs[:, 0].numpy())


def test_own_hand_deal_indices_follow_plays_and_redeals():
    sim = HanabiSimulator("hanabi-tiny")
    game, shape = sim.game, sim.shape  # 2 players, hand size 2, kinds c·3 + r
    state = game.new_initial_state()
    for card in (0, 1, 3, 4):  # the opening deal: R1 R2 to player 0, Y1 Y2 to player 1
        state.apply_action(card)
    state.apply_action(shape.hand_size + 0)  # player 0 plays slot 0 (R1: a success)
    state.apply_action(2)  # the redeal goes to player 0: R3
    history = list(state.history())
    assert own_hand_deal_indices(game, history, shape, player=0) == [1, 5]
    assert own_hand_deal_indices(game, history, shape, player=1) == [2, 3]
    # player 1 sees player 0's hand: R2 then R3, the cards dealt at indices 1 and 5
    hand_lines = state.observation_string(1).split("-----")[1].split("\n")
    cards = [line.split(" ")[0] for line in hand_lines if "||" in line]
    assert cards == ["R2", "R3"]
    assert state.returns()[0] == pytest.approx(1.0)


def test_frozen_numpy_snapshot_matches_the_torch_network():
    torch.manual_seed(0)
    q = QNetwork(obs_dim=5, num_actions=4, hidden=(8, 8))
    frozen = q.frozen()
    obs = np.random.default_rng(0).random((10, 5)).astype(np.float32)
    mask = np.array([True, False, True, True])
    for o in obs:
        np.testing.assert_allclose(frozen.values(o, mask), q.values(o, mask), rtol=1e-5, atol=1e-6)
        assert frozen.greedy(o, mask) == q.greedy(o, mask) != 1
