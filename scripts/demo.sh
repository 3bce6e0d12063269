#!/usr/bin/env bash
# Set everything up, then run the demo: the emulator's demo org is read by tap-salesforce-plus and
# loaded by target-postgres into an embedded PostgreSQL (pgserver), and the row counts are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# pgserver keeps its lock file in the runtime directory; CI machines may not set one.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$PWD/.tools/run}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
exec .venv/bin/python scripts/demo_pipeline.py
