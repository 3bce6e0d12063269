"""Every auth flow of the settings contract works against the emulator, through the real CLI,
and no secret of the flow appears in anything the tap prints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from e2e_support import workspace_executable
from salesforce_emulator.models.org import DEMO
from salesforce_emulator.pytest_plugin import rsa_key_pair
from singer_pipes import write_json

TABLE = "user_role"


def password_flow(emulator: Any) -> dict[str, Any]:
    return {
        "domain": emulator.url,
        "username": DEMO.username,
        "password": DEMO.password,
        "security_token": DEMO.security_token,
        "client_id": DEMO.client_id,
        "client_secret": DEMO.client_secret,
    }


def client_credentials_flow(emulator: Any) -> dict[str, Any]:
    return {
        "domain": emulator.url,
        "client_id": DEMO.client_id,
        "client_secret": DEMO.client_secret,
    }


def refresh_token_flow(emulator: Any) -> dict[str, Any]:
    return {
        "domain": emulator.url,
        "client_id": DEMO.client_id,
        "client_secret": DEMO.client_secret,
        "refresh_token": DEMO.refresh_token,
    }


def access_token_flow(emulator: Any) -> dict[str, Any]:
    return {"domain": emulator.url, "access_token": emulator.access_token}


def jwt_bearer_flow(emulator: Any) -> dict[str, Any]:
    private, public = rsa_key_pair()
    emulator.admin.add_connected_app(client_id="e2e-jwt-app", public_key_pem=public)
    return {
        "domain": emulator.url,
        "client_id": "e2e-jwt-app",
        "username": DEMO.username,
        "private_key": private,
    }


def uri_flow(emulator: Any) -> dict[str, Any]:
    query = urlencode(
        {
            "username": DEMO.username,
            "password": DEMO.password,
            "token": DEMO.security_token,
            "domain": emulator.url,
        }
    )
    return {"uri": f"salesforce://?{query}"}


FLOWS = [
    password_flow,
    client_credentials_flow,
    refresh_token_flow,
    access_token_flow,
    jwt_bearer_flow,
    uri_flow,
]
SECRET_KEYS = (
    "password",
    "security_token",
    "client_secret",
    "refresh_token",
    "access_token",
    "private_key",
    "uri",
)


def secrets_of(config: dict[str, Any]) -> list[str]:
    values = [str(config[k]) for k in SECRET_KEYS if k in config]
    if "private_key" in config:
        values += [line for line in config["private_key"].splitlines() if len(line) > 40]
    if "uri" in config:
        values += [DEMO.password, DEMO.security_token]
    return values


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.__name__)
def test_flow_syncs_a_table_and_prints_no_secret(emulator, tmp_path: Path, flow) -> None:
    config = {**flow(emulator), "tables": [TABLE]}
    result = subprocess.run(
        [
            str(workspace_executable("tap-salesforce-plus")),
            "--config",
            str(write_json(tmp_path / "c.json", config)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in result.stdout.splitlines() if '"RECORD"' in line]
    expected = emulator.admin.records("UserRole")
    assert len(records) == len(expected)
    assert {r["record"]["Id"] for r in records} == {r["Id"] for r in expected}
    for secret in secrets_of(config):
        assert secret not in result.stdout
        assert secret not in result.stderr
