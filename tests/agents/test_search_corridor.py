"""RL search and UCT on the corridor, where the optimal first action is known in closed form.

The blueprint is a DQN trained with episodes cut before the far reward: it prefers the
deceptive nearby reward ("left"). Search from the start state must overturn it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from bench.agents.search.blueprint import load_blueprint, train_blueprint
from bench.agents.search.budget import Budget
from bench.agents.search.corridor import CorridorSimulator
from bench.agents.search.mcts import UCTConfig, uct_search
from bench.agents.search.rl_search import RLSearchConfig, rl_search, root_bellman_error

GAMMA = RLSearchConfig().gamma


@pytest.fixture(scope="module")
def blueprint(tmp_path_factory):
    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("corridor") / "blueprint.pt"
    train_blueprint("corridor", 2000, path, seed=1)
    return load_blueprint(str(path), "corridor", seed=0)


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


@pytest.mark.parametrize("seed", [0, 1])
def test_rl_search_finds_the_optimal_action(blueprint, sim, seed):
    # The far reward is 4 steps away through a toll; the default ε = 0.1 rollouts almost
    # never walk there, so this test explores harder (ε = 0.5, lr 1e-3, 100 iterations):
    # the "enough budget" of the claim.
    config = dataclasses.replace(RLSearchConfig(), epsilon=0.5, H=5, lr=1e-3)
    result = rl_search(
        sim, blueprint, config, Budget(iterations=100), rng=np.random.default_rng(seed)
    )
    assert result.q_before[1] < result.q_before[0]
    assert result.action == sim.optimal_first_action(GAMMA) == 1
    assert result.q_after[1] > result.q_after[0]


@pytest.mark.parametrize("seed", [0, 1])
def test_uct_finds_the_optimal_action(sim, seed):
    result = uct_search(sim, UCTConfig(), Budget(iterations=300), rng=np.random.default_rng(seed))
    assert result.action == 1
    # "left" ends at once with +1, so its estimate is exact; "right" averages the
    # exploratory simulations too, so it lies below the optimum −1 + γ^3 · 10 but above 1
    assert result.values[0] == pytest.approx(1.0)
    assert 1.0 < result.values[1] <= -1 + GAMMA**3 * 10 + 1e-9
