"""The environments that ``bench agents search`` plans in, by name.

- ``mspacman``: ALE Ms. Pac-Man (:mod:`bench.agents.search.ale_simulator`);
- ``hanabi``, ``hanabi-small``, ``hanabi-tiny``: OpenSpiel Hanabi from one seat
  (:mod:`bench.agents.search.hanabi_simulator`);
- ``corridor``: the deterministic corridor with a deceptive nearby reward
  (:mod:`bench.agents.search.corridor`), whose optimum is known.
"""

from __future__ import annotations

from bench.agents.search.simulator import Simulator

ENVS: tuple[str, ...] = ("mspacman", "hanabi", "hanabi-small", "hanabi-tiny", "corridor")


def is_hanabi(env: str) -> bool:
    return env.startswith("hanabi")


def make_simulator(env: str) -> Simulator:
    """A fresh simulator for ``env`` (one of :data:`ENVS`); call ``reset(seed=...)`` before use."""
    # Each simulator is imported on use: `bench agents search --help` reads ENVS from here,
    # and the Hanabi one loads torch (its belief acts with the blueprint).
    if env == "mspacman":
        from bench.agents.search.ale_simulator import AleConfig, AleSimulator

        return AleSimulator(AleConfig(game="ms_pacman"))
    if is_hanabi(env):
        from bench.agents.search.hanabi_simulator import HanabiSimulator

        return HanabiSimulator(env)
    if env == "corridor":
        from bench.agents.search.corridor import CorridorSimulator

        return CorridorSimulator()
    raise ValueError(f"unknown env {env!r}; choose one of {', '.join(ENVS)}")
