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
# pytest-xdist: most tests wait on subprocesses and HTTP rather than the CPU, so on a 2-core
# machine 4 workers finish sooner than 2. PYTEST_WORKERS overrides (0: no workers); tests
# that share files or ports of the checkout run on one worker (groups: conftest.py).
echo "== pytest"; .venv/bin/pytest -n "${PYTEST_WORKERS:-4}" --dist loadgroup "$@"
