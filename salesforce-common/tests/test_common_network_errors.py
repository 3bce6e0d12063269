"""Network and version failures end in one line that names the host, port or version."""

from __future__ import annotations

import socket

import pytest
from salesforce_common import ConfigError, ForeignHostError, SalesforceSession, TransientError
from salesforce_common.session import unreachable_reason
from salesforce_emulator.pytest_plugin import RunningEmulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unresolvable_host_fails_after_two_quick_retries() -> None:
    session = SalesforceSession(
        {"domain": "https://acme-nohost.invalid", "access_token": "00Dxx!token", "max_retries": 5},
        backoff_base=0.05,
    )
    with pytest.raises(TransientError) as caught:
        session.get_json("limits")
    message = str(caught.value)
    assert "acme-nohost.invalid:443 does not resolve" in message
    assert "gave up after 3 attempt(s)" in message
    assert "\n" not in message


def test_refused_loopback_port_is_retried_and_named() -> None:
    port = free_port()
    session = SalesforceSession(
        {"domain": f"http://127.0.0.1:{port}", "access_token": "00Dxx!token", "max_retries": 4},
        backoff_base=0.01,
    )
    with pytest.raises(TransientError) as caught:
        session.get_json("limits")
    message = str(caught.value)
    assert f"127.0.0.1:{port} refused the connection" in message
    assert "gave up after 5 attempt(s)" in message


def test_unreachable_reason_classifies_causes() -> None:
    refused = ConnectionError("wrapped")
    refused.__cause__ = ConnectionRefusedError(111, "Connection refused")
    assert unreachable_reason(refused) == "refused the connection"
    assert unreachable_reason(socket.gaierror(-2, "Name or service not known")) == (
        "does not resolve"
    )
    assert unreachable_reason(TimeoutError("slow")) is None


def test_api_version_the_org_lacks_names_its_newest(emulator: RunningEmulator) -> None:
    session = SalesforceSession({**emulator.config(), "api_version": "99.0"})
    with pytest.raises(ConfigError) as caught:
        session.get_json("limits")
    assert str(caught.value) == (
        "api_version 99.0 is not offered by this org (its newest is 66.0): "
        "set api_version to 66.0 or lower"
    )


def test_a_next_records_url_on_another_host_is_one_line(emulator: RunningEmulator) -> None:
    session = SalesforceSession(emulator.config())
    with pytest.raises(ForeignHostError) as caught:
        session.get_json("https://evil.example.com:8443/services/data/v64.0/query/01g-2000")
    message = str(caught.value)
    assert "evil.example.com:8443" in message
    assert "host other than the instance" in message
    assert "\n" not in message
