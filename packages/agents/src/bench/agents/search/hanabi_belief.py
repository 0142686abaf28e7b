"""The acting player's belief over its own Hanabi hand, and worlds drawn from it.

A Hanabi player sees every card except its own hand and the deck. Its own hand h (card
kinds, in slot order) has the posterior

    P(h | what it saw) ∝ n_U(h) · 1[h agrees with the hints] · ∏_t 1[π_partner(o_t(h)) = a_t]

- n_U(h) = ∏_j (U[h_j] − #{i < j : h_i = h_j}) is the number of ways to deal h from the
  multiset of unseen cards U = full deck − every card it has seen (the partner's hands,
  its own cards already played or discarded); the deal is uniform, so this is the prior;
- the hints leave each slot a set of plausible kinds (colours × ranks, the Hanabi Learning
  Environment's card knowledge, read from OpenSpiel's observation string);
- for every past move a_t of a partner who plays a known deterministic policy (the
  blueprint), o_t(h) is what the partner saw then with the player's hand at that time
  rebuilt from h (its cards that have left since are known: plays and discards are
  public); a hand under which the partner would have moved otherwise is impossible.

This is the belief of Lerer et al.'s SPARTA (the authors' ``searchcc/hand_dist.cc``
keeps it by enumerating hands and filtering after every move). Here it is computed from
the history at each of the player's turns: every hand is enumerated while the hints leave
at most ``max_hands`` of them (always, in the small variants); beyond that (full Hanabi
before many hints) ``max_hands`` hands are drawn slot by slot and importance-weighted to
the same n_U-weighted posterior, and the partner filter applies to them alike.

The partner's observation under h differs from the true one only in the block that
shows the player's hand (the hint knowledge, board and discards are the same for every
h that agrees with the hints, and so is the V0 belief, which counts public cards only), so o_t(h) is the recorded tensor with that block rewritten;
a batch of hands costs one batched forward pass per partner move.

A world is built by replaying the game's action history on a fresh OpenSpiel state with
the chance outcomes that dealt the player's current cards replaced by a drawn hand; the
replayed state must give the player the same observation. The remaining deck is the
rest of U, shuffled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.agents.rl.dqn import NEG_INF, FrozenQ

if TYPE_CHECKING:
    import pyspiel

COLORS = "RYGWB"
MAX_HANDS = 4096  # hands enumerated (or drawn) per belief: the partner filter's batch
# The partner's recorded move must be its argmax; batched and one-row matrix products
# round differently, so a move within this relative margin of the maximum counts as argmax.
ARGMAX_TOLERANCE = 1e-4


@dataclass(frozen=True)
class HanabiShape:
    """The game parameters that replay and sampling need."""

    players: int
    colors: int
    ranks: int
    hand_size: int

    @property
    def kinds(self) -> int:
        return self.colors * self.ranks

    def full_counts(self) -> np.ndarray:
        """Copies of each card kind, index c·ranks + r: three 1s, two each of 2..R-1, one R."""
        per_rank = np.full(self.ranks, 2)
        per_rank[0] = 3
        if self.ranks > 1:
            per_rank[-1] = 1
        return np.tile(per_rank, self.colors)


def v0_observation(obs: np.ndarray, shape: HanabiShape) -> np.ndarray:
    """OpenSpiel's observation(s) (..., D) with the card knowledge as the "V0 belief".

    The Hanabi Learning Environment's canonical encoding ends with, per card of every hand
    (the observer's first), 25 bits "this kind is plausible given the hints" and the
    revealed colour and rank. The V0 belief (OBL's, and jaxmarl's encoding) replaces the
    bits by probabilities: plausible kinds weighted by their public remaining counts (full
    deck − discarded − played), normalised per card; a slot without a card stays zero.
    Both counts are read from the same vector: discards as a thermometer per kind, the
    fireworks as the one-hot of each colour's highest played rank.
    """
    out = np.array(obs, np.float32, copy=True)
    k, c, r, p, h = shape.kinds, shape.colors, shape.ranks, shape.players, shape.hand_size
    full = shape.full_counts()
    deck = int(full.sum())
    board = (p - 1) * h * k + p
    top = out[..., board + deck - p * h : board + deck - p * h + k].reshape(*out.shape[:-1], c, r)
    played = (np.cumsum(top[..., ::-1], axis=-1)[..., ::-1] > 0).reshape(*out.shape[:-1], k)
    last_action = 2 * p + 4 + c + r + 2 * h + k + 2
    knowledge = out.shape[-1] - p * h * (k + c + r)
    start = knowledge - last_action - deck
    thermo = out[..., start : start + deck]
    discarded = np.add.reduceat(thermo, np.cumsum(full) - full, axis=-1)
    remaining = full - discarded - played
    cards = out[..., knowledge:].reshape(*out.shape[:-1], p * h, k + c + r)
    plausible = cards[..., :k]
    weighted = plausible * remaining[..., None, :]
    total = weighted.sum(-1, keepdims=True)
    cards[..., :k] = np.where(total > 0, weighted / np.where(total > 0, total, 1.0), 0.0)
    out[..., knowledge:] = cards.reshape(*out.shape[:-1], -1)
    return out


@dataclass(frozen=True)
class World:
    """A full game state drawn from a player's belief, with the order the deck will deal in."""

    state: pyspiel.State
    deck: list[int]  # card kinds, next to deal first


@dataclass(frozen=True)
class HandBelief:
    """P(h | observations) over the player's own hand, as weighted hands.

    ``hands`` (n, slots) card kinds; ``weights`` (n,) unnormalised probabilities;
    ``unseen`` U, (kinds,); ``exact``: every possible hand is listed (else weighted
    draws); ``partner_filtered``: the partner's moves were used (False when the partner's
    policy is unknown, or no drawn hand survived them).
    """

    hands: np.ndarray
    weights: np.ndarray
    unseen: np.ndarray
    exact: bool
    partner_filtered: bool

    @property
    def probabilities(self) -> np.ndarray:
        return self.weights / self.weights.sum()

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.hands[int(rng.choice(len(self.hands), p=self.probabilities))]


@dataclass(frozen=True)
class PartnerMove:
    """A past partner move as the filter needs it.

    ``obs``: the partner's observation tensor then, with the player's hand block (starting
    at ``block``) holding only the cards known now (those that have left the hand since);
    ``current``: pairs (slot then, current slot j) for the player's current cards that sat
    in its hand then; ``mask``: the partner's legal moves except hints to the player, which
    depend on the player's hand: ``colour_ids`` / ``rank_ids`` (C,) / (R,) are their action
    ids, legal when ``hints_open`` (an information token left) and the hand then holds
    that colour / rank; ``known_colours`` / ``known_ranks`` those of the known cards.
    """

    obs: np.ndarray
    block: int
    current: list[tuple[int, int]]
    mask: np.ndarray
    action: int
    colour_ids: np.ndarray
    rank_ids: np.ndarray
    hints_open: bool
    known_colours: np.ndarray
    known_ranks: np.ndarray


def _replay_hands(
    game, history: list[int], shape: HanabiShape, visit: Callable | None = None
) -> list[list[int]]:
    """Replay ``history``; return, per player, the history positions of the chance actions
    that dealt its current cards, in slot order. ``visit(state, hands, action)`` is called
    before every player move.

    The Hanabi Learning Environment's rule: a deal goes to the first player whose hand is
    short (player 0 first in the opening deal; later the player who just played or
    discarded); playing or discarding slot i removes it, later slots shift down, and the
    new card goes to the end. OpenSpiel action ids: discard i = i, play i = hand_size + i.
    """
    state = game.new_initial_state()
    hands: list[list[int]] = [[] for _ in range(shape.players)]
    for index, action in enumerate(history):
        if state.is_chance_node():
            target = next(p for p in range(shape.players) if len(hands[p]) < shape.hand_size)
            hands[target].append(index)
        else:
            if visit is not None:
                visit(state, hands, action)
            if action < 2 * shape.hand_size:
                hands[state.current_player()].pop(action % shape.hand_size)
        state.apply_action(action)
    return hands


def own_hand_deal_indices(game, history: list[int], shape: HanabiShape, player: int) -> list[int]:
    """Positions in ``history`` of the chance actions that dealt ``player``'s current hand, in slot order."""
    return _replay_hands(game, history, shape)[player]


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
        mask = np.zeros(shape.kinds, bool)
        for c in colors:
            mask[c * shape.ranks + np.asarray(ranks, int)] = True
        masks.append(mask)
    return masks


def unseen_counts(history: list[int], chance: set[int], own: list[int], shape: HanabiShape):
    """U (kinds,): the full deck less every dealt card the player has seen, i.e. every
    chance outcome in ``history`` (positions ``chance``) except its own current cards ``own``."""
    counts = shape.full_counts()
    own_set = set(own)
    for index in chance - own_set:
        counts[history[index]] -= 1
    return counts


def count_weights(hands: np.ndarray, unseen: np.ndarray) -> np.ndarray:
    """n_U(h) (n,) for hands (n, slots): ∏_j (U[h_j] − #{i < j : h_i = h_j}), 0 if not dealable."""
    weights = np.ones(len(hands))
    for j in range(hands.shape[1]):
        earlier = (hands[:, :j] == hands[:, j : j + 1]).sum(axis=1)
        weights *= np.maximum(unseen[hands[:, j]] - earlier, 0)
    return weights


def enumerate_hands(masks: list[np.ndarray], unseen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every hand with each slot j in ``masks[j]`` and n_U(h) > 0, and n_U(h)."""
    choices = [np.flatnonzero(m & (unseen > 0)) for m in masks]
    grids = np.meshgrid(*choices, indexing="ij")
    hands = np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)
    weights = count_weights(hands, unseen)
    keep = weights > 0
    return hands[keep], weights[keep]


def draw_hands(
    masks: list[np.ndarray], unseen: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """n hands drawn slot by slot, slot j from the plausible kinds in proportion to the
    copies left, with importance weights to n_U(h).

    The proposal q(h) = ∏_j u_j(h_j) / Z_j (u_j: copies left before slot j, Z_j their sum
    over slot j's plausible kinds) and the target ∝ n_U(h) = ∏_j u_j(h_j), so the weight
    p/q is ∏_j Z_j; a draw that runs out of plausible cards weighs 0.
    """
    hands = np.zeros((n, len(masks)), np.int64)
    weights = np.ones(n)
    left = np.tile(unseen.astype(float), (n, 1))
    rows = np.arange(n)
    for j, mask in enumerate(masks):
        mass = np.where(mask, left, 0.0)
        z = mass.sum(axis=1)
        weights *= z
        cdf = np.cumsum(mass, axis=1) / np.maximum(z, 1e-12)[:, None]
        kinds = (cdf < rng.random(n)[:, None]).sum(axis=1).clip(0, len(unseen) - 1)
        hands[:, j] = kinds
        left[rows, kinds] -= 1
    keep = weights > 0
    return hands[keep], weights[keep]


def partner_moves(game, history: list[int], shape: HanabiShape, player: int) -> list[PartnerMove]:
    """The partners' moves that saw at least one of ``player``'s current cards."""
    own = own_hand_deal_indices(game, history, shape, player)
    slot_of = {deal: j for j, deal in enumerate(own)}
    moves: list[PartnerMove] = []

    def visit(state, hands, action) -> None:
        partner = state.current_player()
        current = [(s, slot_of[d]) for s, d in enumerate(hands[player]) if d in slot_of]
        if partner == player or not current:
            return
        obs = v0_observation(np.asarray(state.observation_tensor(partner), np.float32), shape)
        block = _hand_block(shape, partner, player)
        obs[block : block + shape.hand_size * shape.kinds] = 0.0
        known = np.zeros(shape.kinds, bool)
        for s, deal in enumerate(hands[player]):
            if deal not in slot_of:  # a card that has left the hand since: public now
                obs[block + s * shape.kinds + history[deal]] = 1.0
                known[history[deal]] = True
        colour_ids, rank_ids = _hint_ids(shape, partner, player)
        mask = np.zeros(game.num_distinct_actions(), bool)
        mask[state.legal_actions(partner)] = True
        by_kind = known.reshape(shape.colors, shape.ranks)
        moves.append(
            PartnerMove(
                obs=obs, block=block, current=current, mask=mask, action=action,
                colour_ids=colour_ids, rank_ids=rank_ids,
                hints_open=bool(mask[colour_ids].any()),  # a hand always shows some colour
                known_colours=np.any(by_kind, axis=1), known_ranks=np.any(by_kind, axis=0),
            )
        )  # fmt: skip

    _replay_hands(game, history, shape, visit)
    return moves


def _hand_block(shape: HanabiShape, observer: int, owner: int) -> int:
    """Offset of ``owner``'s hand in ``observer``'s observation tensor: the encoding lists the
    other players' hands first, from the observer's left, hand_size × kinds one-hot bits each."""
    return ((owner - observer) % shape.players - 1) * shape.hand_size * shape.kinds


def _hint_ids(shape: HanabiShape, hinter: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """OpenSpiel's ids of "reveal colour c" and "reveal rank r" from ``hinter`` to ``target``:
    after the discards and plays, every colour hint by target offset, then every rank hint."""
    offset = (target - hinter) % shape.players - 1
    first = 2 * shape.hand_size
    colours = first + offset * shape.colors + np.arange(shape.colors)
    ranks = first + (shape.players - 1) * shape.colors + offset * shape.ranks
    return colours, ranks + np.arange(shape.ranks)


def partner_consistent(
    hands: np.ndarray, moves: list[PartnerMove], partner: FrozenQ, shape: HanabiShape
) -> np.ndarray:
    """(n,) bool: for each hand, whether ``partner`` (greedy in its Q) would have made every move."""
    keep = np.ones(len(hands), bool)
    for move in moves:
        alive = np.flatnonzero(keep)
        # the partner saw only the slots in move.current: hands that agree there share a verdict
        seen = hands[alive][:, [j for _, j in move.current]]
        _, first, inverse = np.unique(seen, axis=0, return_index=True, return_inverse=True)
        chosen = np.ones(len(first), bool)
        for chunk in np.array_split(np.arange(len(first)), len(first) // MAX_HANDS + 1):
            if not len(chunk):
                continue
            obs, mask = _partner_inputs(move, hands[alive[first[chunk]]], shape)
            q = np.where(mask, partner.values(obs), NEG_INF)
            best = q.max(axis=1)
            chosen[chunk] = q[:, move.action] >= best - ARGMAX_TOLERANCE * np.maximum(
                1.0, np.abs(best)
            )
        keep[alive[~chosen[inverse.ravel()]]] = False
    return keep


def _partner_inputs(move: PartnerMove, hands: np.ndarray, shape: HanabiShape):
    """The partner's observations (n, obs_dim) and legal masks (n, A) had the hand been ``hands``."""
    rows = np.arange(len(hands))
    obs = np.repeat(move.obs[None], len(hands), axis=0)
    colours = np.repeat(move.known_colours[None], len(hands), axis=0)
    ranks = np.repeat(move.known_ranks[None], len(hands), axis=0)
    for slot, j in move.current:
        kinds = hands[:, j]
        obs[rows, move.block + slot * shape.kinds + kinds] = 1.0
        colours[rows, kinds // shape.ranks] = True
        ranks[rows, kinds % shape.ranks] = True
    mask = np.repeat(move.mask[None], len(hands), axis=0)
    mask[:, move.colour_ids] = colours & move.hints_open
    mask[:, move.rank_ids] = ranks & move.hints_open
    return obs, mask


def hand_belief(
    game,
    state,
    shape: HanabiShape,
    player: int,
    *,
    partner: FrozenQ | None,
    rng: np.random.Generator,
    max_hands: int = MAX_HANDS,
) -> HandBelief:
    """``player``'s belief over its own hand at ``state`` (see the module docstring).

    ``partner``: the Q-network the other seats act greedily in, or None for a belief from
    the hints alone (a partner whose policy the player does not know).
    """
    history = list(state.history())
    own = own_hand_deal_indices(game, history, shape, player)
    masks = plausible_kinds(state.observation_string(player), shape)
    if len(masks) != len(own):
        raise AssertionError(
            f"hanabi belief: {len(own)} dealt slots but {len(masks)} hand lines in the observation"
        )
    unseen = unseen_counts(history, chance_positions(game, history), own, shape)
    size = np.prod([float((m & (unseen > 0)).sum()) for m in masks])
    exact = bool(size <= max_hands)
    if exact:
        hands, weights = enumerate_hands(masks, unseen)
    else:
        hands, weights = draw_hands(masks, unseen, max_hands, rng)
    filtered = False
    if partner is not None:
        keep = partner_consistent(
            hands, partner_moves(game, history, shape, player), partner, shape
        )
        # the true hand always passes, so only weighted draws can all fail: then the hints alone
        if keep.any():
            hands, weights, filtered = hands[keep], weights[keep], True
    return HandBelief(hands, weights, unseen, exact, filtered)


def chance_positions(game: pyspiel.Game, history: list[int]) -> set[int]:
    """The indices of ``history`` that are chance actions (deals)."""
    state, found = game.new_initial_state(), set()
    for index, action in enumerate(history):
        if state.is_chance_node():
            found.add(index)
        state.apply_action(action)
    return found


def resample_world(
    game,
    state,
    shape: HanabiShape,
    player: int,
    belief: HandBelief,
    *,
    rng: np.random.Generator,
    tries: int = 20,
) -> World:
    """A world drawn from ``belief``: ``state`` with ``player``'s hand redrawn, and a deck order."""
    history = list(state.history())
    own = own_hand_deal_indices(game, history, shape, player)
    observed = state.observation_string(player)
    for _ in range(tries):
        hand = belief.sample(rng)
        world = _replay(game, history, dict(zip(own, hand.tolist())))
        if world is not None and world.observation_string(player) == observed:
            left = belief.unseen - np.bincount(hand, minlength=shape.kinds)
            return World(state=world, deck=_shuffled_deck(left, rng))
    raise RuntimeError(
        f"hanabi belief: {tries} hands drawn from the belief all contradict player "
        f"{player}'s observation; the belief and the replay disagree"
    )


def _replay(game, history: list[int], replace: dict[int, int]):
    state = game.new_initial_state()
    for index, action in enumerate(history):
        action = replace.get(index, action)
        if state.is_chance_node() and action not in {a for a, _ in state.chance_outcomes()}:
            return None
        if not state.is_chance_node() and action not in state.legal_actions():
            return None  # a hint that needs a card the drawn hand lacks
        state.apply_action(action)
    return state


def _shuffled_deck(counts: np.ndarray, rng: np.random.Generator) -> list[int]:
    deck = np.repeat(np.arange(len(counts)), np.maximum(counts, 0))
    return [int(k) for k in rng.permutation(deck)]
