"""The package's modules form no import cycle (TYPE_CHECKING imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import target_salesforce_contacts

PACKAGE = Path(target_salesforce_contacts.__file__).parent
NAME = PACKAGE.name


def imports(path: Path) -> set[str]:
    """The package modules ``path`` imports, wherever the import statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == NAME:
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{NAME}."):
            found.add(str(node.module).removeprefix(f"{NAME}."))
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.removeprefix(f"{NAME}.")
                for alias in node.names
                if alias.name.startswith(f"{NAME}.")
            )
    return found


def test_no_import_cycle():
    graph = {path.stem: imports(path) for path in PACKAGE.glob("*.py")}
    assert graph["sinks"] == {"sdk_compat", "sync"}  # TYPE_CHECKING imports count too
    assert "state" in graph["sync"]

    def cycle_from(start: str, node: str, seen: tuple[str, ...]) -> tuple[str, ...] | None:
        for child in sorted(graph.get(node, ())):
            if child == start:
                return (*seen, child)
            if child not in seen:
                found = cycle_from(start, child, (*seen, child))
                if found:
                    return found
        return None

    cycles = {m: c for m in sorted(graph) if (c := cycle_from(m, m, (m,)))}
    assert cycles == {}
