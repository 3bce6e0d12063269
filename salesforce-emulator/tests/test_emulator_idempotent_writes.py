"""Writes that are safe to resend, over plain HTTP: external-ID fields added by the admin API,
sObject collection upserts by external id, and the UI API create with ``Idempotency-Key``.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from emulator_http import error_of

EMAIL_KEY = {
    "name": "Email_Key__c",
    "type": "email",
    "externalId": True,
    "unique": True,
    "caseSensitive": False,
}
UPSERT = "composite/sobjects/Contact/Email_Key__c"


@pytest.fixture
def keyed(sf):
    """The per-test org with ``Contact.Email_Key__c`` (unique, case-insensitive external id)."""
    sf.admin.add_field("Contact", EMAIL_KEY)
    return sf


def contact(key: str | None, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "Contact"}, **values}
    if key is not None:
        record["Email_Key__c"] = key
    return record


def stored(sf, key: str) -> list[dict[str, Any]]:
    return [
        r
        for r in sf.admin.records("Contact")
        if (r.get("Email_Key__c") or "").lower() == key.lower()
    ]


# --- add_field --------------------------------------------------------------------------------


def test_added_field_is_described(keyed):
    described = keyed.admin.add_field("Contact", {"name": "Other_Key__c", "type": "string"})
    assert described["name"] == "Other_Key__c"
    fields = {f["name"]: f for f in keyed.get("sobjects/Contact/describe").json()["fields"]}
    key = fields["Email_Key__c"]
    assert (key["type"], key["externalId"], key["idLookup"], key["unique"]) == (
        "email",
        True,
        True,
        True,
    )
    assert key["caseSensitive"] is False
    assert key["custom"] is True
    assert key["nillable"] is True
    assert fields["Email"]["externalId"] is False
    assert fields["Other_Key__c"]["externalId"] is False


def test_added_field_works_in_soql_and_writes(keyed):
    created = keyed.post("sobjects/Contact", json={"LastName": "Keyed", "Email_Key__c": "a@k.io"})
    assert created.status_code == 201, created.text
    body = keyed.query("SELECT Id, Email_Key__c FROM Contact WHERE Email_Key__c = 'A@K.IO'").json()
    assert [r["Email_Key__c"] for r in body["records"]] == ["a@k.io"]
    job = keyed.post(
        "jobs/query", json={"operation": "query", "query": "SELECT Email_Key__c FROM Contact"}
    )
    assert job.status_code == 200, job.text


@pytest.mark.parametrize("second", ["a@k.io", "A@K.IO"])
def test_unique_is_enforced_ignoring_case(keyed, second):
    first = keyed.post("sobjects/Contact", json={"LastName": "One", "Email_Key__c": "a@k.io"})
    clash = keyed.post("sobjects/Contact", json={"LastName": "Two", "Email_Key__c": second})
    error = error_of(clash, 400)
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert error["fields"] == ["Email_Key__c"]
    assert first.json()["id"] in error["message"]
    other = keyed.post("sobjects/Contact", json={"LastName": "Two", "Email_Key__c": "b@k.io"})
    update = keyed.patch(f"sobjects/Contact/{other.json()['id']}", json={"Email_Key__c": second})
    assert error_of(update, 400)["errorCode"] == "DUPLICATE_VALUE"


def test_case_sensitive_unique_field(sf):
    sf.admin.add_field(
        "Contact", {"name": "Code__c", "type": "string", "unique": True, "caseSensitive": True}
    )
    assert sf.post("sobjects/Contact", json={"LastName": "A", "Code__c": "x1"}).status_code == 201
    assert sf.post("sobjects/Contact", json={"LastName": "B", "Code__c": "X1"}).status_code == 201
    clash = sf.post("sobjects/Contact", json={"LastName": "C", "Code__c": "X1"})
    assert error_of(clash, 400)["errorCode"] == "DUPLICATE_VALUE"


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "NoSuffix", "type": "string"},
        {"name": "Email", "type": "email"},
        {"name": "Bad__c", "type": "address"},
        {"name": "Flag__c", "type": "boolean", "externalId": True},
        {"name": "X__c", "type": "string", "color": "red"},
    ],
)
def test_bad_field_specs_are_refused(sf, spec):
    response = requests.post(
        f"{sf.emulator.url}/__admin/objects/Contact/fields", json=spec, timeout=10
    )
    assert response.status_code == 400, response.text


# --- composite/sobjects/{X}/{ExternalIdField} -------------------------------------------------


def test_collection_upsert_creates_then_updates(keyed):
    records = [contact(f"p{n}@k.io", LastName=f"P{n}") for n in range(3)]
    first = keyed.patch(UPSERT, json={"allOrNone": False, "records": records})
    assert first.status_code == 200, first.text
    results = first.json()
    assert [(r["success"], r["created"], r["errors"]) for r in results] == [(True, True, [])] * 3
    assert all(len(stored(keyed, f"p{n}@k.io")) == 1 for n in range(3))
    assert keyed.admin.calls()["by_endpoint"]["composite_sobjects_upsert"] == 1

    again = [contact(f"P{n}@K.IO", LastName=f"P{n}", Title="Again") for n in range(3)]
    second = keyed.patch(UPSERT, json={"allOrNone": False, "records": again}).json()
    assert [r["id"] for r in second] == [r["id"] for r in results]
    assert [r["created"] for r in second] == [False] * 3
    assert all(len(stored(keyed, f"p{n}@k.io")) == 1 for n in range(3))
    assert {r["Title"] for n in range(3) for r in stored(keyed, f"p{n}@k.io")} == {"Again"}


def test_collection_upsert_result_shape_and_order(keyed):
    keyed.admin.insert("Contact", [{"LastName": "Old", "Email_Key__c": "old@k.io"}])
    records = [
        contact("new@k.io", LastName="New"),
        contact("old@k.io", Title="Updated"),
        contact("bad@k.io"),  # no LastName: REQUIRED_FIELD_MISSING on create
        contact(None, LastName="NoKey"),
    ]
    results = keyed.patch(UPSERT, json={"records": records}).json()
    assert [set(r) for r in results] == [{"id", "success", "created", "errors"}] * 4
    assert [(r["success"], r["created"]) for r in results] == [
        (True, True),
        (True, False),
        (False, False),
        (False, False),
    ]
    assert results[2]["id"] is None
    assert results[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert results[3]["errors"] == [
        {
            "statusCode": "MISSING_ARGUMENT",
            "message": "Email_Key__c not specified",
            "fields": ["Email_Key__c"],
        }
    ]


def test_collection_upsert_duplicate_external_ids(keyed):
    keyed.admin.insert(
        "Contact",
        [
            {"LastName": "Twin", "Email_Key__c": "twin@k.io"},
            {"LastName": "Twin", "Email_Key__c": "TWIN@k.io"},
        ],
    )
    records = [
        contact("twin@k.io", Title="x"),
        contact("same@k.io", LastName="A"),
        contact("SAME@k.io", LastName="B"),
        contact("fine@k.io", LastName="C"),
    ]
    results = keyed.patch(UPSERT, json={"records": records}).json()
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]
    assert codes == ["DUPLICATE_EXTERNAL_ID"] * 3 + [None]
    assert "more than one record" in results[0]["errors"][0]["message"]
    assert stored(keyed, "same@k.io") == []


def test_collection_upsert_all_or_none(keyed):
    records = [contact("a@k.io", LastName="A"), contact("b@k.io")]
    results = keyed.patch(UPSERT, json={"allOrNone": True, "records": records}).json()
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert all(r["id"] is None and r["created"] is False for r in results)
    assert stored(keyed, "a@k.io") == []


def test_collection_upsert_wrong_type_in_attributes(keyed):
    record = {"attributes": {"type": "Lead"}, "Email_Key__c": "t@k.io", "LastName": "T"}
    [result] = keyed.patch(UPSERT, json={"records": [record]}).json()
    assert result["errors"][0]["statusCode"] == "INVALID_TYPE"


@pytest.mark.parametrize("field", ["Email", "LastName", "Nope__c"])
def test_collection_upsert_needs_an_external_id_field(keyed, field):
    response = keyed.patch(
        f"composite/sobjects/Contact/{field}", json={"records": [contact("x@k.io")]}
    )
    assert error_of(response, 400)["errorCode"] == "INVALID_FIELD"


def test_collection_upsert_size_limit(keyed):
    records = [contact(f"n{n}@k.io", LastName="N") for n in range(201)]
    response = keyed.patch(UPSERT, json={"records": records})
    assert error_of(response, 400)["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_collection_upsert_record_error_fault(keyed):
    keyed.admin.add_fault(endpoint="composite_sobjects_upsert", kind="record_error")
    results = keyed.patch(UPSERT, json={"records": [contact("l@k.io", LastName="L")]}).json()
    assert results[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert results[0]["success"] is False
    assert stored(keyed, "l@k.io") == []


def test_upsert_resent_after_a_reset_does_not_duplicate(keyed):
    keyed.admin.add_fault(endpoint="composite_sobjects_upsert", kind="drop_after")
    body = {"records": [contact("r@k.io", LastName="R")]}
    with pytest.raises(requests.ConnectionError):
        keyed.patch(UPSERT, json=body)
    [result] = keyed.patch(UPSERT, json=body).json()
    assert (result["success"], result["created"]) == (True, False)
    assert len(stored(keyed, "r@k.io")) == 1


def test_bulk_upsert_on_the_added_field_ignores_case(keyed):
    keyed.admin.insert("Contact", [{"LastName": "Bulk", "Email_Key__c": "bulk@k.io"}])
    job = keyed.post(
        "jobs/ingest",
        json={"object": "Contact", "operation": "upsert", "externalIdFieldName": "Email_Key__c"},
    ).json()
    keyed.put(
        f"jobs/ingest/{job['id']}/batches",
        data=b"Email_Key__c,Title\nBULK@K.IO,Bulked\n",
        headers={"Content-Type": "text/csv"},
    )
    keyed.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    for _ in range(3):
        info = keyed.get(f"jobs/ingest/{job['id']}").json()
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (1, 0)
    [row] = stored(keyed, "bulk@k.io")
    assert row["Title"] == "Bulked"


# --- ui-api/records ---------------------------------------------------------------------------


def ui_create(sf, fields: dict[str, Any], key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return sf.post("ui-api/records", json={"apiName": "Contact", "fields": fields}, headers=headers)


def test_ui_api_create_answers_a_record_representation(sf):
    response = ui_create(sf, {"LastName": "Ui", "FirstName": "Rep", "Email": "ui@x.io"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["apiName"] == "Contact"
    assert body["id"].startswith("003")
    assert body["fields"]["LastName"] == {"displayValue": None, "value": "Ui"}
    assert body["fields"]["Name"]["value"] == "Rep Ui"
    assert body["fields"]["Id"]["value"] == body["id"]
    assert sf.admin.records("Contact", [body["id"]])[0]["Email"] == "ui@x.io"
    assert sf.admin.calls()["by_endpoint"] == {"ui_api_records": 1}


def test_ui_api_idempotency_key_returns_the_first_answer(sf):
    key = str(uuid.uuid4())
    first = ui_create(sf, {"LastName": "Once"}, key)
    second = ui_create(sf, {"LastName": "Once"}, key)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert [r["LastName"] for r in sf.admin.records("Contact")].count("Once") == 1
    third = ui_create(sf, {"LastName": "Once"}, str(uuid.uuid4()))
    assert third.json()["id"] != first.json()["id"]
    assert [r["LastName"] for r in sf.admin.records("Contact")].count("Once") == 2


def test_ui_api_idempotency_survives_a_reset_connection(sf):
    key = str(uuid.uuid4())
    sf.admin.add_fault(endpoint="ui_api_records", kind="drop_after")
    with pytest.raises(requests.ConnectionError):
        ui_create(sf, {"LastName": "Dropped"}, key)
    retried = ui_create(sf, {"LastName": "Dropped"}, key)
    assert retried.status_code == 201
    assert [r["LastName"] for r in sf.admin.records("Contact")].count("Dropped") == 1


def test_ui_api_idempotency_is_per_user(sf):
    key = str(uuid.uuid4())
    ui_create(sf, {"LastName": "PerUser"}, key)
    sf.admin.add_user("other@demo.example.com", "pw")
    token = requests.post(
        f"{sf.emulator.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": "3MVG9demo.connected.app.consumer.key",
            "client_secret": "demo-consumer-secret-0000",
            "username": "other@demo.example.com",
            "password": "pw",
        },
        timeout=10,
    ).json()["access_token"]
    sf.http.headers["Authorization"] = f"Bearer {token}"
    ui_create(sf, {"LastName": "PerUser"}, key)
    assert [r["LastName"] for r in sf.admin.records("Contact")].count("PerUser") == 2


def test_ui_api_errors_are_arrays_and_not_cached(sf):
    key = str(uuid.uuid4())
    error = error_of(ui_create(sf, {"FirstName": "NoLast"}, key), 400)
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert ui_create(sf, {"LastName": "Later"}, key).status_code == 201
    missing = sf.post("ui-api/records", json={"fields": {"LastName": "x"}})
    assert error_of(missing, 400)["errorCode"] == "INVALID_INPUT"
    unknown = sf.post("ui-api/records", json={"apiName": "Nope", "fields": {}})
    assert error_of(unknown, 404)["errorCode"] == "NOT_FOUND"


def test_ui_api_keys_are_forgotten_on_reset(sf):
    key = str(uuid.uuid4())
    ui_create(sf, {"LastName": "Reset"}, key)
    sf.admin.reset()
    ui_create(sf, {"LastName": "Reset"}, key)
    assert [r["LastName"] for r in sf.admin.records("Contact")].count("Reset") == 2
