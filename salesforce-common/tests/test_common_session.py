"""SalesforceSession: URLs, retries, re-login, usage tracking, quota guard and paging."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from salesforce_common import (
    ApiQuotaGuardError,
    ApiUsage,
    AuthenticationError,
    InvalidFieldError,
    RequestLimitExceededError,
    SalesforceError,
    SalesforceSession,
    SessionExpiredError,
    TransientError,
)
from sfc_fakes import (
    ACCESS_TOKEN,
    DATA,
    INSTANCE,
    PASSWORD_CONFIG,
    SECRETS,
    SERVER_TOKEN,
    SERVER_TOKEN_2,
    TOKEN_URL,
    sf_error,
    token_body,
)

MakeSession = Callable[..., SalesforceSession]
Login = Callable[..., None]
LIMITS = f"{DATA}/limits"
EXPIRED = sf_error("INVALID_SESSION_ID", "Session expired or invalid")


def bearer(token: str) -> list[Any]:
    return [matchers.header_matcher({"Authorization": f"Bearer {token}"})]


def test_logs_in_lazily_and_builds_urls(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    session = make_session()
    assert len(mocked.calls) == 0
    login()
    mocked.get(f"{DATA}/sobjects/Account/describe", json={"name": "Account"})
    mocked.get(f"{DATA}/sobjects", json={"sobjects": []})
    mocked.get(f"{INSTANCE}/services/data/", json=[{"version": "64.0"}])
    mocked.get(f"{DATA}/query/01gXX-2000", json={"records": []})
    assert session.get_json("sobjects/Account/describe") == {"name": "Account"}
    assert session.get_json("/sobjects") == {"sobjects": []}
    assert session.get_json("/services/data/") == [{"version": "64.0"}]
    assert session.get_json(f"{DATA}/query/01gXX-2000") == {"records": []}
    assert session.base_url == DATA
    assert (session.logins, session.calls) == (1, 4)


def test_refuses_foreign_absolute_url(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    with pytest.raises(ValueError, match="host other than the instance"):
        make_session().get_json("https://evil.example.com/services/data/v64.0/limits")


def test_timeouts_on_every_request(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, json={})
    make_session({**PASSWORD_CONFIG, "request_timeout": 12}).get_json("limits")
    assert [c.request.req_kwargs["timeout"] for c in mocked.calls] == [(12, 12), (12, 12)]


def test_default_timeouts(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, json={})
    make_session().get_json("limits")
    assert mocked.calls[1].request.req_kwargs["timeout"] == (30.0, 300.0)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "body": "<html><title>Down</title></html>", "content_type": "text/html"},
        {"status": 500, "json": sf_error("UNKNOWN_EXCEPTION", "oops")},
        {"status": 429, "json": sf_error("REQUEST_LIMIT_HIT", "slow down")},
        {"status": 420, "body": ""},
        {"status": 406, "body": ""},
        {
            "status": 400,
            "json": sf_error("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access"),
        },
        {"body": requests.ConnectionError("connection reset")},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ChunkedEncodingError("broken")},
    ],
)
def test_retries_transient_failures(
    mocked: responses.RequestsMock,
    make_session: MakeSession,
    login: Login,
    failure: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    login()
    mocked.get(LIMITS, **failure)
    mocked.get(LIMITS, **failure)
    mocked.get(LIMITS, json={"ok": True})
    session = make_session()
    with caplog.at_level(logging.WARNING, logger="salesforce_common"):
        assert session.get_json("limits") == {"ok": True}
    assert session.calls == 3
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retries) == 2
    assert retries[0].startswith("Retrying GET /services/data/v64.0/limits in 0.0s (attempt 1 of 6")


def test_gives_up_after_max_retries(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, status=503, body="down", content_type="text/plain")
    session = make_session({**PASSWORD_CONFIG, "max_retries": 2})
    with pytest.raises(TransientError) as info:
        session.get_json("limits")
    assert str(info.value) == "down (HTTP 503, GET /services/data/v64.0/limits)"
    assert session.calls == 3


def test_network_failure_message(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(f"{DATA}/query", body=requests.ConnectionError("reset by peer"))
    session = make_session({**PASSWORD_CONFIG, "max_retries": 1})
    with pytest.raises(TransientError) as info:
        list(session.iter_query("SELECT Id FROM Account"))
    assert str(info.value) == (
        "connection to acme.my.salesforce.com:443 failed (ConnectionError); "
        "gave up after 2 attempt(s) "
        "(GET /services/data/v64.0/query)"
    )


def test_retry_can_be_disabled(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.post(f"{DATA}/composite/sobjects", status=503, body="")
    session = make_session()
    with pytest.raises(TransientError):
        session.request("POST", "composite/sobjects", json={"records": []}, retry=False)
    assert session.calls == 1


def test_request_limit_exceeded_is_not_retried(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(
        LIMITS,
        status=403,
        json=sf_error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        headers={"Sforce-Limit-Info": "api-usage=5001/5000"},
    )
    session = make_session()
    with pytest.raises(RequestLimitExceededError) as info:
        session.get_json("limits")
    assert str(info.value) == (
        "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded. "
        "(HTTP 403, GET /services/data/v64.0/limits)"
    )
    assert session.calls == 1
    assert session.api_usage == ApiUsage(5001, 5000)


def test_other_errors_are_typed_and_not_retried(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(f"{DATA}/query", status=400, json=sf_error("INVALID_FIELD", "No such column"))
    session = make_session()
    with pytest.raises(InvalidFieldError) as info:
        session.get_json("query", params={"q": "SELECT Foo__c FROM Account"})
    assert str(info.value) == (
        "INVALID_FIELD: No such column (HTTP 400, GET /services/data/v64.0/query)"
    )
    assert session.calls == 1


def test_expired_session_logs_in_again_once(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login(SERVER_TOKEN)
    mocked.get(LIMITS, status=401, json=EXPIRED, match=bearer(SERVER_TOKEN))
    login(SERVER_TOKEN_2)
    mocked.get(LIMITS, json={"ok": True}, match=bearer(SERVER_TOKEN_2))
    session = make_session()
    assert session.get_json("limits") == {"ok": True}
    assert (session.logins, session.calls) == (2, 2)


def test_second_401_fails(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login(SERVER_TOKEN)
    mocked.get(LIMITS, status=401, json=EXPIRED)
    login(SERVER_TOKEN_2)
    mocked.get(LIMITS, status=401, json=EXPIRED)
    session = make_session()
    with pytest.raises(SessionExpiredError) as info:
        session.get_json("limits")
    assert str(info.value) == (
        "INVALID_SESSION_ID: Session expired or invalid; still rejected right after a new "
        "login (username/password flow) (HTTP 401, GET /services/data/v64.0/limits)"
    )
    assert (session.logins, session.calls) == (2, 2)


def test_relogin_failure_is_an_authentication_error(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, status=401, json=EXPIRED)
    mocked.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "x"})
    with pytest.raises(AuthenticationError, match="invalid_grant: x"):
        make_session().get_json("limits")


def test_access_token_401_is_final(
    mocked: responses.RequestsMock, make_session: MakeSession
) -> None:
    mocked.get(LIMITS, status=401, json=EXPIRED)
    session = make_session({"access_token": ACCESS_TOKEN, "domain": INSTANCE})
    with pytest.raises(SessionExpiredError) as info:
        session.get_json("limits")
    assert str(info.value) == (
        "INVALID_SESSION_ID: the access_token is expired or invalid and there is nothing to "
        "refresh it with; set a new access_token, or use a refreshable flow (username/password, "
        "refresh_token, private_key or client_id/client_secret) "
        "(HTTP 401, GET /services/data/v64.0/limits)"
    )
    assert (session.logins, session.calls) == (0, 1)


def test_tracks_api_usage(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, json={}, headers={"Sforce-Limit-Info": "api-usage=18/5000"})
    mocked.get(
        LIMITS,
        json={},
        headers={"Sforce-Limit-Info": "api-usage=19/5000, per-app-api-usage=3/250(appName=x)"},
    )
    mocked.get(LIMITS, json={})
    session = make_session()
    assert session.api_usage is None
    session.get_json("limits")
    assert session.api_usage == ApiUsage(18, 5000)
    session.get_json("limits")
    assert session.api_usage == ApiUsage(19, 5000)
    assert session.api_usage.percent == pytest.approx(0.38)
    session.get_json("limits")  # no header: keep the last known usage
    assert session.api_usage == ApiUsage(19, 5000)


def test_quota_guard_max_calls(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, json={})
    mocked.get(LIMITS, json={})
    session = make_session(max_api_calls=2)
    session.get_json("limits")
    session.get_json("limits")
    with pytest.raises(ApiQuotaGuardError, match="max_api_calls is 2"):
        session.get_json("limits")
    assert session.calls == 2  # the refused call was never sent


def test_quota_guard_percent(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, json={}, headers={"Sforce-Limit-Info": "api-usage=4499/5000"})
    mocked.get(LIMITS, json={}, headers={"Sforce-Limit-Info": "api-usage=4500/5000"})
    session = make_session(max_api_usage_percent=90)
    session.get_json("limits")
    session.get_json("limits")
    with pytest.raises(ApiQuotaGuardError) as info:
        session.check_quota()
    assert str(info.value) == (
        "API quota guard: the org has used 4500 of 5000 daily API calls (90.0%); one more "
        "would exceed max_api_usage_percent=90; wait for the 24-hour window or raise it"
    )
    with pytest.raises(ApiQuotaGuardError):
        session.get_json("limits")
    assert session.calls == 2


def test_quota_guard_stops_retries(
    mocked: responses.RequestsMock, make_session: MakeSession, login: Login
) -> None:
    login()
    mocked.get(LIMITS, status=503, body="")
    mocked.get(LIMITS, status=503, body="")
    session = make_session(max_api_calls=2)
    with pytest.raises(ApiQuotaGuardError):
        session.get_json("limits")
    assert session.calls == 2


@pytest.mark.parametrize(("include_deleted", "resource"), [(False, "query"), (True, "queryAll")])
def test_iter_query_follows_next_records_url(
    mocked: responses.RequestsMock,
    make_session: MakeSession,
    login: Login,
    include_deleted: bool,
    resource: str,
) -> None:
    soql = "SELECT Id, Name FROM Account WHERE Name = 'a&b'"

    def page(ids: list[str], next_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "totalSize": 5,
            "done": next_id is None,
            "records": [{"attributes": {"type": "Account"}, "Id": i} for i in ids],
        }
        if next_id:
            body["nextRecordsUrl"] = f"/services/data/v64.0/{resource}/01gXX-{next_id}"
        return body

    login()
    mocked.get(
        f"{DATA}/{resource}",
        json=page(["1", "2"], "2"),
        match=[matchers.query_param_matcher({"q": soql})],
    )
    mocked.get(f"{DATA}/{resource}/01gXX-2", json=page(["3", "4"], "4"))
    mocked.get(f"{DATA}/{resource}/01gXX-4", json=page(["5"], None))
    session = make_session()
    records = session.iter_query(soql, include_deleted=include_deleted)
    assert [r["Id"] for r in records] == ["1", "2", "3", "4", "5"]
    assert session.calls == 3


def test_context_manager_closes(make_session: MakeSession) -> None:
    with make_session() as session:
        assert session.api_version == "64.0"


def test_no_secret_in_logs_or_errors(
    mocked: responses.RequestsMock,
    make_session: MakeSession,
    caplog: pytest.LogCaptureFixture,
    private_pem: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []

    mocked.post(TOKEN_URL, status=503, body="")
    mocked.post(TOKEN_URL, json=token_body(SERVER_TOKEN))
    mocked.get(LIMITS, status=401, json=EXPIRED)
    mocked.post(TOKEN_URL, json=token_body(SERVER_TOKEN_2))
    mocked.get(LIMITS, body=requests.ConnectionError("boom"))
    mocked.get(LIMITS, status=400, json=sf_error("INVALID_FIELD", "bad"))
    with pytest.raises(SalesforceError) as info:
        make_session().get_json("limits")
    errors.append(info.value)

    mocked.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "no"})
    with pytest.raises(AuthenticationError) as auth_info:
        make_session().get_json("limits")
    errors.append(auth_info.value)

    mocked.get(LIMITS, status=401, json=EXPIRED)
    with pytest.raises(SessionExpiredError) as expired:
        make_session({"access_token": ACCESS_TOKEN, "domain": "acme.my"}).get_json("limits")
    errors.append(expired.value)

    # A server that echoes the secret back is redacted too.
    mocked.post(TOKEN_URL, json=token_body(SERVER_TOKEN))
    mocked.get(
        LIMITS, status=400, json=sf_error("X", f"bad password {PASSWORD_CONFIG['password']}")
    )
    with pytest.raises(SalesforceError) as echoed:
        make_session().get_json("limits")
    errors.append(echoed.value)
    assert "bad password ***" in str(echoed.value)

    mocked.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "no"})
    with pytest.raises(AuthenticationError) as jwt_info:
        make_session({"client_id": "c", "username": "u", "private_key": private_pem}).get_json(
            "limits"
        )
    errors.append(jwt_info.value)

    with pytest.raises(SalesforceError) as uri_error:
        make_session({"uri": f"salesforce://?password={SECRETS[0]}&bogus=1"})
    errors.append(uri_error.value)
    with pytest.raises(SalesforceError) as conflict:
        make_session({"access_token": ACCESS_TOKEN, "password": SECRETS[0], "domain": "acme.my"})
    errors.append(conflict.value)

    text = caplog.text + "\n".join(f"{e!s} {e!r}" for e in errors)
    assert "POST /services/oauth2/token" in caplog.text
    assert "GET /services/data/v64.0/limits" in caplog.text
    for secret in (*SECRETS, private_pem.splitlines()[1]):
        assert secret not in text
