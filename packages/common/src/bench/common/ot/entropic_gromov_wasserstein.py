"""Entropic Gromov-Wasserstein by projected (mirror) gradient, square loss.

    T_{k+1} = argmin_{T in U(p, q)} <∇E(T_k), T> - ε H(T),   ∇E(T) = 2 L(C1, C2) ⊗ T,

the iteration of Peyré, Cuturi & Solomon (2016, Prop. 2, step τ = 1/ε) and POT's
``entropic_gromov_wasserstein(..., solver="PGD")``; each step is a Sinkhorn solve
(``sinkhorn``, log-stabilised and warm-started from the previous step's potentials).
E(T) = sum_ijkl (C1_ik - C2_jl)² T_ij T_kl is reported without the entropy, as POT's
``gw_dist``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bench.common.ot.gw_result import GWResult
from bench.common.ot.inputs import check_gw_problem
from bench.common.ot.sinkhorn import sinkhorn
from bench.common.ot.square_loss import const_c


@dataclass(frozen=True)
class EntropicGWConfig:
    """Mirror-descent settings.

    ε and the iteration budget are GWIL's (Fickinger et al. 2022, which solves its GW
    coupling with POT's entropic solver at ε = 5e-3 for 1000 iterations); the tolerances
    are POT 0.9.7's defaults. POT's own default ε is 0.1.
    """

    epsilon: float = 5e-3  # ε, entropic regularisation, GWIL
    max_iter: int = 1000  # outer mirror-descent steps, GWIL / POT
    tol: float = 1e-9  # stop when ||T_k - T_{k-1}||_F < tol (checked every 10 steps), POT
    sinkhorn_max_iter: int = 1000  # Sinkhorn sweeps per step, POT's ot.sinkhorn numItermax
    sinkhorn_tol: float = 1e-9  # Sinkhorn column-marginal tolerance, POT's stopThr


DEFAULT_ENTROPIC_GW_CONFIG = EntropicGWConfig()


def entropic_gromov_wasserstein(
    C1: ArrayLike,
    C2: ArrayLike,
    p: ArrayLike | None = None,
    q: ArrayLike | None = None,
    *,
    config: EntropicGWConfig = DEFAULT_ENTROPIC_GW_CONFIG,
) -> GWResult:
    """Entropic GW coupling between (C1 (n, n), p (n,)) and (C2 (m, m), q (m,)).

    p, q default to uniform. Starts from T0 = p qᵀ. Returns a GWResult whose ``cost`` is
    the unregularised E(T) of the entropic coupling (>= the exact GW optimum; it
    approaches it as ε -> 0).
    """
    if not config.epsilon > 0:
        raise ValueError(f"EntropicGWConfig.epsilon must be > 0, got {config.epsilon}")
    C1, C2, p, q = check_gw_problem(C1, C2, p, q)
    symmetric = np.allclose(C1, C1.T, atol=1e-10) and np.allclose(C2, C2.T, atol=1e-10)
    constC = const_c(C1, C2, p, q)
    constCt = constC if symmetric else const_c(C1.T, C2.T, p, q)
    T = np.outer(p, q)
    g = None
    converged = False
    n_iters = 0
    while n_iters < config.max_iter:
        # ∇E(T) = 2 (constC - 2 C1 T C2ᵀ); the mean of both orientations if asymmetric.
        grad = 2.0 * (constC - 2.0 * (C1 @ T @ C2.T))
        if not symmetric:
            grad = 0.5 * (grad + 2.0 * (constCt - 2.0 * (C1.T @ T @ C2)))
        solved = sinkhorn(
            p,
            q,
            grad,
            config.epsilon,
            g0=g,
            max_iter=config.sinkhorn_max_iter,
            tol=config.sinkhorn_tol,
        )
        g = solved.g
        T_prev, T = T, solved.plan
        check = n_iters % 10 == 0  # POT measures the change every 10th step
        n_iters += 1
        if check and np.linalg.norm(T - T_prev) < config.tol:
            converged = True
            break
    local_cost = constC - 2.0 * (C1 @ T @ C2.T)
    return GWResult(
        coupling=T,
        local_cost=local_cost,
        cost=float(np.sum(local_cost * T)),
        n_iters=n_iters,
        converged=converged,
    )
