"""Online planning by RL fine-tuning of a blueprint (Fickinger et al., NeurIPS 2021), with UCT and SPARTA.

Public surface (imported lazily, so that ``bench agents --help`` does not load torch):
the search methods and their configs, the simulators, and the game runner.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "Budget": "bench.agents.search.budget",
    "UCTConfig": "bench.agents.search.mcts",
    "UCTResult": "bench.agents.search.mcts",
    "uct_search": "bench.agents.search.mcts",
    "METHODS": "bench.agents.search.play",
    "PlayConfig": "bench.agents.search.play",
    "play_game": "bench.agents.search.play",
    "play_games": "bench.agents.search.play",
    "summarize": "bench.agents.search.play",
    "RLSearchConfig": "bench.agents.search.rl_search",
    "RLSearchResult": "bench.agents.search.rl_search",
    "rl_search": "bench.agents.search.rl_search",
    "root_bellman_error": "bench.agents.search.rl_search",
    "Simulator": "bench.agents.search.simulator",
    "Step": "bench.agents.search.simulator",
    "ENVS": "bench.agents.search.envs",
    "make_simulator": "bench.agents.search.envs",
    "SpartaConfig": "bench.agents.search.sparta",
    "SpartaResult": "bench.agents.search.sparta",
    "sparta_search": "bench.agents.search.sparta",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'bench.agents.search' has no attribute {name!r}")
