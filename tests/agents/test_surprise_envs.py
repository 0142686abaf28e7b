"""The worlds: the authors' layout facts, and the jitted JAX step against the plain-Python step.

The reference is ``envs.SurpriseWorld``, a MiniGrid environment: its view is MiniGrid's own
``gen_obs`` (slice, rotation, occlusion), so an equal view checks the JAX port of all of it.
The noise is the one random draw of a step; the reference is handed the JAX draw.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from click.testing import CliRunner

from bench.agents.surprise import grid
from bench.agents.surprise.cli import surprise
from bench.agents.surprise.envs import ENVS, NOISY, Layout, MultiRoomAB, draw_layouts, make_env


def _as_layout(world: grid.World, n_rooms: int) -> Layout:
    w = jax.device_get(world)
    return Layout(
        grid=np.asarray(w.grid, dtype=np.uint8),
        room=np.asarray(w.room, dtype=np.int64),
        noisy=np.asarray(w.noisy),
        is_noisy=np.asarray(w.is_noisy),
        n_rooms=n_rooms,
        agent_pos=(int(w.pos[0]), int(w.pos[1])),
        agent_dir=int(w.dir),
    )


@pytest.mark.parametrize("name", sorted(ENVS))
def test_jitted_step_equals_the_python_reference_step(name):
    reference = make_env(name)
    layouts = draw_layouts(name, 2, seed=7)
    step = jax.jit(grid.step)
    view = jax.jit(grid.view)
    rng = np.random.default_rng(0)
    key = jax.random.PRNGKey(0)
    for layout in layouts:
        world = grid.world_from_layout(layout)
        reference.reset(seed=0)
        reference.load(layout)
        np.testing.assert_array_equal(np.asarray(view(world)), reference.gen_obs()["image"])
        # Mostly forward and toggle, so doors open and the agent crosses rooms.
        for action in rng.choice([0, 1, 2, 2, 2, 5, 5, 3], size=80):
            key, k = jax.random.split(key)
            reference.load(_as_layout(world, layout.n_rooms), on=np.asarray(world.on))
            world = step(world, jnp.asarray(action), k)
            reference.forced_colours = np.asarray(world.grid[..., 1])
            image = reference.step(int(action))[0]["image"]
            np.testing.assert_array_equal(np.asarray(view(world)), image)
            assert tuple(np.asarray(world.pos)) == tuple(reference.agent_pos)
            assert int(world.dir) == reference.agent_dir
            np.testing.assert_array_equal(np.asarray(world.grid), reference.grid.encode())
            np.testing.assert_array_equal(np.asarray(world.on), reference.on)


def test_toggling_a_box_silences_its_room():
    layout = next(lay for lay in draw_layouts("noisy-dark-small", 20, seed=1) if lay.is_noisy.any())
    world = grid.world_from_layout(layout)
    bx, by = np.argwhere(np.asarray(world.grid[..., 0]) == grid.BOX)[0]
    room = int(world.room[bx, by])
    # Stand west of the box, facing it (only the cell ahead matters to a toggle).
    world = world._replace(pos=jnp.array([bx - 1, by]), dir=jnp.asarray(0))
    before = np.asarray(grid.step(world, jnp.asarray(2), jax.random.PRNGKey(1)).grid[..., 1])
    after_toggle = grid.step(world, jnp.asarray(5), jax.random.PRNGKey(2))
    assert not bool(after_toggle.on[room]) and int(after_toggle.grid[bx, by, 0]) == grid.EMPTY
    quiet = grid.step(after_toggle, jnp.asarray(0), jax.random.PRNGKey(3))
    tiles = np.asarray(world.noisy) & (np.asarray(world.room) == room)
    np.testing.assert_array_equal(
        np.asarray(quiet.grid[..., 1])[tiles], np.asarray(after_toggle.grid[..., 1])[tiles]
    )
    assert (before[tiles] != np.asarray(world.grid[..., 1])[tiles]).any()  # it flashed before


def test_multiroom_ab_has_the_authors_rooms():
    env = MultiRoomAB()
    kinds = []
    for seed in range(20):
        env.reset(seed=seed)
        lay = env.layout()
        assert lay.grid.shape[:2] == (25, 25) and lay.n_rooms == 4
        doors = np.argwhere(lay.grid[..., 0] == 4)
        assert len(doors) == 3 and (lay.grid[doors[:, 0], doors[:, 1], 2] == 1).all()  # closed
        for r, ((tx, ty), (sx, sy)) in enumerate(env.rects):
            assert 4 <= sx <= 8 and 4 <= sy <= 8
            inside = np.zeros((25, 25), bool)
            inside[tx + 1 : tx + sx - 1, ty + 1 : ty + sy - 1] = True
            assert (lay.room[inside] == r).all()
            assert (lay.grid[tx : tx + sx, ty, 0] != 1).all()  # walled (or a door)
            boxes = ((lay.grid[..., 0] == 7) & inside).sum()
            kinds.append(bool(lay.is_noisy[r]))
            if lay.is_noisy[r]:
                assert boxes == 1
                # every interior cell but the box's (and the agent's) is a flashing tile
                floor = (lay.grid[..., 0] == 3) & inside
                assert (floor == (lay.noisy & inside)).all()
            else:
                assert boxes == 0 and not (lay.noisy & inside).any()
        assert lay.room[lay.agent_pos] == 0
    assert 0.3 < np.mean(kinds) < 0.7  # dark or noisy with probability 1/2 each
    assert NOISY == 1


def test_envs_command_lists_every_world():
    result = CliRunner().invoke(surprise, ["envs"])
    assert result.exit_code == 0
    for name in ENVS:
        assert name in result.output
