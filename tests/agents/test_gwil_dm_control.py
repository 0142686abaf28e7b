"""The dm_control wrapper gives dm_control's own time steps: the observation dictionary
flattened in order, the task's reward, and a 1000-step episode that ends truncated."""

from __future__ import annotations

import numpy as np
import pytest

from bench.agents.envs.dm_control_env import DMControlEnv
from bench.agents.gwil.domains import DOMAINS


@pytest.mark.parametrize(
    ("domain", "task", "size"), [("cartpole", "swingup", 5), ("walker", "walk", 24)]
)
def test_wrapper_steps_as_dm_control_does(domain, task, size):
    from dm_control import suite  # after the wrapper's module, which turns rendering off

    env = DMControlEnv(domain, task)
    reference = suite.load(domain, task, task_kwargs={"random": 7})
    obs, _ = env.reset(seed=7)
    time_step = reference.reset()
    assert env.observation_space.shape == (size,)

    def flat(ts) -> np.ndarray:
        return np.concatenate([np.atleast_1d(v).ravel() for v in ts.observation.values()])

    np.testing.assert_array_equal(obs, flat(time_step))
    rng = np.random.default_rng(0)
    steps, total, reference_total = 0, 0.0, 0.0
    while True:
        action = rng.uniform(-1, 1, env.action_space.shape)
        obs, reward, terminated, truncated, _ = env.step(action)
        time_step = reference.step(action)
        steps += 1
        total += reward
        reference_total += time_step.reward
        np.testing.assert_array_equal(obs, flat(time_step))
        assert reward == time_step.reward
        assert truncated == time_step.last() and not terminated
        if truncated:
            break
    assert steps == 1000 and total == reference_total and total > 0


def test_reset_seed_fixes_the_start():
    env = DMControlEnv("pendulum", "swingup")
    a, _ = env.reset(seed=3)
    env.step(np.ones(1))
    b, _ = env.reset(seed=3)
    c, _ = env.reset(seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)  # the pendulum starts at a random angle


def test_paper_domains_are_dm_control_tasks():
    pendulum_cartpole = DOMAINS["pendulum-cartpole"]
    source, target = pendulum_cartpole.make_source(), pendulum_cartpole.make_target()
    assert (source.domain, source.task, target.domain, target.task) == (
        "pendulum",
        "swingup",
        "cartpole",
        "swingup",
    )
    cheetah_walker = DOMAINS["cheetah-walker"]
    assert cheetah_walker.make_source().observation_space.shape == (17,)
    assert cheetah_walker.make_target().observation_space.shape == (24,)
