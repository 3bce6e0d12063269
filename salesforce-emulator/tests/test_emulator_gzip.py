"""Content coding over plain HTTP: gzip answers when asked, gzip request bodies."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest
import requests
from emulator_http import Api, error_of

SOQL = "SELECT Id, Name, Industry FROM Account ORDER BY Id LIMIT 20"


def raw(sf: Api, path: str, accept: str, **params: str) -> requests.Response:
    """A GET whose body is left as sent (not decoded by requests)."""
    response = sf.http.get(
        sf.url(path), params=params, headers={"Accept-Encoding": accept}, stream=True, timeout=10
    )
    response.raw.decode_content = False
    response._content = response.raw.read()  # keep the encoded bytes
    return response


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("query", {"q": SOQL}),
        ("sobjects/Contact/describe", {}),
        ("sobjects", {}),
        ("sobjects/Account", {}),
    ],
)
def test_rest_answers_are_gzipped_when_asked(sf, path, params):
    plain = raw(sf, path, "identity", **params)
    packed = raw(sf, path, "gzip, deflate", **params)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.content)
    assert len(packed.content) < len(plain.content)
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)
    assert packed.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_bulk_results_are_gzipped_when_asked(sf):
    job = sf.post(
        "jobs/query",
        json={"operation": "query", "query": SOQL.removesuffix(" ORDER BY Id LIMIT 20")},
    )
    job_id = job.json()["id"]
    while sf.get(f"jobs/query/{job_id}").json()["state"] != "JobComplete":
        pass
    plain = raw(sf, f"jobs/query/{job_id}/results", "identity")
    packed = raw(sf, f"jobs/query/{job_id}/results", "gzip")
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Content-Type"].startswith("text/csv")
    assert packed.headers["Sforce-Locator"] == plain.headers["Sforce-Locator"] == "null"
    assert gzip.decompress(packed.content) == plain.content
    rows = list(csv.DictReader(io.StringIO(plain.content.decode(), newline="")))
    assert int(packed.headers["Sforce-NumberOfRecords"]) == len(rows) > 0


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        ("gzip", True),
        ("x-gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("br", False),
        ("", False),
    ],
)
def test_accept_encoding_negotiation(sf, accept, gzipped):
    response = raw(sf, "query", accept, q=SOQL)
    assert (response.headers.get("Content-Encoding") == "gzip") is gzipped


def test_plain_requests_client_reads_gzip_transparently(sf):
    response = sf.query(SOQL)
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.json()["records"]) == 20


def test_errors_are_gzipped_too(sf):
    response = raw(sf, "query", "gzip", q="SELECT Nope FROM Account")
    assert response.status_code == 400
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))[0]["errorCode"] == "INVALID_FIELD"


def test_front_end_html_is_not_gzipped(sf):
    sf.admin.add_fault(endpoint="query", html=True)
    response = raw(sf, "query", "gzip", q=SOQL)
    assert response.status_code == 503
    assert "Content-Encoding" not in response.headers
    assert b"<html" in response.content


def gzip_json(value: object) -> bytes:
    return gzip.compress(json.dumps(value).encode())


def test_gzip_request_bodies_are_read(sf):
    created = sf.post(
        "sobjects/Contact",
        data=gzip_json({"LastName": "Packed", "Email": "packed@gzip.example"}),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    updated = sf.patch(
        f"sobjects/Contact/{record_id}",
        data=gzip_json({"Title": "Zipped"}),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert updated.status_code == 204, updated.text
    [stored] = sf.admin.records("Contact", [record_id])
    assert (stored["LastName"], stored["Title"]) == ("Packed", "Zipped")


def test_gzip_bulk_ingest_upload(sf):
    job = sf.post("jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()
    upload = sf.put(
        f"jobs/ingest/{job['id']}/batches",
        data=gzip.compress(b"LastName,Email\nZipA,a@gzip.example\nZipB,b@gzip.example\n"),
        headers={"Content-Type": "text/csv", "Content-Encoding": "gzip"},
    )
    assert upload.status_code == 201, upload.text
    sf.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    for _ in range(5):
        info = sf.get(f"jobs/ingest/{job['id']}").json()
    assert info["state"] == "JobComplete"
    assert (info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (2, 0)
    names = {r["LastName"] for r in sf.admin.records("Contact")}
    assert {"ZipA", "ZipB"} <= names


def test_gzip_token_request(sf):
    from salesforce_emulator.models.org import DEMO

    form = (
        f"grant_type=password&client_id={DEMO.client_id}&client_secret={DEMO.client_secret}"
        f"&username={DEMO.username}&password={DEMO.password}{DEMO.security_token}"
    )
    response = requests.post(
        f"{sf.emulator.url}/services/oauth2/token",
        data=gzip.compress(form.encode()),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Encoding": "gzip",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


@pytest.mark.parametrize(
    "body",
    [b"not gzip at all", gzip.compress(b'{"LastName": "X"}', mtime=0)[:-6]],
    ids=["not-gzip", "gzip-cut-short"],
)
def test_bad_gzip_request_body_is_refused(sf, body):
    response = sf.post(
        "sobjects/Contact",
        data=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    error = error_of(response, 400)
    assert "gzip" in error["message"]
