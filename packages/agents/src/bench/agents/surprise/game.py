"""The Adversarial Surprise game: Explore and Control take turns in rounds of k steps.

An episode of T = n_rounds · k steps is split into rounds r = 0, 1, ...; round r is
played by Explore when r is even and by Control when r is odd (the authors' MiniGrid
setting: ``alice_first``, 4 rounds of 32 steps). The rules follow ``base_surprise.py``
and ``run_minigrid.py`` of the authors' code:

* the density is fitted only on Control's observations in the rewarded part of its
  rounds: at step t of a Control round with t mod k >= no_reward_time · k (k/2 by default),
  Control is paid r_t = log p_θ(o_{t+1}) under the counts so far, and then o_{t+1} is
  added. The counts persist across the episode's Control rounds (an episode-long buffer)
  and are reset at each episode;
* every other step pays Control nothing; rewards are divided by a running standard
  deviation of the discounted return (:func:`normalise`), before Explore's is derived;
* Explore is paid at the last step of each of its rounds minus Control's (normalised)
  return in the round that follows; a last round played by Explore earns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

EXPLORE, CONTROL = 0, 1
PLAYERS = ("explore", "control")


@dataclass(frozen=True)
class GameConfig:
    """Round structure of the game (authors' MiniGrid setting)."""

    n_rounds: int = 4  # rounds per episode, Explore first, alternating (authors: 4)
    k: int = 32  # round length in steps (authors: 32)
    no_reward_time: float = 0.5  # share of a Control round left unscored (authors: 0.5)

    def __post_init__(self) -> None:
        if self.k < 2:
            raise ValueError(f"k={self.k}: a round needs at least 2 steps")
        if not 0.0 <= self.no_reward_time < 1.0:
            raise ValueError(f"no_reward_time={self.no_reward_time}: give a share in [0, 1)")

    @property
    def horizon(self) -> int:
        """T = n_rounds · k steps per episode."""
        return self.n_rounds * self.k


def players(config: GameConfig) -> np.ndarray:
    """Who acts at each episode step, (T,) int: EXPLORE in even rounds, CONTROL in odd ones."""
    return (np.arange(config.horizon) // config.k) % 2


def scored(config: GameConfig) -> np.ndarray:
    """(T,) bool: the steps whose new view Control is paid for and the density learns."""
    in_round = np.arange(config.horizon) % config.k
    return (players(config) == CONTROL) & (in_round >= config.no_reward_time * config.k)


def explore_rewards(control: jax.Array, config: GameConfig) -> jax.Array:
    """Explore's rewards (T, ...) from Control's per-step rewards (T, ...).

    The last step of Explore's round r gets -Σ of Control's rewards in round r + 1.
    """
    T, k = config.horizon, config.k
    per_round = control.reshape(config.n_rounds, k, *control.shape[1:]).sum(1)
    following = jnp.concatenate([per_round[1:], jnp.zeros_like(per_round[:1])])
    last = (np.arange(T) % k) == k - 1
    explore_last = last & (players(config) == EXPLORE)
    paid = -jnp.repeat(following, k, axis=0)
    mask = explore_last.reshape(T, *([1] * (control.ndim - 1)))
    return jnp.where(mask, paid, 0.0)


class ReturnScale(NamedTuple):
    """Running moments of the discounted return, for :func:`normalise` (authors' RunningMeanStd)."""

    mean: jax.Array
    var: jax.Array
    count: jax.Array


def new_scale() -> ReturnScale:
    return ReturnScale(jnp.zeros(()), jnp.ones(()), jnp.full((), 1e-4))


def normalise(
    rewards: jax.Array, scale: ReturnScale, gamma: float
) -> tuple[jax.Array, ReturnScale]:
    """Divide an episode's rewards (T, N) by the running std of the discounted return.

    As the authors' ``NormalizedReturn``: each env keeps G_t = γ G_{t-1} + r_t (reset at
    the episode start); after every step the moments of the N values of G_t join the
    running ones (parallel-variance update), and r_t is divided by sqrt(var + 1e-8).
    """

    def one_step(carry, r):
        ret, (mean, var, count) = carry
        ret = ret * gamma + r
        n = r.shape[0]
        batch_mean, batch_var = ret.mean(), ret.var()
        delta, total = batch_mean - mean, count + n
        mean = mean + delta * n / total
        var = (var * count + batch_var * n + delta**2 * count * n / total) / total
        return (ret, ReturnScale(mean, var, total)), r / jnp.sqrt(var + 1e-8)

    start = (jnp.zeros(rewards.shape[1:]), scale)
    (_, scale), out = jax.lax.scan(one_step, start, rewards)
    return out, scale
