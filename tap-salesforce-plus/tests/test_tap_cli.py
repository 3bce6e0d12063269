"""The command line: Singer modes, and one-line errors with no secret in any output.

The error cases run as separate processes forked from one warm interpreter (see
``tapsf_cli_forker.py``) in a module-scoped fixture; each test then checks one of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from salesforce_emulator.models.org import DEMO
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import CliResult, run_cli, run_cli_many, shared_emulator

WRONG_PASSWORD = "Wrong-Secret-Password-1"
WRONG_CLIENT_SECRET = "wrong-client-secret-7777"
WRONG_REFRESH_TOKEN = "5AepWrongRefreshToken00000000"
UNKNOWN_ACCESS_TOKEN = "00D000000000000!UnknownAccessToken0000"
GARBAGE_KEY = "-----BEGIN PRIVATE KEY-----\nU2VjcmV0R2FyYmFnZUtleQ==\n-----END PRIVATE KEY-----"
SECRETS = [
    DEMO.password,
    DEMO.security_token,
    DEMO.client_secret,
    DEMO.refresh_token,
    DEMO.access_token,
    WRONG_PASSWORD,
    WRONG_CLIENT_SECRET,
    WRONG_REFRESH_TOKEN,
    UNKNOWN_ACCESS_TOKEN,
    "U2VjcmV0R2FyYmFnZUtleQ==",
    "123456789",
]

ConfigFor = Callable[[str], dict[str, Any]]


def demo(url: str, **overrides: Any) -> dict[str, Any]:
    """The demo user's password-flow config with overrides (None removes a setting)."""
    config = {
        "domain": url,
        "username": DEMO.username,
        "password": DEMO.password,
        "security_token": DEMO.security_token,
        "client_id": DEMO.client_id,
        "client_secret": DEMO.client_secret,
        "tables": ["account"],
        **overrides,
    }
    return {k: v for k, v in config.items() if v is not None}


# (case id, config, expected error text, whether the SDK's JSON-schema check reports it)
ERROR_CASES: list[tuple[str, ConfigFor, str, bool]] = [
    ("no-credentials", lambda url: {"domain": url}, "missing Salesforce credentials", False),
    (
        "username-only",
        lambda url: {"domain": url, "username": DEMO.username},
        "missing setting password (username/password flow)",
        False,
    ),
    (
        "conflicting-flows",
        lambda url: demo(url, access_token=DEMO.access_token),
        "conflicting settings",
        False,
    ),
    (
        "refresh-token-without-client-id",
        lambda url: {"domain": url, "refresh_token": DEMO.refresh_token},
        "missing setting client_id for the refresh token flow",
        False,
    ),
    ("bad-domain", lambda _url: demo("not a host!"), "domain 'not a host!' is not valid", False),
    (
        "http-domain-not-loopback",
        lambda _url: demo("http://example.com"),
        "only allowed for loopback hosts",
        False,
    ),
    (
        "uri-unknown-parameter",
        lambda _url: {"uri": f"salesforce://?username=u&password={WRONG_PASSWORD}&colour=red"},
        "uri has unknown parameter(s) colour",
        False,
    ),
    (
        "uri-and-settings",
        lambda _url: {
            "uri": f"salesforce://?username=u&password={WRONG_PASSWORD}",
            "password": WRONG_PASSWORD,
        },
        "uri cannot be combined with password",
        False,
    ),
    (
        "bad-private-key",
        lambda url: {
            "domain": url,
            "client_id": DEMO.client_id,
            "username": DEMO.username,
            "private_key": GARBAGE_KEY,
        },
        "private_key could not be loaded",
        False,
    ),
    (
        "bad-api-version",
        lambda url: demo(url, api_version="sixty"),
        "api_version 'sixty' is not a version",
        False,
    ),
    (
        "bad-start-date",
        lambda url: demo(url, start_date="last tuesday"),
        "start_date 'last tuesday' is not an ISO 8601 datetime",
        False,
    ),
    (
        "negative-lookback",
        lambda url: demo(url, lookback_minutes=-1),
        "-1 is less than the minimum of 0 in config['lookback_minutes']",
        True,
    ),
    (
        "secret-of-wrong-type",
        lambda url: demo(url, password=123456789),
        "*** is not of type 'string', 'null' in config['password']",
        True,
    ),
    (
        "unknown-table",
        lambda url: demo(url, tables=["acount"]),
        "tables: unknown table 'acount' (did you mean account?)",
        False,
    ),
    (
        "unknown-custom-table",
        lambda url: demo(url, tables=["custom:Nope__c"]),
        "tables: custom:Nope__c is not an object in this org",
        False,
    ),
    (
        "wrong-password",
        lambda url: demo(url, password=WRONG_PASSWORD),
        "Salesforce login failed (username/password flow): invalid_grant: authentication failure",
        False,
    ),
    (
        "wrong-client-secret",
        lambda url: demo(url, client_secret=WRONG_CLIENT_SECRET),
        "Salesforce login failed (username/password flow): invalid_client",
        False,
    ),
    (
        "wrong-refresh-token",
        lambda url: {
            "domain": url,
            "refresh_token": WRONG_REFRESH_TOKEN,
            "client_id": DEMO.client_id,
            "client_secret": DEMO.client_secret,
        },
        "Salesforce login failed (refresh token flow): invalid_grant",
        False,
    ),
    (
        "unknown-access-token",
        lambda url: {"domain": url, "access_token": UNKNOWN_ACCESS_TOKEN},
        "INVALID_SESSION_ID: the access_token is expired or invalid",
        False,
    ),
]


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliResult]:
    """Run every error case, each in its own process."""
    url = shared_emulator().url
    runs = {name: ([], config_for(url)) for name, config_for, _, _ in ERROR_CASES}
    runs["discover-wrong-password"] = (["--discover"], demo(url, password=WRONG_PASSWORD))
    return run_cli_many(runs, tmp_path_factory.mktemp("cli"))


def assert_no_secret(result: CliResult) -> None:
    for secret in SECRETS:
        assert secret not in result.stdout
        assert secret not in result.stderr


@pytest.mark.parametrize(
    ("name", "expected", "schema_error"),
    [(name, expected, schema) for name, _, expected, schema in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_bad_config_or_credentials_is_one_line_error(
    error_runs: dict[str, CliResult], name: str, expected: str, schema_error: bool
) -> None:
    result = error_runs[name]
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    if schema_error:
        assert [line.split("| ", 3)[-1] for line in result.errors] == [
            expected,
            "Config validation failed",
        ]
    else:
        [line] = result.errors
        assert expected in line
    assert_no_secret(result)


def test_discover_with_bad_credentials_is_one_line_error(
    error_runs: dict[str, CliResult],
) -> None:
    result = error_runs["discover-wrong-password"]
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.errors
    assert line.endswith(
        "Salesforce login failed (username/password flow): invalid_grant: authentication "
        "failure; check username, password and security_token, and that domain points at the "
        "org (login, test or its My Domain)"
    )
    assert_no_secret(result)


def test_access_token_expiring_mid_run_is_one_line_error(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.admin.add_fault(kind="expire_session", endpoint="query")
    config = {"domain": emulator.url, "access_token": DEMO.access_token, "tables": ["account"]}
    result = run_cli([], config, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.errors[-1].endswith(
        "INVALID_SESSION_ID: the access_token is expired or invalid and there is nothing to "
        "refresh it with; set a new access_token, or use a refreshable flow (username/password, "
        "refresh_token, private_key or client_id/client_secret) (HTTP 401, GET "
        "/services/data/v64.0/query)"
    )
    assert_no_secret(result)


def test_discover_then_sync_selected_stream_with_state(tmp_path: Path) -> None:
    emulator = shared_emulator()
    config = emulator.config(tables=["account", "contact"])
    discovered = run_cli(["--discover"], config, tmp_path)
    assert discovered.returncode == 0, discovered.stderr
    catalog = json.loads(discovered.stdout)
    assert {s["tap_stream_id"] for s in catalog["streams"]} == {"account", "contact"}
    for entry in catalog["streams"]:
        root = next(m for m in entry["metadata"] if not m["breadcrumb"])
        root["metadata"]["selected"] = entry["tap_stream_id"] == "contact"
        assert entry["replication_key"] == "SystemModstamp"
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    bookmark = "2025-01-01T00:00:00.000Z"
    state = {"bookmarks": {"contact": {"replication_key": "SystemModstamp"}}}
    state["bookmarks"]["contact"]["replication_key_value"] = bookmark
    (tmp_path / "state.json").write_text(json.dumps(state))

    synced = run_cli(
        ["--catalog", str(tmp_path / "catalog.json"), "--state", str(tmp_path / "state.json")],
        config,
        tmp_path,
    )
    assert synced.returncode == 0, synced.stderr
    messages = [json.loads(line) for line in synced.stdout.splitlines()]
    records = [m for m in messages if m["type"] == "RECORD"]
    assert records
    assert {m["stream"] for m in records} == {"contact"}
    assert all(m["record"]["SystemModstamp"] >= "2024-12-31T23:55:00.000Z" for m in records)
    final = [m for m in messages if m["type"] == "STATE"][-1]["value"]["bookmarks"]["contact"]
    assert final["replication_key_value"] == max(m["record"]["SystemModstamp"] for m in records)
    assert "Stream contact: " in synced.stderr
    assert_no_secret(synced)
