"""A package's public names, each imported from its module on first use (PEP 562).

``bench --help`` and ``bench agents --help`` import every command's module, and each
module imports its package first: a package ``__init__`` that imported its parts eagerly
loaded torch or JAX just to print a help line. A package lists its public names instead::

    _PUBLIC = {"train_expert": "bench.agents.gwil.experts", ...}
    __all__ = sorted(_PUBLIC)
    __getattr__ = lazy_getattr(__name__, _PUBLIC)

A public name must not also be a submodule's name: once ``package.name`` is imported as a
module, Python binds the module to that attribute and ``from package import name`` would
return the function or the module depending on what ran first (the tests check this).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_getattr(package: str, public: dict[str, str]) -> Callable[[str], object]:
    """The module-level ``__getattr__`` of ``package``: ``public`` maps name -> module."""

    def __getattr__(name: str) -> object:
        if name in public:
            return getattr(importlib.import_module(public[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
