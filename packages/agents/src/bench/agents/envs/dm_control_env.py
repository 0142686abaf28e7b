"""A dm_control suite task behind gymnasium's API (GWIL's pendulum, cart-pole, cheetah, walker).

The paper's code reaches these tasks through ``dmc2gym``; the facts it relies on, kept here:

* the observation is the task's observation dictionary flattened in its own order (each
  entry raveled, scalars as one entry): pendulum 3-D, cart-pole 5-D, cheetah 17-D, walker 24-D;
* one gymnasium step is one control step of the task (no action repeat), and the reward is
  the task's own, in [0, 1] per step;
* an episode ends at the task's time limit, 1000 control steps for all four tasks. A time
  limit is a truncation (dm_control's last step keeps discount 1), never a termination;
  a last step with discount 0 would be a termination, which none of the four tasks has.

``reset(seed=s)`` reseeds the task's own random state, which draws the initial state (the
pendulum's angle, the cart-pole's noise), so a seed fixes the episode's start.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

# Nothing here renders: without this, importing dm_control probes for an OpenGL display.
os.environ.setdefault("MUJOCO_GL", "disable")


def flatten_observation(observation: dict[str, Any]) -> NDArray[np.float64]:
    """dm_control's observation dictionary as one vector, entries in the task's order."""
    return np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in observation.values()])


class DMControlEnv(gym.Env):
    """``suite.load(domain, task)`` as a gymnasium env with flat Box spaces."""

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium's class attribute)

    def __init__(self, domain: str, task: str, *, seed: int = 0):
        from dm_control import suite  # imported here: loading it pulls in MuJoCo's models

        self.domain, self.task = domain, task
        self._env = suite.load(domain, task, task_kwargs={"random": seed})
        spec = self._env.action_spec()
        self.action_space = gym.spaces.Box(
            spec.minimum.astype(np.float32), spec.maximum.astype(np.float32), dtype=np.float32
        )
        size = sum(int(np.prod(s.shape)) for s in self._env.observation_spec().values())
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (size,), dtype=np.float64)

    @property
    def physics(self):
        """The task's MuJoCo physics (for tests and diagnostics that read raw state)."""
        return self._env.physics

    def reset(
        self, *, seed: int | None = None, options: dict | None = None
    ) -> tuple[NDArray[np.float64], dict]:
        super().reset(seed=seed)
        if seed is not None:
            self._env.task.random.seed(seed)
        time_step = self._env.reset()
        return flatten_observation(time_step.observation), {}

    def step(self, action: NDArray) -> tuple[NDArray[np.float64], float, bool, bool, dict]:
        time_step = self._env.step(np.asarray(action, dtype=np.float64))
        last = time_step.last()
        terminated = last and time_step.discount == 0.0
        truncated = last and not terminated
        return (
            flatten_observation(time_step.observation),
            float(time_step.reward),
            bool(terminated),
            bool(truncated),
            {},
        )
