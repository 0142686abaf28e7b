"""Exploration by Adversarial Surprise (Fickinger, Jaques et al. 2021) and its baselines, in JAX.

Explore and Control take turns over a shared per-episode density model of the views:
Control is paid the log-likelihood of what it sees in the scored half of its rounds,
Explore the negative of Control's return, so Explore leads Control into places it cannot
predict and Control learns to make them predictable (switch off a noisy TV) — against
RND, SMiRL, surprise maximisation, a count bonus and a random policy on the authors'
multi-room world with dark and noisy rooms and on standard MiniGrid worlds. Worlds,
density, game and PPO are pure JAX functions, jitted and vmapped over envs and seeds.
"""

# ruff: noqa: E402
from bench.common.threads import limit_xla_threads

# XLA fixes its thread pools when jax starts: cap them before anything below imports it.
limit_xla_threads()

from bench.agents.surprise.count import CountConfig
from bench.agents.surprise.density import DensityConfig
from bench.agents.surprise.envs import (
    ENVS,
    Layout,
    MultiRoomAB,
    NoisyDarkRooms,
    SurpriseWorld,
    make_env,
)
from bench.agents.surprise.game import CONTROL, EXPLORE, GameConfig, players, scored
from bench.agents.surprise.rnd import RNDConfig
from bench.agents.surprise.train import METHODS, SeedResult, SurpriseRunConfig, train

__all__ = [
    "CONTROL",
    "ENVS",
    "EXPLORE",
    "METHODS",
    "CountConfig",
    "DensityConfig",
    "GameConfig",
    "Layout",
    "MultiRoomAB",
    "NoisyDarkRooms",
    "RNDConfig",
    "SeedResult",
    "SurpriseRunConfig",
    "SurpriseWorld",
    "make_env",
    "players",
    "scored",
    "train",
]
