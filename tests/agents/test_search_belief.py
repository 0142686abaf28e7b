"""The searcher's Hanabi belief against a brute-force enumeration over the real game.

The brute force tries every assignment of card kinds to the searcher's current slots,
replays the whole game with it in OpenSpiel, keeps it only if the searcher would have
seen exactly what it saw and the partner's network, fed the replayed partner
observations, would have made every move it made; its weight is the number of ways to
deal it from the unseen cards (math.perm per kind). The belief under test gets there
another way (hint masks, card counts, patched observation tensors, batched forwards).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
import torch

from bench.agents.rl.dqn import QNetwork
from bench.agents.search.hanabi_belief import (
    chance_positions,
    draw_hands,
    enumerate_hands,
    hand_belief,
    own_hand_deal_indices,
    v0_observation,
)
from bench.agents.search.hanabi_simulator import HanabiSimulator


def _partner(sim: HanabiSimulator, seed: int):
    torch.manual_seed(seed)
    return QNetwork(sim.obs_dim, sim.num_actions, hidden=(64,)).frozen()


def _searcher_turns(variant: str, seed: int):
    """The simulator at each searcher turn of a game where the partner plays a seeded random
    network that the searcher knows; the searcher hints and discards at random (plays would
    soon lose the variants' single life and end the game)."""
    sim = HanabiSimulator(variant)
    sim.set_blueprint_partner(_partner(sim, seed))
    rng = np.random.default_rng(seed)
    sim.reset(seed=seed)
    while not sim.game_over:
        yield sim
        legal = np.flatnonzero(sim.legal_mask())
        safe = legal[(legal < sim.shape.hand_size) | (legal >= 2 * sim.shape.hand_size)]
        sim.step(int(rng.choice(safe if len(safe) else legal)))


def _brute_force(sim: HanabiSimulator, partner) -> dict[tuple[int, ...], float]:
    """P(hand) over every kind assignment to the searcher's slots, by replaying the game."""
    state = sim.clone().state
    game, shape, seat = sim.game, sim.shape, sim.seat
    history = list(state.history())
    own = own_hand_deal_indices(game, history, shape, seat)
    truth = state.observation_string(seat)
    seen = Counter(history[i] for i in chance_positions(game, history) if i not in own)
    full = shape.full_counts()
    weights = {}
    for hand in itertools.product(range(shape.kinds), repeat=len(own)):
        need = Counter(hand)
        ways = math.prod(math.perm(int(full[k]) - seen[k], c) for k, c in need.items())
        if ways == 0 or not _replays_consistently(
            game, history, dict(zip(own, hand)), seat, truth, partner, shape
        ):
            continue
        weights[hand] = float(ways)
    total = sum(weights.values())
    return {hand: w / total for hand, w in weights.items()}


def _replays_consistently(game, history, replace, seat, truth, partner, shape) -> bool:
    replay = game.new_initial_state()
    for index, action in enumerate(history):
        action = replace.get(index, action)
        if replay.is_chance_node():
            if action not in {a for a, _ in replay.chance_outcomes()}:
                return False
        else:
            player = replay.current_player()
            legal = replay.legal_actions(player)
            if action not in legal:
                return False
            if player != seat:
                mask = np.zeros(game.num_distinct_actions(), bool)
                mask[legal] = True
                # the partner sees what the simulator shows it: the V0-belief encoding
                obs = v0_observation(np.asarray(replay.observation_tensor(player)), shape)
                if partner.greedy(obs, mask) != action:
                    return False
        replay.apply_action(action)
    return replay.observation_string(seat) == truth


def _hints_only(sim: HanabiSimulator):
    state = sim.clone().state
    rng = np.random.default_rng(0)
    return hand_belief(sim.game, state, sim.shape, sim.seat, partner=None, rng=rng)


def _belief_table(belief) -> dict[tuple[int, ...], float]:
    table: dict[tuple[int, ...], float] = {}
    for hand, p in zip(belief.hands.tolist(), belief.probabilities):
        table[tuple(hand)] = table.get(tuple(hand), 0.0) + float(p)
    return table


@pytest.mark.parametrize("variant", ["hanabi-tiny", "hanabi-small"])
def test_belief_matches_brute_force_enumeration(variant):
    checked = informative = 0
    for seed in range(4):  # the first 7 searcher turns of 4 games
        for turn, sim in enumerate(_searcher_turns(variant, seed)):
            belief = sim.belief(rng=np.random.default_rng(0))
            truth = _brute_force(sim, sim.partner_q)
            table = _belief_table(belief)
            assert belief.exact and belief.partner_filtered
            assert set(table) == set(truth)
            for hand, p in truth.items():
                assert table[hand] == pytest.approx(p, rel=1e-9)
            checked += 1
            informative += len(_hints_only(sim).hands) > len(truth)
            if turn >= 6:
                break
    assert checked >= 10
    assert informative >= 3  # the partner's moves did rule hands out


def test_sampled_worlds_follow_the_brute_force_belief():
    # the first turn, along the games above, where the partner's moves rule hands out
    for sim in _searcher_turns("hanabi-tiny", 0):
        truth = _brute_force(sim, sim.partner_q)
        if len(_hints_only(sim).hands) > len(truth):
            break
    history = list(sim.clone().state.history())
    own = own_hand_deal_indices(sim.game, history, sim.shape, sim.seat)
    rng = np.random.default_rng(1)
    draws = 600
    worlds = [sim.determinize(rng=rng).state.history() for _ in range(draws)]
    counts = Counter(tuple(world[i] for i in own) for world in worlds)
    assert set(counts) <= set(truth)  # never a hand the partner's moves exclude
    tv = 0.5 * sum(abs(counts[h] / draws - truth.get(h, 0.0)) for h in set(counts) | set(truth))
    assert tv < 0.1  # 600 draws over at most 36 hands: sampling error about 0.05


def test_drawn_hands_are_weighted_to_the_enumerated_belief():
    # full-Hanabi kinds (25) and a 3-card hand whose hints leave 2-6 kinds per slot
    unseen = np.tile([3, 2, 2, 2, 1], 5)
    unseen[[0, 5]] = [1, 0]  # R1 almost gone, Y1 gone
    masks = [np.zeros(25, bool) for _ in range(3)]
    masks[0][[0, 5, 10]] = True  # a 1 of R, Y or G
    masks[1][[0, 1, 2, 5, 6, 7]] = True  # R or Y, rank 1-3
    masks[2][[0, 4]] = True  # R1 or R5
    hands, weights = enumerate_hands(masks, unseen)
    exact = {tuple(h): w / weights.sum() for h, w in zip(hands.tolist(), weights)}
    drawn, w = draw_hands(masks, unseen, 50_000, np.random.default_rng(0))
    kinds, which = np.unique(drawn, axis=0, return_inverse=True)
    mass = np.bincount(which.ravel(), weights=w / w.sum())
    estimate = {tuple(h): float(x) for h, x in zip(kinds.tolist(), mass)}
    assert set(estimate) <= set(exact)
    for hand, p in exact.items():
        assert estimate.get(hand, 0.0) == pytest.approx(p, abs=0.01)
    # R1 has one copy left: no hand holds it twice
    assert not any(h.count(0) > 1 for h in exact)
