"""Ms. Pac-Man (or any ALE game) as a cloneable simulator, over ``ale_py.ALEInterface``.

Preprocessing follows DQN on Atari (Mnih et al. 2015) where it matters for planning:

- frame skip k = 4: each agent action is repeated for 4 emulator frames, rewards summed;
- rewards clipped to sign(r) for learning (``Step.reward``); the raw score is kept
  (``Step.score``) and is what evaluations report;
- a lost life ends bootstrapping (``terminal=True``) but not the episode ("episodic
  life"), as in DQN's training;
- up to 30 random no-op actions after reset;
- no sticky actions (repeat_action_probability = 0), so that the emulator is
  deterministic given its state and a restored state replays exactly.

Departure, forced by two shared CPU cores: the observation is the console's 128-byte
RAM scaled to [0, 1] rather than a stack of four 84x84 grey frames, so that a small MLP
Q-network can be evaluated inside every rollout step. Ms. Pac-Man ignores input during
its opening tune; ``intro_steps`` no-op agent steps skip it so that every planned move
matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bench.agents.search.simulator import Step

if TYPE_CHECKING:
    import ale_py


@dataclass(frozen=True)
class AleConfig:
    game: str = "ms_pacman"
    frame_skip: int = 4  # k, DQN (Mnih et al. 2015)
    noop_max: int = 30  # DQN's random no-op starts
    intro_steps: int = 60  # agent steps of Ms. Pac-Man's opening tune (input ignored)
    clip_rewards: bool = True  # DQN: learn from sign(r)


@dataclass(frozen=True)
class AleToken:
    """A saved emulator state plus the wrapper's own counters."""

    state: ale_py.ALEState
    lives: int
    over: bool


class AleSimulator:
    """An ALE game as a :class:`~bench.agents.search.simulator.Simulator`."""

    deterministic = True  # no sticky actions: one rollout evaluates a greedy policy

    def __init__(self, config: AleConfig | None = None):
        config = config if config is not None else AleConfig()
        import ale_py
        from ale_py import roms

        self.config = config
        self.name = config.game
        ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Error)
        self._ale = ale_py.ALEInterface()
        self._ale.setInt("frame_skip", 1)  # we repeat actions ourselves, summing rewards
        self._ale.setFloat("repeat_action_probability", 0.0)
        self._ale.setInt("random_seed", 0)
        rom = roms.get_rom_path(config.game)
        if rom is None:
            raise ValueError(f"ale-py ships no ROM named {config.game!r}; see ale_py.roms")
        self._ale.loadROM(str(rom))
        self._actions = list(self._ale.getMinimalActionSet())
        self.num_actions = len(self._actions)
        self.obs_dim = len(self._ale.getRAM())
        self._lives = self._ale.lives()
        self._over = False

    def reset(self, *, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self._ale.reset_game()
        self._over = False
        noop = self._actions[0]
        for _ in range(self.config.intro_steps + int(rng.integers(0, self.config.noop_max + 1))):
            for _ in range(self.config.frame_skip):
                self._ale.act(noop)
        self._lives = self._ale.lives()

    def observation(self) -> NDArray[np.float32]:
        return self._ale.getRAM().astype(np.float32) / 255.0

    def legal_mask(self) -> NDArray[np.bool_]:
        return np.ones(self.num_actions, bool)

    def step(self, action: int) -> Step:
        if self._over:
            raise RuntimeError(f"{self.name}: step() after game over; call reset() first")
        score = 0.0
        ale_action = self._actions[action]
        for _ in range(self.config.frame_skip):
            score += self._ale.act(ale_action)
            if self._ale.game_over():
                break
        lives = self._ale.lives()
        life_lost = lives < self._lives
        self._lives = lives
        self._over = self._ale.game_over()
        reward = float(np.sign(score)) if self.config.clip_rewards else score
        return Step(
            reward=reward, score=score, terminal=life_lost or self._over, game_over=self._over
        )

    def clone(self) -> AleToken:
        return AleToken(state=self._ale.cloneState(), lives=self._lives, over=self._over)

    def restore(self, token: object) -> None:
        assert isinstance(token, AleToken)
        self._ale.restoreState(token.state)
        self._lives, self._over = token.lives, token.over

    def determinize(self, *, rng: np.random.Generator) -> AleToken:
        del rng  # the emulator state is the whole truth
        return self.clone()

    @property
    def game_over(self) -> bool:
        return self._over

    def screen(self) -> NDArray[np.uint8]:
        """The current grey-scale frame, (210, 160): for checks and videos, not for the agent."""
        return self._ale.getScreenGrayscale()
