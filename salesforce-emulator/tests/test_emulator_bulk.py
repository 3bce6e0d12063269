"""Bulk API 2.0 over plain HTTP: query jobs (states, CSV pages, faults) and ingest jobs."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from emulator_http import Api, error_of

TERMINAL = ("JobComplete", "Failed", "Aborted")


def create_query_job(api: Api, soql: str, operation: str = "query") -> dict[str, Any]:
    body = {
        "operation": operation,
        "query": soql,
        "contentType": "CSV",
        "columnDelimiter": "COMMA",
        "lineEnding": "LF",
    }
    response = api.post("jobs/query", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def poll(
    api: Api, job_id: str, kind: str = "query", limit: int = 20
) -> tuple[dict[str, Any], list[str]]:
    """Poll until a terminal state: (final job info, states seen on the way)."""
    states = []
    for _ in range(limit):
        info = api.get(f"jobs/{kind}/{job_id}").json()
        states.append(info["state"])
        if info["state"] in TERMINAL:
            return info, states
    raise AssertionError(f"job {job_id} never finished: {states}")


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def all_pages(
    api: Api, job_id: str, max_records: int | None = None
) -> tuple[list[dict[str, str]], list[int]]:
    """Every result row (following Sforce-Locator) and the row count of each page."""
    rows: list[dict[str, str]] = []
    sizes: list[int] = []
    locator = None
    while True:
        params: dict[str, Any] = {}
        if max_records:
            params["maxRecords"] = max_records
        if locator:
            params["locator"] = locator
        response = api.get(f"jobs/query/{job_id}/results", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/csv")
        page = parse(response.content.decode("utf-8"))
        assert int(response.headers["Sforce-NumberOfRecords"]) == len(page)
        rows += page
        sizes.append(len(page))
        locator = response.headers["Sforce-Locator"]
        if locator == "null":
            return rows, sizes


def run_query(
    api: Api, soql: str, operation: str = "query", max_records: int | None = None
) -> list[dict[str, str]]:
    job = create_query_job(api, soql, operation)
    info, _ = poll(api, job["id"])
    assert info["state"] == "JobComplete", info
    rows, _ = all_pages(api, job["id"], max_records)
    assert len(rows) == info["numberRecordsProcessed"]
    return rows


# --- query jobs -------------------------------------------------------------------------------


def test_query_job_lifecycle(sf):
    job = create_query_job(sf, "SELECT Id, LastName FROM Contact")
    assert job["state"] == "UploadComplete"
    assert job["operation"] == "query"
    assert job["object"] == "Contact"
    assert job["contentType"] == "CSV"
    assert job["lineEnding"] == "LF"
    assert job["columnDelimiter"] == "COMMA"
    assert re.fullmatch(r"750[0-9A-Za-z]{15}", job["id"])
    early = sf.get(f"jobs/query/{job['id']}/results")
    assert 400 <= early.status_code < 500
    assert isinstance(early.json(), list)
    info, states = poll(sf, job["id"])
    assert states == ["InProgress", "JobComplete"]
    live = sf.query("SELECT COUNT() FROM Contact").json()["totalSize"]
    assert info["numberRecordsProcessed"] == live
    rows, sizes = all_pages(sf, job["id"], max_records=30)
    assert sizes == [30] * (live // 30) + ([live % 30] if live % 30 else [])
    assert len({r["Id"] for r in rows}) == len(rows) == live
    assert list(rows[0]) == ["Id", "LastName"]


def test_results_locator_header_values(sf):
    job = create_query_job(sf, "SELECT Id FROM Account")
    poll(sf, job["id"])
    first = sf.get(f"jobs/query/{job['id']}/results", params={"maxRecords": 10})
    locator = first.headers["Sforce-Locator"]
    assert locator not in ("", "null")
    assert first.headers["Sforce-NumberOfRecords"] == "10"
    whole = sf.get(f"jobs/query/{job['id']}/results")
    assert whole.headers["Sforce-Locator"] == "null"
    rows = parse(whole.text)
    assert [r["Id"] for r in rows[:10]] == [r["Id"] for r in parse(first.text)]


def test_csv_round_trip(sf):
    tricky = [
        "Comma, Inc.",
        'Say "hello"',
        "Line one\nline two",
        "Zoë Ångström 日本語 ✓",
        'All, "of"\r\nthem',
    ]
    sf.admin.insert("Contact", [{"LastName": v, "Department": "CSV-TEST"} for v in tricky])
    rows = run_query(
        sf,
        "SELECT Id, LastName, Email, HasOptedOutOfEmail, DoNotCall, CreatedDate, Birthdate, "
        "Lifetime_Value__c FROM Contact WHERE Department = 'CSV-TEST'",
    )
    assert sorted(r["LastName"] for r in rows) == sorted(tricky)
    for row in rows:
        assert row["Email"] == ""
        assert row["Birthdate"] == ""
        assert row["Lifetime_Value__c"] == ""
        assert row["HasOptedOutOfEmail"] in ("true", "false")
        assert row["DoNotCall"] == "false"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", row["CreatedDate"])


def test_query_all_includes_deleted(sf):
    ids = [r["Id"] for r in sf.admin.records("Contact") if not r["IsDeleted"]][:3]
    sf.admin.delete("Contact", ids)
    live = run_query(sf, "SELECT Id, IsDeleted FROM Contact")
    everything = run_query(sf, "SELECT Id, IsDeleted FROM Contact", operation="queryAll")
    assert not set(ids) & {r["Id"] for r in live}
    assert set(ids) <= {r["Id"] for r in everything if r["IsDeleted"] == "true"}
    assert len(everything) == len(sf.admin.records("Contact"))


def test_parent_fields(sf):
    rows = run_query(sf, "SELECT Id, Account.Name, Account.Owner.Name FROM Contact")
    assert list(rows[0]) == ["Id", "Account.Name", "Account.Owner.Name"]
    assert any(r["Account.Name"] for r in rows)
    accounts = {r["Name"] for r in sf.admin.records("Account")}
    assert {r["Account.Name"] for r in rows if r["Account.Name"]} <= accounts


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        (
            "SELECT Id, MailingAddress FROM Contact",
            None,
            "Selecting compound data not supported in Bulk Query",
        ),
        (
            "SELECT Id, Headquarters__c FROM Account",
            None,
            "Selecting compound data not supported in Bulk Query",
        ),
        ("SELECT Id, Name FROM Attachment", "INVALIDENTITY", "not supported by the Bulk API"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD", "Nope"),
        ("SELECT Id FROM", "MALFORMED_QUERY", ""),
    ],
)
def test_query_job_refusals(demo_sf, soql, code, text):
    error = error_of(demo_sf.post("jobs/query", json={"operation": "query", "query": soql}), 400)
    if code:
        assert error["errorCode"] == code
    assert text in error["message"]


def test_object_flag_disables_bulk(sf):
    assert sf.post("jobs/query", json={"operation": "query", "query": "SELECT Id FROM Lead"}).ok
    sf.admin.set_object_flags("Lead", bulk_supported=False)
    error = error_of(
        sf.post("jobs/query", json={"operation": "query", "query": "SELECT Id FROM Lead"}), 400
    )
    assert error["errorCode"] == "INVALIDENTITY"


def test_abort_and_delete(sf):
    job = create_query_job(sf, "SELECT Id FROM Contact")
    aborted = sf.patch(f"jobs/query/{job['id']}", json={"state": "Aborted"})
    assert aborted.status_code == 200
    assert aborted.json()["state"] == "Aborted"
    assert sf.get(f"jobs/query/{job['id']}").json()["state"] == "Aborted"
    assert 400 <= sf.get(f"jobs/query/{job['id']}/results").status_code < 500
    deleted = sf.delete(f"jobs/query/{job['id']}")
    assert deleted.status_code == 204
    assert error_of(sf.get(f"jobs/query/{job['id']}"), 404)["errorCode"] == "NOT_FOUND"
    assert error_of(sf.delete(f"jobs/query/{job['id']}"), 404)


def test_fault_fail_next(sf):
    sf.admin.settings(bulk={"fail_next": "Internal processing error"})
    job = create_query_job(sf, "SELECT Id FROM Contact")
    info, _ = poll(sf, job["id"])
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "Internal processing error"
    assert 400 <= sf.get(f"jobs/query/{job['id']}/results").status_code < 500
    second = create_query_job(sf, "SELECT Id FROM Contact")
    assert poll(sf, second["id"])[0]["state"] == "JobComplete"


def test_fault_stuck_polls(sf):
    sf.admin.settings(bulk={"stuck_polls": 3})
    job = create_query_job(sf, "SELECT Id FROM Contact")
    info, states = poll(sf, job["id"])
    assert states == ["InProgress"] * 4 + ["JobComplete"]
    assert info["numberRecordsProcessed"] > 0


def test_fault_short_read(sf):
    sf.admin.settings(bulk={"short_read_rows": 5})
    job = create_query_job(sf, "SELECT Id FROM Contact")
    info, _ = poll(sf, job["id"])
    rows, _ = all_pages(sf, job["id"], max_records=25)
    assert len(rows) == info["numberRecordsProcessed"] - 5
    assert len({r["Id"] for r in rows}) == len(rows)


# --- ingest jobs ------------------------------------------------------------------------------


def csv_body(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([header, *rows])
    return buffer.getvalue()


def ingest(api: Api, spec: dict[str, Any], *batches: str) -> dict[str, Any]:
    created = api.post("jobs/ingest", json={"contentType": "CSV", "lineEnding": "LF", **spec})
    assert created.status_code == 200, created.text
    job = created.json()
    assert job["state"] == "Open"
    for batch in batches:
        uploaded = api.put(
            f"jobs/ingest/{job['id']}/batches",
            data=batch.encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert uploaded.status_code == 201, uploaded.text
    closed = api.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert closed.status_code == 200, closed.text
    info, _ = poll(api, job["id"], kind="ingest")
    return info


def results(api: Api, job_id: str, kind: str) -> list[dict[str, str]]:
    response = api.get(f"jobs/ingest/{job_id}/{kind}/")
    assert response.status_code == 200, response.text
    return parse(response.text)


def test_ingest_insert_with_failures(sf):
    header = ["LastName", "Email", "Title"]
    first = csv_body(
        header, [["Bulk A", "a@bulk.example", "One"], ["", "nolast@bulk.example", "Two"]]
    )
    second = csv_body(
        header, [['Bulk, "C"', "c@bulk.example", "Three"], ["Bulk D", "not-an-email", "Four"]]
    )
    info = ingest(sf, {"object": "Contact", "operation": "insert"}, first, second)
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 4
    assert info["numberRecordsFailed"] == 2

    ok = results(sf, info["id"], "successfulResults")
    assert list(ok[0]) == ["sf__Id", "sf__Created", *header]
    assert sorted(r["LastName"] for r in ok) == ["Bulk A", 'Bulk, "C"']
    assert all(r["sf__Created"] == "true" for r in ok)
    stored = {r["Id"]: r for r in sf.admin.records("Contact", [r["sf__Id"] for r in ok])}
    assert {stored[r["sf__Id"]]["Email"] for r in ok} == {"a@bulk.example", "c@bulk.example"}

    failed = {r["Title"]: r for r in results(sf, info["id"], "failedResults")}
    assert list(next(iter(failed.values()))) == ["sf__Id", "sf__Error", *header]
    assert failed["Two"]["sf__Error"] == (
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    )
    assert failed["Four"]["sf__Error"].startswith("INVALID_EMAIL_ADDRESS:")
    assert failed["Two"]["sf__Id"] == ""
    assert results(sf, info["id"], "unprocessedrecords") == []


def test_ingest_update_upsert_delete(sf):
    contacts = [r for r in sf.admin.records("Contact") if not r["IsDeleted"]][:2]
    update = csv_body(["Id", "Title"], [[c["Id"], "Bulk Updated"] for c in contacts])
    info = ingest(sf, {"object": "Contact", "operation": "update"}, update)
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 0)
    assert {r["Title"] for r in sf.admin.records("Contact", [c["Id"] for c in contacts])} == {
        "Bulk Updated"
    }
    assert {r["sf__Created"] for r in results(sf, info["id"], "successfulResults")} == {"false"}

    sf.admin.insert("Account", [{"Name": "Existing", "Account_Number_Ext__c": "BULK-1"}])
    upsert = csv_body(
        ["Account_Number_Ext__c", "Name"], [["BULK-1", "Renamed"], ["BULK-2", "Brand New"]]
    )
    info = ingest(
        sf,
        {
            "object": "Account",
            "operation": "upsert",
            "externalIdFieldName": "Account_Number_Ext__c",
        },
        upsert,
    )
    created = {
        r["Account_Number_Ext__c"]: r["sf__Created"]
        for r in results(sf, info["id"], "successfulResults")
    }
    assert created == {"BULK-1": "false", "BULK-2": "true"}
    names = {r["Account_Number_Ext__c"]: r["Name"] for r in sf.admin.records("Account")}
    assert (names["BULK-1"], names["BULK-2"]) == ("Renamed", "Brand New")

    delete = csv_body(["Id"], [[contacts[0]["Id"]], ["0035g000000zzzzAAA"]])
    info = ingest(sf, {"object": "Contact", "operation": "delete"}, delete)
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 1)
    assert sf.admin.records("Contact", [contacts[0]["Id"]])[0]["IsDeleted"] == 1


@pytest.mark.parametrize(
    "spec",
    [
        {"object": "Contact", "operation": "upsert", "externalIdFieldName": "Email"},
        {"object": "Contact", "operation": "upsert"},
        {"object": "Contact", "operation": "merge"},
        {"object": "NoSuchObject__c", "operation": "insert"},
    ],
)
def test_ingest_job_refused_at_creation(sf, spec):
    error = error_of(sf.post("jobs/ingest", json={"contentType": "CSV", **spec}), 400)
    assert error["errorCode"]
    assert sf.get("jobs/ingest").json()["records"] == []


def test_upload_to_closed_job(sf):
    info = ingest(
        sf, {"object": "Contact", "operation": "insert"}, csv_body(["LastName"], [["Late"]])
    )
    late = sf.put(
        f"jobs/ingest/{info['id']}/batches",
        data=b"LastName\nLater\n",
        headers={"Content-Type": "text/csv"},
    )
    assert 400 <= late.status_code < 500
    assert isinstance(late.json(), list)


def test_aborted_ingest_leaves_rows_unprocessed(sf):
    created = sf.post("jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()
    body = csv_body(["LastName"], [["Never1"], ["Never2"]])
    assert sf.put(f"jobs/ingest/{created['id']}/batches", data=body.encode()).status_code == 201
    assert (
        sf.patch(f"jobs/ingest/{created['id']}", json={"state": "Aborted"}).json()["state"]
        == "Aborted"
    )
    assert [r["LastName"] for r in results(sf, created["id"], "unprocessedrecords")] == [
        "Never1",
        "Never2",
    ]
    assert not [r for r in sf.admin.records("Contact") if r["LastName"].startswith("Never")]
    assert sf.delete(f"jobs/ingest/{created['id']}").status_code == 204
    assert sf.get(f"jobs/ingest/{created['id']}").status_code == 404
