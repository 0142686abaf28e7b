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
(exact conditional gradient) or its entropic variant, with GWIL's code's default ε = 5e-3
(its ``gw_entropic: true``, ``sinkhorn_reg: 5e-3``). Our default is the exact solver: on
pendulum -> cart-pole (5 seeds, 3 x 10^4 steps) the two gave the same true return
(domains/pendulum_cartpole.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import cdist

from bench.agents.gwil.demonstration import Trajectory
from bench.common.ot import EntropicGWConfig, entropic_gromov_wasserstein, gromov_wasserstein

DISTANCES = ("euclidean", "sqeuclidean", "cityblock")
# "each": C1 and C2 each divided by its own largest distance (GWIL). "expert": both divided
# by the expert's largest distance. "mean": each divided by its own mean distance (as "each",
# size-free, but one outlying pair does not set the unit).
SCALES = ("each", "expert", "mean")


@dataclass(frozen=True)
class GWRewardConfig:
    """How the pseudo-reward is computed."""

    solver: str = "exact"  # "exact": conditional gradient; "entropic": Peyré et al. 2016
    epsilon: float = 5e-3  # ε, entropic regularisation (entropic solver only)
    use_actions: bool = True  # GWIL compares (state, action) pairs, not states alone
    # one of SCALES. "each" is GWIL's (the domains' units differ); "expert" suits domains
    # that share units (the mirrored maze): then shrinking the agent's path is not free.
    scale: str = "each"
    # False (GWIL): the agent's geometry holds s_0..s_{m-1} and r_j scores s_j, the state
    # a_j is taken in. True: it holds every visited state s_0..s_m and r_j scores s_{j+1},
    # the state a_j leads to, so r_j credits a_j at once (used by train(); states only).
    next_states: bool = False
    # How two points of one trajectory are compared: any of DISTANCES (scipy's cdist
    # names; GWIL's code takes the metric as a setting, euclidean by default).
    distance: str = "euclidean"
    # True: each feature (a state or action dimension) divided by its standard deviation
    # over the trajectory before distances are taken, so that no dimension (typically a
    # velocity) dominates them. GWIL: False.
    standardize: bool = False
    # The agent's observation dimensions its geometry keeps (None: all; GWIL). A probe,
    # not GWIL: keeping cart-pole's pole alone (cos θ, sin θ, θ̇ = 1, 2, 4) tells whether
    # the cart's motion is what the pseudo-reward confuses with the pole's swing.
    agent_dims: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.solver not in ("exact", "entropic"):
            raise ValueError(f"solver={self.solver!r}; use 'exact' or 'entropic'")
        if self.scale not in SCALES:
            raise ValueError(f"scale={self.scale!r}; use one of {', '.join(SCALES)}")
        if self.distance not in DISTANCES:
            raise ValueError(f"distance={self.distance!r}; use one of {', '.join(DISTANCES)}")
        if self.epsilon <= 0:
            raise ValueError(f"epsilon={self.epsilon} must be > 0")
        if self.agent_dims is not None and (
            not self.agent_dims
            or min(self.agent_dims) < 0
            or len(set(self.agent_dims)) < len(self.agent_dims)
        ):
            raise ValueError(f"agent_dims={self.agent_dims}: give distinct dimensions >= 0")


@dataclass(frozen=True)
class GWRewards:
    """Pseudo-rewards of one agent episode: rewards (m,), GW cost, coupling (n, m)."""

    rewards: NDArray[np.float64]
    cost: float
    coupling: NDArray[np.float64]
    n_iters: int


def trajectory_distances(
    trajectory: Trajectory,
    *,
    use_actions: bool = True,
    scale: float | None = None,
    distance: str = "euclidean",
    standardize: bool = False,
) -> NDArray[np.float64]:
    """C_ik = d(z_i, z_k) / scale, with z_t = (s_t, a_t) (or s_t); shape (T, T).

    ``d`` is ``distance`` (see DISTANCES); with ``standardize`` each feature of z is first
    divided by its standard deviation over the trajectory (a constant feature stays 0).
    ``scale`` defaults to max C: scaling by the largest distance makes the two domains'
    geometries comparable (their units differ); a trajectory that never moves (max C = 0)
    keeps its all-zero matrix.
    """
    z = trajectory.observations
    if use_actions:
        z = np.concatenate([z, trajectory.actions], axis=1)
    z = np.asarray(z, dtype=np.float64)
    if standardize:
        z = z - z.mean(axis=0)
        std = z.std(axis=0)
        z = np.divide(z, std, out=np.zeros_like(z), where=std > 1e-12)
    distances = cdist(z, z, metric=distance)  # pyright: ignore[reportCallIssue, reportArgumentType]  # scipy-stubs take metric names as Literals; __post_init__ checks them
    largest = distances.max() if scale is None else scale
    return distances / largest if largest > 0 else distances


def _unit(C: NDArray[np.float64], scale: str) -> float:
    """The unit a distance matrix is divided by: its largest or its mean distance."""
    return float(C.mean()) if scale == "mean" else float(C.max())


def gw_pseudo_rewards(
    expert: Trajectory, agent: Trajectory, config: GWRewardConfig | None = None
) -> GWRewards:
    """The GWIL rewards of ``agent``'s steps against ``expert`` (see the module docstring)."""
    config = config if config is not None else GWRewardConfig()
    geometry = {
        "use_actions": config.use_actions,
        "scale": 1.0,
        "distance": config.distance,
        "standardize": config.standardize,
    }
    if config.agent_dims is not None:
        if max(config.agent_dims) >= agent.observations.shape[1]:
            raise ValueError(
                f"agent_dims={config.agent_dims}, but the agent's observations have "
                f"{agent.observations.shape[1]} dimensions"
            )
        agent = Trajectory(agent.observations[:, list(config.agent_dims)], agent.actions)
    C1 = trajectory_distances(expert, **geometry)
    C2 = trajectory_distances(agent, **geometry)
    expert_unit = _unit(C1, config.scale)
    # "expert": the agent's distances in the expert's unit, so a smaller path is a worse one
    agent_unit = expert_unit if config.scale == "expert" else _unit(C2, config.scale)
    C1 = C1 / expert_unit if expert_unit > 0 else C1
    C2 = C2 / agent_unit if agent_unit > 0 else C2
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


def episode_pseudo_rewards(
    expert: Trajectory,
    observations: NDArray[np.float64],
    actions: NDArray[np.float64],
    config: GWRewardConfig,
) -> GWRewards:
    """Rewards (m,) of an agent episode's m steps: observations (m + 1, ds) hold every
    visited state s_0..s_m (the last one reached by a_{m-1}), actions (m, da).

    Without ``next_states``, r_j scores (s_j, a_j) (GWIL); with it, the geometry holds
    s_0..s_m and r_j scores s_{j+1}, the state a_j leads to; the share of the fixed start
    s_0 goes to r_0, so that Σ_j r_j = -GW either way.
    """
    if not config.next_states:
        return gw_pseudo_rewards(expert, Trajectory(observations[:-1], actions), config)
    # the last action repeated to pair with s_m (unused: next_states compares states)
    visited = Trajectory(observations, np.concatenate([actions, actions[-1:]]))
    gw = gw_pseudo_rewards(expert, visited, config)
    rewards = gw.rewards[1:].copy()
    rewards[0] += gw.rewards[0]
    return GWRewards(rewards=rewards, cost=gw.cost, coupling=gw.coupling, n_iters=gw.n_iters)
