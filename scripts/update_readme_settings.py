"""Refresh the settings tables in the plugins' READMEs from ``--about --format=markdown``.

The table between ``<!-- settings:start -->`` and ``<!-- settings:end -->`` is generated, so the
README, ``config_jsonschema`` and ``--about`` cannot drift apart. ``--check`` exits non-zero when a
README is out of date (the test suite runs it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = {
    "tap-salesforce-plus": ROOT / "tap-salesforce-plus" / "README.md",
    "target-salesforce-contacts": ROOT / "target-salesforce-contacts" / "README.md",
}
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def settings_table(executable: str) -> str:
    """The ``## Settings`` section of the plugin's markdown ``--about``, without its heading."""
    about = subprocess.run(
        [str(ROOT / ".venv" / "bin" / executable), "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", about, flags=re.MULTILINE | re.DOTALL)
    if match is None:
        raise SystemExit(f"{executable} --about has no Settings section")
    return match.group(1).strip()


def refreshed(readme: str, table: str) -> str:
    """The README with the generated block replaced."""
    if START not in readme or END not in readme:
        raise SystemExit(f"README lacks the {START} / {END} markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def main(argv: list[str]) -> int:
    """Rewrite (default) or check (``--check``) every plugin README."""
    stale = []
    for executable, path in PLUGINS.items():
        current = path.read_text(encoding="utf-8")
        wanted = refreshed(current, settings_table(executable))
        if wanted != current:
            stale.append(path.relative_to(ROOT))
            if "--check" not in argv:
                path.write_text(wanted, encoding="utf-8")
    if stale and "--check" in argv:
        print(f"out of date (run scripts/update_readme_settings.py): {', '.join(map(str, stale))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
