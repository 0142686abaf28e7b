"""Validation of optimal-transport inputs: marginals and cost/structure matrices.

Every solver in :mod:`bench.common.ot` checks its arguments here, so a bad input fails
with one message that names the argument and the fix instead of a silent NaN later.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

# How far a marginal's total may stray from 1 before it is called non-normalised; within
# this it is rescaled to sum to 1 exactly (float rounding of weights read from a file).
MASS_TOLERANCE = 1e-6


def check_matrix(name: str, M: ArrayLike, *, square: bool) -> NDArray[np.float64]:
    """``M`` as a finite float64 2-D array (square when ``square``), or a ValueError."""
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D matrix, got shape {M.shape}")
    if square and M.shape[0] != M.shape[1]:
        raise ValueError(
            f"{name}: a structure matrix must be square (n, n), got shape {M.shape}; "
            "pass the pairwise distances within one space"
        )
    if M.shape[0] == 0 or M.shape[1] == 0:
        raise ValueError(f"{name}: is empty (shape {M.shape}); it needs at least one point")
    if not np.all(np.isfinite(M)):
        raise ValueError(f"{name}: contains NaN or infinite entries; drop or impute them first")
    return M


def check_marginal(
    name: str, w: ArrayLike | None, size: int, *, against: str
) -> NDArray[np.float64]:
    """A probability vector of length ``size`` (uniform when ``w`` is None), or a ValueError.

    ``against`` names the matrix whose side the marginal weighs, for the error message.
    """
    if w is None:
        return np.full(size, 1.0 / size)
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D weight vector, got shape {w.shape}")
    if w.shape[0] != size:
        raise ValueError(
            f"{name}: has {w.shape[0]} weights but {against} has {size} points; "
            "pass one weight per point"
        )
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name}: contains NaN or infinite weights")
    if np.any(w < 0):
        raise ValueError(f"{name}: has negative weights; weights must be >= 0")
    total = w.sum()
    if abs(total - 1.0) > MASS_TOLERANCE:
        raise ValueError(
            f"{name}: weights sum to {total:.6g}, not 1; normalise them (w / w.sum()) first"
        )
    return w / total


def check_gw_problem(
    C1: ArrayLike, C2: ArrayLike, p: ArrayLike | None, q: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(C1, C2, p, q) of a GW problem as float64 arrays: square C1 (n, n), C2 (m, m); p (n,), q (m,)."""
    C1 = check_matrix("C1", C1, square=True)
    C2 = check_matrix("C2", C2, square=True)
    p = check_marginal("p", p, C1.shape[0], against="C1")
    q = check_marginal("q", q, C2.shape[0], against="C2")
    return C1, C2, p, q


def check_coupling(
    name: str, T: ArrayLike, p: NDArray[np.float64], q: NDArray[np.float64]
) -> NDArray[np.float64]:
    """A coupling T (n, m) whose rows sum to p and columns to q (to 1e-8, as POT checks G0)."""
    T = check_matrix(name, T, square=False)
    if T.shape != (p.shape[0], q.shape[0]):
        raise ValueError(
            f"{name}: has shape {T.shape}; expected {(p.shape[0], q.shape[0])} (len p, len q)"
        )
    if np.any(T < 0):
        raise ValueError(f"{name}: has negative entries; a coupling is >= 0")
    if not (np.allclose(T.sum(axis=1), p, atol=1e-8) and np.allclose(T.sum(axis=0), q, atol=1e-8)):
        raise ValueError(
            f"{name}: rows must sum to p and columns to q; start from np.outer(p, q) or a previous coupling"
        )
    return T
