"""A trajectory of (state, action) pairs: the expert's one demonstration, or an agent episode."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

# Demonstrations shipped with the package, one per domain (``demos/<domain>.npz``), each
# recorded by ``bench agents gwil expert`` (see demos/README.md).
PACKAGED_DEMOS = Path(__file__).parent / "demos"


@dataclass(frozen=True)
class Trajectory:
    """One episode: observations (T, ds) and the actions taken in them (T, da).

    ``true_return`` is the environment's own return of the episode (evaluation only);
    ``domain`` and ``env_id`` say where it was recorded.
    """

    observations: NDArray[np.float64]
    actions: NDArray[np.float64]
    true_return: float = float("nan")
    domain: str = ""
    env_id: str = ""

    def __post_init__(self) -> None:
        if self.observations.ndim != 2 or self.actions.ndim != 2:
            raise ValueError(
                f"observations and actions must be 2-D (T, d); got {self.observations.shape} "
                f"and {self.actions.shape}"
            )
        if len(self.observations) != len(self.actions):
            raise ValueError(
                f"{len(self.observations)} observations but {len(self.actions)} actions; "
                "a trajectory pairs each state with the action taken in it"
            )
        if len(self.observations) < 2:
            raise ValueError("a trajectory needs at least 2 steps to have a geometry")

    def __len__(self) -> int:
        return len(self.observations)

    def save(self, path: str | os.PathLike) -> Path:
        """Write an ``.npz`` with arrays observations, actions and scalars true_return, domain, env_id."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            observations=self.observations,
            actions=self.actions,
            true_return=np.float64(self.true_return),
            domain=np.str_(self.domain),
            env_id=np.str_(self.env_id),
        )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Trajectory:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"demonstration {path} not found; record one with `bench agents gwil expert`"
            )
        with np.load(path, allow_pickle=False) as data:  # a file we read never runs code
            missing = {"observations", "actions"} - set(data.files)
            if missing:
                raise ValueError(
                    f"{path} lacks {sorted(missing)}; it is not a demonstration written by "
                    "`bench agents gwil expert`"
                )
            return cls(
                observations=np.asarray(data["observations"], dtype=np.float64),
                actions=np.asarray(data["actions"], dtype=np.float64),
                true_return=float(data["true_return"]) if "true_return" in data else float("nan"),
                domain=str(data["domain"]) if "domain" in data else "",
                env_id=str(data["env_id"]) if "env_id" in data else "",
            )
