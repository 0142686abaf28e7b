"""Headless matplotlib: every plot in the tree is written to a file, never shown."""

from __future__ import annotations

from types import ModuleType


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the file-only Agg backend.

    Imported on first use: matplotlib costs a second at start-up, which ``bench --help``
    should not pay.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
