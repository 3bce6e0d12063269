#!/usr/bin/env bash
# Set everything up, then run the demo: the emulator's demo org is read by tap-salesforce-plus and
# loaded by target-postgres into an embedded PostgreSQL (pgserver), and the row counts are shown.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo_pipeline.py
