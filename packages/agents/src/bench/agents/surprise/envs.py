"""The worlds of Adversarial Surprise as plain MiniGrid environments, and their layout banks.

These Python worlds do two jobs: they draw the layouts that the JAX worlds (``grid.py``)
start their episodes from, and they are the plain-Python reference that the jitted step is
tested against (same grid, same action, same noise draw -> same view).

Rules shared by every world (those of the authors' ``MultiRoomAB``, Fickinger et al. 2021):

* rooms are **dark** or **noisy**. A dark room is a plain room: the authors' dark rooms
  have nothing in them and the view is not blanked, so "dark" means "nothing to see";
* a noisy room's free floor is covered with floor tiles whose colours are redrawn
  uniformly at random at every step, before the action is applied (a noisy TV), and it
  holds a box; toggling the box removes it and stops the noise in that room for the rest
  of the episode (the tiles keep their last colours);
* doors open and close with ``toggle``; pickup, drop and done do nothing (the authors'
  step ignores them), so a box is never carried out of its room.

``multiroom-ab`` is the authors' world: 4 rooms of side 4-8 (walls included) placed one
after the other on a 25x25 grid, each joined to the previous one by a closed door, each
dark or noisy with probability 1/2. The agent starts in the first room. Where the authors'
placement would cover the first room completely with floor tiles (no free cell left to
start on), the agent is placed before the tiles, so the start cell stays plain floor.
``noisy-dark-*`` are square rooms on a grid joined by open doorways, the first room plain;
``multiroom`` is gymnasium's ``MiniGrid-MultiRoom-N4-S5-v1`` unchanged (its goal has no
effect: exploration has no task).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from minigrid.core.constants import COLOR_NAMES, IDX_TO_COLOR, OBJECT_TO_IDX
from minigrid.core.grid import Grid
from minigrid.core.mission import MissionSpace
from minigrid.core.world_object import Box, Door, Floor
from minigrid.minigrid_env import MiniGridEnv

DARK, NOISY = 0, 1
LEFT, RIGHT, FORWARD, TOGGLE = 0, 1, 2, 5
# Cell types the agent may stand on (an open door is checked separately).
WALKABLE = (
    OBJECT_TO_IDX["empty"],
    OBJECT_TO_IDX["floor"],
    OBJECT_TO_IDX["goal"],
    OBJECT_TO_IDX["lava"],
)


@dataclass(frozen=True)
class Layout:
    """One episode's start: grid encoding and everything the dynamics need, all numpy.

    grid (W, H, 3) MiniGrid encoding indexed [x, y]; room (W, H) room index of each cell
    (-1: outside every room); noisy (W, H) True on the flashing floor tiles; n_rooms, and
    is_noisy (R,) per room (R = the world's most rooms, padded with False).
    """

    grid: np.ndarray
    room: np.ndarray
    noisy: np.ndarray
    is_noisy: np.ndarray
    n_rooms: int
    agent_pos: tuple[int, int]
    agent_dir: int


class SurpriseWorld(MiniGridEnv):
    """A MiniGrid world with noisy rooms; subclasses draw the layout in ``_draw``.

    ``forced_colours`` (W, H), when set, replaces the next step's random redraw of the
    noisy tiles (the reference test feeds it the JAX world's draw).
    """

    max_rooms = 4

    def __init__(self, size: tuple[int, int], max_steps: int = 10**9, **kwargs: Any):
        self.room = np.full(size, -1, dtype=np.int64)
        self.noisy = np.zeros(size, dtype=bool)
        self.on = np.zeros(self.max_rooms, dtype=bool)
        self.is_noisy = np.zeros(self.max_rooms, dtype=bool)
        self.n_rooms = 0
        self.forced_colours: np.ndarray | None = None
        super().__init__(
            mission_space=MissionSpace(mission_func=lambda: "explore"),
            width=size[0],
            height=size[1],
            max_steps=max_steps,
            **kwargs,
        )

    # -- layout ---------------------------------------------------------------------------
    def _gen_grid(self, width: int, height: int) -> None:
        self.room[:] = -1
        self.noisy[:] = False
        self.on[:] = False
        self.is_noisy[:] = False
        self._draw(width, height)
        self.mission = "explore"

    def _draw(self, width: int, height: int) -> None:
        raise NotImplementedError

    def make_noisy(self, r: int, top: tuple[int, int], size: tuple[int, int]) -> None:
        """Room ``r`` (interior inside the rectangle's walls) gets a box and a noisy floor."""
        self.place_obj(Box(self._rand_elem(COLOR_NAMES)), top, size, max_tries=1000)
        for x in range(top[0] + 1, top[0] + size[0] - 1):
            for y in range(top[1] + 1, top[1] + size[1] - 1):
                free = self.grid.get(x, y) is None and tuple(self.agent_pos) != (x, y)
                if free:
                    self.grid.set(x, y, Floor(self._rand_elem(COLOR_NAMES)))
                    self.noisy[x, y] = True
        self.on[r] = self.is_noisy[r] = True

    def layout(self) -> Layout:
        return Layout(
            grid=self.grid.encode().astype(np.uint8),
            room=self.room.copy(),
            noisy=self.noisy.copy(),
            is_noisy=self.is_noisy.copy(),
            n_rooms=self.n_rooms,
            agent_pos=(int(self.agent_pos[0]), int(self.agent_pos[1])),
            agent_dir=int(self.agent_dir),
        )

    def load(self, layout: Layout, on: np.ndarray | None = None) -> None:
        """Put the world in the state ``layout`` describes (``on``: noisy rooms still flashing)."""
        self.grid, _ = Grid.decode(np.asarray(layout.grid))
        self.room, self.noisy = np.asarray(layout.room).copy(), np.asarray(layout.noisy).copy()
        self.is_noisy = np.asarray(layout.is_noisy).copy()
        self.on = self.is_noisy.copy() if on is None else np.asarray(on).copy()
        self.n_rooms = layout.n_rooms
        x, y = layout.agent_pos
        self.agent_pos, self.agent_dir = (int(x), int(y)), int(layout.agent_dir)
        self.carrying = None

    # -- dynamics -------------------------------------------------------------------------
    def _flash(self) -> None:
        flashing = self.noisy & self.on[np.maximum(self.room, 0)] & (self.room >= 0)
        if self.forced_colours is not None:
            colours, self.forced_colours = self.forced_colours, None
        else:
            colours = self.np_random.integers(0, len(COLOR_NAMES), size=self.noisy.shape)
        for x, y in zip(*np.nonzero(flashing)):
            cell = self.grid.get(x, y)
            if cell is not None and cell.type == "floor":
                cell.color = IDX_TO_COLOR[int(colours[x, y])]

    def step(self, action: int):
        self.step_count += 1
        self._flash()
        fx, fy = self.front_pos
        fwd = (int(fx), int(fy))
        cell = self.grid.get(*fwd)
        if action == LEFT:
            self.agent_dir = (self.agent_dir - 1) % 4
        elif action == RIGHT:
            self.agent_dir = (self.agent_dir + 1) % 4
        elif action == FORWARD:
            if cell is None or cell.can_overlap():
                self.agent_pos = fwd
        elif action == TOGGLE and cell is not None:
            if cell.type == "door":
                cell.toggle(self, fwd)
            elif cell.type == "box":
                self.grid.set(*fwd, None)
                self.on[self.room[fwd]] = False
        return self.gen_obs(), 0.0, False, False, {}


class MultiRoomAB(SurpriseWorld):
    """The authors' world: rooms of side 4-8 chained by closed doors, each dark or noisy."""

    def __init__(
        self,
        n_rooms: int = 4,
        min_size: int = 4,
        max_size: int = 8,
        p_dark: float = 0.5,
        grid_size: int = 25,
        **kwargs: Any,
    ):
        self.max_rooms = n_rooms
        self.want_rooms, self.min_size, self.max_size, self.p_dark = (
            n_rooms,
            min_size,
            max_size,
            p_dark,
        )
        super().__init__((grid_size, grid_size), **kwargs)

    def _draw(self, width: int, height: int) -> None:
        rooms: list[tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = []
        while len(rooms) < self.want_rooms:  # keep the longest chain of several tries
            start = (self._rand_int(0, width - 2), self._rand_int(0, width - 2))
            chain: list = []
            self._chain(self.want_rooms, chain, entry_wall=2, door=start)
            if len(chain) > len(rooms):
                rooms = chain
        self.grid = Grid(width, height)
        self.n_rooms = len(rooms)
        self.rects = [(top, size) for top, size, _ in rooms]
        for r in reversed(range(len(rooms))):  # a shared wall belongs to the earlier room
            (tx, ty), (sx, sy), _ = rooms[r]
            self.room[tx : tx + sx, ty : ty + sy] = r
        for (tx, ty), (sx, sy), _ in rooms:
            self.grid.wall_rect(tx, ty, sx, sy)
        kinds = [DARK if self.np_random.random() < self.p_dark else NOISY for _ in rooms]
        (tx, ty), (sx, sy), _ = rooms[0]
        self.agent_pos = (-1, -1)
        self.place_agent((tx, ty), (sx, sy))
        previous_colour = None
        for r, ((tx, ty), (sx, sy), door) in enumerate(rooms):
            if kinds[r] == NOISY:
                self.make_noisy(r, (tx, ty), (sx, sy))
            if r > 0:
                colours = sorted(set(COLOR_NAMES) - {previous_colour})
                previous_colour = self._rand_elem(colours)
                self.grid.set(*door, Door(previous_colour))

    def _chain(self, left: int, chain: list, entry_wall: int, door: tuple[int, int]) -> bool:
        """Place a room whose entry door is ``door`` on its ``entry_wall``, then the rest."""
        sx = self._rand_int(self.min_size, self.max_size + 1)
        sy = self._rand_int(self.min_size, self.max_size + 1)
        tx, ty = self._room_corner(chain, entry_wall, door, (sx, sy))
        if tx < 0 or ty < 0 or tx + sx > self.width or ty + sy >= self.height:
            return False
        for (ox, oy), (osx, osy), _ in chain[:-1]:
            apart = tx + sx < ox or ox + osx <= tx or ty + sy < oy or oy + osy <= ty
            if not apart:
                return False
        chain.append(((tx, ty), (sx, sy), door))
        if left == 1:
            return True
        for _ in range(8):
            exit_wall = self._rand_elem(sorted({0, 1, 2, 3} - {entry_wall}))
            exit_door = self._door_on(exit_wall, (tx, ty), (sx, sy))
            if self._chain(left - 1, chain, (exit_wall + 2) % 4, exit_door):
                break
        return True

    def _room_corner(
        self, chain: list, entry_wall: int, door: tuple[int, int], size: tuple[int, int]
    ) -> tuple[int, int]:
        """Top-left corner of a room of ``size`` entered by ``door`` on ``entry_wall``
        (walls 0-3: right, bottom, left, top); the first room starts at ``door``."""
        (x, y), (sx, sy) = door, size
        if not chain:
            return x, y
        if entry_wall == 0:
            return x - sx + 1, self._rand_int(y - sy + 2, y)
        if entry_wall == 1:
            return self._rand_int(x - sx + 2, x), y - sy + 1
        if entry_wall == 2:
            return x, self._rand_int(y - sy + 2, y)
        return self._rand_int(x - sx + 2, x), y

    def _door_on(self, wall: int, top: tuple[int, int], size: tuple[int, int]) -> tuple[int, int]:
        """A random door cell on ``wall`` of the room at ``top`` of ``size`` (corners excluded)."""
        (tx, ty), (sx, sy) = top, size
        if wall == 0:
            return tx + sx - 1, ty + self._rand_int(1, sy - 1)
        if wall == 1:
            return tx + self._rand_int(1, sx - 1), ty + sy - 1
        if wall == 2:
            return tx, ty + self._rand_int(1, sy - 1)
        return tx + self._rand_int(1, sx - 1), ty


class NoisyDarkRooms(SurpriseWorld):
    """``rows`` x ``cols`` square rooms of side ``room_size`` joined by open doorways;
    the first room is plain, every other one dark or noisy with probability 1/2."""

    def __init__(
        self, rows: int = 2, cols: int = 2, room_size: int = 7, p_dark: float = 0.5, **kwargs: Any
    ):
        self.rows, self.cols, self.room_size, self.p_dark = rows, cols, room_size, p_dark
        self.max_rooms = rows * cols
        step = room_size - 1
        super().__init__((cols * step + 1, rows * step + 1), **kwargs)

    def _draw(self, width: int, height: int) -> None:
        self.grid = Grid(width, height)
        step, self.n_rooms = self.room_size - 1, self.rows * self.cols
        for j in reversed(range(self.rows)):
            for i in reversed(range(self.cols)):
                self.room[i * step : i * step + step + 1, j * step : j * step + step + 1] = (
                    j * self.cols + i
                )
        for j in range(self.rows):
            for i in range(self.cols):
                self.grid.wall_rect(i * step, j * step, step + 1, step + 1)
        for j in range(self.rows):  # one doorway in every shared wall
            for i in range(self.cols):
                if i + 1 < self.cols:
                    self.grid.set((i + 1) * step, j * step + self._rand_int(1, step), None)
                if j + 1 < self.rows:
                    self.grid.set(i * step + self._rand_int(1, step), (j + 1) * step, None)
        self.agent_pos = (-1, -1)
        self.place_agent((0, 0), (step + 1, step + 1))
        for r in range(1, self.n_rooms):
            if self.np_random.random() >= self.p_dark:
                i, j = r % self.cols, r // self.cols
                self.make_noisy(r, (i * step, j * step), (step + 1, step + 1))


class StandardWorld(SurpriseWorld):
    """A gymnasium MiniGrid world whose layout is drawn by that environment itself."""

    def __init__(self, env_id: str, **kwargs: Any):
        inner = gym.make(env_id).unwrapped
        if not isinstance(inner, MiniGridEnv):
            raise ValueError(f"{env_id} is not a MiniGrid environment")
        self.inner = inner
        self.max_rooms = int(getattr(self.inner, "maxNumRooms", 4))
        super().__init__((self.inner.width, self.inner.height), **kwargs)

    def _draw(self, width: int, height: int) -> None:
        self.inner.reset(seed=int(self.np_random.integers(2**31)))
        self.grid = self.inner.grid
        rooms = getattr(self.inner, "rooms", [])
        for r in reversed(range(len(rooms))):
            (tx, ty), (sx, sy) = rooms[r].top, rooms[r].size
            self.room[tx : tx + sx, ty : ty + sy] = r
        self.n_rooms = len(rooms)
        x, y = self.inner.agent_pos
        self.agent_pos, self.agent_dir = (int(x), int(y)), int(self.inner.agent_dir)


# Short names for the CLI: name -> (factory, one-line description).
ENVS: dict[str, tuple[Callable[[], SurpriseWorld], str]] = {
    "multiroom-ab": (
        MultiRoomAB,
        "the authors' world: 4 rooms of side 4-8 joined by doors, each dark or noisy (25x25)",
    ),
    "noisy-dark-2x2": (
        lambda: NoisyDarkRooms(2, 2),
        "4 rooms (5x5 floor each) joined by doorways, start room plain, others dark or noisy",
    ),
    "noisy-dark-3x3": (
        lambda: NoisyDarkRooms(3, 3),
        "9 rooms (5x5 floor each) joined by doorways, start room plain, others dark or noisy",
    ),
    "noisy-dark-small": (
        lambda: NoisyDarkRooms(1, 3, room_size=5),
        "3 rooms in a row (3x3 floor each): the quick benchmark's world",
    ),
    "multiroom": (
        lambda: StandardWorld("MiniGrid-MultiRoom-N4-S5-v1"),
        "standard MiniGrid-MultiRoom-N4-S5-v1 (no dark or noisy rooms; the goal is ignored)",
    ),
}


def make_env(name: str) -> SurpriseWorld:
    """Build a world by short name (see ``ENVS``); unknown names raise a ValueError listing them."""
    if name not in ENVS:
        raise ValueError(f"unknown env {name!r}; choose one of: {', '.join(sorted(ENVS))}")
    return ENVS[name][0]()


def draw_layouts(name: str, n: int, *, seed: int) -> list[Layout]:
    """``n`` start layouts of world ``name``, drawn from a generator seeded by ``seed``."""
    env = make_env(name)
    rng = np.random.default_rng(seed)
    layouts = []
    for s in rng.integers(0, 2**31, size=n):
        env.reset(seed=int(s))
        layouts.append(env.layout())
    return layouts


__all__ = [
    "DARK",
    "ENVS",
    "NOISY",
    "Layout",
    "MultiRoomAB",
    "NoisyDarkRooms",
    "StandardWorld",
    "SurpriseWorld",
    "draw_layouts",
    "make_env",
]
