"""Global seeding, done once at the CLI boundary.

Library code takes ``seed``/``rng`` keywords and never touches global state; commands
call :func:`seed_everything` once so that third-party code relying on global generators
(torch initialisers, ``random``) is reproducible too.
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and (when imported) torch's global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (global seeding is this function's job)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
