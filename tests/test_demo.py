"""The demo runs both directions, ends with the reverse-ETL summary, and leaves nothing running."""

from __future__ import annotations

import os
import subprocess

import psutil
import pytest
from e2e_support import ROOT

PYTHON = str(ROOT / ".venv" / "bin" / "python")


def our_servers() -> list[str]:
    """Command lines of emulator or PostgreSQL processes serving this checkout."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        line = " ".join(process.info["cmdline"] or [])
        if ("salesforce-emulator serve" in line and "8765" in line) or str(
            ROOT / ".pgdata"
        ) in line:
            found.append(line)
    return found


@pytest.mark.slow
def test_demo_shows_both_directions_and_stops_its_servers() -> None:
    subprocess.run([PYTHON, "scripts/services.py", "stop"], cwd=ROOT, check=True)
    assert our_servers() == []
    env = {**os.environ, "DEMO_SCALE": "600"}
    env.setdefault("XDG_RUNTIME_DIR", str(ROOT / ".tools" / "run"))
    result = subprocess.run(
        [PYTHON, "scripts/demo_pipeline.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "== 1. Salesforce -> PostgreSQL" in out
    assert "largest open opportunities with their accounts" in out
    assert "== 2. PostgreSQL -> Salesforce" in out
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[-3] == "Reverse ETL summary (target-salesforce-contacts):"
    assert "created=2 updated=3" in lines[-2]
    assert "rejected=2" in lines[-2]
    assert "contacts-rejects.jsonl" in lines[-1]
    assert our_servers() == []
