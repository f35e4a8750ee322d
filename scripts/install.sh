#!/usr/bin/env bash
# Create the virtual environment and install clinsum with its dev tools.
# PyTorch goes first: the CPU build (2.13.0) where there is no NVIDIA GPU, so pip does not
# pull gigabytes of CUDA wheels; the default (CUDA) build where there is one.
set -euo pipefail
venv="${1:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" --upgrade pip
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  if command -v nvidia-smi >/dev/null 2>&1; then
    "${pip[@]}" torch
  else
    "${pip[@]}" torch==2.13.0
  fi
fi
# the versions the test suite last passed with (scripts/constraints.txt; `make constraints`)
constraints="$(dirname "$0")/constraints.txt"
if [ -f "$constraints" ]; then
  "${pip[@]}" -c "$constraints" -e ".[dev]"
else
  "${pip[@]}" -e ".[dev]"
fi
