"""Exact low-rank factorisation of a structure matrix, when it has one.

Squared-Euclidean distances of points x_i in R^d factor exactly with rank d + 2:

    C = |x|² 1ᵀ + 1 |x|²ᵀ - 2 X Xᵀ  =  U Vᵀ,  U, V (n, d + 2),

so C1 T C2ᵀ = U1 (V1ᵀ T V2) U2ᵀ costs O(n r²) for a permutation T instead of O(n³). We do
not assume where C came from: a randomised range finder (Halko, Martinsson & Tropp 2011,
Alg. 4.1) proposes a basis and the factorisation is used only when it reproduces C to
rounding error; otherwise the caller keeps the dense matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# Largest rank looked for (d + 2 for point clouds up to d = 14), and the sketch's oversampling.
MAX_RANK = 16
OVERSAMPLING = 8
# Accept C ≈ U Vᵀ when ||C - U Vᵀ||_F <= RELATIVE_RESIDUAL ||C||_F (float64 rounding of C).
RELATIVE_RESIDUAL = 1e-12
# Below this size a dense product is cheaper than the sketch.
MIN_SIZE = 128
# Columns checked before the full residual.
PROBE_COLUMNS = 32


@dataclass(frozen=True)
class LowRankFactors:
    """C ≈ U Vᵀ with U (n, r), V (n, r)."""

    U: NDArray[np.float64]
    V: NDArray[np.float64]


def low_rank_factors(C: NDArray[np.float64], *, seed: int = 0) -> LowRankFactors | None:
    """Factors U, V of C (n, n) with C = U Vᵀ to rounding error and rank <= MAX_RANK, else None.

    The sketch is random (``seed``) but the answer is checked, so only the time depends on it.
    """
    n = C.shape[0]
    if n < MIN_SIZE:
        return None
    sketch = C @ np.random.default_rng(seed).standard_normal((n, MAX_RANK + OVERSAMPLING))
    Q, _ = np.linalg.qr(sketch)
    # A few columns first: a full-rank C (e.g. Euclidean distances) fails here, without the
    # two n² r products and the n² residual below.
    probe = np.random.default_rng(seed + 1).choice(n, size=min(n, PROBE_COLUMNS), replace=False)
    probe_residual = C[:, probe] - Q @ (Q.T @ C[:, probe])
    if np.linalg.norm(probe_residual) > RELATIVE_RESIDUAL * np.linalg.norm(C[:, probe]):
        return None
    W = Q.T @ C  # (k, n): C ≈ Q W if the range of C is captured
    norm = np.linalg.norm(C)
    if np.linalg.norm(C - Q @ W) > RELATIVE_RESIDUAL * norm:
        return None
    # Drop the directions the oversampling added: keep singular values above rounding.
    Uw, s, Vt = np.linalg.svd(W, full_matrices=False)
    rank = int(np.sum(s > s[0] * 1e-13)) if s[0] > 0 else 1
    if rank > MAX_RANK:
        return None
    return LowRankFactors(U=Q @ (Uw[:, :rank] * s[:rank]), V=Vt[:rank].T)


def approximate_factors(C: NDArray[np.float64], rank: int, *, seed: int = 0) -> LowRankFactors:
    """C ≈ U Vᵀ of rank ``rank`` for a symmetric C (n, n), not exact: the randomised range
    finder with one power iteration (Halko et al. 2011, Alg. 4.3), then the eigenvectors
    of the projected matrix. For Euclidean distance matrices of clouds in a few
    dimensions, whose spectra decay fast (a rank-48 factor kept ~1e-3 of C's norm in
    the benchmark's clouds)."""
    n = C.shape[0]
    k = min(n, rank + OVERSAMPLING)
    Y = C @ (C @ np.random.default_rng(seed).standard_normal((n, k)))
    Q, _ = np.linalg.qr(Y)
    eigenvalues, W = np.linalg.eigh(Q.T @ C @ Q)
    keep = np.argsort(-np.abs(eigenvalues))[: min(rank, k)]
    basis = Q @ W[:, keep]
    return LowRankFactors(U=basis * eigenvalues[keep], V=basis)
