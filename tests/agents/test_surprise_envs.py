"""The exploration worlds: noisy TVs flash until switched off, dark rooms blank the view,
and a seed fixes everything."""

from __future__ import annotations

import numpy as np
import pytest
from minigrid.core.constants import DIR_TO_VEC

from bench.agents.surprise.coverage import CoverageTracker
from bench.agents.surprise.envs import ENVS, NoisyDarkRooms, make_env, room_of

DONE = 6  # MiniGrid's no-op action


def _face(env: NoisyDarkRooms, target: tuple[int, int]) -> None:
    """Put the agent on a floor cell next to ``target``, facing it."""
    for direction, vec in enumerate(DIR_TO_VEC):
        x, y = int(target[0] - vec[0]), int(target[1] - vec[1])
        cell = env.grid.get(x, y)
        if cell is None or cell.can_overlap():
            env.agent_pos, env.agent_dir = (x, y), direction
            return
    raise AssertionError("no free cell next to the target")


def test_noisy_floor_flashes_until_the_switch_is_toggled():
    env = NoisyDarkRooms(num_rows=1, num_cols=2, room_size=5, room_kinds=("start", "noisy"))
    env.reset(seed=0)
    switch = env.switches[1]
    _face(env, switch.cur_pos)
    assert env.room_index(env.agent_pos) == 1
    views = [env.step(DONE)[0]["image"] for _ in range(3)]
    assert not np.array_equal(views[0], views[1]) and not np.array_equal(views[1], views[2])
    tile_cells = [tuple(t.cur_pos) for t in env.floors[1]]
    assert len(tile_cells) == 3 * 3 - 1  # the room's floor but the switch
    # Only colours change while the TV is on: the object channel stays "floor" (3).
    assert np.array_equal(views[0][..., 0], views[1][..., 0])

    view = env.step(env.actions.toggle)[0]["image"]
    assert not switch.is_on and switch.encode()[2] == 1
    assert env.noisy_rooms_off == [1]
    assert all(env.grid.get(*c) is None for c in tile_cells)
    after = [env.step(DONE)[0]["image"] for _ in range(3)]
    assert np.array_equal(after[0], after[1]) and np.array_equal(after[1], after[2])
    assert np.array_equal(view, after[0])


def test_dark_room_blanks_the_view_and_only_inside():
    env = NoisyDarkRooms(num_rows=1, num_cols=2, room_size=5, room_kinds=("start", "dark"))
    obs, _ = env.reset(seed=1)
    assert obs["image"].any()  # the start room is lit
    env.agent_pos, env.agent_dir = (6, 2), 0  # inside room 1 (x in 5..7)
    obs = env.step(DONE)[0]
    assert env.room_index(env.agent_pos) == 1
    assert not obs["image"].any()  # all "unseen"
    env.agent_pos = (2, 2)
    assert env.step(DONE)[0]["image"].any()


@pytest.mark.parametrize("name", sorted(ENVS))
def test_a_seed_fixes_layout_noise_and_views(name):
    def rollout(seed: int) -> list[np.ndarray]:
        env = make_env(name)
        obs, _ = env.reset(seed=seed)
        actions = np.random.default_rng(0).integers(0, 7, size=40)
        return [obs["image"]] + [env.step(int(a))[0]["image"] for a in actions]

    first, again, other = rollout(5), rollout(5), rollout(6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_random_room_kinds_are_dark_or_noisy_and_start_is_plain():
    kinds = set()
    for seed in range(10):
        env = NoisyDarkRooms(num_rows=2, num_cols=2)
        env.reset(seed=seed)
        assert env.room_kinds[0] == "start"
        assert set(env.room_kinds[1:]) <= {"dark", "noisy"}
        assert env.noisy_rooms == [r for r, k in enumerate(env.room_kinds) if k == "noisy"]
        kinds.update(env.room_kinds[1:])
    assert kinds == {"dark", "noisy"}


def test_coverage_counts_cells_and_rooms():
    env = CoverageTracker(
        NoisyDarkRooms(num_rows=1, num_cols=2, room_size=5, room_kinds=("start", "dark"))
    )
    _, info = env.reset(seed=2)
    assert info["cells_visited"] == 1 and info["rooms_visited"] == 1
    base = env.unwrapped
    base.agent_pos, base.agent_dir = (2, 2), 0  # facing right, towards room 1
    env.reset(seed=2)
    start = tuple(int(v) for v in base.agent_pos)
    _, _, _, _, info = env.step(DONE)
    assert info["cells_visited"] == 1  # standing still adds nothing
    base.agent_pos = (6, 2)
    _, _, _, _, info = env.step(DONE)
    assert info["cells_visited"] == 2 and info["rooms_visited"] == 2
    assert start != (6, 2)


def test_multiroom_rooms_are_found():
    env = make_env("multiroom")
    env.reset(seed=0)
    assert len(env.rooms) == 4
    assert room_of(env, env.agent_pos) == 0  # MultiRoom starts the agent in its first room
    with pytest.raises(ValueError, match="choose one of"):
        make_env("nope")
