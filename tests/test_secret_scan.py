"""No secret in any output: every auth flow's secrets (raw and URL-encoded) and the runtime
access token stay out of stdout and stderr, at debug level, while the org echoes requests back.

The emulator's ``echo`` fault answers with an error body that quotes the whole request:
the form-encoded token request (password + security token, client secret, refresh token,
JWT assertion) and the ``Authorization: Bearer`` header. The plugins retry past it and must
print none of it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from e2e_support import workspace_executable
from salesforce_emulator.models.auth import ORG_ID
from salesforce_emulator.models.org import DEMO
from singer_pipes import write_json
from test_e2e_auth_flows import FLOWS, secrets_of

RUNTIME_TOKEN = re.compile(re.escape(ORG_ID[:15]) + r"!\S{20,}")
"""Access tokens the emulator issues at run time (never in any config)."""


def forms(secret: str) -> set[str]:
    found = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
    return {f for f in found if len(f) >= 4}


def all_secrets(config: dict[str, Any]) -> set[str]:
    values = set(secrets_of(config))
    if {"password", "security_token"} <= config.keys():
        values.add(config["password"] + config["security_token"])
    if "uri" in config:
        values.add(DEMO.password + DEMO.security_token)
    return {form for value in values for form in forms(value)}


def run_debug(plugin: str, config: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOGLEVEL": "debug"}
    return subprocess.run(
        [str(workspace_executable(plugin)), "--config", str(config)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def add_echo_faults(emulator: Any, *, login: bool) -> None:
    if login:
        emulator.admin.add_fault(kind="echo", endpoint="token", status=500, times=1)
    emulator.admin.add_fault(kind="echo", endpoint="*", path_contains="/query", status=500)
    emulator.admin.add_fault(kind="echo", endpoint="*", path_contains="/sobjects", status=503)


def assert_clean(output: str, secrets: set[str]) -> None:
    leaked = sorted(s for s in secrets if s in output)
    assert leaked == [], f"{len(leaked)} secret form(s) printed"
    assert RUNTIME_TOKEN.search(output) is None, "a runtime access token was printed"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.__name__)
def test_tap_prints_no_secret(emulator: Any, tmp_path: Path, flow: Any) -> None:
    config = {**flow(emulator), "tables": ["user_role"], "max_retries": 3}
    refreshable = "access_token" not in config
    add_echo_faults(emulator, login=refreshable)
    if refreshable:  # an access token cannot be renewed: expiring it would end the run
        emulator.admin.add_fault(kind="expire_session", endpoint="*", path_contains="/query")
    result = run_debug("tap-salesforce-plus", write_json(tmp_path / "c.json", config))
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"RECORD"' in result.stdout
    assert all(rule["fired"] for rule in emulator.admin.faults() if rule["kind"] == "echo")
    assert "***" in result.stderr  # the echoed request was logged, its secrets masked
    assert_clean(result.stdout + result.stderr, all_secrets(config))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.__name__)
def test_target_prints_no_secret(emulator: Any, tmp_path: Path, flow: Any) -> None:
    config = {
        **flow(emulator),
        "max_retries": 3,
        "rejects_path": str(tmp_path / "rejects.jsonl"),
    }
    add_echo_faults(emulator, login="access_token" not in config)
    schema = {
        "type": "SCHEMA",
        "stream": "people",
        "key_properties": ["email"],
        "schema": {"properties": {"email": {"type": "string"}, "last_name": {"type": "string"}}},
    }
    rows = [
        {
            "type": "RECORD",
            "stream": "people",
            "record": {"email": f"scan{i}@x.io", "last_name": "S"},
        }
        for i in range(3)
    ]
    state = {"type": "STATE", "value": {"done": 3}}
    stdin = "\n".join(json.dumps(m) for m in [schema, *rows, state]) + "\n"
    result = run_debug("target-salesforce-contacts", write_json(tmp_path / "t.json", config), stdin)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"done": 3' in result.stdout or '"done":3' in result.stdout
    assert any(rule["fired"] for rule in emulator.admin.faults() if rule["kind"] == "echo")
    assert "***" in result.stderr
    assert_clean(result.stdout + result.stderr, all_secrets(config))
