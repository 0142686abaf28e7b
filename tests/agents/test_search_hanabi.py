"""Hanabi: belief resampling keeps the searcher's observation, and SPARTA does not hurt the blueprint."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from bench.agents.search.blueprint import load_blueprint, train_blueprint
from bench.agents.search.hanabi_belief import HanabiShape, own_hand_deal_indices
from bench.agents.search.hanabi_simulator import HanabiSimulator
from bench.agents.search.play import PlayConfig, play_game


def test_full_deck_counts_by_hand():
    # Hanabi: per colour three 1s, two each of 2, 3, 4, one 5 -> 10 cards per colour
    counts = HanabiShape(players=2, colors=5, ranks=5, hand_size=5).full_counts()
    assert counts.tolist() == [3, 2, 2, 2, 1] * 5 and counts.sum() == 50
    assert (
        HanabiShape(players=2, colors=2, ranks=3, hand_size=2).full_counts().tolist()
        == [3, 2, 1] * 2
    )


def _random_states(variant: str, seed: int):
    """States along a random-play game, at the searcher's turns."""
    sim = HanabiSimulator(variant)
    rng = np.random.default_rng(seed)
    sim.partner = lambda obs, mask: int(rng.choice(np.flatnonzero(mask)))
    sim.reset(seed=seed)
    while not sim.game_over:
        yield sim
        sim.step(int(rng.choice(np.flatnonzero(sim.legal_mask()))))


@pytest.mark.parametrize("variant", ["hanabi-small", "hanabi"])
def test_resampled_worlds_keep_the_searchers_observation(variant):
    rng = np.random.default_rng(0)
    checked = changed = 0
    for game in range(12):
        for sim in _random_states(variant, game):
            state = sim.clone().state
            truth = state.observation_string(sim.seat)
            history = state.history()
            slots = own_hand_deal_indices(sim.game, history, sim.shape, sim.seat)
            chance = _chance_indices(sim.game, history)
            for _ in range(3):
                world = sim.determinize(rng=rng)
                assert world.state.observation_string(sim.seat) == truth
                # only the searcher's own current cards may differ from the true deal
                other = [i for i in range(len(history)) if i not in slots]
                assert [world.state.history()[i] for i in other] == [history[i] for i in other]
                # conservation: sampled hand + remaining deck + everything seen = the full deck
                seen = Counter(history[i] for i in other if i in chance)
                hand = Counter(world.state.history()[i] for i in slots)
                total = seen + hand + Counter(world.deck)
                expected = Counter(
                    {k: int(c) for k, c in enumerate(sim.shape.full_counts()) if c > 0}
                )
                assert total == expected
                changed += [world.state.history()[i] for i in slots] != [history[i] for i in slots]
                checked += 1
        if checked > 60:
            break
    assert checked > 20
    assert changed > checked // 4  # the belief is not the point mass on the truth


def _chance_indices(game, history) -> set[int]:
    state, found = game.new_initial_state(), set()
    for index, action in enumerate(history):
        if state.is_chance_node():
            found.add(index)
        state.apply_action(action)
    return found


@pytest.fixture(scope="module")
def tiny_blueprint(tmp_path_factory):
    torch.set_num_threads(1)
    path = tmp_path_factory.mktemp("hanabi") / "tiny.pt"
    # 3,000 self-play steps: a weak blueprint (the test is about SPARTA, not training)
    train_blueprint("hanabi-tiny", 3000, path, seed=0)
    return load_blueprint(str(path), "hanabi-tiny", seed=0)


@pytest.mark.slow
def test_sparta_is_no_worse_than_its_blueprint(tiny_blueprint):
    sim = HanabiSimulator("hanabi-tiny")
    config = PlayConfig(iterations_per_move=8)  # 8 sampled worlds per move, deterministic
    diffs = []
    for seed in range(16):  # paired: same deck and seat for both
        base = play_game(sim, "blueprint", tiny_blueprint, None, config, seed=seed)
        search = play_game(sim, "sparta", tiny_blueprint, None, config, seed=seed)
        diffs.append(search.score - base.score)
    diffs = np.asarray(diffs)
    sem = diffs.std(ddof=1) / np.sqrt(len(diffs))
    assert diffs.mean() >= -2 * sem
