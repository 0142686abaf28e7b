"""Hanabi (OpenSpiel) as a single-agent simulator from one seat, the partners playing a fixed policy.

Single-agent search (SPARTA's and the RL-search paper's Hanabi setting): one player, the
*searcher*, plans; every other seat plays the blueprint. From the searcher's point of view
the game is a single-agent POMDP: ``step(a)`` applies the searcher's action, then deals and
the partners' moves until it is the searcher's turn again (or the game ends), and returns
the change in the team's score.

Observations are OpenSpiel's (the Hanabi Learning Environment's canonical encoding) with
the card knowledge given as the V0 belief (:func:`~bench.agents.search.hanabi_belief.v0_observation`),
the encoding the blueprints are trained on (:mod:`bench.agents.search.hanabi_blueprint`).

Chance is made reproducible for paired comparisons: a game's deck order is drawn once
from its seed (``reset(seed=...)``) and cards are dealt from it in order, so two methods
playing the same seed face the same deck for as long as they draw the same number of
cards. ``determinize`` draws a world from the searcher's belief
(:mod:`bench.agents.search.hanabi_belief`), with a freshly shuffled remaining deck; the
belief uses the partners' moves when they play a known Q-network
(:meth:`HanabiSimulator.set_blueprint_partner`), and is computed once per searcher turn.

The searcher's seat is ``seed % players``, so that over many games every seat is searched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bench.agents.rl.dqn import FrozenQ
from bench.agents.search.hanabi_belief import (
    COLORS,
    HanabiShape,
    HandBelief,
    hand_belief,
    resample_world,
    v0_observation,
)
from bench.agents.search.simulator import Step

if TYPE_CHECKING:
    import pyspiel

# A policy for the non-searching seats: (observation, legal mask) -> action.
PartnerPolicy = Callable[[NDArray[np.float32], NDArray[np.bool_]], int]

# The variants used here, as in the Hanabi Learning Environment's presets ("Hanabi-Small")
# plus a tiny one for tests; "hanabi" is the full two-player game (max score 25).
HANABI_VARIANTS: dict[str, dict[str, int]] = {
    "hanabi": {"players": 2},
    "hanabi-small": {
        "players": 2,
        "colors": 2,
        "ranks": 5,
        "hand_size": 2,
        "max_information_tokens": 3,
        "max_life_tokens": 1,
    },
    "hanabi-tiny": {
        "players": 2,
        "colors": 2,
        "ranks": 3,
        "hand_size": 2,
        "max_information_tokens": 3,
        "max_life_tokens": 1,
    },
}


HANABI_DEFAULTS = {
    "colors": 5,
    "ranks": 5,
    "hand_size": 5,
    "max_information_tokens": 8,
    "max_life_tokens": 3,
}


def _uniform_partner(obs: NDArray[np.float32], mask: NDArray[np.bool_]) -> int:
    del obs
    return int(np.flatnonzero(mask)[0])


@dataclass
class HanabiToken:
    """A saved game: OpenSpiel's state and the cards still to be dealt, in order."""

    state: pyspiel.State
    deck: list[int] = field(default_factory=list)


class HanabiSimulator:
    """Hanabi from the searcher's seat (see the module docstring)."""

    deterministic = False  # a searcher's turn has many worlds (its hidden hand, the deck)

    def __init__(self, variant: str = "hanabi", partner: PartnerPolicy = _uniform_partner):
        import pyspiel

        if variant not in HANABI_VARIANTS:
            raise ValueError(
                f"unknown Hanabi variant {variant!r}; known: {sorted(HANABI_VARIANTS)}"
            )
        self.name = variant
        self.game = pyspiel.load_game("hanabi", dict(HANABI_VARIANTS[variant]))
        # OpenSpiel reports only the parameters given; the rest take the HLE defaults.
        params = {**HANABI_DEFAULTS, **self.game.get_parameters()}
        self.shape = HanabiShape(
            players=params["players"],
            colors=params["colors"],
            ranks=params["ranks"],
            hand_size=params["hand_size"],
        )
        self.num_actions = self.game.num_distinct_actions()
        self.obs_dim = self.game.observation_tensor_shape()[0]
        self.max_score = params["colors"] * params["ranks"]
        self.partner = partner
        self.seat = 0
        self._token = HanabiToken(self.game.new_initial_state())
        self._belief: tuple[tuple, HandBelief] | None = None  # (root key, belief at that root)

    @property
    def partner(self) -> PartnerPolicy:
        return self._partner

    @partner.setter
    def partner(self, policy: PartnerPolicy) -> None:
        """An opaque policy: the searcher's belief then uses the hints alone."""
        self._partner = policy
        self.partner_q: FrozenQ | None = None
        self._belief = None

    def set_blueprint_partner(self, q: FrozenQ) -> None:
        """The partners act greedily in ``q``, and the searcher's belief knows it."""
        self.partner = q.greedy
        self.partner_q = q

    # -- the simulator interface ------------------------------------------------------
    def reset(self, *, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.seat = seed % self.shape.players
        deck = np.repeat(np.arange(self.shape.colors * self.shape.ranks), self.shape.full_counts())
        self._token = HanabiToken(
            self.game.new_initial_state(), [int(k) for k in rng.permutation(deck)]
        )
        self._advance()

    def observation(self) -> NDArray[np.float32]:
        return self._observation(self._token.state, self.seat)

    def _observation(self, state: pyspiel.State, player: int) -> NDArray[np.float32]:
        """``player``'s view: OpenSpiel's tensor with the card knowledge as the V0 belief."""
        return v0_observation(np.asarray(state.observation_tensor(player), np.float32), self.shape)

    def legal_mask(self) -> NDArray[np.bool_]:
        mask = np.zeros(self.num_actions, bool)
        mask[self._token.state.legal_actions(self.seat)] = True
        return mask

    def step(self, action: int) -> Step:
        state = self._token.state
        if state.is_terminal():
            raise RuntimeError(f"{self.name}: step() after game over; call reset() first")
        before = state.returns()[self.seat]
        state.apply_action(int(action))
        self._advance()
        gained = state.returns()[self.seat] - before
        over = state.is_terminal()
        return Step(reward=gained, score=gained, terminal=over, game_over=over)

    def clone(self) -> HanabiToken:
        return HanabiToken(self._token.state.clone(), list(self._token.deck))

    def restore(self, token: object) -> None:
        assert isinstance(token, HanabiToken)
        self._token = HanabiToken(token.state.clone(), list(token.deck))

    def determinize(self, *, rng: np.random.Generator) -> HanabiToken:
        world = resample_world(
            self.game, self._token.state, self.shape, self.seat, self.belief(rng=rng), rng=rng
        )
        return HanabiToken(world.state, world.deck)

    def belief(self, *, rng: np.random.Generator) -> HandBelief:
        """The searcher's belief over its own hand now (kept until the state changes)."""
        state = self._token.state
        key = (self.seat, tuple(state.history()))
        if self._belief is None or self._belief[0] != key:
            belief = hand_belief(
                self.game, state, self.shape, self.seat, partner=self.partner_q, rng=rng
            )
            self._belief = (key, belief)
        return self._belief[1]

    @property
    def game_over(self) -> bool:
        return self._token.state.is_terminal()

    def play_out(
        self, world: HanabiToken, actions: NDArray[np.int64], policy: FrozenQ
    ) -> tuple[NDArray[np.float64], int]:
        """For each of the searcher's ``actions`` in ``world``: the return of playing it, then
        the searcher acting greedily in ``policy`` and the partners in theirs to the game's
        end. Returns (returns, the searcher's steps taken over all the games).

        The same as ``restore(world)``, ``step(a)`` and stepping ``policy.greedy`` until the
        game ends, once per action; here the games advance together, one batched forward
        pass per turn (SPARTA's rollouts: one per legal action in the same world). Every
        game starts at the same turn and seats rotate, so all games still running wait on
        the same seat.
        """
        if self.partner_q is None:
            raise ValueError(
                "play_out needs partners that play a Q-network: set_blueprint_partner()"
            )
        games = [HanabiToken(world.state.clone(), list(world.deck)) for _ in actions]
        start = world.state.returns()[self.seat]
        moves, live, steps = np.asarray(actions), list(range(len(games))), 0
        player = world.state.current_player()
        while live:
            for i, action in zip(live, moves):
                state = games[i].state
                state.apply_action(int(action))
                while state.is_chance_node():
                    state.apply_action(self._deal(state, games[i].deck))
            steps += len(live) if player == self.seat else 0
            live = [i for i in live if not games[i].state.is_terminal()]
            if not live:
                break
            player = games[live[0]].state.current_player()
            raw = np.stack([games[i].state.observation_tensor(player) for i in live])
            masks = np.zeros((len(live), self.num_actions), bool)
            for row, i in enumerate(live):
                masks[row, games[i].state.legal_actions(player)] = True
            q = policy if player == self.seat else self.partner_q
            values = q.values(v0_observation(raw.astype(np.float32), self.shape), masks)
            moves = values.argmax(axis=1)
        returns = np.array([g.state.returns()[self.seat] - start for g in games], np.float64)
        return returns, steps

    # -- extras -----------------------------------------------------------------------
    @property
    def score(self) -> float:
        """The team's current score (0 once all life tokens are lost)."""
        return float(self._token.state.returns()[0])

    def max_possible_score(self) -> int:
        """The score still reachable: per colour, the firework's height extended while some
        copy of the next rank is not discarded (the Hanabi Learning Environment's bound)."""
        if self.game_over:
            return int(self.score)
        lines = self._token.state.observation_string(self.seat).splitlines()
        fireworks = next(line for line in lines if line.startswith("Fireworks:")).split()[1:]
        discards = next(line for line in lines if line.startswith("Discards:")).split()[1:]
        total, full = 0, self.shape.full_counts()
        for c, firework in enumerate(fireworks):
            height = int(firework[1:])
            while height < self.shape.ranks:
                kind = c * self.shape.ranks + height
                if discards.count(f"{COLORS[c]}{height + 1}") >= full[kind]:
                    break
                height += 1
            total += height
        return total

    def return_bound(self) -> float:
        """The most reward the rest of the game can bring (the safety check's maximum)."""
        return float(self.max_possible_score() - self.score)

    def _advance(self) -> None:
        """Deal and let the partners move until the searcher must act or the game ends."""
        state = self._token.state
        while not state.is_terminal():
            if state.is_chance_node():
                state.apply_action(self._deal(state, self._token.deck))
            elif state.current_player() != self.seat:
                player = state.current_player()
                obs = self._observation(state, player)
                mask = np.zeros(self.num_actions, bool)
                mask[state.legal_actions(player)] = True
                state.apply_action(int(self.partner(obs, mask)))
            else:
                return

    @staticmethod
    def _deal(state: pyspiel.State, deck: list[int]) -> int:
        """The next card of ``deck`` (removed from it) that the state can deal."""
        legal = {a for a, _ in state.chance_outcomes()}
        while deck:
            card = deck.pop(0)
            if card in legal:
                return card
        # Only reachable if a deck was built inconsistently; fall back to the game's odds.
        outcomes = state.chance_outcomes()
        return int(outcomes[0][0])
