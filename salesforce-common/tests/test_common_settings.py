"""Connection settings: schema, uri parsing and validation."""

from __future__ import annotations

from typing import Any

import pytest
from salesforce_common import (
    CONNECTION_SETTINGS,
    DEFAULT_API_VERSION,
    SECRET_SETTINGS,
    ConfigError,
    load_settings,
    parse_uri,
)
from sfc_fakes import PASSWORD, SECURITY_TOKEN
from singer_sdk import typing as th


def test_schema_declares_every_setting_once() -> None:
    schema = CONNECTION_SETTINGS.to_dict()
    props = schema["properties"]
    assert list(props) == [
        "domain",
        "access_token",
        "username",
        "password",
        "security_token",
        "client_id",
        "client_secret",
        "refresh_token",
        "private_key",
        "private_key_passphrase",
        "uri",
        "api_version",
        "request_timeout",
        "max_retries",
    ]
    assert all(p.get("description") for p in props.values())
    assert {
        "access_token",
        "password",
        "security_token",
        "client_secret",
        "refresh_token",
        "private_key",
        "private_key_passphrase",
        "uri",
    } == SECRET_SETTINGS
    for name in SECRET_SETTINGS:
        assert props[name]["secret"] is True
    assert props["api_version"]["default"] == DEFAULT_API_VERSION
    assert props["request_timeout"]["default"] == 300
    assert props["max_retries"]["default"] == 5
    # No default for domain: the SDK fills defaults in, which would clash with `uri`.
    assert "default" not in props["domain"]
    assert schema.get("required", []) == []


def test_schema_merges_into_a_plugin_schema() -> None:
    merged = th.PropertiesList(
        *CONNECTION_SETTINGS, th.Property("start_date", th.DateTimeType)
    ).to_dict()
    assert "start_date" in merged["properties"]
    assert "client_secret" in merged["properties"]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "salesforce://?access_token=00D%21abc&domain=acme.my",
            {"access_token": "00D!abc", "domain": "acme.my"},
        ),
        (
            "salesforce://?username=u%40example.com&password=p%26w%3D1&token=t0k&domain=test",
            {
                "username": "u@example.com",
                "password": "p&w=1",
                "security_token": "t0k",
                "domain": "test",
            },
        ),
        (
            "salesforce://?client_id=cid&client_secret=c%2Bs&domain=https%3A%2F%2Facme.my.salesforce.com",
            {
                "client_id": "cid",
                "client_secret": "c+s",
                "domain": "https://acme.my.salesforce.com",
            },
        ),
        ("SALESFORCE:///?username=u&password=p&token=", {"username": "u", "password": "p"}),
        (
            "salesforce://?refresh_token=r&client_id=c&security_token=s",
            {"refresh_token": "r", "client_id": "c", "security_token": "s"},
        ),
    ],
)
def test_parse_uri(uri: str, expected: dict[str, str]) -> None:
    assert parse_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("salesforce://?usr=u&pwd=secret-value", "unknown parameter(s) pwd, usr"),
        ("postgres://?username=u", "must start with salesforce://"),
        ("salesforce://acme.my.salesforce.com?username=u", "query string"),
        ("salesforce://?token=a&security_token=b", "security_token more than once"),
        ("salesforce://?username=a&username=b", "username more than once"),
    ],
)
def test_parse_uri_rejects(uri: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_uri(uri)
    assert expected in str(info.value)
    assert "secret-value" not in str(info.value)


def test_uri_fills_settings() -> None:
    settings = load_settings(
        {
            "uri": f"salesforce://?username=u&password={PASSWORD}&token={SECURITY_TOKEN}"
            "&domain=acme.my",
            "api_version": "v62.0",
            "start_date": "2024-01-01",  # a tap setting: ignored here
        }
    )
    assert settings.endpoints.login_url == "https://acme.my.salesforce.com"
    assert settings.credentials == {
        "username": "u",
        "password": PASSWORD,
        "security_token": SECURITY_TOKEN,
    }
    assert settings.api_version == "62.0"
    assert PASSWORD not in repr(settings)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"username": "other"}, "username"),
        ({"domain": "test", "password": "x"}, "domain, password"),
    ],
)
def test_uri_alongside_settings_conflicts(extra: dict[str, str], named: str) -> None:
    config = {"uri": "salesforce://?username=u&password=p", **extra}
    with pytest.raises(ConfigError, match=f"uri cannot be combined with {named}"):
        load_settings(config)


def test_empty_values_count_as_absent() -> None:
    settings = load_settings({"uri": "salesforce://?access_token=a&domain=acme.my", "domain": ""})
    assert settings.credentials == {"access_token": "a"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("64.0", "64.0"), ("v62.0", "62.0"), (63, "63.0"), (61.0, "61.0"), ("60", "60.0")],
)
def test_api_version(value: Any, expected: str) -> None:
    assert load_settings({"api_version": value}).api_version == expected


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"api_version": "latest"}, "api_version"),
        ({"api_version": True}, "api_version"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"request_timeout": "soon"}, "request_timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"username": 5}, "username"),
        ({"uri": 5}, "uri"),
    ],
)
def test_malformed_settings(config: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(config)


def test_defaults_and_numbers() -> None:
    settings = load_settings({})
    assert (settings.request_timeout, settings.max_retries) == (300.0, 5)
    settings = load_settings({"request_timeout": "12.5", "max_retries": "0"})
    assert (settings.request_timeout, settings.max_retries) == (12.5, 0)
