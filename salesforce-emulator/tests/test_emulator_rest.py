"""REST over plain HTTP: versions, describe, limits, API usage, record CRUD, upsert, replication."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import requests
from emulator_http import VERSION, Api, error_of
from salesforce_emulator.catalog import demo_catalog

OBJECTS = [obj.name for obj in demo_catalog()]
FIELD_KEYS = {
    "name", "label", "type", "soapType", "length", "precision", "scale", "nillable", "createable",
    "updateable", "defaultedOnCreate", "custom", "calculated", "compoundFieldName", "referenceTo",
    "relationshipName", "picklistValues", "externalId", "idLookup",
}  # fmt: skip
LIMIT_INFO = re.compile(r"^api-usage=(\d+)/(\d+)$")


def usage(response: requests.Response) -> tuple[int, int]:
    """(used, max) from ``Sforce-Limit-Info``."""
    match = LIMIT_INFO.match(response.headers.get("Sforce-Limit-Info", ""))
    assert match, response.headers
    return int(match[1]), int(match[2])


def fields_by_name(api: Api, obj: str) -> dict[str, dict[str, Any]]:
    response = api.get(f"sobjects/{obj}/describe")
    assert response.status_code == 200, response.text
    return {f["name"]: f for f in response.json()["fields"]}


def stamp(delta: dt.timedelta = dt.timedelta()) -> str:
    return (dt.datetime.now(dt.UTC) + delta).isoformat(timespec="seconds")


def a_contact(api: Api) -> dict[str, Any]:
    return next(r for r in api.admin.records("Contact") if not r["IsDeleted"] and r["Email"])


# --- versions, resources, routing -----------------------------------------------------------


def test_versions_need_no_auth(demo_emulator):
    response = requests.get(f"{demo_emulator.url}/services/data/", timeout=10)
    assert response.status_code == 200
    versions = response.json()
    assert all(set(v) == {"label", "url", "version"} for v in versions)
    assert {"version": VERSION, "url": f"/services/data/v{VERSION}"}.items() <= next(
        v for v in versions if v["version"] == VERSION
    ).items()


def test_resources(demo_sf):
    body = demo_sf.get("").json()
    for name in ("sobjects", "query", "queryAll", "limits", "composite"):
        assert body[name] == f"/services/data/v{VERSION}/{name}"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/services/data/v99.0/", 404, "NOT_FOUND"),
        ("GET", "/services/data/v99.0/sobjects", 404, "NOT_FOUND"),
        ("GET", "/services/data/v64.0/nonsense", 404, "NOT_FOUND"),
        ("GET", "/services/data/v64.0/sobjects/NoSuchObject__c/describe", 404, "NOT_FOUND"),
        ("DELETE", "/services/data/v64.0/query", 405, "METHOD_NOT_ALLOWED"),
        ("PUT", "/services/data/v64.0/sobjects/Contact", 405, "METHOD_NOT_ALLOWED"),
    ],
)
def test_routing_errors(demo_sf, method, path, status, code):
    response = demo_sf.request(method, path)
    error = error_of(response, status)
    assert error["errorCode"] == code
    assert error["message"]
    assert LIMIT_INFO.match(response.headers["Sforce-Limit-Info"])


# --- describe -------------------------------------------------------------------------------


def test_request_head_over_16384_bytes_is_refused(demo_sf):
    """Salesforce caps URI plus headers at 16,384 bytes: 414 for the URI, 431 with headers."""
    calls_before = demo_sf.admin.calls()["total"]
    fields = ", ".join(["Name"] * 3000)
    response = demo_sf.get("query", params={"q": f"SELECT {fields} FROM Account"})
    assert response.status_code == 414
    assert "URI Too Long" in response.text
    assert "Sforce-Limit-Info" not in response.headers

    filler = "x" * 10_000
    almost = "SELECT Id FROM Account WHERE Name IN ('" + "y" * 3500 + "', '" + "z" * 3500 + "')"
    assert demo_sf.get("query", params={"q": almost}).status_code == 200
    response = demo_sf.get("query", params={"q": almost}, headers={"X-Filler": filler})
    assert response.status_code == 431
    assert demo_sf.admin.calls()["total"] == calls_before + 1


def test_global_describe(demo_sf):
    body = demo_sf.get("sobjects").json()
    assert body["encoding"] == "UTF-8"
    assert body["maxBatchSize"] == 200
    entries = {o["name"]: o for o in body["sobjects"]}
    assert set(OBJECTS) <= set(entries)
    prefixes = [o["keyPrefix"] for o in entries.values()]
    assert len(prefixes) == len(set(prefixes))
    for name in OBJECTS:
        entry = entries[name]
        assert re.fullmatch(r"[0-9a-zA-Z]{3}", entry["keyPrefix"])
        assert entry["queryable"] is True
        assert entry["custom"] is name.endswith("__c")
        assert entry["urls"]["describe"] == f"/services/data/v{VERSION}/sobjects/{name}/describe"
        assert entry["urls"]["sobject"] == f"/services/data/v{VERSION}/sobjects/{name}"


@pytest.mark.parametrize("name", OBJECTS)
def test_describe_every_object(demo_sf, name):
    body = demo_sf.get(f"sobjects/{name}/describe").json()
    assert body["name"] == name
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["Id"]["type"] == "id"
    assert fields["Id"]["nillable"] is False
    assert "SystemModstamp" in fields
    for f in body["fields"]:
        assert set(f) >= FIELD_KEYS, f["name"]
        assert f["custom"] is f["name"].endswith(("__c", "__s")), f["name"]
        if f["type"] == "reference":
            assert f["referenceTo"], f["name"]
            assert f["relationshipName"], f["name"]
        if f["compoundFieldName"]:
            assert fields[f["compoundFieldName"]]["type"] in ("address", "location", "string")
        if f["calculated"]:
            assert not f["createable"]
            assert not f["updateable"]


@pytest.mark.parametrize(
    ("obj", "field", "expected"),
    [
        ("Contact", "Email", {"type": "email", "idLookup": True, "externalId": False}),
        (
            "Contact",
            "LastName",
            {"nillable": False, "createable": True, "defaultedOnCreate": False, "type": "string"},
        ),
        ("Contact", "AccountId", {"referenceTo": ["Account"], "relationshipName": "Account"}),
        ("Contact", "Account_Name__c", {"calculated": True, "createable": False, "custom": True}),
        # a compound person name: read-only, but not a formula field in an org's describe
        ("Contact", "Name", {"calculated": False, "createable": False, "nameField": True}),
        ("Account", "BillingAddress", {"type": "address", "soapType": "urn:address"}),
        ("Account", "BillingCity", {"compoundFieldName": "BillingAddress", "type": "string"}),
        ("Account", "BillingLatitude", {"compoundFieldName": "BillingAddress", "type": "double"}),
        ("Account", "Headquarters__c", {"type": "location", "soapType": "urn:location"}),
        ("Account", "Headquarters__Latitude__s", {"compoundFieldName": "Headquarters__c"}),
        ("Account", "Account_Number_Ext__c", {"externalId": True, "idLookup": True}),
        ("Account", "Revenue_Band__c", {"calculated": True, "type": "string"}),
        ("Account", "AnnualRevenue", {"type": "currency", "soapType": "xsd:double"}),
        ("Account", "ParentId", {"referenceTo": ["Account"], "relationshipName": "Parent"}),
        ("Attachment", "Body", {"type": "base64", "soapType": "xsd:base64Binary"}),
        ("Project__c", "Account__c", {"relationshipName": "Account__r", "custom": True}),
    ],
)
def test_describe_field_details(demo_sf, obj, field, expected):
    described = fields_by_name(demo_sf, obj)[field]
    assert {k: described[k] for k in expected} == expected


def test_describe_picklists_and_address_components(demo_sf):
    fields = fields_by_name(demo_sf, "Account")
    industry = fields["Industry"]
    assert industry["type"] == "picklist"
    values = [p["value"] for p in industry["picklistValues"]]
    assert "Banking" in values
    assert all(p["active"] is True for p in industry["picklistValues"])
    components = {f["name"] for f in fields.values() if f["compoundFieldName"] == "BillingAddress"}
    assert components == {
        f"Billing{part}"
        for part in (
            "Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude",
            "GeocodeAccuracy",
        )
    }  # fmt: skip
    assert fields_by_name(demo_sf, "Contact")["Interests__c"]["type"] == "multipicklist"


# --- limits and API usage -------------------------------------------------------------------


def test_limits_reflect_calls(sf):
    for _ in range(3):
        sf.get("sobjects")
    first = sf.get("limits").json()["DailyApiRequests"]
    second = sf.get("limits").json()["DailyApiRequests"]
    assert first["Max"] == second["Max"] == sf.admin.settings()["daily_api_limit"]
    assert first["Remaining"] == first["Max"] - 4
    assert second["Remaining"] == first["Remaining"] - 1
    assert "DailyBulkV2QueryJobs" in sf.get("limits").json()


def test_limit_info_counts_each_call_once(sf):
    responses = [
        sf.get("sobjects"),
        sf.get("sobjects/Contact/describe"),
        sf.query("SELECT Id FROM Account"),
        sf.get("limits"),
        sf.post("sobjects/Contact", json={"LastName": "Counted"}),
        sf.query("SELECT Nope FROM Account"),
    ]
    used = [usage(r)[0] for r in responses]
    assert used == list(range(used[0], used[0] + len(responses)))
    assert sf.admin.calls()["total"] == used[-1]


def test_request_limit_exceeded(sf):
    sf.admin.settings(daily_api_limit=5, api_used=3)
    assert sf.get("sobjects").status_code == 200
    assert usage(sf.get("limits")) == (5, 5)
    for _ in range(2):
        response = sf.query("SELECT Id FROM Account")
        assert response.status_code == 403
        assert response.json() == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
        ]
        assert usage(response) == (5, 5)


# --- record CRUD ----------------------------------------------------------------------------


def test_record_crud(sf):
    created = sf.post("sobjects/Contact", json={"LastName": "Crud", "Email": "crud@example.com"})
    assert created.status_code == 201
    body = created.json()
    assert body == {"id": body["id"], "success": True, "errors": []}
    record_id = body["id"]
    assert re.fullmatch(r"003[0-9A-Za-z]{15}", record_id)

    full = sf.get(f"sobjects/Contact/{record_id}").json()
    assert full["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v{VERSION}/sobjects/Contact/{record_id}",
    }
    assert full["Id"] == record_id
    assert full["Name"] == "Crud"
    assert full["HasOptedOutOfEmail"] is False
    assert full["IsDeleted"] is False
    assert set(full["MailingAddress"] or {}) <= {
        "street", "city", "state", "postalCode", "country", "latitude", "longitude",
        "geocodeAccuracy",
    }  # fmt: skip
    some = sf.get(f"sobjects/Contact/{record_id[:15]}", params={"fields": "LastName,Email"}).json()
    assert {k: v for k, v in some.items() if k not in ("attributes", "Id")} == {
        "LastName": "Crud",
        "Email": "crud@example.com",
    }

    before = sf.admin.records("Contact", [record_id])[0]
    assert sf.patch(f"sobjects/Contact/{record_id}", json={"Title": "CTO"}).status_code == 204
    after = sf.admin.records("Contact", [record_id])[0]
    assert after["Title"] == "CTO"
    assert after["SystemModstamp"] >= before["SystemModstamp"]
    assert after["LastModifiedDate"] == after["SystemModstamp"]

    deleted = sf.delete(f"sobjects/Contact/{record_id}")
    assert deleted.status_code == 204
    assert not deleted.content
    assert sf.admin.records("Contact", [record_id])[0]["IsDeleted"] == 1
    assert error_of(sf.get(f"sobjects/Contact/{record_id}"), 404)["errorCode"] == "NOT_FOUND"
    again = error_of(sf.delete(f"sobjects/Contact/{record_id}"), 404)
    assert again["errorCode"] == "ENTITY_IS_DELETED"


def test_update_bumps_system_modstamp(sf):
    contact = a_contact(sf)
    today = stamp()[:10]
    assert (
        sf.patch(f"sobjects/Contact/{contact['Id']}", json={"Department": "R&D"}).status_code == 204
    )
    after = sf.get(f"sobjects/Contact/{contact['Id']}", params={"fields": "SystemModstamp"}).json()
    assert after["SystemModstamp"] != contact["SystemModstamp"]
    assert after["SystemModstamp"][:10] == today
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", after["SystemModstamp"])


def test_unknown_record_is_not_found(sf):
    missing = "003" + "5g0" + "zzzzzzzzz" + "AAA"
    assert error_of(sf.get(f"sobjects/Contact/{missing}"), 404)["errorCode"] == "NOT_FOUND"
    assert error_of(sf.patch(f"sobjects/Contact/{missing}", json={"Title": "x"}), 404)


@pytest.mark.parametrize(
    ("values", "code", "fields"),
    [
        ({"FirstName": "No"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ({"LastName": "E", "Email": "not an email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ({"LastName": "x" * 81}, "STRING_TOO_LONG", ["LastName"]),
        ({"LastName": "U", "Favourite_Colour__c": "red"}, "INVALID_FIELD", None),
        ({"LastName": "N", "Name": "Full Name"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
        (
            {"LastName": "F", "Account_Name__c": "x"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["Account_Name__c"],
        ),
        (
            {"LastName": "S", "CreatedDate": "2024-01-01T00:00:00Z"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            None,
        ),
        ({"LastName": "M", "AccountId": "NotReal"}, "MALFORMED_ID", ["AccountId"]),
        ({"LastName": "R", "AccountId": "0015g000000zzzzAAA"}, "INVALID_CROSS_REFERENCE_KEY", None),
        ({"LastName": "B", "Birthdate": "yesterday"}, "INVALID_TYPE_ON_FIELD_IN_RECORD", None),
    ],
)
def test_create_validation_errors(sf, values, code, fields):
    stored = len(sf.admin.records("Contact"))
    error = error_of(sf.post("sobjects/Contact", json=values), 400)
    assert error["errorCode"] == code
    assert error["message"]
    if fields is not None:
        assert error["fields"] == fields
    assert len(sf.admin.records("Contact")) == stored


def test_reference_to_wrong_object_type(sf):
    opportunity = sf.admin.records("Opportunity")[0]["Id"]
    error = error_of(
        sf.post("sobjects/Contact", json={"LastName": "W", "AccountId": opportunity}), 400
    )
    assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert error["fields"] == ["AccountId"]


def test_update_validation_errors(sf):
    contact = a_contact(sf)
    path = f"sobjects/Contact/{contact['Id']}"
    assert (
        error_of(sf.patch(path, json={"LastName": None}), 400)["errorCode"]
        == "REQUIRED_FIELD_MISSING"
    )
    assert (
        error_of(sf.patch(path, json={"Email": "a@@b"}), 400)["errorCode"]
        == "INVALID_EMAIL_ADDRESS"
    )
    assert error_of(sf.patch(path, json={"Name": "X"}), 400)["errorCode"] == (
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    )
    assert sf.admin.records("Contact", [contact["Id"]])[0] == contact


def test_duplicate_rule(sf):
    existing = a_contact(sf)
    sf.admin.settings(duplicate_rules=["Contact"])
    twin = {"LastName": "Twin", "Email": existing["Email"].upper()}
    response = sf.post("sobjects/Contact", json=twin)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "DUPLICATES_DETECTED"
    allowed = sf.post(
        "sobjects/Contact", json=twin, headers={"Sforce-Duplicate-Rule-Header": "allowSave=true"}
    )
    assert allowed.status_code == 201, allowed.text
    assert sf.post("sobjects/Contact", json={"LastName": "New", "Email": "fresh@x.example"}).ok


def test_admin_generate_appends_rows(sf):
    stored = len(sf.admin.records("Contact"))
    before = sf.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    created = sf.admin.generate("Contact", 25)
    assert created["created"] == 25
    assert created["first_id"].startswith("003")
    assert len(sf.admin.records("Contact")) == stored + 25
    after = sf.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    assert before < after <= before + 25


# --- upsert by external id ------------------------------------------------------------------


def test_upsert_by_external_id(sf):
    path = "sobjects/Account/Account_Number_Ext__c/EXT-001"
    created = sf.patch(path, json={"Name": "Upserted"})
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True
    assert body["created"] is True
    [row] = sf.admin.records("Account", [body["id"]])
    assert (row["Name"], row["Account_Number_Ext__c"]) == ("Upserted", "EXT-001")

    updated = sf.patch("sobjects/Account/Account_Number_Ext__c/ext-001", json={"Phone": "555"})
    assert updated.status_code in (200, 204)
    if updated.status_code == 200:
        assert updated.json()["id"] == body["id"]
        assert updated.json()["created"] is False
    assert sf.admin.records("Account", [body["id"]])[0]["Phone"] == "555"

    sf.admin.insert(
        "Account", [{"Name": f"Twin {i}", "Account_Number_Ext__c": "DUP"} for i in (1, 2)]
    )
    multiple = sf.patch("sobjects/Account/Account_Number_Ext__c/DUP", json={"Name": "Which?"})
    assert multiple.status_code == 300
    urls = multiple.json()
    assert len(urls) == 2
    assert all(u.startswith(f"/services/data/v{VERSION}/sobjects/Account/001") for u in urls)

    not_external = sf.patch("sobjects/Contact/Email/someone@example.com", json={"LastName": "X"})
    assert error_of(not_external, 404)["errorCode"] == "NOT_FOUND"


def test_get_by_external_id(sf):
    sf.admin.insert("Account", [{"Name": "Lookup Me", "Account_Number_Ext__c": "LK-9"}])
    found = sf.get("sobjects/Account/Account_Number_Ext__c/LK-9")
    assert found.status_code == 200
    assert found.json()["Name"] == "Lookup Me"
    assert error_of(sf.get("sobjects/Account/Account_Number_Ext__c/none"), 404)


# --- replication: deleted/ and updated/ -----------------------------------------------------


def test_deleted_and_updated(sf):
    start = stamp(-dt.timedelta(minutes=5))
    end = stamp(dt.timedelta(minutes=5))
    window = {"start": start, "end": end}
    contacts = [r["Id"] for r in sf.admin.records("Contact")[:4]]
    for record_id in contacts[:3]:
        assert sf.delete(f"sobjects/Contact/{record_id}").status_code == 204
    assert sf.admin.purge("Contact", [contacts[0], contacts[3]]) == 2
    assert sf.patch(f"sobjects/Contact/{a_contact(sf)['Id']}", json={"Title": "Changed"}).ok

    body = sf.get("sobjects/Contact/deleted/", params=window).json()
    assert set(body) >= {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    deleted = {d["id"]: d["deletedDate"] for d in body["deletedRecords"]}
    assert set(deleted) == set(contacts)
    assert all(re.fullmatch(r"\d{4}-.*\.\d{3}\+0000", d) for d in deleted.values())
    assert sf.get("sobjects/Account/deleted/", params=window).json()["deletedRecords"] == []

    updated = sf.get("sobjects/Contact/updated/", params=window).json()
    assert a_contact(sf)["Id"] in updated["ids"]
    assert "latestDateCovered" in updated


@pytest.mark.parametrize(
    "window",
    [
        {"start": stamp(-dt.timedelta(days=31)), "end": stamp()},
        {"start": stamp(), "end": stamp(-dt.timedelta(hours=1))},
        {"start": "not a date", "end": stamp()},
    ],
)
def test_replication_window_errors(demo_sf, window):
    for resource in ("deleted", "updated"):
        response = demo_sf.get(f"sobjects/Contact/{resource}/", params=window)
        assert error_of(response, 400)["errorCode"] == "INVALID_REPLICATION_DATE"
