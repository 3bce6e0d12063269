"""``queryAll`` paging: next pages at ``query/{locator}``, the locator keeping deleted rows."""

from __future__ import annotations

import re

from emulator_http import VERSION

NEXT_URL = re.compile(rf"^/services/data/v{re.escape(VERSION)}/query/01g[0-9A-Za-z]{{15}}-\d+$")
SOQL = "SELECT Id, IsDeleted FROM Contact ORDER BY Id"


def follow(sf, first: dict, prefix: str = "") -> list[dict]:
    """Every record from ``first`` on, following ``nextRecordsUrl`` (optionally rewritten)."""
    body, records = first, list(first["records"])
    while not body["done"]:
        assert NEXT_URL.match(body["nextRecordsUrl"]), body["nextRecordsUrl"]
        url = body["nextRecordsUrl"]
        if prefix:
            url = url.replace("/query/", prefix)
        response = sf.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["records"]
    return records


def test_query_all_pages_through_query_locators_and_keeps_deleted_rows(sf):
    sf.admin.settings(page_size=30)
    every = sf.query_all_pages(SOQL, resource="queryAll")
    ids = [r["Id"] for r in every]
    live = [r["Id"] for r in every if not r["IsDeleted"]]
    deleted = {r["Id"] for r in every if r["IsDeleted"]} | set(live[-3:])
    for record_id in live[-3:]:  # on the last page: only a queryAll cursor holds them
        assert sf.delete(f"sobjects/Contact/{record_id}").status_code == 204
    first = sf.get("queryAll", params={"q": SOQL}).json()
    assert first["totalSize"] == len(ids) > 60
    records = follow(sf, first)
    assert [r["Id"] for r in records] == ids
    assert {r["Id"] for r in records if r["IsDeleted"]} == deleted
    calls = sf.admin.calls()["by_endpoint"]
    assert calls["query_more"] >= len(ids) // 30
    assert "query_all_more" not in calls


def test_plain_query_locators_still_leave_deleted_rows_out(sf):
    sf.admin.settings(page_size=30)
    ids = [r["Id"] for r in sf.query_all_pages(SOQL)]
    assert sf.delete(f"sobjects/Contact/{ids[-1]}").status_code == 204
    records = follow(sf, sf.query(SOQL).json())
    assert [r["Id"] for r in records] == ids[:-1]


def test_old_query_all_locator_urls_are_still_accepted(sf):
    sf.admin.settings(page_size=30)
    ids = [r["Id"] for r in sf.query_all_pages(SOQL, resource="queryAll")]
    records = follow(sf, sf.get("queryAll", params={"q": SOQL}).json(), prefix="/queryAll/")
    assert [r["Id"] for r in records] == ids
    assert any(r["IsDeleted"] for r in records)
