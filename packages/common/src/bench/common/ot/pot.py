"""POT (Python Optimal Transport), imported once, without the array backends we never use.

POT probes every array library it can import (torch, JAX, TensorFlow, CuPy) when it is
first imported, which costs seconds per command on two cores. Our solvers hand POT NumPy
arrays only, so a backend whose library this process has not imported yet is switched
off. A user who sets ``POT_BACKEND_DISABLE_*`` themselves, or imports POT before
``bench.common.ot``, keeps their own choice.
"""

from __future__ import annotations

import os
import sys

_BACKENDS = {
    "torch": "POT_BACKEND_DISABLE_PYTORCH",
    "jax": "POT_BACKEND_DISABLE_JAX",
    "tensorflow": "POT_BACKEND_DISABLE_TENSORFLOW",
    "cupy": "POT_BACKEND_DISABLE_CUPY",
}
for _library, _key in _BACKENDS.items():
    if _library not in sys.modules:
        os.environ.setdefault(_key, "1")

import ot  # noqa: E402  (the environment above must be set first)

__all__ = ["ot"]
