"""Each subpackage installs alone beside common, and `bench` says what is missing.

Creates fresh virtual environments and pip-installs the packages (with their
dependencies, from pip's cache after the first time) exactly as a user would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.install]


def _venv_with(tmp_path: Path, *packages: str) -> Path:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    # torch pinned first, as scripts/install.sh does: otherwise a CUDA build is pulled.
    if "agents" in " ".join(packages):
        subprocess.run([*pip, "install", "torch==2.13.0"], check=True)
    subprocess.run([*pip, "install", *(str(ROOT / p) for p in packages)], check=True)
    return venv / "bin" / "bench"


@pytest.mark.parametrize(
    ("present", "absent"),
    [("agents", "personas"), ("personas", "agents")],
)
def test_one_subpackage_alone(tmp_path, present, absent):
    bench = _venv_with(tmp_path, "packages/common", f"packages/{present}")

    ok = subprocess.run([bench, present, "--help"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert f"Usage: bench {present}" in ok.stdout

    missing = subprocess.run([bench, absent], capture_output=True, text=True)
    assert missing.returncode != 0
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install bench-{absent}" in lines[0]
