"""Sweeps: methods x envs x budgets x seeds of one ``bench agents ... run`` command,
dispatched as Ray tasks (or run here), resumable, gathered into one table and one plot."""

from bench.agents.sweep.config import Run, SweepConfig, load_sweep
from bench.agents.sweep.dispatch import Outcome, run_sweep
from bench.agents.sweep.gather import gather, plot, summarize

__all__ = [
    "Outcome",
    "Run",
    "SweepConfig",
    "gather",
    "load_sweep",
    "plot",
    "run_sweep",
    "summarize",
]
