#!/usr/bin/env bash
# Install everything, then run the project's checks: ruff on the whole tree and the
# full pytest suite (the slow tier included). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest tests "$@"
