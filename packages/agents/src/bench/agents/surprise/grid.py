"""The worlds in JAX: one step and one view of a MiniGrid world with noisy rooms, as pure functions.

A world is a :class:`World` of fixed-shape arrays, so ``jax.vmap`` steps thousands of them
at once. Episodes start from a :class:`Bank` of layouts that the Python worlds of
``envs.py`` drew (room placement is a recursive rejection search, cheap once and awkward
as array code); the noise is drawn here, at every step. The rules are those of
``envs.SurpriseWorld`` and the test suite checks this step against it, view for view:

* noisy floor tiles of rooms whose box is still there get a new colour, uniform over
  MiniGrid's 6, before the action is applied;
* left/right turn, forward enters an empty, floor, goal or lava cell or an open door,
  toggle opens/closes a door or removes a box and silences its room; pickup, drop and
  done do nothing;
* the view is MiniGrid's: the 7x7 square ahead of the agent, rotated so that the agent
  looks up from the bottom middle cell, cells hidden behind walls and closed doors
  encoded as unseen (0, 0, 0), the agent's own cell as empty, outside the grid as walls.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from bench.agents.surprise.envs import FORWARD, LEFT, RIGHT, TOGGLE, Layout

VIEW = 7  # MiniGrid's agent_view_size
EMPTY, WALL, FLOOR, DOOR, BOX, GOAL, LAVA = 1, 2, 3, 4, 7, 8, 9
GREY = 5
N_COLOURS = 6
N_ACTIONS = 7  # MiniGrid's action set; 3, 4 and 6 do nothing here
DIR_VEC = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.int32)


class World(NamedTuple):
    """State of one world; (W, H) arrays are indexed [x, y] like MiniGrid's encoding."""

    grid: jax.Array  # (W, H, 3) int8: object type, colour, state
    room: jax.Array  # (W, H) int8: room of each cell, -1 outside every room
    noisy: jax.Array  # (W, H) bool: flashing floor tiles
    on: jax.Array  # (R,) bool: noisy rooms whose box is still there
    is_noisy: jax.Array  # (R,) bool: rooms that were noisy at the start
    pos: jax.Array  # (2,) int32: agent x, y
    dir: jax.Array  # () int32: 0 right, 1 down, 2 left, 3 up


class Bank(NamedTuple):
    """Start layouts, stacked: every field of :class:`World` with a leading (B,) axis."""

    grid: jax.Array
    room: jax.Array
    noisy: jax.Array
    is_noisy: jax.Array
    n_rooms: jax.Array
    pos: jax.Array
    dir: jax.Array


def stack_layouts(layouts: list[Layout]) -> Bank:
    """Layouts of one world (same grid size) -> a :class:`Bank` of device arrays."""
    width = max(len(layout.is_noisy) for layout in layouts)

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, (0, width - len(a)))

    return Bank(
        grid=jnp.asarray(np.stack([lay.grid for lay in layouts]).astype(np.int8)),
        room=jnp.asarray(np.stack([lay.room for lay in layouts]).astype(np.int8)),
        noisy=jnp.asarray(np.stack([lay.noisy for lay in layouts])),
        is_noisy=jnp.asarray(np.stack([pad(lay.is_noisy) for lay in layouts])),
        n_rooms=jnp.asarray([lay.n_rooms for lay in layouts], dtype=jnp.int32),
        pos=jnp.asarray([lay.agent_pos for lay in layouts], dtype=jnp.int32),
        dir=jnp.asarray([lay.agent_dir for lay in layouts], dtype=jnp.int32),
    )


def world_from_layout(layout: Layout) -> World:
    """One layout as a :class:`World` (its noisy rooms on)."""
    bank = stack_layouts([layout])
    return World(
        grid=bank.grid[0],
        room=bank.room[0],
        noisy=bank.noisy[0],
        on=bank.is_noisy[0],
        is_noisy=bank.is_noisy[0],
        pos=bank.pos[0],
        dir=bank.dir[0],
    )


def _colours(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """A colour for every cell, uniform over the 6, from one 32-bit draw per step.

    Drawing a full random array per step and env was most of a step's time; instead one
    draw seeds a counter-based hash (murmur3's finaliser of seed + cell index), whose
    output modulo 6 is uniform to within 2^-29.
    """
    h = jax.random.bits(key, (), jnp.uint32) + jnp.arange(
        shape[0] * shape[1], dtype=jnp.uint32
    ) * jnp.uint32(0x9E3779B9)
    h = (h ^ (h >> 16)) * jnp.uint32(0x85EBCA6B)
    h = (h ^ (h >> 13)) * jnp.uint32(0xC2B2AE35)
    h = h ^ (h >> 16)
    return (h % N_COLOURS).astype(jnp.int32).reshape(shape)


def _flash(world: World, key: jax.Array) -> World:
    colours = _colours(key, world.noisy.shape)
    flashing = world.noisy & (world.room >= 0) & world.on[jnp.maximum(world.room, 0)]
    colour = jnp.where(flashing, colours.astype(jnp.int8), world.grid[..., 1])
    return world._replace(grid=world.grid.at[..., 1].set(colour))


def reset(bank: Bank, key: jax.Array) -> World:
    """A layout drawn uniformly from the bank, with freshly drawn noise."""
    pick, noise = jax.random.split(key)
    i = jax.random.randint(pick, (), 0, bank.grid.shape[0])
    world = World(
        grid=bank.grid[i],
        room=bank.room[i],
        noisy=bank.noisy[i],
        on=bank.is_noisy[i],
        is_noisy=bank.is_noisy[i],
        pos=bank.pos[i],
        dir=bank.dir[i],
    )
    return _flash(world, noise)


def step(world: World, action: jax.Array, key: jax.Array) -> World:
    """One step: noise, then the action (module docstring)."""
    world = _flash(world, key)
    fwd = world.pos + jnp.asarray(DIR_VEC)[world.dir]
    cell = world.grid[fwd[0], fwd[1]].astype(jnp.int32)
    kind, state = cell[0], cell[2]
    walkable = (
        (kind == EMPTY)
        | (kind == FLOOR)
        | (kind == GOAL)
        | (kind == LAVA)
        | ((kind == DOOR) & (state == 0))
    )
    pos = jnp.where((action == FORWARD) & walkable, fwd, world.pos)
    turn = jnp.where(action == LEFT, -1, jnp.where(action == RIGHT, 1, 0))
    toggle = action == TOGGLE
    door = toggle & (kind == DOOR) & (state != 2)
    box = toggle & (kind == BOX)
    new_cell = jnp.where(door, cell.at[2].set(1 - state), cell)
    new_cell = jnp.where(box, jnp.array([EMPTY, 0, 0]), new_cell)
    box_room = jnp.maximum(world.room[fwd[0], fwd[1]], 0)
    return world._replace(
        grid=world.grid.at[fwd[0], fwd[1]].set(new_cell.astype(jnp.int8)),
        on=world.on.at[box_room].set(world.on[box_room] & ~box),
        pos=pos,
        dir=(world.dir + turn) % 4,
    )


def _view_offsets() -> np.ndarray:
    """(4, V, V, 2): for each direction, the world offset from the agent of every view cell."""
    tops = {
        0: (0, -(VIEW // 2)),
        1: (-(VIEW // 2), 0),
        2: (-(VIEW - 1), -(VIEW // 2)),
        3: (-(VIEW // 2), -(VIEW - 1)),
    }
    out = np.zeros((4, VIEW, VIEW, 2), dtype=np.int32)
    for d in range(4):
        coords = np.stack(np.meshgrid(np.arange(VIEW), np.arange(VIEW), indexing="ij"), -1)
        for _ in range(d + 1):  # MiniGrid's rotate_left: new[j, V-1-i] = old[i, j]
            rotated = np.empty_like(coords)
            for i in range(VIEW):
                for j in range(VIEW):
                    rotated[j, VIEW - 1 - i] = coords[i, j]
            coords = rotated
        out[d] = coords + np.array(tops[d])
    return out


VIEW_OFFSETS = _view_offsets()


def _visible(opaque: jax.Array) -> jax.Array:
    """MiniGrid's ``process_vis`` on a (V, V) opacity map; the agent sits at (V//2, V-1).

    MiniGrid sweeps each row from the bottom up, first rightwards then leftwards: a lit
    transparent cell lights its neighbour along the row and the two cells above. Along a
    row that is a reach through transparent cells, written here in closed form: with c_i
    the number of opaque cells left of i, i is lit rightwards from a lit k <= i when
    c_i = c_k (none opaque in [k, i)), and leftwards alike.
    """
    index = np.arange(VIEW)
    right_of = index[:, None] <= index[None, :]  # [k, i]: k <= i
    mask_row = jnp.zeros(VIEW, bool).at[VIEW // 2].set(True)
    rows = []
    for j in reversed(range(VIEW)):
        clear = ~opaque[:, j]
        blocked = jnp.cumsum(~clear) - (~clear)  # opaque cells strictly left of i
        same = blocked[:, None] == blocked[None, :]
        lit = (mask_row[:, None] & right_of & same).any(0)
        spread_r = lit & clear & (index < VIEW - 1)
        # leftwards: i lit from a lit k >= i when no opaque cell in (i, k]
        after = jnp.cumsum((~clear)[::-1])[::-1] - (~clear)  # opaque cells strictly right of i
        same_l = after[:, None] == after[None, :]
        lit = (lit[:, None] & right_of.T & same_l).any(0)
        spread_l = lit & clear & (index > 0)
        rows.append(lit)
        above = spread_r | jnp.roll(spread_r, 1) | spread_l | jnp.roll(spread_l, -1)
        mask_row = above
    return jnp.stack(rows[::-1], axis=1)


def view(world: World) -> jax.Array:
    """The agent's partial view (V, V, 3) int32, MiniGrid's encoding (module docstring)."""
    coords = world.pos + jnp.asarray(VIEW_OFFSETS)[world.dir]  # (V, V, 2)
    width, height = world.grid.shape[:2]
    inside = (
        (coords[..., 0] >= 0)
        & (coords[..., 0] < width)
        & (coords[..., 1] >= 0)
        & (coords[..., 1] < height)
    )
    x = jnp.clip(coords[..., 0], 0, width - 1)
    y = jnp.clip(coords[..., 1], 0, height - 1)
    cells = jnp.where(
        inside[..., None], world.grid[x, y].astype(jnp.int32), jnp.array([WALL, GREY, 0])
    )
    opaque = (cells[..., 0] == WALL) | ((cells[..., 0] == DOOR) & (cells[..., 2] != 0))
    seen = _visible(opaque)
    cells = cells.at[VIEW // 2, VIEW - 1].set(jnp.array([EMPTY, 0, 0]))
    return jnp.where(seen[..., None], cells, 0)
