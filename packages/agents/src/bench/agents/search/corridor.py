"""A deterministic corridor with a deceptive nearby reward: a planning test with a known optimum.

Positions 0..L-1, the agent starts at position ``start``. Action 0 moves left, 1 moves
right. Reaching position 0 ends the episode with the small reward ``near_reward``
(one step away from the default start); reaching L-1 ends it with ``far_reward``
(L-1-start steps away), and each step right out of the start costs ``toll`` (a negative
reward). With discount γ the optimal first action is "right" iff

    toll + γ^(L-2-start) · far_reward > near_reward,

true for the defaults (−1 + 0.99^3 · 10 ≈ 8.7 > 1). An agent trained with an episode
cut shorter than the distance to the far end never sees the far reward: it learns that
"right" costs the toll and leads nowhere, and prefers "left", the weak blueprint that
search must overturn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bench.agents.search.simulator import Step


@dataclass(frozen=True)
class CorridorConfig:
    length: int = 6  # L
    start: int = 1
    near_reward: float = 1.0
    far_reward: float = 10.0
    toll: float = -1.0  # reward for stepping right out of the start position
    max_steps: int = 20  # episode cut (a time limit; reaching it is game over, not terminal)


class CorridorSimulator:
    """The corridor as a :class:`~bench.agents.search.simulator.Simulator`."""

    name = "corridor"
    deterministic = True  # determinize() is clone(): one rollout evaluates a policy
    num_actions = 2

    def __init__(self, config: CorridorConfig | None = None):
        config = config if config is not None else CorridorConfig()
        if not 0 < config.start < config.length - 1:
            raise ValueError(
                f"corridor start={config.start} must lie strictly inside 0..{config.length - 1}"
            )
        self.config = config
        self.obs_dim = config.length + 1  # one-hot position, plus the time fraction
        self._pos = config.start
        self._t = 0
        self._over = False

    def reset(self, *, seed: int) -> None:
        del seed  # deterministic
        self._pos, self._t, self._over = self.config.start, 0, False

    def observation(self) -> NDArray[np.float32]:
        obs = np.zeros(self.obs_dim, np.float32)
        obs[self._pos] = 1.0
        obs[-1] = self._t / self.config.max_steps
        return obs

    def legal_mask(self) -> NDArray[np.bool_]:
        return np.ones(self.num_actions, bool)

    def step(self, action: int) -> Step:
        if self._over:
            raise RuntimeError("corridor: step() after game over; call reset() first")
        reward, terminal = 0.0, False
        if action == 1 and self._pos == self.config.start:
            reward = self.config.toll
        self._pos += 1 if action == 1 else -1
        self._t += 1
        if self._pos == 0:
            reward, terminal = self.config.near_reward, True
        elif self._pos == self.config.length - 1:
            reward, terminal = reward + self.config.far_reward, True
        self._over = terminal or self._t >= self.config.max_steps
        return Step(reward=reward, score=reward, terminal=terminal, game_over=self._over)

    def clone(self) -> tuple[int, int, bool]:
        return (self._pos, self._t, self._over)

    def restore(self, token: object) -> None:
        self._pos, self._t, self._over = token  # type: ignore[misc]

    def determinize(self, *, rng: np.random.Generator) -> tuple[int, int, bool]:
        del rng  # fully observed
        return self.clone()

    @property
    def game_over(self) -> bool:
        return self._over

    def optimal_first_action(self, gamma: float) -> int:
        """The optimal action at the start state, from the closed form in the module docstring."""
        c = self.config
        far = c.toll + gamma ** (c.length - 2 - c.start) * c.far_reward
        near = gamma ** (c.start - 1) * c.near_reward
        return 1 if far > near else 0
