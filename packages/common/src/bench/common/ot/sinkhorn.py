"""Entropic optimal transport by Sinkhorn scaling, stabilised for small ε.

    T = argmin_{T in U(p, q)} <M, T> - ε H(T),   H(T) = -sum_ij T_ij (log T_ij - 1),

solved as T = diag(u) K diag(v) with K = exp((f 1ᵀ + 1 gᵀ - M) / ε) (Cuturi 2013). For
the small ε of GW imitation (5e-3) exp(-M / ε) underflows, so the scalings are absorbed
into the dual potentials f (n,), g (m,) whenever they grow large (Schmitzer 2019, Alg. 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# |log u| or |log v| beyond which u, v are folded into f, g and K is rebuilt.
ABSORB_THRESHOLD = 50.0


@dataclass(frozen=True)
class SinkhornResult:
    """plan (n, m) T; f (n,), g (m,) dual potentials; n_iters scaling sweeps; converged."""

    plan: NDArray[np.float64]
    f: NDArray[np.float64]
    g: NDArray[np.float64]
    n_iters: int
    converged: bool


def sinkhorn(
    p: NDArray[np.float64],
    q: NDArray[np.float64],
    M: NDArray[np.float64],
    epsilon: float,
    *,
    g0: NDArray[np.float64] | None = None,
    max_iter: int = 1000,
    tol: float = 1e-9,
) -> SinkhornResult:
    """Entropic OT between p (n,) and q (m,) under cost M (n, m) with regularisation ε.

    g0 (m,) warm-starts the column potential (a previous solve on a nearby M). Stops when
    the column marginal error ||Tᵀ 1 - q||_2 < tol (checked every 10 sweeps, as POT's
    ``ot.sinkhorn``) or after max_iter sweeps.
    """
    g = np.zeros(M.shape[1]) if g0 is None else g0.copy()
    # c-transforms: every row and column of K then holds an entry exp(0) = 1, so no row
    # underflows to 0 at the start however small ε is.
    f = np.min(M - g[None, :], axis=1)
    g = np.min(M - f[:, None], axis=0)
    K = np.exp((f[:, None] + g[None, :] - M) / epsilon)
    u = np.ones_like(p)
    v = np.ones_like(q)
    converged = False
    n_iters = 0
    while n_iters < max_iter:
        n_iters += 1
        v = q / (K.T @ u)
        u = p / (K @ v)
        if max(np.abs(np.log(u)).max(), np.abs(np.log(v)).max()) > ABSORB_THRESHOLD:
            f += epsilon * np.log(u)
            g += epsilon * np.log(v)
            K = np.exp((f[:, None] + g[None, :] - M) / epsilon)
            u = np.ones_like(p)
            v = np.ones_like(q)
        if n_iters % 10 == 0 or n_iters == max_iter:
            if np.linalg.norm(v * (K.T @ u) - q) < tol:
                converged = True
                break
    f += epsilon * np.log(u)
    g += epsilon * np.log(v)
    plan = u[:, None] * K * v[None, :]
    return SinkhornResult(plan=plan, f=f, g=g, n_iters=n_iters, converged=converged)
