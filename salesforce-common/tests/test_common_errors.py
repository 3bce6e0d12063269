"""Error responses → typed exceptions with one-line messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from salesforce_common import (
    AccessDeniedError,
    InvalidFieldError,
    InvalidQueryLocatorError,
    MalformedQueryError,
    NotFoundError,
    QueryTimeoutError,
    RequestLimitExceededError,
    SalesforceError,
    SessionExpiredError,
    TransientError,
    error_from_response,
)
from sfc_fakes import sf_error

URL = "https://acme.my.salesforce.com/services/data/v64.0/query?q=SELECT+Id+FROM+Account"


def make_response(
    status: int,
    body: Any = None,
    *,
    text: str | None = None,
    content_type: str = "application/json",
    reason: str = "",
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = reason
    response.headers["Content-Type"] = content_type
    response._content = (text if text is not None else json.dumps(body)).encode()
    request = requests.Request("GET", URL).prepare()
    response.request = request
    response.url = URL
    return response


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, "INVALID_SESSION_ID", SessionExpiredError),
        (403, "REQUEST_LIMIT_EXCEEDED", RequestLimitExceededError),
        (400, "QUERY_TIMEOUT", QueryTimeoutError),
        (400, "INVALID_QUERY_LOCATOR", InvalidQueryLocatorError),
        (400, "INVALID_FIELD", InvalidFieldError),
        (400, "MALFORMED_QUERY", MalformedQueryError),
        (400, "INVALID_TYPE", MalformedQueryError),
        (404, "NOT_FOUND", NotFoundError),
        (403, "INSUFFICIENT_ACCESS", AccessDeniedError),
        (403, "API_DISABLED_FOR_ORG", AccessDeniedError),
        (400, "UNABLE_TO_LOCK_ROW", TransientError),
        (503, "SERVER_UNAVAILABLE", TransientError),
        (500, "UNKNOWN_EXCEPTION", TransientError),
        (429, "REQUEST_LIMIT_HIT", TransientError),
        (406, "X", TransientError),
        (420, "X", TransientError),
        (400, "DUPLICATE_VALUE", SalesforceError),
    ],
)
def test_maps_error_codes(status: int, code: str, cls: type[SalesforceError]) -> None:
    error = error_from_response(make_response(status, sf_error(code, "Something went wrong")))
    assert type(error) is cls
    assert (error.status, error.error_code, error.message) == (status, code, "Something went wrong")
    assert str(error) == (
        f"{code}: Something went wrong (HTTP {status}, GET /services/data/v64.0/query)"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, SessionExpiredError),
        (403, AccessDeniedError),
        (404, NotFoundError),
        (502, TransientError),
    ],
)
def test_maps_status_without_code(status: int, cls: type[SalesforceError]) -> None:
    error = error_from_response(make_response(status, text="", reason="Nope"))
    assert type(error) is cls
    assert error.error_code is None
    assert str(error) == f"Nope (HTTP {status}, GET /services/data/v64.0/query)"


def test_message_is_one_line_and_keeps_fields() -> None:
    body = sf_error(
        "INVALID_FIELD",
        "\nSELECT Foo__c FROM Account\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo__c'",
        ["Foo__c"],
    ) + sf_error("INVALID_FIELD", "second")
    error = error_from_response(make_response(400, body))
    assert "\n" not in str(error)
    assert error.message.startswith("SELECT Foo__c FROM Account ^ ERROR at Row:1:Column:8")
    assert error.message.endswith("(and 1 more error(s))")
    assert error.fields == ["Foo__c"]
    assert "q=" not in str(error)


def test_long_message_is_cut() -> None:
    error = error_from_response(make_response(400, sf_error("MALFORMED_QUERY", "x" * 5000)))
    assert len(error.message) == 500
    assert error.message.endswith("...")


def test_html_503_is_summarized() -> None:
    html = "<html><head><title>Service Unavailable</title></head><body>" + "<p>x</p>" * 500
    error = error_from_response(
        make_response(503, text=html, content_type="text/html", reason="Service Unavailable")
    )
    assert isinstance(error, TransientError)
    assert str(error) == (
        "Service Unavailable (HTML error page) (HTTP 503, GET /services/data/v64.0/query)"
    )


def test_plain_text_body() -> None:
    error = error_from_response(
        make_response(500, text="upstream\nreset", content_type="text/plain")
    )
    assert error.message == "upstream reset"


def test_bulk_and_oauth_shapes() -> None:
    bulk = error_from_response(
        make_response(400, sf_error("INVALIDENTITY", "Entity 'X' is not supported by the Bulk API"))
    )
    assert bulk.error_code == "INVALIDENTITY"
    oauth = error_from_response(
        make_response(400, {"error": "invalid_grant", "error_description": "expired"})
    )
    assert (oauth.error_code, oauth.message) == ("invalid_grant", "expired")
    single = error_from_response(make_response(400, {"errorCode": "NOT_FOUND", "message": "gone"}))
    assert isinstance(single, NotFoundError)


def test_collection_status_code_shape() -> None:
    body = [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "locked", "fields": []}]
    assert isinstance(error_from_response(make_response(400, body)), TransientError)


def test_explicit_context_overrides_request() -> None:
    error = error_from_response(
        make_response(404, sf_error("NOT_FOUND", "gone")), method="PATCH", path="/x"
    )
    assert str(error) == "NOT_FOUND: gone (HTTP 404, PATCH /x)"
