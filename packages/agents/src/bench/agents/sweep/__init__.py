"""Sweeps: methods x envs x budgets x seeds of one ``bench agents ... run`` command,
dispatched as Ray tasks (or run here), resumable, gathered into one table and one plot."""

from bench.common.lazy_exports import lazy_getattr

# Imported on first use (gather loads the surprise summary, and with it JAX). The table
# gatherer is bench.agents.sweep.gather.gather (see bench.common.lazy_exports).
_PUBLIC = {
    "Run": "bench.agents.sweep.config",
    "SweepConfig": "bench.agents.sweep.config",
    "load_sweep": "bench.agents.sweep.config",
    "Outcome": "bench.agents.sweep.dispatch",
    "run_sweep": "bench.agents.sweep.dispatch",
    "plot": "bench.agents.sweep.gather",
    "summarize": "bench.agents.sweep.gather",
}
__all__ = sorted(_PUBLIC)  # pyright: ignore[reportUnsupportedDunderAll]  (lazy: the names load on use)
__getattr__ = lazy_getattr(__name__, _PUBLIC)
