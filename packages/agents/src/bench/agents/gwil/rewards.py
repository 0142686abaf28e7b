"""GWIL's pseudo-reward: each agent step's share of the Gromov-Wasserstein cost to the expert.

Given the expert trajectory x = (s_i, a_i)_{i=1..n} (source domain) and an agent episode
y = (s'_j, a'_j)_{j=1..m} (target domain), with intra-domain distance matrices

    C1_ik = ||x_i - x_k|| / max C1,    C2_jl = ||y_j - y_l|| / max C2,

(or both divided by max C1 when the domains share units, ``scale="expert"``),

uniform marginals p = 1/n, q = 1/m, and T the GW coupling between them, GWIL
(Fickinger et al., 2022, eq. 5-6) rewards agent step j with

    r_j = - Σ_i Σ_{k,l} |C1_ik - C2_jl|² T_kl T_ij = -target_costs[j],

so Σ_j r_j = -GW(C1, C2, p, q). Only distances inside each domain enter, so the rewards
do not change when either trajectory is moved by an isometry (a rotation, reflection or
translation of its space) — the property that lets an agent imitate across domains whose
state and action spaces differ. The solver is :func:`bench.common.ot.gromov_wasserstein`
(exact conditional gradient, the paper's choice) or its entropic variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bench.agents.gwil.demonstration import Trajectory
from bench.common.ot import EntropicGWConfig, entropic_gromov_wasserstein, gromov_wasserstein


@dataclass(frozen=True)
class GWRewardConfig:
    """How the pseudo-reward is computed."""

    solver: str = "exact"  # "exact": conditional gradient (GWIL); "entropic": Peyré et al. 2016
    epsilon: float = 5e-3  # ε, entropic regularisation (entropic solver only)
    use_actions: bool = True  # GWIL compares (state, action) pairs, not states alone
    # "each": C1 and C2 each divided by its own largest distance (GWIL: the domains' units
    # differ). "expert": both divided by the expert's largest distance, for domains that
    # share units (the mirrored maze): then shrinking the agent's path is not free.
    scale: str = "each"
    # False (GWIL): the agent's geometry holds s_0..s_{m-1} and r_j scores s_j, the state
    # a_j is taken in. True: it holds every visited state s_0..s_m and r_j scores s_{j+1},
    # the state a_j leads to, so r_j credits a_j at once (used by train(); states only).
    next_states: bool = False

    def __post_init__(self) -> None:
        if self.solver not in ("exact", "entropic"):
            raise ValueError(f"solver={self.solver!r}; use 'exact' or 'entropic'")
        if self.scale not in ("each", "expert"):
            raise ValueError(f"scale={self.scale!r}; use 'each' or 'expert'")
        if self.epsilon <= 0:
            raise ValueError(f"epsilon={self.epsilon} must be > 0")


@dataclass(frozen=True)
class GWRewards:
    """Pseudo-rewards of one agent episode: rewards (m,), GW cost, coupling (n, m)."""

    rewards: NDArray[np.float64]
    cost: float
    coupling: NDArray[np.float64]
    n_iters: int


def trajectory_distances(
    trajectory: Trajectory, *, use_actions: bool = True, scale: float | None = None
) -> NDArray[np.float64]:
    """C_ik = ||z_i - z_k||_2 / scale, with z_t = (s_t, a_t) (or s_t); shape (T, T).

    ``scale`` defaults to max C: scaling by the largest distance makes the two domains'
    geometries comparable (their units differ); a trajectory that never moves (max C = 0)
    keeps its all-zero matrix.
    """
    z = trajectory.observations
    if use_actions:
        z = np.concatenate([z, trajectory.actions], axis=1)
    z = np.asarray(z, dtype=np.float64)
    squared = np.sum(z * z, axis=1)
    d2 = squared[:, None] + squared[None, :] - 2.0 * (z @ z.T)
    distances = np.sqrt(np.maximum(d2, 0.0))
    np.fill_diagonal(distances, 0.0)
    # symmetrise away the rounding of the Gram-matrix expansion
    distances = 0.5 * (distances + distances.T)
    largest = distances.max() if scale is None else scale
    return distances / largest if largest > 0 else distances


def gw_pseudo_rewards(
    expert: Trajectory, agent: Trajectory, config: GWRewardConfig | None = None
) -> GWRewards:
    """The GWIL rewards of ``agent``'s steps against ``expert`` (see the module docstring)."""
    config = config if config is not None else GWRewardConfig()
    C1 = trajectory_distances(expert, use_actions=config.use_actions, scale=1.0)
    expert_scale = float(C1.max())
    C1 = C1 / expert_scale if expert_scale > 0 else C1
    # "expert": the agent's distances in the expert's unit, so a smaller path is a worse one
    agent_scale = expert_scale if config.scale == "expert" else None
    C2 = trajectory_distances(agent, use_actions=config.use_actions, scale=agent_scale)
    p = np.full(len(expert), 1.0 / len(expert))
    q = np.full(len(agent), 1.0 / len(agent))
    if config.solver == "exact":
        result = gromov_wasserstein(C1, C2, p, q)
    else:
        result = entropic_gromov_wasserstein(
            C1, C2, p, q, config=EntropicGWConfig(epsilon=config.epsilon)
        )
    return GWRewards(
        rewards=-np.asarray(result.target_costs, dtype=np.float64),
        cost=float(result.cost),
        coupling=np.asarray(result.coupling),
        n_iters=int(result.n_iters),
    )
