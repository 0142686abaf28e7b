"""GWIL pseudo-rewards: isometry invariance, shares of the GW cost, and a POT cross-check."""

from __future__ import annotations

import numpy as np
import ot
import pytest

from bench.agents.envs.point_maze import PointMaze
from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.rewards import GWRewardConfig, gw_pseudo_rewards, trajectory_distances


def _random_walk(rng: np.random.Generator, n: int, ds: int, da: int) -> Trajectory:
    return Trajectory(
        observations=np.cumsum(rng.normal(size=(n, ds)), axis=0) * 0.1,
        actions=rng.uniform(-1, 1, size=(n, da)),
    )


def _rigid(traj: Trajectory, rng: np.random.Generator, *, reflect: bool) -> Trajectory:
    """Apply one orthogonal map Q (rotation, or a reflection) and a translation to every
    (s, a) pair: an isometry of the joint (state, action) space."""
    d = traj.observations.shape[1] + traj.actions.shape[1]
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    if (np.linalg.det(Q) < 0) != reflect:
        Q[:, 0] = -Q[:, 0]
    z = np.concatenate([traj.observations, traj.actions], axis=1) @ Q.T + rng.normal(size=d) * 3
    ds = traj.observations.shape[1]
    return Trajectory(z[:, :ds], z[:, ds:])


@pytest.mark.parametrize("reflect", [False, True])
def test_rewards_invariant_under_isometries_of_the_expert(reflect):
    rng = np.random.default_rng(1)
    expert = _random_walk(rng, 40, 2, 2)
    agent = _random_walk(rng, 30, 3, 1)  # a different domain: other dimensions, other length
    moved = _rigid(expert, rng, reflect=reflect)
    base = gw_pseudo_rewards(expert, agent)
    after = gw_pseudo_rewards(moved, agent)
    np.testing.assert_allclose(after.rewards, base.rewards, atol=1e-8, rtol=0)
    assert abs(after.cost - base.cost) < 1e-8


def test_rewards_invariant_in_the_mirrored_maze():
    """An expert path in the maze and the same path in the mirror maze get equal rewards."""
    rng = np.random.default_rng(2)
    env, mirror = PointMaze(), PointMaze(mirrored=True)
    actions = rng.uniform(-1, 1, size=(25, 2))
    reflect = np.array([-1.0, 1.0])

    def rollout(e: PointMaze, acts: np.ndarray) -> Trajectory:
        obs, _ = e.reset(seed=0)
        states = []
        for a in acts:
            states.append(obs)
            obs, *_ = e.step(a)
        return Trajectory(np.asarray(states), acts)

    expert = rollout(env, actions)
    agent = _random_walk(rng, 20, 2, 2)
    np.testing.assert_allclose(
        gw_pseudo_rewards(rollout(mirror, actions * reflect), agent).rewards,
        gw_pseudo_rewards(expert, agent).rewards,
        atol=1e-8,
        rtol=0,
    )


@pytest.mark.parametrize("solver", ["exact", "entropic"])
def test_rewards_are_shares_of_the_gw_cost(solver):
    rng = np.random.default_rng(3)
    expert, agent = _random_walk(rng, 25, 2, 2), _random_walk(rng, 18, 4, 2)
    result = gw_pseudo_rewards(expert, agent, GWRewardConfig(solver=solver))
    assert result.rewards.shape == (18,)
    assert np.isclose(result.rewards.sum(), -result.cost, rtol=1e-10, atol=1e-12)
    assert np.all(result.rewards <= 1e-12)  # each share is a sum of squares times masses
    # the coupling has uniform marginals, and its cost is POT's GW objective at that coupling
    np.testing.assert_allclose(result.coupling.sum(axis=1), 1 / 25, atol=1e-6)
    np.testing.assert_allclose(result.coupling.sum(axis=0), 1 / 18, atol=1e-6)
    C1 = trajectory_distances(expert)
    C2 = trajectory_distances(agent)
    p, q = np.full(25, 1 / 25), np.full(18, 1 / 18)
    constC, hC1, hC2 = ot.gromov.init_matrix(C1, C2, p, q, "square_loss")
    pot_cost = ot.gromov.gwloss(constC, hC1, hC2, result.coupling)
    assert np.isclose(result.cost, pot_cost, rtol=1e-8)


def test_exact_rewards_match_pot_cost():
    rng = np.random.default_rng(4)
    expert, agent = _random_walk(rng, 30, 2, 2), _random_walk(rng, 30, 2, 2)
    C1, C2 = trajectory_distances(expert), trajectory_distances(agent)
    p = q = np.full(30, 1 / 30)
    pot = ot.gromov.gromov_wasserstein2(C1, C2, p, q, "square_loss")
    ours = gw_pseudo_rewards(expert, agent)
    # both are local minimisers of a non-convex problem from the same start p qᵀ
    assert ours.cost <= pot * (1 + 1e-6) + 1e-12


def test_distances_are_scaled_euclidean():
    traj = Trajectory(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 8.0]]), np.zeros((3, 1)))
    C = trajectory_distances(traj)
    np.testing.assert_allclose(C, np.array([[0, 5, 8], [5, 0, 5], [8, 5, 0]]) / 8.0, atol=1e-12)
    still = Trajectory(np.ones((4, 2)), np.zeros((4, 2)))
    np.testing.assert_array_equal(trajectory_distances(still), np.zeros((4, 4)))


def test_expert_scale_charges_for_a_shrunken_copy():
    """scale="each" divides each matrix by its own maximum, so a half-size copy of the
    expert costs nothing; scale="expert" measures both in the expert's unit, so only a
    same-size (isometric) copy does."""
    rng = np.random.default_rng(5)
    expert = _random_walk(rng, 20, 2, 2)
    moved = _rigid(expert, rng, reflect=True)
    half = Trajectory(0.5 * moved.observations, 0.5 * moved.actions)
    each, shared = GWRewardConfig(scale="each"), GWRewardConfig(scale="expert")
    assert gw_pseudo_rewards(expert, half, each).cost < 1e-10
    assert gw_pseudo_rewards(expert, moved, shared).cost < 1e-10
    assert gw_pseudo_rewards(expert, half, shared).cost > 1e-2
    with pytest.raises(ValueError, match="scale"):
        GWRewardConfig(scale="agent")


def test_agent_dims_keep_only_those_dimensions_of_the_agent():
    """agent_dims=(0, 2): the agent's rewards are those of its trajectory without
    dimension 1, whatever dimension 1 holds; the expert keeps all of its own."""
    rng = np.random.default_rng(3)
    expert = _random_walk(rng, 40, 3, 1)
    agent = _random_walk(rng, 30, 3, 1)
    without = Trajectory(agent.observations[:, [0, 2]], agent.actions)
    kept = gw_pseudo_rewards(expert, agent, GWRewardConfig(agent_dims=(0, 2)))
    np.testing.assert_array_equal(kept.rewards, gw_pseudo_rewards(expert, without).rewards)
    assert not np.allclose(kept.rewards, gw_pseudo_rewards(expert, agent).rewards)
    with pytest.raises(ValueError, match="have 3 dimensions"):
        gw_pseudo_rewards(expert, agent, GWRewardConfig(agent_dims=(0, 3)))
