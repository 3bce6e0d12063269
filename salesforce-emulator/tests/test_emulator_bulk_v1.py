"""Bulk API 1.0 query jobs over plain HTTP: XML and JSON, errors, counting and PK chunking."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from emulator_http import VERSION, Api
from salesforce_emulator.bulk_v1.models import engine_for
from salesforce_emulator.pytest_plugin import RunningEmulator

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XML_JOB = (
    '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="{ns}"><operation>{operation}'
    "</operation><object>{object}</object><concurrencyMode>Parallel</concurrencyMode>"
    "<contentType>{content}</contentType></jobInfo>"
)


def parse_xml(text: str, root: str) -> ElementTree.Element:
    element = ElementTree.fromstring(text)  # noqa: S314 - the local emulator's answer
    assert element.tag == f"{{{NS}}}{root}", text
    return element


def xml_fields(element: ElementTree.Element) -> dict[str, str]:
    return {child.tag.removeprefix(f"{{{NS}}}"): child.text or "" for child in element}


class Bulk1:
    """A Bulk API 1.0 client with an ``X-SFDC-Session`` header (the demo user's token)."""

    def __init__(self, emulator: RunningEmulator) -> None:
        self.base = f"{emulator.url}/services/async/{VERSION}"
        self.http = requests.Session()
        self.http.headers["X-SFDC-Session"] = emulator.access_token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, f"{self.base}/{path}", timeout=30, **kwargs)

    def create_xml_job(
        self, obj: str, operation: str = "query", headers: dict[str, str] | None = None
    ) -> dict[str, str]:
        body = XML_JOB.format(ns=NS, operation=operation, object=obj, content="CSV")
        headers = {"Content-Type": "application/xml; charset=UTF-8", **(headers or {})}
        response = self.call("POST", "job", data=body, headers=headers)
        assert response.status_code == 201, response.text
        return xml_fields(parse_xml(response.text, "jobInfo"))

    def add_batch(self, job_id: str, soql: str) -> dict[str, str]:
        response = self.call(
            "POST", f"job/{job_id}/batch", data=soql, headers={"Content-Type": "text/csv"}
        )
        assert response.status_code == 201, response.text
        return xml_fields(parse_xml(response.text, "batchInfo"))

    def batch(self, job_id: str, batch_id: str) -> dict[str, str]:
        response = self.call("GET", f"job/{job_id}/batch/{batch_id}")
        assert response.status_code == 200, response.text
        return xml_fields(parse_xml(response.text, "batchInfo"))

    def batches(self, job_id: str) -> list[dict[str, str]]:
        response = self.call("GET", f"job/{job_id}/batch")
        assert response.status_code == 200, response.text
        return [xml_fields(b) for b in parse_xml(response.text, "batchInfoList")]

    def rows(self, job_id: str, batch_id: str) -> list[dict[str, str]]:
        listed = self.call("GET", f"job/{job_id}/batch/{batch_id}/result")
        assert listed.status_code == 200, listed.text
        rows: list[dict[str, str]] = []
        for result in parse_xml(listed.text, "result-list"):
            answer = self.call("GET", f"job/{job_id}/batch/{batch_id}/result/{result.text}")
            assert answer.status_code == 200, answer.text
            assert answer.headers["Content-Type"].startswith("text/csv")
            if answer.text != "Records not found for this query":
                rows.extend(csv.DictReader(io.StringIO(answer.text, newline="")))
        return rows

    def close(self, job_id: str) -> dict[str, str]:
        body = f'<jobInfo xmlns="{NS}"><state>Closed</state></jobInfo>'
        response = self.call(
            "POST", f"job/{job_id}", data=body, headers={"Content-Type": "application/xml"}
        )
        assert response.status_code == 200, response.text
        return xml_fields(parse_xml(response.text, "jobInfo"))


@pytest.fixture
def bulk(emulator: RunningEmulator) -> Bulk1:
    return Bulk1(emulator)


def rest_ids(sf: Api, soql: str, resource: str = "query") -> list[str]:
    return sorted(record["Id"] for record in sf.query_all_pages(soql, resource))


def error_of(response: requests.Response) -> dict[str, str]:
    """A Bulk 1.0 error body (XML or JSON) as ``{exceptionCode, exceptionMessage}``."""
    if response.headers["Content-Type"].startswith("application/json"):
        return dict(response.json())
    return xml_fields(parse_xml(response.text, "error"))


def test_xml_job_reads_the_same_rows_as_rest(bulk: Bulk1, sf: Api) -> None:
    job = bulk.create_xml_job("Contact")
    assert (job["operation"], job["object"], job["state"]) == ("query", "Contact", "Open")
    assert (job["contentType"], job["apiVersion"]) == ("CSV", VERSION)
    soql = "SELECT Id, LastName, Email, Account.Name FROM Contact WHERE LastName != null"
    batch = bulk.add_batch(job["id"], soql)
    assert (batch["jobId"], batch["state"]) == (job["id"], "Queued")
    assert bulk.close(job["id"])["state"] == "Closed"
    done = bulk.batch(job["id"], batch["id"])
    rows = bulk.rows(job["id"], batch["id"])
    assert done["state"] == "Completed"
    assert int(done["numberRecordsProcessed"]) == len(rows) > 0
    assert list(rows[0]) == ["Id", "LastName", "Email", "Account.Name"]
    assert sorted(row["Id"] for row in rows) == rest_ids(sf, soql)
    info = xml_fields(parse_xml(bulk.call("GET", f"job/{job['id']}").text, "jobInfo"))
    assert (info["numberBatchesCompleted"], info["numberBatchesTotal"]) == ("1", "1")
    assert info["numberRecordsProcessed"] == str(len(rows))


def test_json_job_answers_in_json_with_json_records(bulk: Bulk1, sf: Api) -> None:
    body = {"operation": "query", "object": "Account", "contentType": "JSON"}
    created = bulk.call("POST", "job", json=body)
    assert created.status_code == 201
    assert created.headers["Content-Type"] == "application/json"
    job = created.json()
    assert (job["state"], job["apiVersion"], job["numberBatchesTotal"]) == ("Open", 64.0, 0)
    added = bulk.call(
        "POST",
        f"job/{job['id']}/batch",
        data="SELECT Id, Name FROM Account",
        headers={"Content-Type": "application/json"},
    )
    batch = added.json()
    assert batch["state"] == "Queued"
    listed = bulk.call("GET", f"job/{job['id']}/batch").json()
    assert [b["state"] for b in listed["batchInfo"]] == ["Completed"]
    [result_id] = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result").json()
    records = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result/{result_id}").json()
    assert records[0]["attributes"]["type"] == "Account"
    assert sorted(r["Id"] for r in records) == rest_ids(sf, "SELECT Id FROM Account")


def test_query_all_includes_deleted_rows_and_query_does_not(bulk: Bulk1, sf: Api) -> None:
    victim = sf.query("SELECT Id FROM Lead LIMIT 1").json()["records"][0]["Id"]
    assert sf.delete(f"sobjects/Lead/{victim}").status_code == 204
    found = {}
    for operation in ("query", "queryAll"):
        job = bulk.create_xml_job("Lead", operation)
        batch = bulk.add_batch(job["id"], "SELECT Id, IsDeleted FROM Lead")
        found[operation] = {
            row["Id"]: row["IsDeleted"] for row in bulk.rows(job["id"], batch["id"])
        }
    assert victim not in found["query"]
    assert found["queryAll"][victim] == "true"
    assert sorted(found["queryAll"]) == rest_ids(sf, "SELECT Id FROM Lead", "queryAll")


def test_an_empty_result_is_salesforce_s_no_records_text(bulk: Bulk1) -> None:
    job = bulk.create_xml_job("Account")
    batch = bulk.add_batch(job["id"], "SELECT Id FROM Account WHERE Name = 'no such account'")
    [result_id] = [r.text for r in parse_xml(
        bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result").text, "result-list"
    )]  # fmt: skip
    answer = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result/{result_id}")
    assert answer.text == "Records not found for this query"
    assert bulk.batch(job["id"], batch["id"])["numberRecordsProcessed"] == "0"


@pytest.mark.parametrize(
    ("soql", "message_part"),
    [
        ("SELECT Id, NoSuchField__c FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Contact", "is not the job's object"),
        ("SELECT Id, BillingAddress FROM Account", "compound data not supported"),
        ("SELECT COUNT() FROM Account", "Aggregate queries"),
        ("SELEC Id FROM Account", "MALFORMED_QUERY"),
    ],
)
def test_a_query_the_org_refuses_fails_its_batch(bulk: Bulk1, soql: str, message_part: str) -> None:
    job = bulk.create_xml_job("Account")
    batch = bulk.add_batch(job["id"], soql)
    failed = bulk.batch(job["id"], batch["id"])
    assert failed["state"] == "Failed"
    assert failed["stateMessage"].startswith("InvalidBatch : ")
    assert message_part in failed["stateMessage"]
    results = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result")
    assert (results.status_code, error_of(results)["exceptionCode"]) == (400, "InvalidBatch")


def test_a_batch_can_spend_polls_in_progress_before_it_completes(
    bulk: Bulk1, emulator: RunningEmulator
) -> None:
    engine_for(emulator.org).polls_to_complete = 1
    job = bulk.create_xml_job("Account")
    batch = bulk.add_batch(job["id"], "SELECT Id FROM Account")
    early = bulk.call("GET", f"job/{job['id']}/batch/{batch['id']}/result")
    assert error_of(early)["exceptionCode"] == "InvalidBatch"
    assert bulk.batch(job["id"], batch["id"])["state"] == "Completed"
    assert bulk.rows(job["id"], batch["id"])


def test_errors_are_bulk_1_bodies_in_the_request_s_format(
    bulk: Bulk1, emulator: RunningEmulator
) -> None:
    anonymous = requests.get(f"{bulk.base}/job/750000000000000AAA", timeout=10)
    assert anonymous.status_code == 400
    assert anonymous.headers["Content-Type"].startswith("application/xml")
    assert error_of(anonymous) == {
        "exceptionCode": "InvalidSessionId",
        "exceptionMessage": "Invalid session id",
    }
    as_json = bulk.call(
        "GET", "job/750000000000000AAA", headers={"Content-Type": "application/json"}
    )
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.json()["exceptionCode"] == "InvalidJob"
    unknown_object = bulk.call(
        "POST", "job", json={"operation": "query", "object": "Nope__c", "contentType": "CSV"}
    )
    assert unknown_object.json()["exceptionCode"] == "InvalidJob"
    bad_xml = bulk.call("POST", "job", data="<jobInfo", headers={"Content-Type": "application/xml"})
    assert error_of(bad_xml)["exceptionCode"] == "InvalidXML"
    job = bulk.create_xml_job("Account")
    assert (
        error_of(bulk.call("GET", f"job/{job['id']}/batch/751000000000000AAA"))["exceptionCode"]
        == "InvalidBatch"
    )
    bulk.close(job["id"])
    late = bulk.call("POST", f"job/{job['id']}/batch", data="SELECT Id FROM Account")
    assert error_of(late)["exceptionCode"] == "InvalidJobState"


def test_a_bearer_token_works_too_and_each_call_is_one_api_call(
    emulator: RunningEmulator,
) -> None:
    base = f"{emulator.url}/services/async/{VERSION}"
    headers = {"Authorization": f"Bearer {emulator.access_token}"}
    before = emulator.org.api_used
    body = {"operation": "query", "object": "Account", "contentType": "JSON"}
    job = requests.post(f"{base}/job", json=body, headers=headers, timeout=10).json()
    requests.get(f"{base}/job/{job['id']}", headers=headers, timeout=10)
    requests.get(f"{base}/job/{job['id']}", headers={"X-SFDC-Session": "bad"}, timeout=10)
    assert emulator.org.api_used == before + 2
    assert emulator.org.calls["bulk_v1_jobs"] == 1
    assert emulator.org.calls["bulk_v1_job"] == 1


def test_abort_leaves_queued_batches_unprocessed(bulk: Bulk1, emulator: RunningEmulator) -> None:
    job = bulk.create_xml_job("Account")
    batch = bulk.add_batch(job["id"], "SELECT Id FROM Account")
    body = json.dumps({"state": "Aborted"})
    aborted = bulk.call(
        "POST", f"job/{job['id']}", data=body, headers={"Content-Type": "application/json"}
    )
    assert aborted.json()["state"] == "Aborted"
    assert bulk.batch(job["id"], batch["id"])["state"] == "NotProcessed"


def test_the_fail_next_fault_fails_the_next_batch_with_its_message(
    bulk: Bulk1, emulator: RunningEmulator
) -> None:
    emulator.admin.settings(bulk={"fail_next": "InvalidBatch : Retried more than 15 times"})
    job = bulk.create_xml_job("Account")
    first = bulk.add_batch(job["id"], "SELECT Id FROM Account")
    second = bulk.add_batch(job["id"], "SELECT Id FROM Account")
    failed = bulk.batch(job["id"], first["id"])
    assert (failed["state"], failed["stateMessage"]) == (
        "Failed",
        "InvalidBatch : Retried more than 15 times",
    )
    assert bulk.batch(job["id"], second["id"])["state"] == "Completed"


@pytest.mark.parametrize("operation", ["query", "queryAll"])
def test_pk_chunking_covers_every_row_exactly_once(
    bulk: Bulk1, sf: Api, emulator: RunningEmulator, operation: str
) -> None:
    victim = sf.query("SELECT Id FROM Contact LIMIT 1").json()["records"][0]["Id"]
    assert sf.delete(f"sobjects/Contact/{victim}").status_code == 204
    stored = sorted(row["Id"] for row in emulator.admin.records("Contact"))
    job = bulk.create_xml_job(
        "Contact", operation, headers={"Sforce-Enable-PKChunking": "chunkSize=7"}
    )
    original = bulk.add_batch(job["id"], "SELECT Id, LastName FROM Contact")
    batches = bulk.batches(job["id"])
    assert batches[0]["id"] == original["id"]
    assert batches[0]["state"] == "NotProcessed"
    chunks = batches[1:]
    assert len(chunks) == -(-len(stored) // 7)
    assert {b["state"] for b in chunks} == {"Completed"}
    per_chunk = [[row["Id"] for row in bulk.rows(job["id"], b["id"])] for b in chunks]
    read = [record_id for chunk in per_chunk for record_id in chunk]
    resource = "queryAll" if operation == "queryAll" else "query"
    assert sorted(read) == rest_ids(sf, "SELECT Id FROM Contact", resource)
    assert len(read) == len(set(read))
    # Each chunk reads one range of seven stored Ids (deleted rows count towards the range).
    for index, chunk in enumerate(per_chunk):
        assert set(chunk) <= set(stored[index * 7 : index * 7 + 7])
    assert (victim in read) == (operation == "queryAll")


def test_pk_chunking_start_row_and_header_checks(bulk: Bulk1, emulator: RunningEmulator) -> None:
    stored = sorted(row["Id"] for row in emulator.admin.records("Account"))
    start = stored[10]
    job = bulk.create_xml_job(
        "Account",
        "queryAll",
        headers={"Sforce-Enable-PKChunking": f"true; chunkSize=5; startRow={start}"},
    )
    bulk.add_batch(job["id"], "SELECT Id FROM Account")
    chunks = bulk.batches(job["id"])[1:]
    read = sorted(row["Id"] for b in chunks for row in bulk.rows(job["id"], b["id"]))
    assert read == stored[10:]
    too_big = bulk.call(
        "POST",
        "job",
        json={"operation": "query", "object": "Account", "contentType": "CSV"},
        headers={"Sforce-Enable-PKChunking": "chunkSize=250001"},
    )
    assert (too_big.status_code, too_big.json()["exceptionCode"]) == (400, "InvalidJob")


@pytest.mark.parametrize(("given", "mode"), [(0, "Parallel"), (1, "Serial"), ("Serial", "Serial")])
def test_json_concurrency_mode_may_be_the_enum_ordinal(bulk: Bulk1, given: Any, mode: str) -> None:
    body = {"operation": "query", "object": "Account", "contentType": "JSON"}
    created = bulk.call("POST", "job", json={**body, "concurrencyMode": given})
    assert created.json()["concurrencyMode"] == mode


def test_an_unknown_concurrency_mode_is_refused(bulk: Bulk1) -> None:
    body = {"operation": "query", "object": "Account", "contentType": "JSON"}
    created = bulk.call("POST", "job", json={**body, "concurrencyMode": "Sometimes"})
    assert (created.status_code, created.json()["exceptionCode"]) == (400, "InvalidJob")
