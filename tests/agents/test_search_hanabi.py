"""Hanabi: belief resampling keeps the searcher's observation, and SPARTA does not hurt the blueprint."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
import torch

from bench.agents.rl.dqn import QNetwork
from bench.agents.search.blueprint import load_blueprint
from bench.agents.search.budget import Budget
from bench.agents.search.hanabi_belief import (
    HanabiShape,
    chance_positions,
    own_hand_deal_indices,
)
from bench.agents.search.hanabi_simulator import HanabiSimulator
from bench.agents.search.play import PlayConfig, play_game
from bench.agents.search.rl_search import RLSearchConfig, rl_search


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
            chance = chance_positions(sim.game, history)
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


def test_play_out_equals_stepping_each_action_alone():
    # SPARTA's batched rollouts against the simulator's own step(), one action at a time,
    # with the shipped full-Hanabi blueprint playing both seats
    q = load_blueprint("shipped", "hanabi", seed=0).frozen()
    sim = HanabiSimulator("hanabi")
    sim.set_blueprint_partner(q)
    rng = np.random.default_rng(0)
    compared = 0
    for seed in (3, 4):
        sim.reset(seed=seed)
        for turn in range(40):
            if sim.game_over:
                break
            if turn % 6 == 0:
                world = sim.determinize(rng=rng)
                legal = np.flatnonzero(sim.legal_mask())
                returns, steps = sim.play_out(world, legal, q)
                here, expected, stepped = sim.clone(), [], 0
                for action in legal:
                    sim.restore(world)
                    total = sim.step(int(action)).reward
                    stepped += 1
                    while not sim.game_over:
                        total += sim.step(q.greedy(sim.observation(), sim.legal_mask())).reward
                        stepped += 1
                    expected.append(total)
                sim.restore(here)
                np.testing.assert_array_equal(returns, expected)
                assert steps == stepped
                compared += len(legal)
            sim.step(q.greedy(sim.observation(), sim.legal_mask()))
    assert compared > 50


@pytest.fixture(scope="module")
def tiny_blueprint(trained_blueprint):
    # 3,000 self-play steps: a weak blueprint (the test is about SPARTA, not training)
    return trained_blueprint("hanabi-tiny", 3000, seed=0)


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


def _state_at_maximum(seed: int = 59) -> HanabiSimulator:
    """A random hanabi-tiny game (seed 59) at the searcher's turn where nothing more can
    be scored: fireworks R3 Y2, and the only Y3 discarded."""
    sim = HanabiSimulator("hanabi-tiny")
    rng = np.random.default_rng(seed)
    sim.partner = lambda obs, mask: int(rng.choice(np.flatnonzero(mask)))
    sim.reset(seed=seed)
    while not sim.game_over and sim.score < 5:
        sim.step(int(rng.choice(np.flatnonzero(sim.legal_mask()))))
    return sim


def test_max_possible_score_by_hand():
    sim = _state_at_maximum()
    seen = sim.clone().state.observation_string(sim.seat)
    assert "Fireworks: R3 Y2" in seen and "Y3" in seen.split("Discards:")[1]
    assert not sim.game_over
    # R is complete (3); Y stops at 2 since its single 3 is gone: 3 + 2 = 5 = the score
    assert sim.max_possible_score() == 5 and sim.return_bound() == 0.0


def test_rl_search_skips_fine_tuning_when_the_blueprint_is_at_the_maximum():
    sim = _state_at_maximum()
    # a blueprint that never plays a card (discard, else hint): it cannot lose the score
    values = torch.zeros(sim.num_actions)
    values[0], values[2 * sim.shape.hand_size :] = 2.0, 1.0
    q = QNetwork(sim.obs_dim, sim.num_actions, hidden=(8,))
    with torch.no_grad():
        for p in q.parameters():
            p.zero_()
        q.net[-1].bias.copy_(values)
    sim.set_blueprint_partner(q.frozen())
    config = dataclasses.replace(RLSearchConfig(), eval_rollouts=4)
    result = rl_search(sim, q, config, Budget(iterations=3), rng=np.random.default_rng(0))
    assert result.skipped and result.updates == 0
    assert result.action == result.blueprint_action == 0
    # at the start of a game the same blueprint is 6 points short of the maximum (it never
    # plays): the search fine-tunes
    sim.reset(seed=0)
    assert sim.return_bound() == 6.0
    result = rl_search(sim, q, config, Budget(iterations=3), rng=np.random.default_rng(0))
    assert not result.skipped and result.updates == 3 * config.N
