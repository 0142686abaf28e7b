"""Resample the acting player's own Hanabi hand from what that player has observed.

A Hanabi player sees every card except its own hand and the deck. Its belief over its
hand is the set of hands consistent with the public record: the multiset of unseen cards

    U = full deck − (cards dealt to others ∪ its own cards already played or discarded)

restricted slot by slot by the hints it received (each slot keeps a set of plausible
colours × ranks). SPARTA (Lerer et al. 2020) and RL search roll out from worlds drawn
from this belief instead of the true state.

A world is built by replaying the game's action history on a fresh OpenSpiel state with
the chance outcomes that dealt the player's current cards replaced by sampled ones;
the replayed state is accepted only if the player's observation is unchanged (so every
past hint touched the same slots). The remaining deck is the rest of U, shuffled.

Approximation (said where it is made): slots are sampled one after another from U
restricted to each slot's plausible set, which is close to but not exactly the
count-weighted posterior; and the belief ignores what the partner's blueprint policy
reveals through its choice of hints (Lerer et al.'s full belief update does use it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COLORS = "RYGWB"


@dataclass(frozen=True)
class HanabiShape:
    """The game parameters that replay and sampling need."""

    players: int
    colors: int
    ranks: int
    hand_size: int

    def full_counts(self) -> np.ndarray:
        """Copies of each card kind, index c·ranks + r: three 1s, two each of 2..R-1, one R."""
        per_rank = np.full(self.ranks, 2)
        per_rank[0] = 3
        if self.ranks > 1:
            per_rank[-1] = 1
        return np.tile(per_rank, self.colors)


@dataclass(frozen=True)
class World:
    """A full game state drawn from a player's belief, with the order the deck will deal in."""

    state: object  # pyspiel.State
    deck: list[int]  # card kinds, next to deal first


def own_hand_deal_indices(game, history: list[int], shape: HanabiShape, player: int) -> list[int]:
    """Positions in ``history`` of the chance actions that dealt ``player``'s current hand, in slot order.

    Follows the Hanabi Learning Environment's rule: a deal goes to the first player whose
    hand is short (player 0 first in the opening deal; later the player who just played or
    discarded); playing or discarding slot i removes it, later slots shift down, and the
    new card goes to the end. OpenSpiel action ids: discard i = i, play i = hand_size + i.
    """
    state = game.new_initial_state()
    hands: list[list[int]] = [[] for _ in range(shape.players)]
    for index, action in enumerate(history):
        if state.is_chance_node():
            target = next(p for p in range(shape.players) if len(hands[p]) < shape.hand_size)
            hands[target].append(index)
        elif action < 2 * shape.hand_size:
            hands[state.current_player()].pop(action % shape.hand_size)
        state.apply_action(action)
    return hands[player]


def plausible_kinds(observation: str, shape: HanabiShape) -> list[np.ndarray]:
    """Per own-hand slot, a bool mask over card kinds that the hints leave possible.

    Parses OpenSpiel's observation string, whose own-hand lines read ``XX || XX|RY12345``:
    after the last ``|`` come the plausible colours, then the plausible ranks.
    """
    lines = observation.splitlines()
    start = lines.index("Hands:") + 1
    masks = []
    for line in lines[start:]:
        if line == "Cur player":
            continue
        if line.startswith("-----") or "||" not in line:
            break
        knowledge = line.split("|")[-1]
        colors = [COLORS.index(ch) for ch in knowledge if ch.isalpha()]
        ranks = [int(ch) - 1 for ch in knowledge if ch.isdigit()]
        mask = np.zeros(shape.colors * shape.ranks, bool)
        for c in colors:
            mask[c * shape.ranks + np.asarray(ranks, int)] = True
        masks.append(mask)
    return masks


def resample_world(
    game, state, shape: HanabiShape, player: int, *, rng: np.random.Generator, tries: int = 50
) -> World:
    """Draw a world consistent with ``player``'s observation of ``state`` (see the module docstring).

    Falls back to the true hand (with a freshly shuffled deck) if no consistent sample is
    found in ``tries`` attempts, which only happens when hints pin the hand down almost
    completely.
    """
    history = list(state.history())
    slots = own_hand_deal_indices(game, history, shape, player)
    observed = state.observation_string(player)
    masks = plausible_kinds(observed, shape)
    if len(masks) != len(slots):
        raise AssertionError(
            f"hanabi belief: {len(slots)} dealt slots but {len(masks)} hand lines in the observation"
        )
    slot_set = set(slots)
    counts = shape.full_counts()
    replay = game.new_initial_state()
    for index, action in enumerate(history):
        if replay.is_chance_node() and index not in slot_set:
            counts[action] -= 1  # a card this player has seen
        replay.apply_action(action)
    true_hand = [history[i] for i in slots]

    for _ in range(tries):
        remaining = counts.copy()
        hand = []
        for mask in masks:
            weights = np.where(mask, remaining, 0).astype(float)
            if weights.sum() <= 0:
                break
            kind = int(rng.choice(len(weights), p=weights / weights.sum()))
            remaining[kind] -= 1
            hand.append(kind)
        if len(hand) != len(masks):
            continue
        world = _replay(game, history, dict(zip(slots, hand)))
        if world is not None and world.observation_string(player) == observed:
            return World(state=world, deck=_shuffled_deck(remaining, rng))
    remaining = counts.copy()
    for kind in true_hand:
        remaining[kind] -= 1
    return World(state=state.clone(), deck=_shuffled_deck(remaining, rng))


def _replay(game, history: list[int], replace: dict[int, int]):
    state = game.new_initial_state()
    for index, action in enumerate(history):
        action = replace.get(index, action)
        if state.is_chance_node() and action not in {a for a, _ in state.chance_outcomes()}:
            return None
        if not state.is_chance_node() and action not in state.legal_actions():
            return None  # a hint that needs a card the sampled hand lacks
        state.apply_action(action)
    return state


def _shuffled_deck(counts: np.ndarray, rng: np.random.Generator) -> list[int]:
    deck = np.repeat(np.arange(len(counts)), np.maximum(counts, 0))
    return [int(k) for k in rng.permutation(deck)]
