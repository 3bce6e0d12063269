"""Fault rules over plain HTTP: error statuses, HTML 503s, drops, latency, expired sessions."""

from __future__ import annotations

import pytest
import requests
from emulator_http import error_of

SOQL = "SELECT Id FROM Account LIMIT 1"


def statuses(sf, count: int) -> list[int]:
    return [sf.query(SOQL).status_code for _ in range(count)]


@pytest.mark.parametrize(
    ("status", "code"),
    [(503, "SERVER_UNAVAILABLE"), (500, "SERVER_UNAVAILABLE"), (429, "UNKNOWN_EXCEPTION")],
)
def test_status_fault_has_salesforce_body(sf, status, code):
    sf.admin.add_fault(endpoint="query", status=status)
    response = sf.query(SOQL)
    error = error_of(response, status)
    assert error["errorCode"] == code
    assert response.headers["Content-Type"].startswith("application/json")
    assert sf.query(SOQL).status_code == 200


def test_custom_error_code_and_message(sf):
    sf.admin.add_fault(
        endpoint="query",
        status=403,
        error_code="API_DISABLED_FOR_ORG",
        message="API is not enabled",
    )
    assert sf.query(SOQL).json() == [
        {"message": "API is not enabled", "errorCode": "API_DISABLED_FOR_ORG"}
    ]


def test_html_503(sf):
    sf.admin.add_fault(endpoint="query", html=True)
    response = sf.query(SOQL)
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text
    assert "Service Unavailable" in response.text


@pytest.mark.parametrize(
    ("skip", "times", "expected"),
    [
        (0, 1, [503, 200, 200, 200, 200]),
        (1, 2, [200, 503, 503, 200, 200]),
        (2, 0, [200, 200, 503, 503, 503]),
    ],
)
def test_skip_and_times(sf, skip, times, expected):
    sf.admin.add_fault(endpoint="query", skip=skip, times=times)
    assert statuses(sf, 5) == expected


def test_drop_then_recover(sf):
    sf.admin.add_fault(endpoint="query", kind="drop")
    with pytest.raises(requests.ConnectionError):
        requests.get(
            sf.url("query"),
            params={"q": SOQL},
            headers={"Authorization": f"Bearer {sf.emulator.access_token}"},
            timeout=10,
        )
    assert sf.query(SOQL).status_code == 200


def test_latency(sf):
    sf.admin.add_fault(endpoint="query", kind="latency", delay=1.5)
    headers = {"Authorization": f"Bearer {sf.emulator.access_token}"}
    with pytest.raises(requests.Timeout):  # the delayed call outlasts a client's patience
        sf.http.get(sf.url("query"), params={"q": SOQL}, headers=headers, timeout=0.4)
    assert [r["fired"] for r in sf.admin.faults()] == [1]
    assert sf.query(SOQL).status_code == 200  # spent: the next call is answered


def test_expire_session_then_relogin(sf):
    sf.admin.add_fault(endpoint="query", kind="expire_session")
    error = error_of(sf.query(SOQL), 401)
    assert error["errorCode"] == "INVALID_SESSION_ID"
    assert sf.get("limits").status_code == 401
    sf.login()
    assert sf.query(SOQL).status_code == 200


@pytest.mark.parametrize(
    ("rule", "path", "method", "faulted"),
    [
        ({"endpoint": "describe"}, "sobjects/Account/describe", "GET", True),
        ({"endpoint": "describe"}, "sobjects", "GET", False),
        (
            {"endpoint": "describe", "path_contains": "/Account/"},
            "sobjects/Contact/describe",
            "GET",
            False,
        ),
        (
            {"endpoint": "describe", "path_contains": "/Account/"},
            "sobjects/Account/describe",
            "GET",
            True,
        ),
        ({"endpoint": "sobject", "method": "POST"}, "sobjects/Contact", "GET", False),
        ({"endpoint": "sobject", "method": "post"}, "sobjects/Contact", "POST", True),
        ({"path_contains": "/limits"}, "limits", "GET", True),
        ({"path_contains": "/limits"}, "sobjects", "GET", False),
    ],
)
def test_matching(sf, rule, path, method, faulted):
    sf.admin.add_fault(status=502, **rule)
    body = {"LastName": "Faulty"} if method == "POST" else None
    response = sf.request(method, path, json=body)
    assert (response.status_code == 502) is faulted, response.text
    assert [r["fired"] for r in sf.admin.faults()] == [int(faulted)]


def test_admin_is_never_faulted(sf):
    sf.admin.add_fault(endpoint="*", times=0)
    sf.admin.add_fault(endpoint="*", kind="drop", times=0)
    assert sf.admin.health()["status"] == "ok"
    assert sf.admin.records("Account")
    assert sf.admin.settings()["page_size"] == 2000
    assert sf.query(SOQL).status_code == 503


def test_reset_clears_faults_and_counts(sf):
    sf.query(SOQL)
    sf.get("limits")
    sf.admin.add_fault(endpoint="query", times=0)
    calls = sf.admin.calls()
    assert calls["total"] == 2
    assert calls["by_endpoint"] == {"query": 1, "limits": 1}
    sf.admin.reset()
    assert sf.admin.calls() == {"total": 0, "by_endpoint": {}}
    assert sf.query(SOQL).status_code == 200
    assert sf.admin.calls()["by_endpoint"] == {"query": 1}


def test_calls_by_endpoint(sf):
    sf.admin.settings(page_size=10)
    body = sf.query("SELECT Id FROM Contact").json()
    sf.get(body["nextRecordsUrl"])
    sf.get("sobjects/Contact/describe")
    sf.get("sobjects/Account/describe")
    sf.post("jobs/query", json={"operation": "query", "query": "SELECT Id FROM Contact"})
    sf.get("/services/data/")
    assert sf.admin.calls()["by_endpoint"] == {
        "query": 1,
        "query_more": 1,
        "describe": 2,
        "bulk_query_jobs": 1,
    }
