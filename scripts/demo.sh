#!/usr/bin/env bash
# Set everything up, serve the emulator's demo org on loopback, and show what it serves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

SCALE="${DEMO_SCALE:-5000}"
workdir="$(mktemp -d)"
trap 'kill "$emulator_pid" 2>/dev/null || true; rm -rf "$workdir"' EXIT

.venv/bin/salesforce-emulator serve --port 0 --scale "$SCALE" \
    --ready-file "$workdir/url" --write-config "$workdir/config.json" &
emulator_pid=$!
for _ in $(seq 1 600); do [ -s "$workdir/url" ] && break; sleep 0.1; done
[ -s "$workdir/url" ] || { echo "demo: the emulator did not start" >&2; exit 1; }

.venv/bin/python scripts/emulator_tour.py "$workdir/config.json"
