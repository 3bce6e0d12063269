"""Every shell command of the README's "Quick start" and "Meltano" blocks works verbatim.

The blocks run as one bash script from the repository root (set-up lines skipped: the suite
runs after ``scripts/setup.sh``), against the emulator and the embedded PostgreSQL that
``scripts/services.py`` starts. ``meltano.yml`` and ``.env`` are restored afterwards, since the
Meltano block sets configuration the way a user would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import ROOT

README = ROOT / "README.md"
SECTIONS = ("Quick start", "Meltano")
MELTANO_YML = ROOT / "meltano.yml"
DOT_ENV = ROOT / ".env"


def section_commands(text: str, heading: str) -> list[str]:
    """The commands of the ```bash blocks under ``## heading``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no section {heading!r}"
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", match.group(1), re.S):
        for line in block.splitlines():
            command = line.split("  #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    assert commands, f"section {heading!r} has no commands"
    return commands


@pytest.fixture
def restored_project() -> Iterator[None]:
    meltano_yml = MELTANO_YML.read_text(encoding="utf-8")
    dot_env = DOT_ENV.read_text(encoding="utf-8") if DOT_ENV.exists() else None
    try:
        yield
    finally:
        MELTANO_YML.write_text(meltano_yml, encoding="utf-8")
        if dot_env is None:
            DOT_ENV.unlink(missing_ok=True)
        else:
            DOT_ENV.write_text(dot_env, encoding="utf-8")
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "scripts/services.py", "stop"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )


@pytest.mark.slow
def test_readme_quick_start_and_meltano_commands_run(restored_project: None) -> None:
    text = README.read_text(encoding="utf-8")
    commands = [c for s in SECTIONS for c in section_commands(text, s)]
    commands = [c for c in commands if not c.startswith("bash scripts/setup.sh")]
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '+ {c.replace(chr(39), '')}' >&2\n{c}" for c in commands
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAP_", "TARGET_", "MELTANO_", "VIRTUAL_ENV"))
    }
    env.update(
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        XDG_RUNTIME_DIR=env.get("XDG_RUNTIME_DIR", str(ROOT / ".tools" / "run")),
    )
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    ran = [line for line in result.stderr.splitlines() if line.startswith("+ ")]
    assert len(ran) == len(commands)
    state = [json.loads(line) for line in (ROOT / "output" / "state.json").read_text().splitlines()]
    assert state
    assert "bookmarks" in state[-1]  # target-postgres writes each state value on a line
    # `meltano config set` kept secrets out of meltano.yml and the generated settings intact.
    assert "my-password" not in MELTANO_YML.read_text(encoding="utf-8")
    assert "my-password" in DOT_ENV.read_text(encoding="utf-8")
    check = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "scripts/sync_settings.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    rejects = Path(ROOT / "output" / "contacts-rejects.jsonl")
    assert "not-an-email" in rejects.read_text(encoding="utf-8")
