"""gzip on every kind of API answer and on every kind of request body (POST, PATCH, PUT)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import pytest
import requests
from emulator_http import VERSION, Api

BASE = f"/services/data/v{VERSION}"


def exchange(sf: Api, method: str, path: str, accept: str, **kwargs: Any) -> requests.Response:
    """One call whose answer body is kept as sent (not decoded by requests)."""
    headers = {"Accept-Encoding": accept, **kwargs.pop("headers", {})}
    response = sf.http.request(
        method, sf.url(path), headers=headers, stream=True, timeout=30, **kwargs
    )
    response.raw.decode_content = False
    response._content = response.raw.read()  # the encoded bytes
    return response


def assert_gzipped(packed: requests.Response) -> bytes:
    """The decompressed body of an answer that must be gzip-encoded."""
    assert packed.headers.get("Content-Encoding") == "gzip", (packed.status_code, packed.headers)
    assert int(packed.headers["Content-Length"]) == len(packed.content)
    assert "Accept-Encoding" in packed.headers["Vary"]
    return gzip.decompress(packed.content)


def completed_query_job(sf: Api) -> str:
    job = sf.post("jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"})
    job_id = str(job.json()["id"])
    while sf.get(f"jobs/query/{job_id}").json()["state"] != "JobComplete":
        pass
    return job_id


def completed_ingest_job(sf: Api) -> str:
    job = sf.post("jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()
    sf.put(
        f"jobs/ingest/{job['id']}/batches",
        data=b"LastName\nZipped\n",
        headers={"Content-Type": "text/csv"},
    )
    sf.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    while sf.get(f"jobs/ingest/{job['id']}").json()["state"] != "JobComplete":
        pass
    return str(job["id"])


def read_paths(sf: Api) -> list[str]:
    """GET paths of every read resource (ids and locators filled in from the org)."""
    sf.admin.settings(page_size=30)
    record_id = sf.query("SELECT Id FROM Account LIMIT 1").json()["records"][0]["Id"]
    locator_url = sf.query("SELECT Id FROM Contact").json()["nextRecordsUrl"]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    window = f"start={(now - dt.timedelta(days=1)).isoformat()}&end={now.isoformat()}".replace(
        "+", "%2B"
    )
    query_job, ingest_job = completed_query_job(sf), completed_ingest_job(sf)
    report_id = sf.get("analytics/reports").json()[0]["id"]
    return [
        "/services/data/",
        f"{BASE}/",
        "limits",
        "limits/recordCount?sObjects=Account,Contact",
        "sobjects/Account",
        f"sobjects/Account/{record_id}",
        f"composite/sobjects/Account?ids={record_id}&fields=Name",
        f"sobjects/Account/deleted/?{window}",
        f"sobjects/Account/updated/?{window}",
        "queryAll?q=SELECT+Id+FROM+Contact",
        locator_url,
        "jobs/query",
        f"jobs/query/{query_job}",
        f"jobs/query/{query_job}/resultPages",
        f"jobs/query/{query_job}/results",
        "jobs/ingest",
        f"jobs/ingest/{ingest_job}",
        f"jobs/ingest/{ingest_job}/successfulResults/",
        f"jobs/ingest/{ingest_job}/failedResults/",
        "analytics/reports",
        f"analytics/reports/{report_id}/describe",
        f"analytics/reports/{report_id}?includeDetails=true",
    ]


def test_every_read_answer_is_gzipped_when_asked(sf):
    for path in read_paths(sf):
        plain = exchange(sf, "GET", path, "identity")
        packed = exchange(sf, "GET", path, "gzip")
        assert plain.status_code == packed.status_code == 200, (path, plain.text)
        assert "Content-Encoding" not in plain.headers, path
        body = assert_gzipped(packed)
        if plain.headers["Content-Type"].startswith("application/json"):
            unpacked, expected = json.loads(body), json.loads(plain.content)
            assert type(unpacked) is type(expected), path
            assert len(unpacked) == len(expected), path
        else:  # CSV: the same header row
            assert body.split(b"\n", 1)[0] == plain.content.split(b"\n", 1)[0], path


def packed_json(value: object) -> bytes:
    return gzip.compress(json.dumps(value).encode())


GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        (
            "POST",
            "composite/sobjects",
            {"records": [{"attributes": {"type": "Contact"}, "LastName": "Zipped Collection"}]},
            200,
        ),
        (
            "PATCH",
            "composite/sobjects/Account/Account_Number_Ext__c",
            {
                "records": [
                    {
                        "attributes": {"type": "Account"},
                        "Account_Number_Ext__c": "ZIP-1",
                        "Name": "Zipped Upsert",
                    }
                ]
            },
            200,
        ),
        ("PATCH", "sobjects/Account/Account_Number_Ext__c/ZIP-2", {"Name": "Zipped One"}, 201),
        (
            "POST",
            "composite/batch",
            {"batchRequests": [{"method": "GET", "url": f"v{VERSION}/limits"}]},
            200,
        ),
        (
            "POST",
            "ui-api/records",
            {"apiName": "Contact", "fields": {"LastName": "Zipped UI"}},
            201,
        ),
        ("POST", "jobs/query", {"operation": "query", "query": "SELECT Id FROM Account"}, 200),
        ("POST", "jobs/ingest", {"object": "Contact", "operation": "insert"}, 200),
    ],
)
def test_gzip_request_bodies_on_every_write(sf, method, path, body, status):
    response = exchange(sf, method, path, "gzip", data=packed_json(body), headers=GZIP_JSON)
    assert response.status_code == status, gzip.decompress(response.content)
    answer = json.loads(assert_gzipped(response))
    if isinstance(answer, list):
        assert all(item.get("success", True) for item in answer), answer
    if path == "composite/batch":
        assert answer["hasErrors"] is False


def test_gzip_state_change_and_upload_of_an_ingest_job(sf):
    job = sf.post("jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()
    upload = sf.put(
        f"jobs/ingest/{job['id']}/batches",
        data=gzip.compress(b"LastName\nZip Upload\n"),
        headers={"Content-Type": "text/csv", "Content-Encoding": "gzip"},
    )
    assert upload.status_code == 201
    closed = exchange(
        sf,
        "PATCH",
        f"jobs/ingest/{job['id']}",
        "gzip",
        data=packed_json({"state": "UploadComplete"}),
        headers=GZIP_JSON,
    )
    assert closed.status_code == 200
    assert json.loads(assert_gzipped(closed))["state"] == "UploadComplete"
    names = {r["LastName"] for r in sf.admin.records("Contact")}
    assert "Zip Upload" in names
