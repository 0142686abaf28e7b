"""GWIL: cross-domain imitation from one demonstration by Gromov-Wasserstein.

Fickinger, Cohen, Russell & Amos, "Cross-Domain Imitation Learning via Optimal Transport",
ICLR 2022. An agent in a target domain learns, by SAC, from pseudo-rewards that measure
how far its episodes are, in Gromov-Wasserstein distance, from one expert trajectory
recorded in a different source domain.
"""

from bench.common.lazy_exports import lazy_getattr

# Imported on first use (torch, dm_control). The trainer is bench.agents.gwil.train.train:
# a public name must not shadow its own module (see bench.common.lazy_exports).
_PUBLIC = {
    "Trajectory": "bench.agents.gwil.demonstration",
    "ExpertResult": "bench.agents.gwil.experts",
    "train_expert": "bench.agents.gwil.experts",
    "GWRewardConfig": "bench.agents.gwil.rewards",
    "GWRewards": "bench.agents.gwil.rewards",
    "gw_pseudo_rewards": "bench.agents.gwil.rewards",
    "trajectory_distances": "bench.agents.gwil.rewards",
    "TrainConfig": "bench.agents.gwil.train",
    "TrainResult": "bench.agents.gwil.train",
    "evaluate": "bench.agents.gwil.train",
}
__all__ = sorted(_PUBLIC)  # pyright: ignore[reportUnsupportedDunderAll]  (lazy: the names load on use)
__getattr__ = lazy_getattr(__name__, _PUBLIC)
