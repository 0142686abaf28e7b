"""The agents packages load their parts on first use: help stays fast, and the public names
resolve to the same objects whatever was imported first."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = (
    "bench.agents.gwil",
    "bench.agents.search",
    "bench.agents.surprise",
    "bench.agents.sweep",
)


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_are_not_submodules(name):
    # A public name equal to a submodule's would be the function or the module depending
    # on import order (bench.common.lazy_exports).
    package = importlib.import_module(name)
    submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert not submodules & set(package.__all__)


def test_public_names_resolve_to_their_modules_objects():
    for name in PACKAGES:
        package = importlib.import_module(name)
        for public in package.__all__:
            module = importlib.import_module(package._PUBLIC[public])
            assert getattr(package, public) is getattr(module, public)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = importlib.import_module("bench.agents.gwil").nothing


def test_agents_help_imports_neither_torch_nor_jax():
    code = (
        "import sys\n"
        "from bench.common.cli import main\n"
        "for argv in (['agents', '--help'], ['agents', 'gwil', '--help'],"
        " ['agents', 'surprise', '--help'], ['agents', 'sweep', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('torch', 'jax', 'gymnasium', 'dm_control') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "diagnose" in done.stdout and "adversarial" in done.stdout.lower()
    assert done.stdout.strip().splitlines()[-1] == "[]"
