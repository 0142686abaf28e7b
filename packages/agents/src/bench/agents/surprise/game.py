"""The Adversarial Surprise game: Explore and Control take turns in rounds of k steps.

An episode of T = n_rounds · k steps is split into rounds r = 0, 1, ...; round r is
played by Explore when r is even and by Control when r is odd (Fickinger et al. 2021,
Sec. 3: 4 rounds of 32 steps on MiniGrid). With log p_θ(o) the density's log-likelihood
of the new view (see ``observation.py``):

* Control, acting at step t of its round (0 <= t < k), gets r_t = log p_{θ}(o_{t+1})
  when t >= k/2 and 0 in the first half of the round (the first half is for reaching a
  predictable place, only the second half is scored);
* Explore gets 0 at every step except the last step of each of its rounds, which gets
  minus Control's return in the round that follows: −Σ_{t in next Control round} r_t.
  (A last round played by Explore has no Control round after it and earns nothing.)

Explore's reward is known only when the next Control round ends, so the wrapper reports
it then, in ``info["explore_reward"]``, together with ``info["explore_reward_step"]``,
the episode step of Explore's action it belongs to. The step reward returned is the
reward of the player who just acted (0 for Explore). ``info["player"]`` says who acted,
``info["next_player"]`` who acts next (``EXPLORE`` = 0, ``CONTROL`` = 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from bench.agents.surprise.observation import SurpriseObservation

EXPLORE, CONTROL = 0, 1
PLAYERS = ("explore", "control")


@dataclass(frozen=True)
class GameConfig:
    """Round structure of the game (authors' MiniGrid setting)."""

    n_rounds: int = 4  # rounds per episode, Explore first, alternating (authors: 4)
    k: int = 32  # round length in steps (authors: 32)

    @property
    def horizon(self) -> int:
        """T = n_rounds · k steps per episode."""
        return self.n_rounds * self.k


def player_at(t: int, config: GameConfig) -> int:
    """Who acts at episode step t (0-based): EXPLORE in even rounds, CONTROL in odd ones."""
    return EXPLORE if (t // config.k) % 2 == 0 else CONTROL


class AdversarialSurpriseGame(gym.Wrapper):
    """Round structure and rewards over a :class:`SurpriseObservation` env of horizon T."""

    def __init__(self, env: SurpriseObservation, config: GameConfig | None = None):
        super().__init__(env)
        config = config or GameConfig()
        if not isinstance(env, SurpriseObservation) or env.horizon != config.horizon:
            raise ValueError(
                "AdversarialSurpriseGame wraps a SurpriseObservation env whose horizon is "
                f"n_rounds * k = {config.horizon}; build it with SurpriseObservation(env, {config.horizon})"
            )
        if config.k < 2:
            raise ValueError(f"k={config.k}: a round needs at least 2 steps (half unscored)")
        self.config = config
        self.t = 0
        self.control_return = 0.0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self.t, self.control_return = 0, 0.0
        info = dict(info)
        info["next_player"] = player_at(0, self.config)
        return obs, info

    def step(self, action: int):
        obs, _, terminated, truncated, info = self.env.step(action)
        k, t = self.config.k, self.t
        player, step_in_round = player_at(t, self.config), t % k
        reward = 0.0
        info = dict(info)
        if player == CONTROL:
            if step_in_round >= k // 2:
                reward = float(info["log_p"])
            self.control_return += reward
            if step_in_round == k - 1:  # Control's round is over: pay Explore's last step
                info["explore_reward"] = -self.control_return
                info["explore_reward_step"] = t - k
                self.control_return = 0.0
        info["player"] = player
        info["next_player"] = player_at(t + 1, self.config)
        self.t += 1
        return obs, reward, terminated, truncated, info
