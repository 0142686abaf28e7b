"""bench.common: the shared core of bench.

Optimal transport, survey statistics, the language-model inference layer, run records and
the ``bench`` command-line host. Subpackages are imported on demand so that
``import bench.common`` stays cheap.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bench-common")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
