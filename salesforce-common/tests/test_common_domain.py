"""The `domain` setting → login and token URLs."""

from __future__ import annotations

import pytest
from salesforce_common import ConfigError, LoginEndpoints, resolve_domain


@pytest.mark.parametrize(
    ("domain", "login_url"),
    [
        (None, "https://login.salesforce.com"),
        ("login", "https://login.salesforce.com"),
        ("LOGIN", "https://login.salesforce.com"),
        (" test ", "https://test.salesforce.com"),
        ("acme.my", "https://acme.my.salesforce.com"),
        ("acme--dev.sandbox.my", "https://acme--dev.sandbox.my.salesforce.com"),
        ("acme.develop.my", "https://acme.develop.my.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("Acme.My.Salesforce.com/", "https://acme.my.salesforce.com"),
        ("na1.salesforce.com", "https://na1.salesforce.com"),
        ("acme.lightning.force.com", "https://acme.lightning.force.com"),
        ("acme.cloudforce.com", "https://acme.cloudforce.com"),
        (
            "https://acme--dev.sandbox.my.salesforce.com",
            "https://acme--dev.sandbox.my.salesforce.com",
        ),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("https://sf.example.org:8443", "https://sf.example.org:8443"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://127.1.2.3:8765/", "http://127.1.2.3:8765"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("HTTP://LocalHost:9000", "http://localhost:9000"),
        ("http://[::1]:8765", "http://[::1]:8765"),
    ],
)
def test_resolves(domain: str | None, login_url: str) -> None:
    endpoints = resolve_domain(domain)
    assert endpoints == LoginEndpoints(login_url)
    assert endpoints.login_url == login_url
    assert endpoints.token_url == login_url + "/services/oauth2/token"


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("", "is not valid"),
        ("   ", "is not valid"),
        ("acme my", "is not valid"),
        ("acme", "not a Salesforce host"),
        ("example.com", "not a Salesforce host"),
        ("localhost:9000", "is not valid"),
        ("http://acme.my.salesforce.com", "only allowed for loopback"),
        ("http://10.0.0.5:8765", "only allowed for loopback"),
        ("ftp://acme.my.salesforce.com", "scheme"),
        ("https://", "missing or invalid host"),
        ("https://acme .my.salesforce.com", "missing or invalid host"),
        ("https://acme.my.salesforce.com/services/data", "without a path"),
        ("https://acme.my.salesforce.com?x=1", "without a path"),
        ("https://acme.my.salesforce.com:99999", "not a valid URL"),
        ("https://user:pw@acme.my.salesforce.com", "must not contain credentials"),
    ],
)
def test_rejects(domain: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_domain(domain)
    message = str(info.value)
    assert expected in message
    assert "domain" in message
    assert "\n" not in message


def test_credentials_in_url_are_not_echoed() -> None:
    with pytest.raises(ConfigError) as info:
        resolve_domain("https://user:pw-secret@acme.my.salesforce.com")
    assert "pw-secret" not in str(info.value)


def test_generic_hosts() -> None:
    assert resolve_domain("login").is_generic
    assert resolve_domain("test").is_generic
    assert not resolve_domain("acme.my").is_generic
