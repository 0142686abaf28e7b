#!/usr/bin/env bash
# Install everything, then run the project's checks: ruff and pyright on the whole tree, the full
# pytest suite (the slow tier included) and the quick benchmark regression report.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pyright
.venv/bin/python -m pytest tests "$@"
# The report sets every suite's threads itself (--threads, whatever this shell's
# OMP_NUM_THREADS says) and gives each suite an empty inference cache. Speed ratios fail
# only when 3x worse than the baseline (shared CI cores are noisy); deterministic quality
# rows at their own tolerance, seed statistics by both runs' standard errors.
.venv/bin/bench report --quick --out runs/bench-report --threads 1 --ratio-factor 3 --timeout 1200
