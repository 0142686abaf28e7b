"""A per-move search budget: wall-clock seconds (the main knob) or a fixed iteration count.

Wall-clock budgets are what the paper compares methods at; fixed counts make tests and
paired comparisons deterministic. With both set, search stops at whichever comes first.
At least one iteration always runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    seconds: float | None = None
    iterations: int | None = None

    def __post_init__(self) -> None:
        if self.seconds is None and self.iterations is None:
            raise ValueError("Budget needs seconds or iterations (or both); got neither")
        if self.seconds is not None and self.seconds <= 0:
            raise ValueError(f"Budget seconds must be > 0, got {self.seconds}")
        if self.iterations is not None and self.iterations < 1:
            raise ValueError(f"Budget iterations must be >= 1, got {self.iterations}")

    def clock(self) -> BudgetClock:
        return BudgetClock(self, time.perf_counter())


@dataclass
class BudgetClock:
    """Counts iterations against a :class:`Budget` from the moment it was started."""

    budget: Budget
    started: float
    done: int = 0

    def tick(self) -> None:
        self.done += 1

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def out_of_time(self) -> bool:
        """The wall-clock part alone: lets a search stop inside an iteration."""
        return self.budget.seconds is not None and self.elapsed >= self.budget.seconds

    @property
    def exhausted(self) -> bool:
        if self.done == 0:
            return False
        if self.budget.iterations is not None and self.done >= self.budget.iterations:
            return True
        return self.budget.seconds is not None and self.elapsed >= self.budget.seconds
