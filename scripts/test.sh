#!/usr/bin/env bash
# Set up everything, then run the whole test suite: lint, format check, type check, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# pgserver keeps its lock file in the runtime directory; CI machines may not set one.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/.tools/run}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

echo "== ruff check"; .venv/bin/ruff check .
echo "== ruff format --check"; .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/pytest "$@"
