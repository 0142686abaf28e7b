"""How many threads a compute library may use here.

Oversubscribing BLAS, OpenMP or llama.cpp threads beyond the free cores slows them down
many times over, so every backend asks this module instead of guessing.
"""

from __future__ import annotations

import os


def free_cores() -> int:
    """Cores this process may use: the CPU affinity mask, capped by ``BENCH_THREADS``."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    cap = os.environ.get("BENCH_THREADS")
    if cap:
        try:
            return max(1, min(available, int(cap)))
        except ValueError as exc:
            raise ValueError(
                f"BENCH_THREADS={cap!r} is not an integer; set it to a thread count like 2"
            ) from exc
    return max(1, available)
