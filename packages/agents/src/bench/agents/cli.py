"""``bench agents``: one command group per method, each with ``run`` and ``eval`` verbs."""

from __future__ import annotations

import click

from bench.common.lazy_group import LazyGroup

# name -> "module:group"; each method's CLI lives beside the method.
COMMANDS: dict[str, str] = {
    "gwil": "bench.agents.gwil.cli:gwil",
    "search": "bench.agents.search.cli:search",
    "surprise": "bench.agents.surprise.cli:surprise",
    "sweep": "bench.agents.sweep.cli:sweep",
}


@click.group(cls=LazyGroup, lazy_subcommands=COMMANDS)
def agents() -> None:
    """Scaling RL agents: RL search, adversarial surprise, GWIL.

    \b
    bench agents search ...    online planning by RL fine-tuning (vs MCTS, SPARTA)
    bench agents surprise ...  exploration by adversarial surprise (vs RND, SMiRL)
    bench agents gwil ...      cross-domain imitation by Gromov-Wasserstein
    bench agents sweep ...     methods x seeds x budgets x envs of one of them, on Ray
    """
