"""Count-based exploration bonus: r(o) = β / sqrt(N(o)).

N(o) counts how often the exact view o has been seen over all of training, this visit
included (so a first visit pays β). The views are counted exactly, keyed by their packed
one-hot code, so, unlike a hashed or pseudo-count, two views never share a count. Noisy
floors make nearly every view new, which is the trap this baseline is here to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CountConfig:
    """Count bonus (Strehl & Littman 2008 form, as in Bellemare et al. 2016)."""

    beta: float = 1.0  # β, bonus scale (PPO normalises advantages, so only relative size matters)


class ObservationCounts:
    """Exact visit counts N(o) over views given as one-hot codes (B, D)."""

    def __init__(self, config: CountConfig | None = None):
        self.config = config or CountConfig()
        self.counts: dict[bytes, int] = {}

    def reward(self, codes: np.ndarray) -> np.ndarray:
        """Count each view of the batch, then return β / sqrt(N(o)) per row (B,)."""
        out = np.empty(len(codes))
        for i, key in enumerate(np.packbits(codes > 0.5, axis=-1)):
            n = self.counts.get(key.tobytes(), 0) + 1
            self.counts[key.tobytes()] = n
            out[i] = self.config.beta / np.sqrt(n)
        return out
