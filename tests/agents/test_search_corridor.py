"""RL search and UCT on the corridor, where the optimal first action is known in closed form.

The blueprint is a DQN trained with episodes cut before the far reward: it prefers the
deceptive nearby reward ("left"). Search from the start state must overturn it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from bench.agents.rl.dqn import QNetwork, ReplayBuffer
from bench.agents.search.budget import Budget
from bench.agents.search.corridor import CorridorSimulator
from bench.agents.search.mcts import UCTConfig, uct_search
from bench.agents.search.rl_search import RLSearchConfig, rl_search, root_bellman_error

GAMMA = RLSearchConfig().gamma


@pytest.fixture(scope="module")
def blueprint(trained_blueprint):
    return trained_blueprint("corridor", 2000, seed=1)


@pytest.fixture()
def sim():
    s = CorridorSimulator()
    s.reset(seed=0)
    return s


def test_corridor_optimum_is_right_by_hand():
    # toll + γ^3 · far = −1 + 0.99^3 · 10 = 8.703 > near = 1
    assert -1 + 0.99**3 * 10 == pytest.approx(8.703, abs=1e-3)
    assert CorridorSimulator().optimal_first_action(0.99) == 1
    # with a steep discount the near reward wins: −1 + 0.3^3 · 10 = −0.73 < 1
    assert CorridorSimulator().optimal_first_action(0.3) == 0


def test_blueprint_alone_takes_the_deceptive_reward(blueprint, sim):
    assert blueprint.greedy(sim.observation(), sim.legal_mask()) == 0
    assert sim.optimal_first_action(GAMMA) == 1


def test_rl_search_reduces_bellman_error_at_the_searched_state(blueprint, sim):
    before = root_bellman_error(sim, blueprint, GAMMA)
    result = rl_search(
        sim, blueprint, RLSearchConfig(), Budget(iterations=20), rng=np.random.default_rng(0)
    )
    after = root_bellman_error(sim, result.q, GAMMA)
    assert after < before
    assert sim.clone() == (sim.config.start, 0, False)  # search leaves the state as it was


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_rl_search_finds_the_optimal_action(blueprint, sim, seed):
    # The far reward is 4 steps away through a toll; the default ε = 0.1 rollouts almost
    # never walk there, so this test explores harder (ε = 0.5, lr 1e-3, 100 iterations):
    # the "enough budget" of the claim. The blueprint never saw the far reward, so its
    # value must travel back 4 steps through the target network: θ⁻ ← θ every 20 of the
    # 1,000 updates instead of the authors' 2,500 of 5,000.
    config = dataclasses.replace(RLSearchConfig(), epsilon=0.5, H=5, lr=1e-3, target_period=20)
    result = rl_search(
        sim, blueprint, config, Budget(iterations=100), rng=np.random.default_rng(seed)
    )
    assert result.q_before[1] < result.q_before[0]
    assert result.action == sim.optimal_first_action(GAMMA) == 1
    assert result.q_after[1] > result.q_after[0]
    # the safety check: π_θ walks right for H = 5 steps (−1 + 10 = 9), π_bp left (+1)
    assert result.accepted and result.gain == pytest.approx(8.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_uct_finds_the_optimal_action(sim, seed):
    result = uct_search(sim, UCTConfig(), Budget(iterations=300), rng=np.random.default_rng(seed))
    assert result.action == 1
    # "left" ends at once with +1, so its estimate is exact; "right" averages the
    # exploratory simulations too, so it lies below the optimum −1 + γ^3 · 10 but above 1
    assert result.values[0] == pytest.approx(1.0)
    assert 1.0 < result.values[1] <= -1 + GAMMA**3 * 10 + 1e-9


def _constant_q(values) -> QNetwork:
    """Q(s, ·) = values in every state: zero weights, the values as the last bias, so that
    fine-tuning can move only that bias and the blueprint's value is known everywhere."""
    q = QNetwork(CorridorSimulator().obs_dim, len(values), hidden=(8,))
    with torch.no_grad():
        for p in q.parameters():
            p.zero_()
        q.net[-1].bias.copy_(torch.tensor(values))
    return q


def test_uct_with_blueprint_rollouts_follows_the_blueprint_and_ends_in_its_value(sim):
    # depth-1 rollouts, two simulations: each root child is expanded once. "Left" ends at
    # once with +1. "Right" pays the toll -1 to position 2; its rollout's one step follows
    # the blueprint (right, to position 3, reward 0) and the cut adds γ · max_a Q_bp = γ · 5.
    config = dataclasses.replace(UCTConfig(), rollout_depth=1)
    budget = Budget(iterations=2)
    bp = _constant_q([0.0, 5.0]).frozen()
    guided = uct_search(sim, config, budget, rng=np.random.default_rng(0), rollout_policy=bp)
    assert guided.values[0] == pytest.approx(1.0)
    assert guided.values[1] == pytest.approx(-1 + config.gamma * (config.gamma * 5.0))
    # a blueprint that prefers "left" (values 5, 0), depth 2: from position 2 its rollout
    # walks back to 1 (reward 0) and on to 0 (+1, terminal: no value added)
    left = _constant_q([5.0, 0.0]).frozen()
    deep = dataclasses.replace(config, rollout_depth=2)
    back = uct_search(sim, deep, budget, rng=np.random.default_rng(0), rollout_policy=left)
    assert back.values[1] == pytest.approx(-1 + config.gamma * (config.gamma * 1.0))
    # random rollouts: one random step from position 2 earns 0 and nothing values the cut
    plain = uct_search(sim, config, budget, rng=np.random.default_rng(0))
    assert plain.values[1] == pytest.approx(-1.0)


def test_rollouts_bootstrap_from_the_blueprint_not_the_fine_tuned_network(sim):
    # H = 1: every rollout is one step from the start. "Left" ends the episode (+1, no
    # bootstrap); "right" pays the toll and is cut, so its stored reward must be
    # −1 + γ max_a Q_bp(s') = −1 + 0.99 · 3, however far θ has moved meanwhile.
    blueprint = _constant_q([0.0, 3.0])
    config = dataclasses.replace(
        RLSearchConfig(), H=1, M=4, N=5, B=8, lr=0.05, epsilon=0.5, eval_rollouts=1
    )
    buffer = ReplayBuffer(1_000, sim.obs_dim, sim.num_actions)
    result = rl_search(
        sim, blueprint, config, Budget(iterations=10), rng=np.random.default_rng(0),
        global_buffer=buffer,
    )  # fmt: skip
    assert result.q_shift > 0.1  # θ did move: a bootstrap from Q_θ would differ
    rewards = buffer.reward[: len(buffer)]
    right = buffer.action[: len(buffer)] == 1
    assert right.any() and (~right).any()
    np.testing.assert_allclose(rewards[right], -1 + GAMMA * 3.0, rtol=1e-6)
    np.testing.assert_allclose(rewards[~right], 1.0)


def test_safety_check_keeps_the_blueprints_move_when_fine_tuning_is_worse(sim):
    # The blueprint always goes right: −1 + 10 = 9 (undiscounted), the optimum. Its values
    # are too low, so one-step fine-tuning learns Q(s, left) → 1 > Q(s, right) → −1 + γ · 1
    # and proposes "left", worth 1: the safety check must refuse, by 1 − 9 = −8.
    blueprint = _constant_q([0.0, 1.0])
    config = dataclasses.replace(
        RLSearchConfig(), H=1, M=8, N=10, B=32, lr=0.05, epsilon=0.5, eval_rollouts=1
    )
    result = rl_search(sim, blueprint, config, Budget(iterations=30), rng=np.random.default_rng(0))
    assert result.blueprint_action == 1 and result.proposed == 0
    assert result.q_after[0] > result.q_after[1]
    assert result.gain == pytest.approx(1.0 - 9.0)
    assert not result.accepted and result.action == 1
