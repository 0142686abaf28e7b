"""Exploration by Adversarial Surprise (Fickinger, Jaques et al. 2021) and its baselines.

Explore and Control take turns over a shared per-episode density model of the views:
Control is paid the log-likelihood of what it sees, Explore the negative of Control's
return, so Explore leads Control into places it cannot predict and Control learns to make
them predictable (switch off a noisy TV) — against RND, SMiRL, surprise maximisation, a
count bonus and a random policy on MiniGrid worlds with dark and noisy rooms.
"""

from bench.agents.surprise.count import CountConfig, ObservationCounts
from bench.agents.surprise.coverage import CoverageTracker
from bench.agents.surprise.density import CategoricalDensity, DensityConfig, one_hot
from bench.agents.surprise.envs import ENVS, NoisyDarkRooms, make_env
from bench.agents.surprise.game import (
    CONTROL,
    EXPLORE,
    AdversarialSurpriseGame,
    GameConfig,
    player_at,
)
from bench.agents.surprise.observation import OneHotImage, SurpriseObservation
from bench.agents.surprise.rnd import RND, RNDConfig
from bench.agents.surprise.train import METHODS, SeedResult, SurpriseRunConfig, train, train_seed

__all__ = [
    "CONTROL",
    "ENVS",
    "EXPLORE",
    "METHODS",
    "RND",
    "AdversarialSurpriseGame",
    "CategoricalDensity",
    "CountConfig",
    "CoverageTracker",
    "DensityConfig",
    "GameConfig",
    "NoisyDarkRooms",
    "ObservationCounts",
    "OneHotImage",
    "RNDConfig",
    "SeedResult",
    "SurpriseObservation",
    "SurpriseRunConfig",
    "make_env",
    "one_hot",
    "player_at",
    "train",
    "train_seed",
]
