"""The interface every search method plans over: a simulator that can save and restore.

Online planning (RL search, UCT, SPARTA) needs more than an environment: from the
current state s_t it runs many trajectories and must come back to s_t after each. A
:class:`Simulator` is a single-agent view of a game with

- ``observation()``: the acting agent's observation o(s), float32, shape (obs_dim,);
- ``legal_mask()``: bool, shape (num_actions,);
- ``step(a) -> Step``: the transition, its learning reward and whether it ends the episode;
- ``clone() -> token`` / ``restore(token)``: the full simulator state, including whatever
  the game's own randomness depends on, so a restored state replays identically;
- ``determinize(rng=...) -> token``: a root for one search rollout. For a fully observed
  game this is ``clone()``; for an imperfect-information game (Hanabi) it is a world
  sampled from the acting agent's beliefs, so search never peeks at hidden cards;
- ``deterministic``: True when ``determinize()`` is ``clone()`` and steps are
  deterministic, so that one rollout of a greedy policy is its exact return.

Optionally, ``return_bound() -> float``: the most reward the rest of the episode can
bring (Hanabi: the reachable score less the current one); RL search's safety check then
skips fine-tuning where the blueprint is already within its threshold of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Step:
    """One transition of a :class:`Simulator`.

    ``reward`` is what learners and planners maximise (clipped for Atari, as in DQN);
    ``score`` is the game's own score gained (what evaluations report). ``terminal``
    stops bootstrapping (game over, or a life lost where the game has lives);
    ``game_over`` ends the episode.
    """

    reward: float
    score: float
    terminal: bool
    game_over: bool


class Simulator(Protocol):
    """A resettable, cloneable single-agent game (see the module docstring)."""

    name: str
    num_actions: int
    obs_dim: int
    deterministic: bool

    def reset(self, *, seed: int) -> None: ...

    def observation(self) -> NDArray[np.float32]: ...

    def legal_mask(self) -> NDArray[np.bool_]: ...

    def step(self, action: int) -> Step: ...

    def clone(self) -> object: ...

    def restore(self, token: object) -> None: ...

    def determinize(self, *, rng: np.random.Generator) -> object: ...

    @property
    def game_over(self) -> bool: ...
