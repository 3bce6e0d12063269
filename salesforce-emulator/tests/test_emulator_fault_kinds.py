"""Faults around a commit over plain HTTP: late answers, resets after the write, cut bodies,
record errors and echoing errors.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from emulator_http import VERSION, Api, error_of
from salesforce_emulator.faults import cut_offset
from salesforce_emulator.models.org import DEMO

LOCK_MESSAGE = "unable to obtain exclusive access to this record or 200 records"
REST_SOQL = "SELECT Id, Industry, BillingCountry, Name FROM Account ORDER BY Id LIMIT 4"
BULK_SOQL = "SELECT Id, Industry, BillingCountry, Name FROM Account"


def contacts_named(sf: Api, last_name: str) -> list[dict[str, Any]]:
    return [r for r in sf.admin.records("Contact") if r["LastName"] == last_name]


# --- raw HTTP: exact bytes on the wire --------------------------------------------------------


@dataclass
class Raw:
    status_line: str
    headers: dict[str, str]
    body: bytes


def raw_get(sf: Api, path: str, *, gzip: bool) -> Raw:
    """One GET over a bare socket, read to the end of the connection: what was really sent."""
    url = urlsplit(sf.url(path))
    target = url.path + (f"?{url.query}" if url.query else "")
    head = (
        f"GET {target} HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {sf.emulator.access_token}\r\n"
        f"Accept-Encoding: {'gzip' if gzip else 'identity'}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    header_block, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return Raw(status_line, headers, body)


def gunzip_partial(data: bytes) -> tuple[bytes, bool]:
    """(what a cut gzip stream decompresses to, whether its end and trailer arrived)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decompressor.decompress(data)
    return out, decompressor.eof


def query_path(soql: str) -> str:
    return "query?" + urlencode({"q": soql})


def bulk_results_path(sf: Api, soql: str, max_records: int = 20) -> str:
    job = sf.post("jobs/query", json={"operation": "query", "query": soql}).json()
    for _ in range(10):
        if sf.get(f"jobs/query/{job['id']}").json()["state"] == "JobComplete":
            break
    return f"jobs/query/{job['id']}/results?maxRecords={max_records}"


def expected_cut(full: bytes, cut: str, mimetype: str) -> bytes:
    """The prefix a cut leaves, worked out by hand from the whole body.

    Queries select ``Id, Industry, BillingCountry, Name`` (Name last, never empty).
    """
    text = full.decode()
    if mimetype == "text/csv":
        if cut == "mid_value":
            return text.rstrip("\n")[:-2].encode()  # `"APAC"` -> `"APA`
        rows = list(csv.reader(io.StringIO(text, newline="")))
        last_row_start = len(text) - len(csv_line(rows[-1]))
        return (text[:last_row_start] + csv_line(rows[-1][:2])[:-1] + ",").encode()
    if cut == "mid_value":
        close = text.rfind('"')
        return text[: close - 1].encode()
    start = text.rfind('{"attributes"')
    return text[: text.index(', "Industry": ', start) + 1].encode()


def csv_line(values: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' for v in values) + "\n"


# --- latency_after, drop_after ----------------------------------------------------------------


def test_latency_after_commits_before_the_client_gives_up(sf):
    sf.admin.add_fault(endpoint="sobject", method="POST", kind="latency_after", delay=1.5)
    with pytest.raises(requests.Timeout):
        sf.http.post(sf.url("sobjects/Contact"), json={"LastName": "Late"}, timeout=0.4)
    assert len(contacts_named(sf, "Late")) == 1
    response = sf.http.post(  # the rule is spent: a client as impatient is answered now
        sf.url("sobjects/Contact"), json={"LastName": "OnTime"}, timeout=5
    )
    assert response.status_code == 201
    assert [r["fired"] for r in sf.admin.faults()] == [1]


def test_latency_after_answer_arrives_late_and_whole(sf):
    sf.admin.add_fault(endpoint="query", kind="latency_after", delay=1.0, times=2)
    with pytest.raises(requests.Timeout):  # held past a short client timeout
        sf.http.get(sf.url("query"), params={"q": REST_SOQL}, timeout=0.3)
    response = sf.query(REST_SOQL)  # a patient client gets the whole answer
    assert response.status_code == 200
    assert len(response.json()["records"]) == 4


def test_drop_after_commits_then_resets(sf):
    sf.admin.add_fault(endpoint="composite_sobjects", kind="drop_after")
    records = [{"attributes": {"type": "Contact"}, "LastName": "Dropped"} for _ in range(3)]
    with pytest.raises(requests.ConnectionError):
        requests.post(
            sf.url("composite/sobjects"),
            json={"allOrNone": False, "records": records},
            headers={"Authorization": f"Bearer {sf.emulator.access_token}"},
            timeout=10,
        )
    assert len(contacts_named(sf, "Dropped")) == 3
    assert sf.query("SELECT Id FROM Contact LIMIT 1").status_code == 200


def test_drop_before_does_not_commit(sf):
    sf.admin.add_fault(endpoint="sobject", method="POST", kind="drop")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            sf.url("sobjects/Contact"),
            json={"LastName": "NeverWritten"},
            headers={"Authorization": f"Bearer {sf.emulator.access_token}"},
            timeout=10,
        )
    assert contacts_named(sf, "NeverWritten") == []


# --- truncate ---------------------------------------------------------------------------------


def second_page(sf: Api) -> str:
    """The ``nextRecordsUrl`` of a REST query (``query_more``), to fetch twice."""
    sf.admin.settings(page_size=5)
    first = sf.query("SELECT Id, Industry, BillingCountry, Name FROM Account ORDER BY Id").json()
    return first["nextRecordsUrl"]


def full_and_cut(sf: Api, path: str, rule: dict[str, Any], *, gzip: bool) -> tuple[bytes, Raw]:
    full = raw_get(sf, path, gzip=False)
    assert full.status_line.endswith("200 OK"), full
    sf.admin.add_fault(kind="truncate", **rule)
    cut = raw_get(sf, path, gzip=gzip)
    assert [r["fired"] for r in sf.admin.faults()] == [1]
    return full.body, cut


@pytest.mark.parametrize("gzip", [False, True], ids=["identity", "gzip"])
@pytest.mark.parametrize("content_length", [True, False], ids=["length", "no-length"])
@pytest.mark.parametrize("cut", ["mid_value", "mid_row"])
@pytest.mark.parametrize("resource", ["query", "query_more", "bulk_query_results"])
def test_truncate(sf, resource, cut, content_length, gzip):
    if resource == "query":
        path, mimetype = query_path(REST_SOQL), "application/json"
    elif resource == "query_more":
        path, mimetype = second_page(sf), "application/json"
    else:
        path, mimetype = bulk_results_path(sf, BULK_SOQL), "text/csv"
    rule = {"endpoint": resource, "cut": cut, "content_length": content_length}
    full, got = full_and_cut(sf, path, rule, gzip=gzip)

    body, complete = gunzip_partial(got.body) if gzip else (got.body, None)
    assert body == expected_cut(full, cut, mimetype)
    assert len(body) < len(full)
    if gzip:
        assert got.headers["content-encoding"] == "gzip"
        assert complete is False  # no end of stream, no CRC-32 and length trailer
    else:
        assert "content-encoding" not in got.headers
    assert "transfer-encoding" not in got.headers
    if content_length:
        whole = int(got.headers["content-length"])
        if not gzip:
            assert whole == len(full)
        assert len(got.body) < whole
        assert got.status_line.startswith("HTTP/1.1 200")
    else:
        assert "content-length" not in got.headers
        assert got.status_line.startswith("HTTP/1.0 200")  # ended by closing the connection


def test_truncate_mid_value_keeps_the_closing_quote_off(sf):
    path = bulk_results_path(sf, BULK_SOQL)
    full, got = full_and_cut(
        sf, path, {"endpoint": "bulk_query_results", "cut": "mid_value"}, gzip=False
    )
    last_value = full.decode().rstrip("\n").rsplit(",", 1)[1]
    assert last_value.startswith('"')
    assert last_value.endswith('"')
    assert got.body.decode().endswith(last_value[:-2])
    assert not got.body.endswith(b'"')


@pytest.mark.parametrize("gzip", [False, True], ids=["identity", "gzip"])
def test_truncate_by_fraction(sf, gzip):
    path = query_path(REST_SOQL)
    full, got = full_and_cut(
        sf, path, {"endpoint": "query", "cut": 0.5, "content_length": True}, gzip=gzip
    )
    whole = int(got.headers["content-length"])
    assert len(got.body) == whole // 2
    if gzip:
        body, complete = gunzip_partial(got.body)
        assert not complete
        assert full.startswith(body)
    else:
        assert got.body == full[: len(full) // 2]


def test_truncate_seen_through_requests(sf):
    """What a plain client sees: an error with Content-Length, a short body without."""
    sf.admin.add_fault(endpoint="query", kind="truncate", cut="mid_row")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        sf.query(REST_SOQL)
    sf.admin.add_fault(endpoint="query", kind="truncate", cut="mid_row", content_length=False)
    response = sf.query(REST_SOQL, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
        response.json()
    assert sf.query(REST_SOQL).json()["totalSize"] == 4


def test_truncate_write_is_committed(sf):
    sf.admin.add_fault(endpoint="sobject", method="POST", kind="truncate", cut="mid_value")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        sf.post("sobjects/Contact", json={"LastName": "CutShort"})
    assert len(contacts_named(sf, "CutShort")) == 1


@pytest.mark.parametrize(
    ("text", "cut", "expected"),
    [
        ('"Id","Region"\n"1","APAC"\n', "mid_value", '"Id","Region"\n"1","APA'),
        ('"Id","Region"\n"1","APAC"\n', "mid_row", '"Id","Region"\n"1",'),
        ('"Id","Note"\n"1","say ""hi"""\n', "mid_value", '"Id","Note"\n"1","say ""hi'),
        ('"Id","Note"\n"1","a\nb,c"\n', "mid_row", '"Id","Note"\n"1",'),
        ('"Id","Note"\n"1","two\nlines"\n', "mid_value", '"Id","Note"\n"1","two\nline'),
        ('"Id","Note"\n"1",""\n', "mid_value", '"Id","Note"\n"1","'),
        ("Id,Region\n1,APAC\n", "mid_value", "Id,Region\n1,APA"),
        ('"A","B","C","D"\n"1","2","3","4"\n', "mid_row", '"A","B","C","D"\n"1","2",'),
        ('"Región"\n"Zürich"\n', "mid_value", '"Región"\n"Züric'),
    ],
)
def test_csv_cut_offsets(text, cut, expected):
    body = text.encode()
    assert body[: cut_offset(body, cut, "text/csv")].decode() == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"records": [{"a": 1, "b": "APAC"}]}, '{"records": [{"a": 1, "b": "APA'),
        ({"records": [{"b": "APAC", "n": 3, "x": None}]}, '{"records": [{"b": "APA'),
        ({"records": [{"b": 'say "hi"'}]}, '{"records": [{"b": "say \\"hi'),
        (
            {"records": [{"b": "x", "APAC": 1, "c": "APAC"}]},
            '{"records": [{"b": "x", "APAC": 1, "c": "APA',
        ),
        ({"error": "e", "error_description": ""}, '{"error": "e", "error_description": "'),
    ],
)
def test_json_mid_value_offsets(value, expected):
    body = json.dumps(value, ensure_ascii=False).encode()
    assert body[: cut_offset(body, "mid_value", "application/json")].decode() == expected


def test_json_mid_row_offsets():
    value = {"done": True, "records": [{"a": 1}, {"a": 2, "b": "x, y", "c": 3, "d": 4}]}
    body = json.dumps(value).encode()
    cut = body[: cut_offset(body, "mid_row", "application/json")].decode()
    assert cut == '{"done": true, "records": [{"a": 1}, {"a": 2, "b": "x, y",'


# --- record_error -----------------------------------------------------------------------------


def lock_error(code: str = "UNABLE_TO_LOCK_ROW", message: str = LOCK_MESSAGE) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": []}


@pytest.mark.parametrize("all_or_none", [False, True])
def test_record_error_on_collection_create(sf, all_or_none):
    sf.admin.add_fault(endpoint="composite_sobjects", method="POST", kind="record_error")
    records = [{"attributes": {"type": "Contact"}, "LastName": "Locked"} for _ in range(3)]
    response = sf.post("composite/sobjects", json={"allOrNone": all_or_none, "records": records})
    assert response.status_code == 200
    assert response.json() == [{"id": None, "success": False, "errors": [lock_error()]}] * 3
    assert contacts_named(sf, "Locked") == []
    again = sf.post("composite/sobjects", json={"allOrNone": all_or_none, "records": records})
    assert all(r["success"] for r in again.json())
    assert len(contacts_named(sf, "Locked")) == 3


def test_record_error_on_collection_update_keeps_ids_and_never_clears(sf):
    ids = [r["Id"] for r in sf.admin.records("Contact")[:2]]
    sf.admin.add_fault(
        endpoint="composite_sobjects",
        method="PATCH",
        kind="record_error",
        error_code="UNABLE_TO_LOCK_ROW",
        times=0,
    )
    records = [{"attributes": {"type": "Contact"}, "id": i, "Title": "Changed"} for i in ids]
    for _ in range(3):
        body = sf.patch("composite/sobjects", json={"records": records}).json()
        assert body == [{"id": i, "success": False, "errors": [lock_error()]} for i in ids]
    assert all(r["Title"] != "Changed" for r in sf.admin.records("Contact", ids))
    assert sf.admin.faults()[0]["fired"] == 3


def test_record_error_custom_code_and_message(sf):
    sf.admin.add_fault(
        endpoint="sobject", kind="record_error", error_code="STORAGE_LIMIT_EXCEEDED", message="full"
    )
    error = error_of(sf.post("sobjects/Contact", json={"LastName": "Full"}), 400)
    assert error == {"errorCode": "STORAGE_LIMIT_EXCEEDED", "message": "full"}
    assert contacts_named(sf, "Full") == []


def ingest_job(sf: Api, csv_text: str, operation: str = "insert") -> str:
    job = sf.post(
        "jobs/ingest", json={"object": "Contact", "operation": operation, "contentType": "CSV"}
    ).json()
    upload = sf.put(
        f"jobs/ingest/{job['id']}/batches",
        data=csv_text.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201, upload.text
    closed = sf.patch(f"jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    assert closed.status_code == 200, closed.text
    return str(job["id"])


def finished(sf: Api, job_id: str) -> dict[str, Any]:
    for _ in range(10):
        info = sf.get(f"jobs/ingest/{job_id}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            return dict(info)
    raise AssertionError(info)


@pytest.mark.parametrize("endpoint", ["bulk_ingest_upload", "bulk_ingest_job", "bulk_ingest_jobs"])
def test_record_error_on_bulk_ingest(sf, endpoint):
    method = {"bulk_ingest_job": "PATCH", "bulk_ingest_jobs": "POST"}.get(endpoint)
    sf.admin.add_fault(endpoint=endpoint, method=method, kind="record_error")
    job_id = ingest_job(sf, "LastName,Email\nBulkLocked,a@x.example\nBulkLocked,b@x.example\n")
    info = finished(sf, job_id)
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 2
    assert info["numberRecordsFailed"] == 2
    failed = list(csv.DictReader(io.StringIO(sf.get(f"jobs/ingest/{job_id}/failedResults/").text)))
    assert [r["sf__Error"] for r in failed] == [f"UNABLE_TO_LOCK_ROW:{LOCK_MESSAGE}:--"] * 2
    assert {r["Email"] for r in failed} == {"a@x.example", "b@x.example"}
    assert all(r["sf__Id"] == "" for r in failed)
    ok = sf.get(f"jobs/ingest/{job_id}/successfulResults/").text
    assert ok.strip() == '"sf__Id","sf__Created","LastName","Email"'
    assert contacts_named(sf, "BulkLocked") == []


def test_record_error_on_bulk_update_names_the_ids(sf):
    ids = [r["Id"] for r in sf.admin.records("Contact")[:2]]
    sf.admin.add_fault(endpoint="bulk_ingest_upload", kind="record_error", error_code="X_CODE")
    job_id = ingest_job(sf, "Id,Title\n" + "".join(f"{i},T\n" for i in ids), "update")
    assert finished(sf, job_id)["numberRecordsFailed"] == 2
    failed = list(csv.DictReader(io.StringIO(sf.get(f"jobs/ingest/{job_id}/failedResults/").text)))
    assert sorted(r["sf__Id"] for r in failed) == sorted(ids)
    assert all(r["sf__Error"] == "X_CODE:Injected error X_CODE:--" for r in failed)


# --- echo -------------------------------------------------------------------------------------


def test_echo_on_the_token_endpoint_repeats_the_secrets(sf):
    sf.admin.add_fault(endpoint="token", kind="echo")
    form = {
        "grant_type": "password",
        "client_id": DEMO.client_id,
        "client_secret": DEMO.client_secret,
        "username": DEMO.username,
        "password": DEMO.password + DEMO.security_token,
    }
    response = requests.post(
        f"{sf.emulator.url}/services/oauth2/token?from=test", data=form, timeout=10
    )
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "unknown_error"
    text = body["error_description"]
    assert text.startswith("POST /services/oauth2/token?from=test\n")
    assert "Content-Type: application/x-www-form-urlencoded" in text
    assert urlencode(form) in text
    assert DEMO.password + DEMO.security_token in text
    assert DEMO.client_secret in text
    assert sf.login()


def test_echo_on_query_repeats_the_bearer_token(sf):
    sf.admin.add_fault(endpoint="query", kind="echo", status=502, error_code="BAD_GATEWAY")
    response = sf.query(REST_SOQL)
    error = error_of(response, 502)
    assert error["errorCode"] == "BAD_GATEWAY"
    first_line = error["message"].splitlines()[0]
    assert first_line == f"GET /services/data/v{VERSION}/{query_path(REST_SOQL)}"
    assert f"Authorization: Bearer {sf.emulator.access_token}" in error["message"]
    assert sf.query(REST_SOQL).status_code == 200


def test_echo_default_status_and_body(sf):
    sf.admin.add_fault(endpoint="sobject", kind="echo")
    response = sf.post("sobjects/Contact", json={"LastName": "Echoed"})
    error = error_of(response, 500)
    assert error["errorCode"] == "UNKNOWN_EXCEPTION"
    assert error["message"].endswith('\n\n{"LastName": "Echoed"}')
    assert contacts_named(sf, "Echoed") == []


# --- what every kind shares -------------------------------------------------------------------


def call_outcome(sf: Api) -> str:
    try:
        response = sf.http.post(
            sf.url("composite/sobjects"),
            json={"records": [{"attributes": {"type": "Contact"}, "LastName": "Shared"}]},
            timeout=0.5,
        )
    except requests.RequestException as exc:
        return type(exc).__name__
    body = response.json()
    if response.status_code != 200:
        return f"status {response.status_code}"
    return "ok" if body[0]["success"] else body[0]["errors"][0]["statusCode"]


@pytest.mark.parametrize(
    ("rule", "faulted"),
    [
        ({"kind": "latency_after", "delay": 1.0}, "ReadTimeout"),
        ({"kind": "drop_after"}, "ConnectionError"),
        ({"kind": "truncate", "cut": "mid_row"}, "ChunkedEncodingError"),
        ({"kind": "record_error"}, "UNABLE_TO_LOCK_ROW"),
        ({"kind": "echo"}, "status 500"),
    ],
    ids=lambda value: value["kind"] if isinstance(value, dict) else None,
)
def test_new_kinds_respect_skip_times_and_method(sf, rule, faulted):
    sf.admin.add_fault(endpoint="composite_sobjects", method="GET", **rule)
    sf.admin.add_fault(endpoint="composite_sobjects", method="POST", skip=1, times=1, **rule)
    outcomes = [call_outcome(sf) for _ in range(3)]
    assert outcomes == ["ok", faulted, "ok"]
    assert [r["fired"] for r in sf.admin.faults()] == [0, 1]


@pytest.mark.parametrize(
    "rule",
    [{"kind": "truncate", "cut": "middle"}, {"kind": "truncate", "cut": 1.5}, {"kind": "nope"}],
)
def test_bad_rules_are_refused(sf, rule):
    response = requests.post(f"{sf.emulator.url}/__admin/faults", json=rule, timeout=10)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FAULT"
