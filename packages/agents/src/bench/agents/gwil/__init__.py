"""GWIL: cross-domain imitation from one demonstration by Gromov-Wasserstein.

Fickinger, Cohen, Russell & Amos, "Cross-Domain Imitation Learning via Optimal Transport",
ICLR 2022. An agent in a target domain learns, by SAC, from pseudo-rewards that measure
how far its episodes are, in Gromov-Wasserstein distance, from one expert trajectory
recorded in a different source domain.
"""

from bench.agents.gwil.demonstration import Trajectory
from bench.agents.gwil.experts import ExpertResult, train_expert
from bench.agents.gwil.rewards import (
    GWRewardConfig,
    GWRewards,
    gw_pseudo_rewards,
    trajectory_distances,
)
from bench.agents.gwil.train import TrainConfig, TrainResult, evaluate, train

__all__ = [
    "ExpertResult",
    "GWRewardConfig",
    "GWRewards",
    "TrainConfig",
    "TrainResult",
    "Trajectory",
    "evaluate",
    "gw_pseudo_rewards",
    "train",
    "train_expert",
    "trajectory_distances",
]
