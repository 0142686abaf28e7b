"""The observation density p_θ(o) of Adversarial Surprise: one categorical per view entry.

MiniGrid's view o ∈ {0..11}^F has F = 7·7·3 = 147 entries (object type, colour and state
of each cell). The authors' model (``CategoricalBuffer(obs, 12)``) is a product of
independent 12-way categoricals, one per entry f, fitted by counting the n observations
added so far this episode:

    θ_{fv} = n_{fv} / n  (θ_{fv} = 1/12 while n = 0),
    log p_θ(o) = Σ_f log max(θ_{f o_f}, p_min),   p_min = 1e-3,

the clip keeping never-seen values from scoring -∞ (the clipped θ is not renormalised).

What the policies see of it, :func:`features`, is θ in a compact layout: of the 12
values of an entry only those its channel can take (11 object types, 6 colours, 3 door
states: 20 per cell, 980 in all), the same slots as :func:`one_hot` of a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

N_CLASSES = 12  # values per entry in the authors' categorical
CHANNEL_SIZES = (11, 6, 3)  # values a MiniGrid channel can take: object, colour, state
N_ENTRIES = 7 * 7 * 3
# Flat positions in the (147, 12) table of the 980 slots a view can hit.
_SLOTS = np.concatenate(
    [
        np.concatenate(
            [(cell * 3 + c) * N_CLASSES + np.arange(k) for c, k in enumerate(CHANNEL_SIZES)]
        )
        for cell in range(7 * 7)
    ]
)
FEATURES = len(_SLOTS)  # 980


@dataclass(frozen=True)
class DensityConfig:
    """The authors' categorical density (``buffers.CategoricalBuffer``)."""

    p_min: float = 1e-3  # clip on every θ_{fv} inside the log (authors: 1e-3)


class Density(NamedTuple):
    """Counts n_{fv} (147, 12) and n of the observations added this episode."""

    counts: jax.Array
    n: jax.Array


def empty() -> Density:
    return Density(jnp.zeros((N_ENTRIES, N_CLASSES), jnp.float32), jnp.zeros((), jnp.float32))


def theta(density: Density) -> jax.Array:
    """θ (147, 12): frequencies, uniform 1/12 before the first observation."""
    freq = density.counts / jnp.maximum(density.n, 1.0)
    return jnp.where(density.n > 0, freq, 1.0 / N_CLASSES)


def log_prob(density: Density, obs: jax.Array, config: DensityConfig) -> jax.Array:
    """log p_θ(o) of one view (7, 7, 3) under the counts so far (module docstring)."""
    picked = jnp.take_along_axis(
        theta(density), obs.reshape(N_ENTRIES, 1).astype(jnp.int32), axis=1
    )
    return jnp.log(jnp.maximum(picked, config.p_min)).sum()


def update(density: Density, obs: jax.Array, add: jax.Array) -> Density:
    """Add the view (7, 7, 3) to the counts where ``add`` (a bool scalar) is true."""
    hit = jax.nn.one_hot(obs.reshape(N_ENTRIES), N_CLASSES, dtype=jnp.float32)
    weight = add.astype(jnp.float32)
    return Density(density.counts + weight * hit, density.n + weight)


def one_hot(obs: jax.Array) -> jax.Array:
    """The view (7, 7, 3) as 980 one-hot slots (20 per cell)."""
    hit = jax.nn.one_hot(obs.reshape(N_ENTRIES), N_CLASSES, dtype=jnp.float32)
    return hit.reshape(-1)[_SLOTS]


def features(density: Density) -> jax.Array:
    """θ in the 980 slots of :func:`one_hot` (what the policies see of the model)."""
    return theta(density).reshape(-1)[_SLOTS]
