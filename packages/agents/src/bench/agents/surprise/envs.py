"""MiniGrid worlds for exploration: rooms that are dark or have a noisy TV, and MultiRoom.

``NoisyDarkRooms`` is a grid of square rooms joined by one-cell doorways. The agent starts
in the top-left room, which is plain. Every other room is, independently at each reset,

* **dark** (probability ``p_dark``): while the agent stands in it, its view is blanked
  to MiniGrid's "unseen" code (all zeros) — the perfectly predictable hiding place that
  surprise minimisation is drawn to;
* **noisy**: its floor is a carpet of tiles whose colours are redrawn uniformly at random
  every step (a noisy TV, the trap of novelty seeking), until the agent toggles the
  room's switch, after which the floor is plain.

The switch is drawn as a box (MiniGrid has no switch type, and a new type would break the
11-value object channel of the encoding); its state channel is 0 while on, 1 once off.

``make_env`` builds these and the standard ``MiniGrid-MultiRoom`` by a short name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from minigrid.core.constants import COLOR_NAMES, COLOR_TO_IDX, OBJECT_TO_IDX
from minigrid.core.mission import MissionSpace
from minigrid.core.roomgrid import RoomGrid
from minigrid.core.world_object import Box, Floor
from minigrid.minigrid_env import MiniGridEnv

ROOM_KINDS = ("start", "dark", "noisy")


class Switch(Box):
    """A noisy room's off switch. ``toggle`` stops the room's floor from flashing."""

    def __init__(self, room: int, color: str = "yellow"):
        super().__init__(color)
        self.room = room
        self.is_on = True

    def can_pickup(self) -> bool:
        return False  # picking it up would carry the switch out of its room

    def toggle(self, env: MiniGridEnv, pos: tuple[int, int]) -> bool:
        if self.is_on:
            env.switch_off(self.room)
        return True

    def encode(self) -> tuple[int, int, int]:
        return (OBJECT_TO_IDX["box"], COLOR_TO_IDX[self.color], 0 if self.is_on else 1)


class NoisyDarkRooms(RoomGrid):
    """``num_rows`` x ``num_cols`` rooms of side ``room_size`` (walls included), each dark or noisy.

    ``room_kinds`` fixes the kind of every room (row-major, first one "start"); by default
    they are drawn at each reset from the env's seeded generator.
    """

    def __init__(
        self,
        num_rows: int = 2,
        num_cols: int = 2,
        room_size: int = 7,
        p_dark: float = 0.5,
        room_kinds: tuple[str, ...] | None = None,
        max_steps: int = 128,
        render_mode: str | None = None,
    ):
        if room_kinds is not None:
            if len(room_kinds) != num_rows * num_cols or set(room_kinds) - set(ROOM_KINDS):
                raise ValueError(
                    f"room_kinds={room_kinds!r}: give {num_rows * num_cols} kinds, each one of {ROOM_KINDS}"
                )
        self.p_dark = p_dark
        self.fixed_kinds = room_kinds
        self.room_kinds: list[str] = []
        self.floors: dict[int, list[Floor]] = {}  # noisy room -> its flashing tiles
        self.switches: dict[int, Switch] = {}
        super().__init__(
            room_size=room_size,
            num_rows=num_rows,
            num_cols=num_cols,
            max_steps=max_steps,
            mission_space=MissionSpace(mission_func=lambda: "explore"),
            render_mode=render_mode,
        )

    # -- layout ---------------------------------------------------------------------------
    def room_index(self, pos: Any) -> int:
        """Row-major index of the room holding grid position ``pos`` (doorways count as the next room)."""
        x, y = int(pos[0]), int(pos[1])
        i = min(x // (self.room_size - 1), self.num_cols - 1)
        j = min(y // (self.room_size - 1), self.num_rows - 1)
        return j * self.num_cols + i

    def _gen_grid(self, width: int, height: int) -> None:
        super()._gen_grid(width, height)
        # One open doorway per shared wall, at the position RoomGrid drew for a door.
        for j in range(self.num_rows):
            for i in range(self.num_cols):
                room = self.get_room(i, j)
                for wall in (0, 1):  # right, down
                    if room.neighbors[wall] is not None:
                        self.grid.set(*room.door_pos[wall], None)
        n_rooms = self.num_rows * self.num_cols
        if self.fixed_kinds is not None:
            self.room_kinds = list(self.fixed_kinds)
        else:
            dark = self.np_random.random(n_rooms) < self.p_dark
            self.room_kinds = ["start"] + ["dark" if d else "noisy" for d in dark[1:]]
        self.floors, self.switches = {}, {}
        for r, kind in enumerate(self.room_kinds):
            if kind != "noisy":
                continue
            room = self.get_room(r % self.num_cols, r // self.num_cols)
            switch = Switch(r)
            self.place_obj(switch, room.top, room.size)
            self.switches[r] = switch
            tiles = []
            for x in range(room.top[0] + 1, room.top[0] + room.size[0] - 1):
                for y in range(room.top[1] + 1, room.top[1] + room.size[1] - 1):
                    if self.grid.get(x, y) is None:
                        tile = Floor("grey")
                        tile.cur_pos = (x, y)  # Grid.set does not record it; switch_off needs it
                        self.grid.set(x, y, tile)
                        tiles.append(tile)
            self.floors[r] = tiles
        start = self.room_kinds.index("start")
        self.place_agent(start % self.num_cols, start // self.num_cols)
        self.mission = "explore"
        self._flash()

    # -- dynamics -------------------------------------------------------------------------
    def _flash(self) -> None:
        """Redraw the colour of every tile of every noisy room whose switch is still on."""
        for r, tiles in self.floors.items():
            if self.switches[r].is_on:
                colours = self.np_random.integers(0, len(COLOR_NAMES), size=len(tiles))
                for tile, c in zip(tiles, colours):
                    tile.color = COLOR_NAMES[c]

    def switch_off(self, room: int) -> None:
        """Turn a noisy room's TV off: its tiles become plain floor for the rest of the episode."""
        self.switches[room].is_on = False
        for tile in self.floors[room]:
            self.grid.set(*tile.cur_pos, None)
        self.floors[room] = []

    def step(self, action: int):
        # Flash before the move so the observation returned shows this step's colours.
        self._flash()
        return super().step(action)

    def gen_obs(self) -> dict[str, Any]:
        obs = super().gen_obs()
        if self.room_kinds[self.room_index(self.agent_pos)] == "dark":
            obs["image"] = np.zeros_like(obs["image"])
        return obs

    # -- what coverage metrics read ---------------------------------------------------------
    @property
    def noisy_rooms(self) -> list[int]:
        return sorted(self.switches)

    @property
    def noisy_rooms_off(self) -> list[int]:
        return [r for r, s in self.switches.items() if not s.is_on]


def room_of(env: gym.Env, pos: Any) -> int:
    """Room index of a grid position in a NoisyDarkRooms or MultiRoom world (-1: none)."""
    base = env.unwrapped
    if isinstance(base, NoisyDarkRooms):
        return base.room_index(pos)
    x, y = int(pos[0]), int(pos[1])
    for r, room in enumerate(getattr(base, "rooms", [])):  # MultiRoomEnv: rooms with walls
        (tx, ty), (w, h) = room.top, room.size
        if tx <= x < tx + w and ty <= y < ty + h:
            return r
    return -1


# Short names for the CLI: name -> (factory, one-line description).
ENVS: dict[str, tuple[Callable[[], gym.Env], str]] = {
    "noisy-dark-2x2": (
        lambda: NoisyDarkRooms(num_rows=2, num_cols=2),
        "4 rooms (5x5 floor each), start room plain, others dark or noisy",
    ),
    "noisy-dark-3x3": (
        lambda: NoisyDarkRooms(num_rows=3, num_cols=3),
        "9 rooms (5x5 floor each), start room plain, others dark or noisy",
    ),
    "noisy-dark-small": (
        lambda: NoisyDarkRooms(num_rows=1, num_cols=3, room_size=5),
        "3 rooms in a row (3x3 floor each): the quick benchmark's world",
    ),
    "multiroom": (
        lambda: gym.make("MiniGrid-MultiRoom-N4-S5-v1").unwrapped,
        "standard MiniGrid-MultiRoom-N4-S5-v1 (no dark or noisy rooms; the goal is ignored)",
    ),
}


def make_env(name: str) -> gym.Env:
    """Build a world by short name (see ``ENVS``); unknown names raise a ValueError listing them."""
    if name not in ENVS:
        raise ValueError(f"unknown env {name!r}; choose one of: {', '.join(sorted(ENVS))}")
    return ENVS[name][0]()
