"""Exploration by Adversarial Surprise (Fickinger, Jaques et al. 2021) and its baselines, in JAX.

Explore and Control take turns over a shared per-episode density model of the views:
Control is paid the log-likelihood of what it sees in the scored half of its rounds,
Explore the negative of Control's return, so Explore leads Control into places it cannot
predict and Control learns to make them predictable (switch off a noisy TV) — against
RND, SMiRL, surprise maximisation, a count bonus and a random policy on the authors'
multi-room world with dark and noisy rooms and on standard MiniGrid worlds. Worlds,
density, game and PPO are pure JAX functions, jitted and vmapped over envs and seeds.
"""

from bench.common.lazy_exports import lazy_getattr
from bench.common.threads import limit_xla_threads

# XLA fixes its thread pools when jax starts: cap them before any module here imports it.
limit_xla_threads()

# Imported on first use (JAX). The trainer is bench.agents.surprise.train.train (see
# bench.common.lazy_exports).
_PUBLIC = {
    "CountConfig": "bench.agents.surprise.count",
    "DensityConfig": "bench.agents.surprise.density",
    "ENVS": "bench.agents.surprise.envs",
    "Layout": "bench.agents.surprise.envs",
    "MultiRoomAB": "bench.agents.surprise.envs",
    "NoisyDarkRooms": "bench.agents.surprise.envs",
    "SurpriseWorld": "bench.agents.surprise.envs",
    "make_env": "bench.agents.surprise.envs",
    "CONTROL": "bench.agents.surprise.game",
    "EXPLORE": "bench.agents.surprise.game",
    "GameConfig": "bench.agents.surprise.game",
    "players": "bench.agents.surprise.game",
    "scored": "bench.agents.surprise.game",
    "RNDConfig": "bench.agents.surprise.rnd",
    "METHODS": "bench.agents.surprise.train",
    "SeedResult": "bench.agents.surprise.train",
    "SurpriseRunConfig": "bench.agents.surprise.train",
}
__all__ = sorted(_PUBLIC)  # pyright: ignore[reportUnsupportedDunderAll]  (lazy: the names load on use)
__getattr__ = lazy_getattr(__name__, _PUBLIC)
