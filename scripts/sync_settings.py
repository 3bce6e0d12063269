"""Refresh what is generated from the plugins' ``--about``: README settings tables, meltano.yml.

The README table between ``<!-- settings:start -->`` and ``<!-- settings:end -->`` comes from
``--about --format=markdown``; each plugin's ``settings:`` list in ``meltano.yml`` between
``# settings:start`` and ``# settings:end`` comes from ``--about --format=json`` (names, kinds,
secrets). So the READMEs, meltano.yml and ``config_jsonschema`` cannot drift apart. ``--check``
exits non-zero when anything is out of date (the test suite runs it).
"""

from __future__ import annotations

import json
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
MELTANO_YML = ROOT / "meltano.yml"
YAML_START, YAML_END = "# settings:start", "# settings:end"
SDK_BUILTIN = frozenset(
    {
        "stream_maps", "stream_map_config", "faker_config", "flattening_enabled",
        "flattening_max_depth", "flattening_max_key_length", "flattening_separator",
        "batch_config", "add_record_metadata",
    }
)  # fmt: skip
KINDS = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}


def about_json(executable: str) -> dict[str, object]:
    """The plugin's ``--about --format=json``."""
    output = subprocess.run(
        [str(ROOT / ".venv" / "bin" / executable), "--about", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(output))


def meltano_settings(executable: str, indent: str) -> str:
    """The plugin's settings as meltano.yml list items (SDK built-ins left to Meltano)."""
    properties = about_json(executable)["settings"]["properties"]  # type: ignore[index]
    lines = []
    for name, spec in properties.items():
        if name in SDK_BUILTIN:
            continue
        types = [t for t in spec.get("type", []) if t != "null"]
        kind = "password" if spec.get("secret") else KINDS.get(types[0] if types else "", "")
        extra = f", kind: {kind}" if kind else ""
        extra += ", sensitive: true" if spec.get("secret") else ""
        lines.append(f"{indent}- {{name: {name}{extra}}}")
    return "\n".join(lines)


def refreshed_meltano(text: str) -> str:
    """meltano.yml with each marked settings block regenerated for the plugin it belongs to."""
    out: list[str] = []
    lines = text.splitlines()
    index = 0
    plugin = ""
    while index < len(lines):
        line = lines[index]
        name = re.match(r"\s*- name: (\S+)", line)
        if name:
            plugin = name.group(1)
        out.append(line)
        if line.strip() == YAML_START:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(meltano_settings(plugin, indent))
            while lines[index].strip() != YAML_END:
                index += 1
            out.append(lines[index])
        index += 1
    return "\n".join(out) + "\n"


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
    current = MELTANO_YML.read_text(encoding="utf-8")
    wanted = refreshed_meltano(current)
    if wanted != current:
        stale.append(MELTANO_YML.relative_to(ROOT))
        if "--check" not in argv:
            MELTANO_YML.write_text(wanted, encoding="utf-8")
    if stale and "--check" in argv:
        print(f"out of date (run scripts/sync_settings.py): {', '.join(map(str, stale))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
