"""The answer of a Gromov-Wasserstein solver: a coupling, its cost and its per-point split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class GWResult:
    """A coupling T (n, m) between two metric-measure spaces and its GW cost.

    coupling : (n, m) T, rows summing to p and columns to q.
    local_cost : (n, m) L(C1, C2) ⊗ T, the cost of pairing source point i with target
        point j given the rest of the coupling (``square_loss.tensor_product``).
    cost : E(T) = <L(C1, C2) ⊗ T, T> = sum_ijkl (C1_ik - C2_jl)² T_ij T_kl, the quantity
        POT reports as ``gwloss`` / ``log["gw_dist"]``.
    n_iters : outer iterations run (Frank-Wolfe steps, or mirror-descent steps).
    converged : whether the stopping tolerance was met before ``max_iter``.
    """

    coupling: NDArray[np.float64]
    local_cost: NDArray[np.float64]
    cost: float
    n_iters: int
    converged: bool

    @property
    def source_costs(self) -> NDArray[np.float64]:
        """(n,) share of the cost of each source point: sum_j (L ⊗ T)_ij T_ij."""
        return np.sum(self.local_cost * self.coupling, axis=1)

    @property
    def target_costs(self) -> NDArray[np.float64]:
        """(m,) share of the cost of each target point: sum_i (L ⊗ T)_ij T_ij.

        Sums to ``cost``. GWIL rewards agent step j with r_j = -target_costs[j].
        """
        return np.sum(self.local_cost * self.coupling, axis=0)
