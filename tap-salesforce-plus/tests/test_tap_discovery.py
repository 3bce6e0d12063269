"""Discovery: one global describe, then per-object describes 25 to a composite/batch call."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from salesforce_common import SalesforceError, SalesforceSession
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus.discovery import describe_objects
from tapsf_support import make_tap

INSTANCE = "https://acme.my.salesforce.com"
BATCH_URL = f"{INSTANCE}/services/data/v64.0/composite/batch"


def test_describes_are_batched_25_per_composite_call(emulator: RunningEmulator) -> None:
    for n in range(12):
        spec = {"name": f"Extra_{n:02d}__c", "fields": [{"name": "Score__c", "type": "double"}]}
        emulator.admin.define_object(spec)
    emulator.admin.reset()
    run = make_tap(emulator.config(tables=["*", "custom:*"]))
    streams = run.tap.streams
    assert len(streams) == 17 + 2 + 12
    assert streams["extra_07__c"].schema["properties"]["Score__c"] == {"type": ["number", "null"]}
    assert streams["extra_07__c"].replication_key == "SystemModstamp"
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls == {"describe_global": 1, "composite_batch": 2}


def describe_result(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "result": body}


@pytest.fixture
def session() -> SalesforceSession:
    return SalesforceSession({"domain": INSTANCE, "access_token": "token-under-test"})


@responses.activate
def test_object_the_org_lacks_is_reported_missing(session: SalesforceSession) -> None:
    not_found = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    responses.post(
        BATCH_URL,
        json={
            "hasErrors": True,
            "results": [
                describe_result(200, {"name": "Account", "fields": []}),
                describe_result(404, not_found),
            ],
        },
    )
    describes = describe_objects(session, ["Account", "Gone__c"])
    assert list(describes.found) == ["Account"]
    assert describes.missing == {
        "Gone__c": "NOT_FOUND: describe of Gone__c failed: The requested resource does not exist "
        "(HTTP 404, GET sobjects/Gone__c/describe (in composite/batch))"
    }
    sent = responses.calls[0].request
    assert sent.body is not None
    assert b'"url": "/services/data/v64.0/sobjects/Gone__c/describe"' in sent.body


@responses.activate
def test_other_describe_failures_stop_discovery(session: SalesforceSession) -> None:
    denied = [{"errorCode": "INSUFFICIENT_ACCESS", "message": "insufficient access rights"}]
    responses.post(BATCH_URL, json={"hasErrors": True, "results": [describe_result(403, denied)]})
    with pytest.raises(SalesforceError, match=r"^INSUFFICIENT_ACCESS: describe of Case failed"):
        describe_objects(session, ["Case"])
