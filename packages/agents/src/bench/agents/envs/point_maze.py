"""A 2-D point mass in a one-wall maze, and its mirror image (GWIL's first domain).

State s = (x, y) in the arena [-1, 1]^2, action a in [-1, 1]^2, dynamics

    s' = clip(s + step_size * a, -1, 1),   each axis's move dropped if it enters the wall.

The wall is the rectangle x <= wall_tip_x, |y| <= wall_half_thickness: a horizontal
barrier attached to the left edge, so the start (below it, on the left) reaches the goal
(above it, on the left) only by going right around its tip. The wall is thicker than one
step, so a step cannot jump over it.

``mirrored=True`` maps every position through the reflection R(x, y) = (-x, y): walls,
start and goal move with it, and a trajectory (s_t, a_t) of the original maze is one of
the mirror maze exactly when (R s_t, R a_t) is. R is an isometry, so Gromov-Wasserstein
distances between trajectories are the same in both mazes (Fickinger et al., 2022, §4).

True reward (for evaluation and for experts; GWIL never sees it):
r_t = -d(s_{t+1}), with d the shortest-path length to the goal around the wall tip, so
the return is minus the summed remaining distances: reaching the goal sooner scores higher. Terminated when ||s - goal|| < goal_radius;
truncated after max_episode_steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class PointMazeConfig:
    """Geometry and dynamics of the maze (in the unmirrored frame)."""

    step_size: float = 0.25  # largest move per axis per step
    wall_tip_x: float = 0.5  # the wall spans x in [-1, wall_tip_x]
    wall_half_thickness: float = 0.15  # 2x > step_size, so no step jumps the wall
    start: tuple[float, float] = (-0.75, -0.75)
    goal: tuple[float, float] = (-0.5, 0.8)
    goal_radius: float = 0.25
    max_episode_steps: int = 30
    start_noise: float = 0.02  # uniform jitter of the start position at reset


class PointMaze(gym.Env):
    """The point-mass maze, with gymnasium's API (``reset(seed=...)``, terminated/truncated)."""

    metadata = {"render_modes": []}  # noqa: RUF012 (gymnasium's class attribute)

    def __init__(self, config: PointMazeConfig | None = None, *, mirrored: bool = False):
        self.config = config = config if config is not None else PointMazeConfig()
        self.mirrored = mirrored
        # R = diag(-1, 1) when mirrored; R is its own inverse.
        self._reflect = np.array([-1.0, 1.0]) if mirrored else np.ones(2)
        self.observation_space = gym.spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float64)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.goal = self._reflect * np.asarray(config.goal, dtype=np.float64)
        self.start = self._reflect * np.asarray(config.start, dtype=np.float64)
        self._position = self.start.copy()
        self._steps = 0

    # --- geometry, in the canonical (unmirrored) frame -------------------------------------
    def _canonical(self, position: NDArray[np.float64]) -> NDArray[np.float64]:
        return self._reflect * position

    def in_wall(self, position: NDArray[np.float64]) -> bool:
        """True when ``position`` (this maze's frame) lies inside the wall."""
        x, y = self._canonical(np.asarray(position, dtype=np.float64))
        c = self.config
        return bool(x <= c.wall_tip_x and abs(y) <= c.wall_half_thickness)

    def path_distance(self, position: NDArray[np.float64]) -> float:
        """Length of the shortest path from ``position`` to the goal around the wall tip.

        Straight when the segment to the goal does not cross the wall's line y = 0 left of
        the tip; otherwise through the tip point (wall_tip_x + wall_half_thickness, 0).
        """
        p = self._canonical(np.asarray(position, dtype=np.float64))
        g = np.asarray(self.config.goal, dtype=np.float64)
        if np.sign(p[1]) == np.sign(g[1]) or p[1] == g[1]:
            return float(np.linalg.norm(p - g))
        # x where the segment p -> g crosses y = 0
        cross_x = p[0] + (g[0] - p[0]) * (-p[1]) / (g[1] - p[1])
        tip = np.array([self.config.wall_tip_x + self.config.wall_half_thickness, 0.0])
        if cross_x > tip[0]:
            return float(np.linalg.norm(p - g))
        return float(np.linalg.norm(p - tip) + np.linalg.norm(tip - g))

    # --- gymnasium API ---------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict | None = None
    ) -> tuple[NDArray[np.float64], dict]:
        super().reset(seed=seed)
        jitter = self.np_random.uniform(-1.0, 1.0, size=2) * self.config.start_noise
        # jitter in the canonical frame, so the mirror maze's starts are the reflected ones
        self._position = self.start + self._reflect * jitter
        self._steps = 0
        return self._position.copy(), {"distance": self.path_distance(self._position)}

    def step(self, action: NDArray) -> tuple[NDArray[np.float64], float, bool, bool, dict]:
        a = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        # Move along x, then along y, each blocked if it would enter the wall: the point
        # slides along the wall instead of sticking to it (a stuck point makes greedy
        # moves towards the tip a trap). Per-axis moves commute with the mirror.
        for axis in (0, 1):
            proposal = self._position.copy()
            proposal[axis] = np.clip(proposal[axis] + self.config.step_size * a[axis], -1.0, 1.0)
            if not self.in_wall(proposal):
                self._position = proposal
        self._steps += 1
        distance = self.path_distance(self._position)
        success = bool(np.linalg.norm(self._position - self.goal) < self.config.goal_radius)
        reward = -distance
        truncated = (not success) and self._steps >= self.config.max_episode_steps
        return (
            self._position.copy(),
            float(reward),
            success,
            truncated,
            {"distance": distance, "success": success},
        )
