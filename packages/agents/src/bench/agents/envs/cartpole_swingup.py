"""Cart-pole swing-up in numpy (the agent's domain of GWIL's pendulum -> cart-pole task).

dm_control's ``cartpole/swingup`` is the paper's target, but dm_control is not installed
here; this is the same task on gymnasium's API. Dynamics are the classic cart-pole
(Barto et al., 1983; Florian 2007, with the gymnasium CartPole constants), θ = 0 upright:

    θ̈ = (g sin θ - cos θ (F + m_p l θ̇² sin θ) / M) / (l (4/3 - m_p cos²θ / M)),
    ẍ = (F + m_p l (θ̇² sin θ - θ̈ cos θ)) / M,         M = m_c + m_p,  F = force_mag · a,

integrated by semi-implicit Euler in ``substeps`` steps per control step. The cart stops
inelastically at |x| = x_limit. Each episode starts hanging down (θ = π) with small noise
and lasts ``max_episode_steps`` (truncated, never terminated).

Observation (x, cos θ, sin θ, ẋ, θ̇), action a in [-1, 1]. Reward, after dm_control's
smooth swing-up reward: r = (1 + cos θ)/2 · (1 + exp(-x²))/2 · (4 + 1 - a²)/5 ·
(1 + exp(-θ̇²/25))/2, in [0, 1] and near 1 only when balanced upright at the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class CartPoleSwingUpConfig:
    gravity: float = 9.8
    cart_mass: float = 1.0  # m_c
    pole_mass: float = 0.1  # m_p
    half_length: float = 0.5  # l
    force_mag: float = 10.0
    dt: float = 0.05  # control period: 200 steps = 10 s, as Pendulum-v1
    substeps: int = 5
    x_limit: float = 2.4
    max_episode_steps: int = 200
    reset_noise: float = 0.05


class CartPoleSwingUp(gym.Env):
    """Swing the pole up from hanging and balance it; gymnasium API, numpy physics."""

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium's class attribute)

    def __init__(self, config: CartPoleSwingUpConfig | None = None):
        self.config = config = config if config is not None else CartPoleSwingUpConfig()
        high = np.array([config.x_limit, 1.0, 1.0, np.inf, np.inf])
        self.observation_space = gym.spaces.Box(-high, high, dtype=np.float64)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self._state = np.array([0.0, 0.0, np.pi, 0.0])  # x, ẋ, θ, θ̇
        self._steps = 0

    def _observation(self) -> NDArray[np.float64]:
        x, x_dot, theta, theta_dot = self._state
        return np.array([x, np.cos(theta), np.sin(theta), x_dot, theta_dot])

    def reset(
        self, *, seed: int | None = None, options: dict | None = None
    ) -> tuple[NDArray[np.float64], dict]:
        super().reset(seed=seed)
        noise = self.np_random.uniform(-1.0, 1.0, size=4) * self.config.reset_noise
        self._state = np.array([0.0, 0.0, np.pi, 0.0]) + noise
        self._steps = 0
        return self._observation(), {}

    def step(self, action: NDArray) -> tuple[NDArray[np.float64], float, bool, bool, dict]:
        c = self.config
        a = float(np.clip(np.asarray(action, dtype=np.float64).reshape(-1)[0], -1.0, 1.0))
        force = c.force_mag * a
        total_mass = c.cart_mass + c.pole_mass
        x, x_dot, theta, theta_dot = self._state
        h = c.dt / c.substeps
        for _ in range(c.substeps):
            sin, cos = np.sin(theta), np.cos(theta)
            temp = (force + c.pole_mass * c.half_length * theta_dot**2 * sin) / total_mass
            theta_acc = (c.gravity * sin - cos * temp) / (
                c.half_length * (4.0 / 3.0 - c.pole_mass * cos**2 / total_mass)
            )
            x_acc = temp - c.pole_mass * c.half_length * theta_acc * cos / total_mass
            x_dot += h * x_acc
            theta_dot += h * theta_acc
            x += h * x_dot
            theta += h * theta_dot
            if abs(x) > c.x_limit:  # the rail's end stops the cart
                x, x_dot = float(np.sign(x) * c.x_limit), 0.0
        theta = (theta + np.pi) % (2 * np.pi) - np.pi
        self._state = np.array([x, x_dot, theta, theta_dot])
        self._steps += 1
        upright = (1.0 + np.cos(theta)) / 2.0
        centered = (1.0 + np.exp(-(x**2))) / 2.0
        small_control = (4.0 + 1.0 - a**2) / 5.0
        small_velocity = (1.0 + np.exp(-(theta_dot**2) / 25.0)) / 2.0
        reward = float(upright * centered * small_control * small_velocity)
        truncated = self._steps >= c.max_episode_steps
        return self._observation(), reward, False, truncated, {"upright": float(np.cos(theta))}
