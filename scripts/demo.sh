#!/usr/bin/env bash
# Set everything up, then run the demo in both directions: the emulator's demo org -> tap-salesforce-plus
# | target-postgres -> an embedded PostgreSQL (pgserver), then a PostgreSQL table of people ->
# tap-postgres | target-salesforce-contacts -> the emulator. `--keep` leaves the servers running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# pgserver keeps its lock file in the runtime directory; CI machines may not set one.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/.tools/run}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
exec .venv/bin/python scripts/demo_pipeline.py "$@"
