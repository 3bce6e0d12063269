"""Refresh what is generated from the plugins' ``--about``: README tables, meltano.yml, Hub files.

* Each plugin README's table between ``<!-- settings:start -->`` and ``<!-- settings:end -->``
  comes from ``--about --format=markdown``.
* In ``meltano.yml``, each of our plugins' ``capabilities``, ``settings`` (name, kind, label,
  description, ``sensitive: true`` for secrets) and ``settings_group_validation`` come from
  ``--about --format=json``. The file is edited structurally (ruamel round-trip), so it stays
  consistent after ``meltano config set`` rewrites it: no comment markers are needed.
* ``hub/<kind>/<plugin>.yml`` holds each plugin's Meltano Hub definition, from the same data.

So the READMEs, meltano.yml, the Hub definitions and ``config_jsonschema`` cannot drift apart.
``--check`` exits non-zero when anything is out of date (the test suite runs it).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from salesforce_common import AUTH_SETTING_GROUPS

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- settings:start -->", "<!-- settings:end -->"
MELTANO_YML = ROOT / "meltano.yml"
REPO = "https://github.com/salesforce-plus/salesforce-plus"
PLUGINS: dict[str, dict[str, Any]] = {
    "tap-salesforce-plus": {
        "kind": "extractors",
        "readme": ROOT / "tap-salesforce-plus" / "README.md",
        "namespace": "tap_salesforce_plus",
        "folder": "tap-salesforce-plus",
        "label": "Salesforce (tap-salesforce-plus)",
        "keywords": ["meltano_sdk", "salesforce", "crm", "soql", "bulk-api"],
    },
    "target-salesforce-contacts": {
        "kind": "loaders",
        "readme": ROOT / "target-salesforce-contacts" / "README.md",
        "namespace": "target_salesforce_contacts",
        "folder": "target-salesforce-contacts",
        "label": "Salesforce Contacts (target-salesforce-contacts)",
        "keywords": ["meltano_sdk", "salesforce", "crm", "reverse-etl", "contacts"],
    },
}
SDK_BUILTIN = frozenset(
    {
        "stream_maps", "stream_map_config", "faker_config", "flattening_enabled",
        "flattening_max_depth", "flattening_max_key_length", "flattening_separator",
        "batch_config", "add_record_metadata", "load_method", "validate_records",
        "process_activate_version_messages",
    }
)  # fmt: skip
KINDS = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}
LABEL_WORDS = {"api": "API", "id": "ID", "uri": "URI", "soql": "SOQL", "jwt": "JWT"}


def about(executable: str, fmt: str) -> str:
    """The plugin's ``--about --format=<fmt>`` output."""
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / executable), "--about", f"--format={fmt}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def label(name: str) -> str:
    """A setting's label from its name: ``api_version`` -> ``API Version``."""
    return " ".join(LABEL_WORDS.get(w, w.capitalize()) for w in name.split("_"))


def plain(text: str) -> str:
    """A description on one line (Markdown kept)."""
    return " ".join(text.split())


def setting(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One setting in Meltano's form."""
    types = [t for t in spec.get("type", []) if t != "null"]
    entry: dict[str, Any] = {"name": name, "label": spec.get("title") or label(name)}
    if spec.get("enum"):
        entry["kind"] = "options"
        entry["options"] = [{"label": str(v), "value": v} for v in spec["enum"]]
    else:
        entry["kind"] = KINDS.get(types[0] if types else "", "string")
    if spec.get("description"):
        entry["description"] = plain(spec["description"])
    if spec.get("secret"):
        entry["sensitive"] = True
    if "default" in spec and spec["default"] is not None and not spec.get("secret"):
        entry["value"] = spec["default"]
    return entry


def plugin_data(executable: str) -> dict[str, Any]:
    """Capabilities, settings and group validation of one plugin, from ``--about``."""
    data = json.loads(about(executable, "json"))
    properties = data["settings"]["properties"]
    return {
        "version": data.get("version"),
        "description": data.get("description") or "",
        "capabilities": sorted(set(data.get("capabilities") or [])),
        "settings": [setting(n, s) for n, s in properties.items() if n not in SDK_BUILTIN],
        "settings_group_validation": [list(g) for g in AUTH_SETTING_GROUPS],
    }


def flow(items: list[Any]) -> CommentedSeq:
    """A YAML sequence printed in flow style (``[a, b]``)."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def yaml_settings(settings: list[dict[str, Any]]) -> CommentedSeq:
    """Settings as block mappings, options and defaults in flow style."""
    seq = CommentedSeq()
    for entry in settings:
        item = CommentedMap()
        for key, value in entry.items():
            if key == "options":
                item[key] = CommentedSeq([_flow_map(o) for o in value])
            elif isinstance(value, list | dict):
                item[key] = _flow_value(value)
            else:
                item[key] = value
        seq.append(item)
    return seq


def _flow_map(value: dict[str, Any]) -> CommentedMap:
    item = CommentedMap(value)
    item.fa.set_flow_style()
    return item


def _flow_value(value: Any) -> Any:
    if isinstance(value, dict):
        return _flow_map(value)
    if isinstance(value, list):
        return flow(value)
    return value


def yaml() -> YAML:
    """A round-trip YAML that keeps the file's layout."""
    handler = YAML()
    handler.preserve_quotes = True
    handler.width = 100
    handler.indent(mapping=2, sequence=2, offset=0)
    return handler


def dump(data: Any) -> str:
    """YAML text of ``data``."""
    buffer = io.StringIO()
    yaml().dump(data, buffer)
    return buffer.getvalue()


def refreshed_meltano(text: str, generated: dict[str, dict[str, Any]]) -> str:
    """meltano.yml with our plugins' capabilities, settings and groups regenerated."""
    project = yaml().load(text)
    for name, spec in PLUGINS.items():
        plugins = project["plugins"][spec["kind"]]
        entry = next(p for p in plugins if p["name"] == name)
        data = generated[name]
        entry["capabilities"] = flow(data["capabilities"])
        entry["settings_group_validation"] = CommentedSeq(
            [flow(g) for g in data["settings_group_validation"]]
        )
        entry["settings"] = yaml_settings(data["settings"])
    return dump(project)


def hub_definition(name: str, data: dict[str, Any]) -> str:
    """The plugin's Meltano Hub definition (the Hub's variant YAML)."""
    spec = PLUGINS[name]
    definition = CommentedMap(
        {
            "name": name,
            "namespace": spec["namespace"],
            "variant": "salesforce-plus",
            "label": spec["label"],
            "description": plain(data["description"]),
            "logo_url": "/assets/logos/extractors/salesforce.png",
            "docs": f"{REPO}/blob/main/{spec['folder']}/README.md",
            "repo": REPO,
            "pip_url": (
                f"git+{REPO}.git#subdirectory=salesforce-common "
                f"git+{REPO}.git#subdirectory={spec['folder']}"
            ),
            "executable": name,
            "maintenance_status": "active",
            "capabilities": flow(data["capabilities"]),
            "keywords": flow(spec["keywords"]),
            "settings_group_validation": CommentedSeq(
                [flow(g) for g in data["settings_group_validation"]]
            ),
            "settings": yaml_settings(data["settings"]),
        }
    )
    header = f"# Meltano Hub definition of {name}, generated by scripts/sync_settings.py\n"
    return header + dump(definition)


def settings_table(executable: str) -> str:
    """The ``## Settings`` section of the plugin's markdown ``--about``, without its heading."""
    text = about(executable, "markdown")
    match = re.search(r"^## Settings\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    if match is None:
        raise SystemExit(f"{executable} --about has no Settings section")
    return match.group(1).strip()


def refreshed_readme(readme: str, table: str) -> str:
    """The README with the generated block replaced."""
    if START not in readme or END not in readme:
        raise SystemExit(f"README lacks the {START} / {END} markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}\n{END}{tail}"


def wanted_files() -> dict[Path, str]:
    """Every generated file with the content it should have."""
    generated = {name: plugin_data(name) for name in PLUGINS}
    files: dict[Path, str] = {}
    for name, spec in PLUGINS.items():
        readme = spec["readme"]
        files[readme] = refreshed_readme(readme.read_text(encoding="utf-8"), settings_table(name))
        hub = ROOT / "hub" / spec["kind"] / f"{name}.yml"
        files[hub] = hub_definition(name, generated[name])
    files[MELTANO_YML] = refreshed_meltano(MELTANO_YML.read_text(encoding="utf-8"), generated)
    return files


def same_yaml(path: Path, text: str) -> bool:
    """Whether ``path`` holds the same YAML data as ``text`` (layout aside)."""
    if not path.exists():
        return False
    current = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return bool(current == YAML(typ="safe").load(text))


def main(argv: list[str]) -> int:
    """Rewrite (default) or check (``--check``) every generated file."""
    check = "--check" in argv
    stale = []
    for path, text in wanted_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        up_to_date = same_yaml(path, text) if path.suffix == ".yml" else current == text
        if up_to_date:
            continue
        stale.append(path.relative_to(ROOT))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale and check:
        print(f"out of date (run scripts/sync_settings.py): {', '.join(map(str, stale))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
