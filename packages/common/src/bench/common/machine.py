"""What machine a figure was computed on: CPU model, SIMD instruction sets, threads.

Sampled text and trained policies differ between CPUs (the kernels a library picks
depend on the instruction set) and between thread counts (the order of floating-point
sums), so every run record and benchmark baseline says where it was made.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from bench.common.threads import free_cores

# The instruction-set flags that change which kernels BLAS, llama.cpp and torch run.
SIMD_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "asimd",  # Arm NEON
    "sve",
)


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    path = Path("/proc/cpuinfo")
    if not path.exists():
        return {}
    fields: dict[str, str] = {}
    for line in path.read_text(errors="replace").splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def machine_description() -> dict[str, object]:
    """``{cpu_model, simd, cores, threads, arch}`` of this process's machine.

    ``cores`` is the CPU-affinity count, ``threads`` what compute libraries may use here
    (:func:`bench.common.threads.free_cores`, capped by ``BENCH_THREADS``).
    """
    info = _cpuinfo()
    flags = set((info.get("flags") or info.get("Features") or "").split())
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return {
        "cpu_model": info.get("model name") or platform.processor() or "unknown",
        "simd": [flag for flag in SIMD_FLAGS if flag in flags],
        "arch": platform.machine(),
        "cores": cores,
        "threads": free_cores(),
    }
