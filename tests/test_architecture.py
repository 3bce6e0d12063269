"""The structure the packages keep: no import cycles; private SDK members only in sdk_compat."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
import singer_sdk
from singer_sdk import authenticators, pagination, sinks, streams
from singer_sdk.plugin_base import PluginBase, SingerCommand

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "salesforce_common": ROOT / "salesforce-common" / "salesforce_common",
    "salesforce_emulator": ROOT / "salesforce-emulator" / "salesforce_emulator",
    "tap_salesforce_plus": ROOT / "tap-salesforce-plus" / "tap_salesforce_plus",
    "target_salesforce_contacts": ROOT
    / "target-salesforce-contacts"
    / "target_salesforce_contacts",
}
PLUGIN_PACKAGES = ("salesforce_common", "tap_salesforce_plus", "target_salesforce_contacts")
COMPAT_MODULE = "sdk_compat.py"


def modules(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    root = PACKAGES[package]
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of the same package that ``path`` imports (anywhere, TYPE_CHECKING included)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            )
    return {t for t in targets if t in known and t != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_cycle_inside_a_package(package: str) -> None:
    mods = modules(package)
    known = set(mods)
    # A package's __init__ re-exports its modules; an edge into it is an edge to them.
    graph = {name: imported(path, name, known) for name, path in mods.items()}
    graph = {
        name: {t for t in targets if mods[t].name != "__init__.py"}
        for name, targets in graph.items()
    }
    assert cycles(graph) == []


SDK_CLASSES: tuple[type, ...] = (
    singer_sdk.Tap,
    singer_sdk.Target,
    singer_sdk.Stream,
    singer_sdk.RESTStream,
    sinks.Sink,
    sinks.BatchSink,
    PluginBase,
    SingerCommand,
    streams.core.Stream,
    authenticators.APIAuthenticatorBase,
    authenticators.OAuthAuthenticator,
    authenticators.OAuthJWTAuthenticator,
    pagination.BaseHATEOASPaginator,
)


def sdk_private_members() -> set[str]:
    """Names of the private (single-underscore) members of the SDK classes the plugins use."""
    names: set[str] = set()
    for cls in SDK_CLASSES:
        for klass in inspect.getmro(cls):
            if not klass.__module__.startswith("singer_sdk"):
                continue
            names.update(
                n for n in vars(klass) if n.startswith("_") and not n.startswith(("__", "_abc_"))
            )
    return names


def own_names(package: str) -> set[str]:
    """Private names our own code defines: methods and ``self.x = ...`` attributes."""
    names: set[str] = set()
    for path in modules(package).values():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return names


def sdk_subclass_overrides(module_name: str, private: set[str]) -> Iterator[str]:
    """Members of our SDK subclasses that override or shadow a private SDK member."""
    module = importlib.import_module(module_name)
    for cls in vars(module).values():
        if not (
            inspect.isclass(cls) and cls.__module__ == module_name and issubclass(cls, SDK_CLASSES)
        ):
            continue
        sdk_private = {
            n
            for klass in inspect.getmro(cls)
            if klass.__module__.startswith("singer_sdk")
            for n in vars(klass)
            if n in private
        }
        for name in sorted(set(vars(cls)) & sdk_private):
            yield f"{module_name}.{cls.__name__}.{name}"


def private_accesses(path: Path, private: set[str], own: set[str]) -> Iterator[str]:
    """``super()._x`` and ``obj._x`` naming a private SDK member our code does not define."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Attribute) and node.attr in private):
            continue
        via_super = (
            isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "super"
        )
        if via_super or node.attr not in own:
            yield f"{path.name}:{node.lineno} .{node.attr}"


def test_the_private_member_list_is_not_empty() -> None:
    private = sdk_private_members()
    assert {"_write_state_message", "_request", "_validate_config"} <= private


@pytest.mark.parametrize("package", PLUGIN_PACKAGES)
def test_private_sdk_members_only_in_sdk_compat(package: str) -> None:
    private = sdk_private_members()
    own = own_names(package) - private
    uses: list[str] = []
    for name, path in modules(package).items():
        if path.name == COMPAT_MODULE:
            continue
        uses += sdk_subclass_overrides(name, private)
        uses += private_accesses(path, private, own | _defined_outside_sdk(package, private))
    assert uses == []


def _defined_outside_sdk(package: str, private: set[str]) -> set[str]:
    """Private SDK-looking names that our own non-SDK classes define for themselves."""
    names: set[str] = set()
    for name in modules(package):
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == name and not issubclass(cls, SDK_CLASSES):
                names.update(n for n in vars(cls) if n in private)
    return names


ARCHITECTURE = ROOT / "ARCHITECTURE.md"
MODULE_OWNERS = {
    "tap_salesforce_plus": "tap_salesforce_plus",
    "target_salesforce_contacts": "target_salesforce_contacts",
    "salesforce_common": "salesforce_common",
    "salesforce_emulator": "salesforce_emulator",
}


def test_architecture_names_modules_and_symbols_that_exist() -> None:
    """Every ``pkg/module.py`` and ``module.Symbol`` named in ARCHITECTURE.md is real."""
    import re

    text = ARCHITECTURE.read_text()
    files = set(re.findall(r"\b([a-z_]+/[a-z_/]+\.py)\b", text))
    assert files, "ARCHITECTURE.md names no module"
    known = [
        p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/**/*.py") if ".venv" not in p.parts
    ]
    missing = sorted(f for f in files if not any(k.endswith(f) for k in known))
    assert missing == []
    symbols = set(re.findall(r"\b([a-z_]+)\.([A-Za-z_]+)\b", text))
    resolved = 0
    for module_name, symbol in sorted(symbols):
        if symbol in {"py", "md", "toml"}:
            continue
        candidates = [
            f"{pkg}.{module_name}" for pkg in PACKAGES if f"{pkg}.{module_name}" in modules(pkg)
        ]
        if not candidates:
            continue
        owners = [c for c in candidates if hasattr(importlib.import_module(c), symbol)]
        assert owners, f"{module_name}.{symbol} is in none of {candidates}"
        resolved += 1
    assert resolved >= 10
