"""bench.agents: scaling RL to real problems.

Online planning by RL fine-tuning of a blueprint (``search``), exploration by adversarial
surprise (``surprise``), and cross-domain imitation by Gromov-Wasserstein (``gwil``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bench-agents")
except PackageNotFoundError:
    __version__ = "0+unknown"

__all__ = ["__version__"]
