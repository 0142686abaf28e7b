"""The packaged demonstrations: plain arrays (no pickle), and each one is what its expert
did: replaying its actions in the source env from the recorded start gives its states and
its return back."""

from __future__ import annotations

import numpy as np
import pytest

from bench.agents.gwil.demonstration import PACKAGED_DEMOS, Trajectory
from bench.agents.gwil.domains import DOMAINS
from bench.agents.gwil.experts import DEMO_SEED, RewardOf

DEMOS = sorted(PACKAGED_DEMOS.glob("*.npz"))


@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
def test_demo_loads_without_pickle(path):
    with np.load(path, allow_pickle=False) as data:
        assert {"observations", "actions", "true_return", "domain", "env_id"} <= set(data.files)
        assert str(data["domain"]) == path.stem
    demo = Trajectory.load(path)
    domain = DOMAINS[path.stem]
    env = domain.make_source()
    assert demo.observations.shape[1:] == env.observation_space.shape
    assert demo.actions.shape[1:] == env.action_space.shape
    assert demo.env_id == domain.source_id


# The least true return each dm_control expert's demonstration must have: random actions
# score ~0 on pendulum/swingup and 1.6-4.7 on cheetah/run (5 episodes).
EXPERT_RETURNS = {"pendulum-cartpole": 500.0, "cheetah-walker": 50.0}


@pytest.mark.parametrize("domain", sorted(EXPERT_RETURNS))
def test_dm_control_demo_replays_to_its_states_and_return(domain):
    demo = Trajectory.load(PACKAGED_DEMOS / f"{domain}.npz")
    env = DOMAINS[domain].make_source()
    obs, _ = env.reset(seed=DEMO_SEED)
    states, total = [], 0.0
    for action in demo.actions:
        states.append(obs)
        obs, reward, terminated, truncated, _ = env.step(action.astype(np.float32))
        total += reward
    assert truncated and not terminated and len(demo) == 1000
    np.testing.assert_allclose(np.asarray(states), demo.observations, atol=1e-9)
    assert np.isclose(total, demo.true_return)
    # an expert: far above random actions (the pendulum spends most of its episode
    # upright; the cheetah runs, slowly: see the domain's module)
    assert demo.true_return > EXPERT_RETURNS[domain]


def test_pendulum_expert_learns_from_uprightness():
    """The pendulum's expert reward is (1 + cos θ)/2 of the state reached: 1 upright, 0 down."""
    domain = DOMAINS["pendulum-cartpole"]
    env = RewardOf(domain.make_source(), domain.expert_reward)
    env.reset(seed=0)
    for action in (1.0, -1.0, 0.5):
        obs, reward, *_ = env.step(np.array([action], dtype=np.float32))
        cos_theta = env.unwrapped.physics.pole_vertical()
        assert np.isclose(reward, 0.5 * (1 + cos_theta)) and np.isclose(obs[0], cos_theta)
