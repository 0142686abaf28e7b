"""The square-loss decomposition of Peyré, Cuturi & Solomon (2016, Prop. 1).

For the Gromov-Wasserstein objective with L(a, b) = (a - b)², the tensor-matrix product

    (L(C1, C2) ⊗ T)_ij = sum_kl (C1_ik - C2_jl)² T_kl

of structure matrices C1 (n, n), C2 (m, m) and a coupling T (n, m) with marginals p (n,)
and q (m,) is

    L(C1, C2) ⊗ T = constC - 2 C1 T C2ᵀ,
    constC = (C1 ∘ C1) p 1ᵀ + 1 qᵀ (C2 ∘ C2)ᵀ,

so it costs two matrix products, O(n²m + nm²), instead of O(n²m²). The GW objective is
its inner product with T:  E(T) = <L(C1, C2) ⊗ T, T> = sum_ijkl (C1_ik - C2_jl)² T_ij T_kl.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def const_c(C1: Array, C2: Array, p: Array, q: Array) -> Array:
    """constC (n, m) = (C1 ∘ C1) p 1ᵀ + 1 qᵀ (C2 ∘ C2)ᵀ, the part of L ⊗ T fixed by p, q.

    Row term f1 = (C1 ∘ C1) p (n,), column term f2 = (C2 ∘ C2) q (m,): constC_ij = f1_i + f2_j.
    """
    f1 = (C1 * C1) @ p
    f2 = (C2 * C2) @ q
    return f1[:, None] + f2[None, :]


def tensor_product(C1: Array, C2: Array, p: Array, q: Array, T: Array) -> Array:
    """L(C1, C2) ⊗ T (n, m) = constC - 2 C1 T C2ᵀ for a coupling T (n, m) with marginals p, q."""
    return const_c(C1, C2, p, q) - 2.0 * (C1 @ T @ C2.T)


def gw_objective(C1: Array, C2: Array, p: Array, q: Array, T: Array) -> float:
    """E(T) = <L(C1, C2) ⊗ T, T>, the square-loss GW objective (POT's ``gwloss``)."""
    return float(np.sum(tensor_product(C1, C2, p, q, T) * T))
