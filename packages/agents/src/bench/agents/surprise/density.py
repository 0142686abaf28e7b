"""The observation density p_θ(o) shared by both players of Adversarial Surprise.

MiniGrid's partial view is an image o ∈ {0..K_c-1}^{V×V×3}: for each of the V×V cells
(V = 7) three channels, object type (K_0 = 11), colour (K_1 = 6) and state (K_2 = 3). The
authors' MiniGrid model is a product of independent categoricals, one per cell i and
channel c, fitted by counting the episode's observations o_1..o_n so far:

    θ_{icv} = max(n_{icv} / n, p_min),      log p_θ(o) = Σ_{i,c} log θ_{i c o_{ic}},

with n_{icv} the number of past observations whose cell i, channel c took value v and
p_min = 1e-3 (the clip keeps never-seen values from scoring -∞; the clipped θ is not
renormalised). Before the first observation (n = 0) each categorical is uniform, 1/K_c.
The model is reset at the start of every episode.

The sufficient statistics θ (the unclipped frequencies n_{icv}/n, laid out like the
one-hot code of an observation, shape (V·V·ΣK_c,) = (980,)) are part of what each policy
sees, so a policy can tell what the model has already learnt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from minigrid.core.constants import COLOR_TO_IDX, OBJECT_TO_IDX, STATE_TO_IDX
from numpy.typing import NDArray

# K_c: values of the object, colour and state channels of MiniGrid's encoding.
CHANNEL_SIZES: tuple[int, int, int] = (len(OBJECT_TO_IDX), len(COLOR_TO_IDX), len(STATE_TO_IDX))
_OFFSETS = np.cumsum(
    (0, *CHANNEL_SIZES[:-1])
)  # where each channel's values start in a cell's block
CELL_BLOCK = sum(CHANNEL_SIZES)  # 20 one-hot slots per cell


def one_hot_indices(image: NDArray[np.integer]) -> NDArray[np.int64]:
    """Flat one-hot positions of an image (V, V, 3) -> (V·V·3,), one per (cell, channel).

    Cell i = (x, y) in row-major order owns slots [i·20, (i+1)·20); within it channel c's
    value v sits at offset_c + v. Each (cell, channel) pair hits its own slot range, so
    the positions of one image are distinct.
    """
    image = np.asarray(image)
    cells = image.shape[0] * image.shape[1]
    base = (np.arange(cells) * CELL_BLOCK)[:, None] + _OFFSETS[None, :]
    return (base + image.reshape(cells, 3)).reshape(-1).astype(np.int64)


def one_hot(image: NDArray[np.integer]) -> NDArray[np.float32]:
    """One-hot code of an image (V, V, 3) -> (V·V·20,) float32."""
    image = np.asarray(image)
    code = np.zeros(image.shape[0] * image.shape[1] * CELL_BLOCK, dtype=np.float32)
    code[one_hot_indices(image)] = 1.0
    return code


@dataclass(frozen=True)
class DensityConfig:
    """Independent-categorical density over MiniGrid views (authors' MiniGrid default)."""

    p_min: float = 1e-3  # clip on every categorical probability θ_{icv} (authors: 1e-3)
    view_size: int = 7  # V, MiniGrid's agent_view_size


class CategoricalDensity:
    """Counts n_{icv} of the episode's observations; log p_θ(o) with the p_min clip.

    Usage per step: ``log_prob(o)`` under the model fitted so far, then ``update(o)``.
    """

    def __init__(self, config: DensityConfig | None = None):
        self.config = config = config or DensityConfig()
        cells = config.view_size * config.view_size
        self.counts = np.zeros(cells * CELL_BLOCK, dtype=np.float64)  # n_{icv}
        self.n = 0  # observations counted
        # Uniform θ before any observation: 1/K_c in every slot of channel c.
        self._uniform = np.tile(
            np.concatenate([np.full(k, 1.0 / k) for k in CHANNEL_SIZES]), cells
        ).astype(np.float64)

    def reset(self) -> None:
        """Forget every observation (the start of an episode)."""
        self.counts[:] = 0.0
        self.n = 0

    def update(self, image: NDArray[np.integer]) -> None:
        """Add one observation (V, V, 3) to the counts."""
        self.counts[one_hot_indices(image)] += 1.0
        self.n += 1

    @property
    def theta(self) -> NDArray[np.float64]:
        """Unclipped frequencies n_{icv} / n (uniform 1/K_c when n = 0), shape (V·V·20,)."""
        if self.n == 0:
            return self._uniform.copy()
        return self.counts / self.n

    def log_prob(self, image: NDArray[np.integer]) -> float:
        """log p_θ(o) = Σ_{i,c} log max(θ_{i c o_ic}, p_min) for one image (V, V, 3)."""
        theta = self.theta[one_hot_indices(image)]
        return float(np.log(np.maximum(theta, self.config.p_min)).sum())
