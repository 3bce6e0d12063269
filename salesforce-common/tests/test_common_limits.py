"""Sforce-Limit-Info parsing and the quota guard."""

from __future__ import annotations

import pytest
from salesforce_common import (
    ApiQuotaGuardError,
    ApiUsage,
    ConfigError,
    QuotaGuard,
    parse_limit_info,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api-usage=18/5000", ApiUsage(18, 5000)),
        ("api-usage=18/5000, per-app-api-usage=17/250(appName=sample)", ApiUsage(18, 5000)),
        ("per-app-api-usage=17/250(appName=sample), api-usage=19/5000", ApiUsage(19, 5000)),
        ("per-app-api-usage=17/250(appName=sample)", None),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_parse_limit_info(header: str | None, expected: ApiUsage | None) -> None:
    assert parse_limit_info(header) == expected


def test_usage_numbers() -> None:
    usage = ApiUsage(4500, 5000)
    assert usage.percent == 90.0
    assert usage.remaining == 500
    assert ApiUsage(1, 0).percent == 0.0


def test_guard_off_by_default() -> None:
    QuotaGuard().check(calls=10**9, usage=ApiUsage(5000, 5000))


def test_guard_max_calls() -> None:
    guard = QuotaGuard(max_api_calls=3)
    guard.check(calls=2, usage=None)
    with pytest.raises(ApiQuotaGuardError) as info:
        guard.check(calls=3, usage=None)
    assert str(info.value) == (
        "API quota guard: this run has made 3 API calls and max_api_calls is 3; "
        "raise max_api_calls to continue"
    )


def test_guard_percent() -> None:
    guard = QuotaGuard(max_api_usage_percent=90)
    guard.check(calls=0, usage=None)  # unknown usage: allowed
    guard.check(calls=0, usage=ApiUsage(89, 100))  # next call reaches exactly 90%
    with pytest.raises(ApiQuotaGuardError) as info:
        guard.check(calls=0, usage=ApiUsage(90, 100))
    message = str(info.value)
    assert "90 of 100" in message
    assert "max_api_usage_percent=90" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"max_api_usage_percent": 0}, "max_api_usage_percent"),
        ({"max_api_usage_percent": 101}, "max_api_usage_percent"),
        ({"max_api_calls": -1}, "max_api_calls"),
    ],
)
def test_guard_validates(kwargs: dict[str, float], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        QuotaGuard(**kwargs)
