#!/usr/bin/env bash
# Set up everything from a machine that has only Python 3.11: uv (in .tools/), then the locked
# workspace (.venv/) with all four packages installed editable. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_BIN="${PYTHON:-$(command -v python3.11 || command -v python3)}"
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

if [ ! -x .tools/bin/uv ]; then
    echo "setup: bootstrapping uv into .tools/ with $PYTHON_BIN"
    "$PYTHON_BIN" -m venv .tools
    .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
fi
.tools/bin/uv sync --all-packages --frozen --python "$PYTHON_BIN" --quiet
echo "setup: workspace ready in .venv/"

# Third-party peers (singer-io's tap-salesforce...) in .tools/peers/<name>/, pinned; tests and
# benchmarks run them against the emulator (scripts/peer_venvs.py; others install on demand).
"$PYTHON_BIN" scripts/peer_venvs.py --setup --python "$PYTHON_BIN" >/dev/null
echo "setup: third-party peers ready in .tools/peers/"

# Meltano in its own virtual environment, then every plugin of meltano.yml (target-postgres,
# tap-postgres, target-jsonl, and our two plugins from their folders) in Meltano's own venvs.
if [ ! -x .tools/meltano/bin/meltano ]; then
    .tools/bin/uv venv --quiet .tools/meltano --python "$PYTHON_BIN"
    .tools/bin/uv pip install --quiet --python .tools/meltano/bin/python "meltano==4.4.1"
fi
PATH="$PWD/.tools/bin:$PATH" MELTANO_SEND_ANONYMOUS_USAGE_STATS=false \
    .tools/meltano/bin/meltano --log-level=warning install >/dev/null
echo "setup: meltano and its plugins ready in .meltano/"

# One PATH for everything: `source .venv/bin/activate` then finds our plugins, the emulator,
# meltano and the plugins Meltano installed (target-postgres, tap-postgres, target-jsonl).
ln -sf "$PWD/.tools/meltano/bin/meltano" .venv/bin/meltano
for plugin in .meltano/extractors/*/venv/bin/tap-* .meltano/loaders/*/venv/bin/target-*; do
    name="$(basename "$plugin")"
    case "$name" in tap-salesforce-plus|target-salesforce-contacts) continue ;; esac
    [ -x "$plugin" ] && ln -sf "$PWD/$plugin" ".venv/bin/$name"
done
echo "setup: commands on PATH after: source .venv/bin/activate"

# Byte-compile every environment once. uv (and so Meltano's uv backend) installs without .pyc
# files, and where PYTHONDONTWRITEBYTECODE is set nothing caches them later: each plugin process
# would compile singer-sdk and its dependencies again at start (about 1.5 CPU-seconds of a tap's
# 2.2 here). compileall skips what is up to date; an unparsable file of some package (Python 2
# test data, say) is only left uncompiled, so its errors are not the set-up's.
compile_dirs=(.venv/lib salesforce-common tap-salesforce-plus target-salesforce-contacts
    salesforce-emulator .tools/meltano/lib .tools/peers .meltano/extractors .meltano/loaders)
.venv/bin/python -m compileall -q -j 0 "${compile_dirs[@]}" >/dev/null 2>&1 || true
echo "setup: environments byte-compiled"
