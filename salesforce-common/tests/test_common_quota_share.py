"""``max_api_share_percent``: a run's share of the org's daily API allowance.

The allowance (MAX) comes from ``Sforce-Limit-Info: api-usage=USED/MAX``; the share caps the
calls of this run (not the org's usage), so parallel stream groups can split one org's quota.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from salesforce_common import (
    ApiQuotaGuardError,
    ApiUsage,
    ConfigError,
    QuotaGuard,
    SalesforceSession,
)
from sfc_fakes import DATA

MakeSession = Callable[..., SalesforceSession]
Login = Callable[..., None]
LIMITS = f"{DATA}/limits"


def test_share_allows_calls_under_and_up_to_the_share() -> None:
    guard = QuotaGuard(max_api_share_percent=30)
    usage = ApiUsage(used=4000, max=1000)  # the org's own usage does not matter
    assert guard.share_calls(usage) == 300
    guard.check(calls=0, usage=usage)
    guard.check(calls=299, usage=usage)  # the 300th call: exactly the share


def test_share_refuses_the_call_over_the_share() -> None:
    guard = QuotaGuard(max_api_share_percent=30)
    with pytest.raises(ApiQuotaGuardError) as info:
        guard.check(calls=300, usage=ApiUsage(used=12, max=1000))
    assert str(info.value) == (
        "API quota guard: this run has made 300 API calls and max_api_share_percent=30 allows "
        "it 300 of the org's 1000 daily API calls; raise max_api_share_percent to continue"
    )


@pytest.mark.parametrize(
    ("share", "maximum", "allowed"),
    [
        (60, 5000, 3000),
        (0.3, 1000, 3),  # 0.3 * 1000 is 300.00000000000006 in binary floating point
        (0.29, 10_000, 29),
        (33.3, 100, 33),  # rounded down: never more than the share
        (100, 15_000, 15_000),
        (0.01, 5000, 0),  # less than one call: the next call is refused
    ],
)
def test_share_in_calls_is_exact_and_rounded_down(share: float, maximum: int, allowed: int) -> None:
    guard = QuotaGuard(max_api_share_percent=share)
    assert guard.share_calls(ApiUsage(0, maximum)) == allowed
    if allowed:
        guard.check(calls=allowed - 1, usage=ApiUsage(0, maximum))
    with pytest.raises(ApiQuotaGuardError, match=f"allows it {allowed} of"):
        guard.check(calls=allowed, usage=ApiUsage(0, maximum))


@pytest.mark.parametrize("usage", [None, ApiUsage(0, 0)])
def test_share_waits_for_a_known_allowance(usage: ApiUsage | None) -> None:
    guard = QuotaGuard(max_api_share_percent=1)
    assert guard.share_calls(usage) is None
    guard.check(calls=10**6, usage=usage)


def test_share_off_by_default() -> None:
    guard = QuotaGuard()
    assert guard.share_calls(ApiUsage(0, 100)) is None
    assert not guard.limited
    assert QuotaGuard(max_api_share_percent=50).limited


def test_other_limits_still_apply_beside_the_share() -> None:
    guard = QuotaGuard(max_api_share_percent=50, max_api_usage_percent=90)
    with pytest.raises(ApiQuotaGuardError, match="max_api_usage_percent=90"):
        guard.check(calls=1, usage=ApiUsage(90, 100))
    with pytest.raises(ApiQuotaGuardError, match="max_api_calls is 2"):
        QuotaGuard(max_api_share_percent=50, max_api_calls=2).check(calls=2, usage=ApiUsage(0, 100))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "max_api_share_percent must be > 0, got 0"),
        (-5, "max_api_share_percent must be > 0, got -5"),
        (100.5, "max_api_share_percent must be <= 100, got 100.5"),
        ("half", "max_api_share_percent must be of type number, got 'half'"),
    ],
)
def test_share_out_of_range_is_a_config_error(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        QuotaGuard(max_api_share_percent=value)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_session_rejects_a_bad_share_before_any_request(make_session: MakeSession) -> None:
    with pytest.raises(ConfigError, match="max_api_share_percent must be <= 100"):
        make_session(max_api_share_percent=101)


def test_session_learns_the_allowance_from_the_first_response(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    """Share 0.05% of 4000 = 2 calls: the first call goes out blind, the third is refused."""
    login()
    mocked.get(LIMITS, json={}, headers={"Sforce-Limit-Info": "api-usage=700/4000"})
    mocked.get(LIMITS, json={}, headers={"Sforce-Limit-Info": "api-usage=950/4000"})
    session = make_session(max_api_share_percent=0.05)
    session.check_quota()  # nothing known yet: allowed
    session.get_json("limits")
    session.get_json("limits")
    with pytest.raises(ApiQuotaGuardError) as info:
        session.get_json("limits")
    message = str(info.value)
    assert "this run has made 2 API calls" in message
    assert "max_api_share_percent=0.05 allows it 2 of the org's 4000 daily API calls" in message
    assert "\n" not in message
    assert session.calls == 2  # the refused call was never sent (responses checks it too)


def test_session_without_limit_info_never_applies_the_share(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    for _ in range(3):
        mocked.get(LIMITS, json={})
    session = make_session(max_api_share_percent=0.01)
    for _ in range(3):
        session.get_json("limits")
    assert session.calls == 3
