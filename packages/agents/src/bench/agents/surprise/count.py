"""Count-based exploration bonus: r(o) = β / sqrt(N(o)).

N(o) counts how often the view o has been seen over all of training, this batch included
(so a first sighting pays at most β). Views are counted in a hashed table of 2^20 cells
(Tang et al. 2017's #Exploration with the identity as the code): two views share a
count only when their hashes collide, which at the tens of thousands of distinct views a
world shows is rare. Noisy floors make nearly every view new, which is the trap this
baseline is here to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

TABLE_BITS = 20
# Odd multipliers of a multiplicative hash over the 147 entries of a view.
_MULTIPLIERS = np.random.default_rng(0).integers(1, 2**31, size=147, dtype=np.uint32) | 1


@dataclass(frozen=True)
class CountConfig:
    """Count bonus (Strehl & Littman 2008 form, as in Bellemare et al. 2016)."""

    beta: float = 1.0  # β, bonus scale (rewards are normalised, so only relative size matters)


def empty_counts() -> jax.Array:
    return jnp.zeros(2**TABLE_BITS, jnp.int32)


def view_hash(views: jax.Array) -> jax.Array:
    """Table cell of each view (B, 7, 7, 3) -> (B,) int32."""
    flat = views.reshape(views.shape[0], -1).astype(jnp.uint32) + jnp.uint32(1)
    mixed = (flat * jnp.asarray(_MULTIPLIERS)).sum(-1, dtype=jnp.uint32)
    mixed = mixed ^ (mixed >> 15)
    mixed = mixed * jnp.uint32(2654435761)
    return (mixed >> (32 - TABLE_BITS)).astype(jnp.int32)


def count_reward(
    counts: jax.Array, views: jax.Array, config: CountConfig
) -> tuple[jax.Array, jax.Array]:
    """Count a batch of views (B, 7, 7, 3); returns (new table, β / sqrt(N(o)) per view (B,))."""
    cells = view_hash(views)
    counts = counts.at[cells].add(1)
    return counts, config.beta / jnp.sqrt(counts[cells].astype(jnp.float32))
