"""What the target relies on in singer-sdk beyond its public API, pinned in one place.

Every private SDK member the target uses is overridden in ``sdk_compat.py``. If an SDK
upgrade renames one, changes its parameters or stops calling it, a test here fails.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import io
import signal
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import singer_sdk.plugin_base
import singer_sdk.sinks.core
import singer_sdk.target_base
from salesforce_common import ConfigError
from singer_sdk import Sink, Target
from singer_sdk.plugin_base import PluginBase
from target_salesforce_contacts import sdk_compat
from target_salesforce_contacts.sinks import ContactsSink
from target_salesforce_contacts.target import TargetSalesforceContacts
from tsc_support import scratch_dir, shared_emulator, singer_text

PACKAGE = Path(sdk_compat.__file__).parent

PINNED: dict[tuple[type, str], list[str]] = {
    (Target, "_process_state_message"): ["self", "message_dict"],
    (Target, "_write_state_message"): ["self", "state"],
    (Target, "_handle_termination"): ["self", "signum", "frame"],
    (PluginBase, "_handle_termination"): ["self", "signum", "frame"],
    (Sink, "_parse_timestamps_in_record"): ["self", "record", "schema", "treatment"],
}
"""Each private SDK member used (by its defining class) and its parameters."""

OVERRIDES: dict[tuple[type, str], type] = {
    (sdk_compat.StateHooksTarget, "_process_state_message"): Target,
    (sdk_compat.StateHooksTarget, "_write_state_message"): Target,
    (sdk_compat.StateHooksTarget, "_handle_termination"): Target,
    (sdk_compat.RawRecordsSink, "_parse_timestamps_in_record"): Sink,
}
"""Each override in sdk_compat and the SDK class whose member it replaces."""


def qualified(owner: type) -> str:
    return f"{owner.__module__}.{owner.__qualname__}"


def test_every_private_member_used_is_overridden_and_pinned():
    overridden = {(qualified(sdk), name) for (_, name), sdk in OVERRIDES.items()}
    assert overridden == set(sdk_compat.PRIVATE_MEMBERS)
    assert overridden <= {(qualified(owner), name) for owner, name in PINNED}


def parameters(owner: type, name: str) -> list[str]:
    return list(inspect.signature(getattr(owner, name)).parameters)


@pytest.mark.parametrize(("owner", "name"), list(PINNED), ids=lambda v: getattr(v, "__name__", v))
def test_private_sdk_members_keep_their_signature(owner, name):
    version = importlib.metadata.version("singer-sdk")
    assert name in vars(owner), f"singer-sdk {version}: {owner.__name__}.{name} is gone"
    assert parameters(owner, name) == PINNED[owner, name]


@pytest.mark.parametrize(("ours", "name"), list(OVERRIDES), ids=lambda v: getattr(v, "__name__", v))
def test_overrides_match_the_sdk_members_they_replace(ours, name):
    assert name in vars(ours)
    assert (OVERRIDES[ours, name], name) in PINNED
    assert parameters(ours, name) == parameters(OVERRIDES[ours, name], name)


def _private_sdk_names() -> set[str]:
    """Private names the SDK's plugin, target and sink modules define or assign on ``self``."""
    names: set[str] = set()
    for module in (singer_sdk.plugin_base, singer_sdk.target_base, singer_sdk.sinks.core):
        tree = ast.parse(inspect.getsource(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _named_private_sdk_members(path: Path, private: set[str]) -> set[str]:
    """Private SDK names that a module uses as attributes or defines as functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in private:
            found.add(node.attr)
        elif isinstance(node, ast.FunctionDef) and node.name in private:
            found.add(node.name)
    return found


def test_only_sdk_compat_names_private_sdk_members():
    private = _private_sdk_names()
    assert {"_config", "_sinks_active", "_latest_state", "_validate_config"} <= private
    offenders = {
        path.name: used
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "sdk_compat.py" and (used := _named_private_sdk_members(path, private))
    }
    assert offenders == {}


# -- the SDK still calls what is overridden ------------------------------------------------


def config(**settings: Any) -> dict[str, Any]:
    files = {
        "rejects_path": str(scratch_dir() / "compat-rejects.jsonl"),
        "plan_path": str(scratch_dir() / "compat-plan.jsonl"),
        "dry_run": True,
    }
    return shared_emulator().config(**{**files, **settings})


def test_state_messages_and_the_final_drain_reach_the_public_hooks():
    calls: list[tuple[str, Any]] = []

    class Spy(TargetSalesforceContacts):
        def state_received(self, state):
            calls.append(("received", state))
            super().state_received(state)

        def sinks_drained(self, state):
            calls.append(("drained", state))
            super().sinks_drained(state)

    target = Spy(config=config())
    out = io.StringIO()
    with redirect_stdout(out):
        target.process_lines(io.StringIO(singer_text([{"type": "STATE", "value": {"s": 1}}])))
        target.process_endofpipe()
    assert calls == [("received", {"s": 1}), ("drained", {"s": 1})]
    assert out.getvalue() == '{"s": 1}\n'


def test_the_termination_handler_is_the_registered_signal_handler():
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        target = TargetSalesforceContacts(config=config())
        for sig in previous:
            assert signal.getsignal(sig) == target._handle_termination
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_timestamps_reach_process_record_as_sent():
    received: list[dict[str, Any]] = []

    class RecordingSink(ContactsSink):
        def process_record(self, record, context):
            received.append(dict(record))
            super().process_record(record, context)

    class Recording(TargetSalesforceContacts):
        default_sink_class = RecordingSink

    target = Recording(config=config())
    schema = {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "birthdate": {"type": "string", "format": "date"},
            "seen_at": {"type": "string", "format": "date-time"},
        },
    }
    record = {"email": "ts@compat.io", "birthdate": "not a date", "seen_at": "2024-05-01 10:00Z"}
    target.process_lines(
        io.StringIO(
            singer_text(
                [
                    {"type": "SCHEMA", "stream": "s", "schema": schema, "key_properties": []},
                    {"type": "RECORD", "stream": "s", "record": record},
                ]
            )
        )
    )
    assert received == [record]


def test_the_config_is_readable_when_sdk_validation_fails():
    # The one-line config error is redacted with the config the SDK read before validating.
    secret = "Compat-Secret-Password-1"
    with pytest.raises(ConfigError) as caught:
        TargetSalesforceContacts(config={**config(), "password": [secret], "sync_mode": "x"})
    assert "invalid config" in str(caught.value)
    assert "sync_mode" in str(caught.value)
    assert secret not in str(caught.value)
