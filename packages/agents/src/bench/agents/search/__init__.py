"""Online planning by RL fine-tuning of a blueprint (Fickinger et al., NeurIPS 2021), with UCT and SPARTA.

Public surface (imported lazily, so that ``bench agents --help`` does not load torch):
the search methods and their configs, the simulators, and the game runner. Algorithm 2
itself is ``bench.agents.search.rl_search.rl_search`` (its module has its name).
"""

from __future__ import annotations

from bench.common.lazy_exports import lazy_getattr

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
    "root_bellman_error": "bench.agents.search.rl_search",
    "Simulator": "bench.agents.search.simulator",
    "Step": "bench.agents.search.simulator",
    "ENVS": "bench.agents.search.envs",
    "make_simulator": "bench.agents.search.envs",
    "SpartaConfig": "bench.agents.search.sparta",
    "SpartaResult": "bench.agents.search.sparta",
    "sparta_search": "bench.agents.search.sparta",
}

__all__ = sorted(_PUBLIC)  # pyright: ignore[reportUnsupportedDunderAll]  (lazy: the names load on use)

__getattr__ = lazy_getattr(__name__, _PUBLIC)
