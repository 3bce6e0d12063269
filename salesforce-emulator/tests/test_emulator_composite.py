"""``POST composite``: dependent sub-requests, references, allOrNone, limits and answer shape."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from emulator_http import VERSION, Api, error_of

BASE = f"/services/data/v{VERSION}"


def composite(sf: Api, requests: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    """The compositeResponse of one composite call (which must answer 200)."""
    response = sf.post("composite", json={**options, "compositeRequest": requests})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["compositeResponse"]
    for entry in body["compositeResponse"]:
        assert list(entry) == ["body", "httpHeaders", "httpStatusCode", "referenceId"]
    return list(body["compositeResponse"])


def create_account(ref: str, name: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "url": f"{BASE}/sobjects/Account",
        "referenceId": ref,
        "body": {"Name": name},
    }


def contacts_named(sf: Api, last_name: str) -> list[dict[str, Any]]:
    return sf.query(f"SELECT Id, AccountId FROM Contact WHERE LastName = '{last_name}'").json()[
        "records"
    ]


def test_later_subrequests_use_earlier_answers(sf):
    answers = composite(
        sf,
        [
            create_account("NewAccount", "Composite Co"),
            {
                "method": "POST",
                "url": f"{BASE}/sobjects/Contact",
                "referenceId": "NewContact",
                "body": {"LastName": "Chained", "AccountId": "@{NewAccount.id}"},
            },
            {
                "method": "GET",
                "url": f"{BASE}/query?q=SELECT+Id,Name+FROM+Account+WHERE+Id='@{{NewAccount.id}}'",
                "referenceId": "q",
            },
            {
                "method": "PATCH",
                "url": f"{BASE}/sobjects/Account/@{{q.records[0].Id}}",
                "referenceId": "rename",
                "body": {"Description": "renamed from @{q.records[0].Name}"},
            },
            {
                "method": "GET",
                "url": f"{BASE}/sobjects/Account/@{{NewAccount.id}}?fields=Description",
                "referenceId": "check",
            },
        ],
        allOrNone=True,
        collateSubrequests=False,
    )
    account_id = answers[0]["body"]["id"]
    assert [a["httpStatusCode"] for a in answers] == [201, 201, 200, 204, 200]
    assert [a["referenceId"] for a in answers] == [
        "NewAccount",
        "NewContact",
        "q",
        "rename",
        "check",
    ]
    assert answers[0]["httpHeaders"] == {"Location": f"{BASE}/sobjects/Account/{account_id}"}
    assert answers[0]["body"] == {"id": account_id, "success": True, "errors": []}
    assert answers[2]["httpHeaders"] == {}
    assert answers[2]["body"]["records"][0]["Name"] == "Composite Co"
    assert answers[3]["body"] is None
    assert answers[4]["body"]["Description"] == "renamed from Composite Co"
    assert [c["AccountId"] for c in contacts_named(sf, "Chained")] == [account_id]


def used_calls(response) -> int:
    """The API calls used so far, from ``Sforce-Limit-Info: api-usage=USED/MAX``."""
    return int(response.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])


def test_composite_is_one_api_call(sf):
    used = used_calls(sf.get("limits"))
    total = sf.admin.calls()["total"]
    response = sf.post(
        "composite",
        json={"compositeRequest": [create_account(f"a{i}", f"Counted {i}") for i in range(5)]},
    )
    assert response.status_code == 200
    assert used_calls(response) == used + 1
    calls = sf.admin.calls()
    assert calls["total"] == total + 1
    assert calls["by_endpoint"]["composite"] == 1
    assert "sobject" not in calls["by_endpoint"]


def test_all_or_none_failure_rolls_back_every_write(sf):
    answers = composite(
        sf,
        [
            create_account("first", "Rolled Back Co"),
            {
                "method": "POST",
                "url": f"{BASE}/sobjects/Contact",
                "referenceId": "bad",
                "body": {"LastName": "Broken", "Email": "not an email"},
            },
            create_account("never", "Never Run Co"),
        ],
        allOrNone=True,
    )
    assert [a["httpStatusCode"] for a in answers] == [400, 400, 400]
    assert answers[1]["body"][0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    halted = [answers[0]["body"], answers[2]["body"]]
    assert (
        halted
        == [
            [
                {
                    "errorCode": "PROCESSING_HALTED",
                    "message": "The transaction was rolled back since another operation in the "
                    "same transaction failed.",
                }
            ]
        ]
        * 2
    )
    for name in ("Rolled Back Co", "Never Run Co"):
        count = sf.query(f"SELECT COUNT() FROM Account WHERE Name = '{name}'").json()
        assert count["totalSize"] == 0


def test_all_or_none_overrides_a_collections_subrequest(sf):
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{BASE}/composite/sobjects",
                "referenceId": "collection",
                "body": {
                    "allOrNone": False,
                    "records": [
                        {"attributes": {"type": "Contact"}, "LastName": "Kept Maybe"},
                        {"attributes": {"type": "Contact"}, "Email": "no-last-name@x.example"},
                    ],
                },
            },
            create_account("after", "After Collection Co"),
        ],
        allOrNone=True,
    )
    assert answers[0]["httpStatusCode"] == 200
    assert [r["success"] for r in answers[0]["body"]] == [False, False]
    assert answers[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert contacts_named(sf, "Kept Maybe") == []


def test_without_all_or_none_failures_only_halt_their_dependents(sf):
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{BASE}/sobjects/Contact",
                "referenceId": "badContact",
                "body": {"Email": "missing-last-name@x.example"},
            },
            create_account("goodAccount", "Independent Co"),
            {
                "method": "PATCH",
                "url": f"{BASE}/sobjects/Contact/@{{badContact.id}}",
                "referenceId": "dependent",
                "body": {"Title": "never"},
            },
            {
                "method": "GET",
                "url": f"{BASE}/sobjects/Account/@{{goodAccount.id}}?fields=Name",
                "referenceId": "readBack",
            },
        ],
        allOrNone=False,
    )
    assert [a["httpStatusCode"] for a in answers] == [400, 201, 400, 200]
    assert answers[0]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    [halted] = answers[2]["body"]
    assert halted["errorCode"] == "PROCESSING_HALTED"
    assert halted["message"].startswith("Invalid reference specified. No value for badContact.id")
    assert answers[3]["body"]["Name"] == "Independent Co"
    assert (
        sf.query("SELECT COUNT() FROM Account WHERE Name = 'Independent Co'").json()["totalSize"]
        == 1
    )


def test_reference_to_a_missing_value_is_invalid(sf):
    answers = composite(
        sf,
        [
            {
                "method": "GET",
                "url": f"{BASE}/query?q=SELECT+Id+FROM+Account+LIMIT+1",
                "referenceId": "q",
            },
            {
                "method": "GET",
                "url": f"{BASE}/sobjects/Account/@{{q.records[5].Id}}",
                "referenceId": "tooFar",
            },
            {"method": "GET", "url": f"{BASE}/sobjects/Account/@{{nobody.id}}", "referenceId": "x"},
        ],
    )
    assert [a["httpStatusCode"] for a in answers] == [200, 400, 400]
    assert {a["body"][0]["errorCode"] for a in answers[1:]} == {"PROCESSING_HALTED"}


def test_subrequest_http_headers_are_passed_on(sf):
    sf.admin.settings(duplicate_rules=["Contact"])
    email = sf.query("SELECT Email FROM Contact WHERE Email != null LIMIT 1").json()["records"][0]
    duplicate = {"LastName": "Twin", "Email": email["Email"]}
    url = f"{BASE}/sobjects/Contact"
    answers = composite(
        sf,
        [
            {"method": "POST", "url": url, "referenceId": "refused", "body": duplicate},
            {
                "method": "POST",
                "url": url,
                "referenceId": "allowed",
                "body": duplicate,
                "httpHeaders": {"Sforce-Duplicate-Rule-Header": "allowSave=true"},
            },
        ],
    )
    assert answers[0]["httpStatusCode"] == 400
    assert answers[0]["body"][0]["errorCode"] == "DUPLICATES_DETECTED"
    assert answers[1]["httpStatusCode"] == 201


def test_more_than_25_subrequests_are_refused(sf):
    requests = [create_account(f"a{i}", f"Too Many {i}") for i in range(26)]
    response = sf.post("composite", json={"compositeRequest": requests})
    error = error_of(response, 400)
    assert error["errorCode"] == "LIMIT_EXCEEDED"
    assert "25" in error["message"]
    assert (
        sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Too Many%'").json()["totalSize"] == 0
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"compositeRequest": []},
        {"compositeRequest": [{"method": "GET", "url": f"{BASE}/limits"}]},
        {"compositeRequest": [{"method": "GET", "url": f"{BASE}/limits", "referenceId": "a-b"}]},
        {
            "compositeRequest": [
                {"method": "GET", "url": f"{BASE}/limits", "referenceId": "same"},
                {"method": "GET", "url": f"{BASE}/limits", "referenceId": "same"},
            ]
        },
    ],
)
def test_malformed_composite_bodies_are_400(sf, body):
    error_of(sf.post("composite", json=body), 400)


def test_composite_and_batch_are_not_allowed_inside_composite(sf):
    answers = composite(
        sf,
        [
            {
                "method": "POST",
                "url": f"{BASE}/composite",
                "referenceId": "inner",
                "body": {"compositeRequest": [create_account("x", "Nested Co")]},
            }
        ],
    )
    assert answers[0]["httpStatusCode"] == 400


def test_composite_answers_and_reads_gzip(sf):
    data = gzip.compress(
        json.dumps(
            {
                "compositeRequest": [
                    {
                        "method": "GET",
                        "url": f"{BASE}/query?q=SELECT+Id+FROM+Account",
                        "referenceId": "q",
                    }
                ]
            }
        ).encode()
    )
    response = sf.http.post(
        sf.url("composite"),
        data=data,
        headers={
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Accept-Encoding": "gzip",
        },
        stream=True,
        timeout=30,
    )
    response.raw.decode_content = False
    raw = response.raw.read()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(raw))
    assert body["compositeResponse"][0]["httpStatusCode"] == 200
