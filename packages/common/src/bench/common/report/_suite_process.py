"""The child process of :func:`bench.common.report.suites.run_suite`: run one suite file.

    python -m bench.common.report._suite_process benchmarks/bench_ot.py --out rows.json [--quick]

Imports the file by path (its folder importable for shared helpers), calls
``run(quick=...)`` and writes the returned rows as JSON. Kept apart from ``suites`` so
that ``-m`` does not re-execute a module the package has already imported.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from bench.common.report.suites import suite_name


def _plain(value: object) -> object:
    # numpy scalars (np.float32, np.bool_) in a suite's rows become plain JSON values.
    item = getattr(value, "item", None)
    if item is not None:
        return item()
    raise TypeError(f"row value {value!r} of type {type(value).__name__} is not JSON")


def _child(path: Path, out: Path, quick: bool) -> None:
    # Import by file path, with the suites' folder importable for shared helpers.
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"_bench_suite_{suite_name(path)}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError(f"{path.name} has no run(quick: bool) -> list[dict] function")
    rows = module.run(quick=quick)
    out.write_text(json.dumps(rows, default=_plain))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="Run one benchmark suite and write its rows as JSON."
    )
    parser.add_argument("path", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    _child(args.path, args.out, args.quick)
