"""One episode of a policy in an env, every visited state kept (s_0..s_m) with the m actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray

from bench.agents.gwil.demonstration import Trajectory

# A policy maps an observation (ds,) to an action (da,).
Policy = Callable[[NDArray[np.float64]], NDArray]


@dataclass(frozen=True)
class Episode:
    """observations (m + 1, ds): s_0..s_m, the last reached by a_{m-1}; actions (m, da).

    ``success`` is the env's ``info["success"]`` at the last step, NaN where it has none.
    """

    observations: NDArray[np.float64]
    actions: NDArray[np.float64]
    true_return: float
    success: float

    @property
    def trajectory(self) -> Trajectory:
        """The (s_j, a_j) pairs, j < m: what a demonstration holds."""
        return Trajectory(self.observations[:-1], self.actions, true_return=self.true_return)


def flat_box(space: gym.Space) -> gym.spaces.Box:
    """``space`` as the flat Box GWIL's SAC needs; anything else is a ValueError."""
    if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
        raise ValueError(f"GWIL's SAC needs flat Box spaces; got {space}")
    return space


def uniform_policy(action_space: gym.spaces.Box, rng: np.random.Generator) -> Policy:
    """Uniformly random actions from the box, drawn from ``rng``."""
    return lambda obs: rng.uniform(action_space.low, action_space.high).astype(np.float32)


def rollout(env: gym.Env, policy: Policy, *, seed: int) -> Episode:
    """Run ``policy`` from ``env.reset(seed=seed)`` until termination or truncation."""
    obs, _ = env.reset(seed=seed)
    observations, actions, total, success = [np.asarray(obs, dtype=np.float64)], [], 0.0, np.nan
    while True:
        action = policy(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(np.asarray(obs, dtype=np.float64))
        actions.append(np.asarray(action, dtype=np.float64))
        total += float(reward)
        if "success" in info:
            success = float(info["success"])
        if terminated or truncated:
            break
    return Episode(np.stack(observations), np.stack(actions), total, success)
