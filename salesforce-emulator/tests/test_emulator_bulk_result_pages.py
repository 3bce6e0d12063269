"""Bulk API 2.0 parallel results: ``GET jobs/query/{id}/resultPages`` (API 58.0 and later)."""

from __future__ import annotations

import csv
import gzip
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from emulator_http import VERSION, Api, error_of

SOQL = "SELECT Id, Name FROM Contact"


def completed_job(sf: Api, version: str = VERSION, soql: str = SOQL) -> str:
    path = f"/services/data/v{version}/jobs/query"
    job = sf.post(path, json={"operation": "query", "query": soql}).json()
    while sf.get(f"{path}/{job['id']}").json()["state"] != "JobComplete":
        pass
    return str(job["id"])


def every_result_url(sf: Api, job_id: str) -> list[str]:
    """Every resultUrl, following nextRecordsUrl; checks each answer's shape."""
    urls: list[str] = []
    response = sf.get(f"jobs/query/{job_id}/resultPages")
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["resultPages", "nextRecordsUrl", "done"]
        assert 1 <= len(body["resultPages"]) <= 5
        urls += [page["resultUrl"] for page in body["resultPages"]]
        if body["done"]:
            assert body["nextRecordsUrl"] is None
            return urls
        assert body["nextRecordsUrl"].startswith(
            f"/services/data/v{VERSION}/jobs/query/{job_id}/resultPages?locator="
        )
        response = sf.get(body["nextRecordsUrl"])


def read_page(sf: Api, url: str) -> list[dict[str, str]]:
    with requests.Session() as http:  # each page on its own connection and session object
        http.headers.update(sf.http.headers)
        response = http.get(sf.url(url), timeout=30)
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
    assert int(response.headers["Sforce-NumberOfRecords"]) == len(rows)
    return rows


def test_result_pages_read_in_parallel_give_every_row_once(sf, emulator):
    emulator.org.bulk.result_page_rows = 7
    expected = sf.query_all_pages("SELECT Id FROM Contact")
    job_id = completed_job(sf)
    urls = every_result_url(sf, job_id)
    assert len(urls) == -(-len(expected) // 7) > 5  # more than one resultPages answer
    prefix = f"/services/data/v{VERSION}/jobs/query/{job_id}/results?locator="
    assert all(url.startswith(prefix) and url.endswith("&maxRecords=7") for url in urls)
    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(pool.map(lambda url: read_page(sf, url), reversed(urls)))
    ids = [row["Id"] for page in pages for row in page]
    assert sorted(ids) == sorted(r["Id"] for r in expected)
    assert all(len(page) == 7 for page in pages[1:])  # every page but the last (read first) full


def test_result_pages_of_an_empty_result(sf):
    job_id = completed_job(sf, soql="SELECT Id FROM Contact WHERE LastName = 'nobody at all'")
    [url] = every_result_url(sf, job_id)
    assert read_page(sf, url) == []


def test_result_pages_before_58_is_not_found(sf):
    job_id = completed_job(sf, version="57.0")
    error = error_of(sf.get(f"/services/data/v57.0/jobs/query/{job_id}/resultPages"), 404)
    assert error["errorCode"] == "NOT_FOUND"


def test_result_pages_need_the_job_s_api_version(sf):
    job_id = completed_job(sf, version="60.0")
    assert sf.get(f"/services/data/v60.0/jobs/query/{job_id}/resultPages").status_code == 200
    error_of(sf.get(f"jobs/query/{job_id}/resultPages"), 409)


def test_result_pages_before_completion_and_unknown_jobs(sf):
    job = sf.post("jobs/query", json={"operation": "query", "query": SOQL}).json()
    assert error_of(sf.get(f"jobs/query/{job['id']}/resultPages"), 400)["errorCode"] == (
        "INVALIDJOBSTATE"
    )
    error_of(sf.get("jobs/query/750000000000000AAA/resultPages"), 404)


@pytest.mark.parametrize("accept", ["gzip", "identity"])
def test_result_pages_and_their_results_honour_accept_encoding(sf, accept):
    job_id = completed_job(sf)
    listing = sf.http.get(
        sf.url(f"jobs/query/{job_id}/resultPages"),
        headers={"Accept-Encoding": accept},
        stream=True,
        timeout=30,
    )
    listing.raw.decode_content = False
    raw = listing.raw.read()
    gzipped = accept == "gzip"
    assert (listing.headers.get("Content-Encoding") == "gzip") is gzipped
    body = gzip.decompress(raw) if gzipped else raw
    assert b"resultUrl" in body
