"""The error type for failures a user can fix (a server that is down, a damaged file, a
missing optional package).

Its message names what failed and how to fix it. The ``bench`` command prints such
errors, like ``OSError`` and ``ValueError``, as one line (:mod:`bench.common.cli`).
"""

from __future__ import annotations


class BenchError(RuntimeError):
    """A failure with a cause outside the program; the message says what to do."""
