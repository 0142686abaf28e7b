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


def limit_xla_threads() -> None:
    """Cap XLA's CPU thread pools at :func:`free_cores` unless ``XLA_FLAGS`` already sets them.

    XLA reads ``XLA_FLAGS`` once, when jax first starts a backend, so call this before that.
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if "intra_op_parallelism_threads" in flags:
        return
    n = free_cores()
    eigen = "false" if n == 1 else "true"
    os.environ["XLA_FLAGS"] = (
        f"{flags} --xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={n}".strip()
    )
