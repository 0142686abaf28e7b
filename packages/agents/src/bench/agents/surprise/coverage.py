"""Exploration metrics of an episode: rooms visited, distinct cells visited, noisy TVs off.

``CoverageTracker`` records the agent's grid position after every step and reports, in
``info`` after each step (so the last step of an episode carries the episode's totals):

* ``cells_visited``: distinct grid cells the agent has stood on (state coverage);
* ``rooms_visited``: distinct rooms entered (the start room counts);
* ``noisy_rooms`` / ``noisy_off``: noisy rooms in the world and how many are switched off;
* ``agent_x`` / ``agent_y`` / ``room``: where the agent is, for coverage over training.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from bench.agents.surprise.envs import NoisyDarkRooms, room_of


class CoverageTracker(gym.Wrapper):
    """Adds the episode's coverage counters to ``info`` at reset and after every step."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.cells: set[tuple[int, int]] = set()
        self.rooms: set[int] = set()

    def _info(self, info: dict[str, Any]) -> dict[str, Any]:
        base = self.env.unwrapped
        x, y = int(base.agent_pos[0]), int(base.agent_pos[1])
        self.cells.add((x, y))
        room = room_of(base, (x, y))
        if room >= 0:
            self.rooms.add(room)
        info = dict(info)
        info["cells_visited"] = len(self.cells)
        info["rooms_visited"] = len(self.rooms)
        noisy = isinstance(base, NoisyDarkRooms)
        info["noisy_rooms"] = len(base.noisy_rooms) if noisy else 0
        info["noisy_off"] = len(base.noisy_rooms_off) if noisy else 0
        info["agent_x"], info["agent_y"], info["room"] = x, y, room
        return info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self.cells, self.rooms = set(), set()
        return obs, self._info(info)

    def step(self, action: int):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated, truncated, self._info(info)
