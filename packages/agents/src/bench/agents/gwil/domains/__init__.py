"""GWIL's domain pairs, by the name the CLI takes (``--domain``)."""

from bench.agents.gwil.domains.cheetah_walker import CHEETAH_WALKER
from bench.agents.gwil.domains.domain import Domain
from bench.agents.gwil.domains.maze import MAZE
from bench.agents.gwil.domains.pendulum_cartpole import PENDULUM_CARTPOLE

DOMAINS: dict[str, Domain] = {d.name: d for d in (MAZE, PENDULUM_CARTPOLE, CHEETAH_WALKER)}

__all__ = ["DOMAINS", "Domain"]
