"""What an exploring policy sees: the view o_t, the density's statistics θ_t, and the time t/T.

Adversarial Surprise conditions both players on the density model's sufficient statistics
and a time feature, because which observation is surprising depends on what the model has
seen so far this episode and on how many steps remain. ``SurpriseObservation`` wraps a
MiniGrid env into a fixed-horizon episode of T steps and returns, as a flat float32 vector,

    s_t = [one_hot(o_t) (980,), θ_t (980,), t / T (1,)],   θ_t fitted to o_0..o_t,

and, in ``info["log_p"]``, log p_{θ_{t-1}}(o_t): the log-likelihood of the new view under
the model fitted to the episode's earlier views (the quantity every density-based reward
is built from). The inner env's own reward and termination are ignored: exploration has
no task, and a fixed T keeps vector envs in lockstep so the game's rounds line up.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from bench.agents.surprise.density import CELL_BLOCK, CategoricalDensity, DensityConfig, one_hot


class OneHotImage(gym.ObservationWrapper):
    """MiniGrid's dict observation -> one-hot code of its image, (V·V·20,) float32."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        v = env.unwrapped.agent_view_size
        self.observation_space = gym.spaces.Box(0.0, 1.0, (v * v * CELL_BLOCK,), np.float32)

    def observation(self, observation: dict[str, Any]) -> np.ndarray:
        return one_hot(observation["image"])


class SurpriseObservation(gym.Wrapper):
    """Fixed-horizon episode of ``horizon`` steps with s_t = [o_t, θ_t, t/T] and info["log_p"]."""

    def __init__(self, env: gym.Env, horizon: int, density: DensityConfig | None = None):
        super().__init__(env)
        density = density or DensityConfig()
        if horizon < 1:
            raise ValueError(f"horizon={horizon}: an episode needs at least one step")
        self.horizon = horizon
        self.density = CategoricalDensity(density)
        v = density.view_size
        self.observation_space = gym.spaces.Box(0.0, 1.0, (2 * v * v * CELL_BLOCK + 1,), np.float32)
        self.t = 0
        self.image = np.zeros((v, v, 3), dtype=np.uint8)

    def _features(self) -> np.ndarray:
        return np.concatenate(
            [one_hot(self.image), self.density.theta.astype(np.float32), [self.t / self.horizon]]
        ).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self.t = 0
        self.image = obs["image"]
        self.density.reset()
        info = dict(info)
        info["log_p"] = self.density.log_prob(self.image)  # under the uniform prior
        self.density.update(self.image)
        return self._features(), info

    def step(self, action: int):
        obs, reward, _terminated, _truncated, info = self.env.step(action)
        self.t += 1
        self.image = obs["image"]
        info = dict(info)
        info["log_p"] = self.density.log_prob(self.image)  # log p_{θ_{t-1}}(o_t), before the update
        info["task_reward"] = float(reward)
        self.density.update(self.image)
        return self._features(), 0.0, False, self.t >= self.horizon, info
