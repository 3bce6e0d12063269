"""Report streams through the SDK: the emulator's org for everything but the Analytics API,
which a fake report answers (filters, sort, 2,000-row cut) until the emulator serves it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from salesforce_common import SalesforceError, SalesforceSession
from tap_salesforce_plus.report_schema import MAX_DETAIL_ROWS
from tapsf_support import make_tap, shared_emulator, sync
from test_tap_report_paging import COLUMNS, FakeReport, make_rows

REPORT_ID = "00O000000000001AAA"


@pytest.fixture
def report(monkeypatch: pytest.MonkeyPatch) -> FakeReport:
    fake = FakeReport(make_rows(4_500), "1")
    get_json, read_json, iter_query = (
        SalesforceSession.get_json,
        SalesforceSession.read_json,
        SalesforceSession.iter_query,
    )

    def fake_get(self: SalesforceSession, path: str, *args: Any, **kwargs: Any) -> Any:
        if path == f"analytics/reports/{REPORT_ID}/describe":
            return fake.describe()
        if path.startswith("analytics/"):
            raise SalesforceError("not found", status=404, error_code="NOT_FOUND")
        return get_json(self, path, *args, **kwargs)

    def fake_read(self: SalesforceSession, method: str, path: str, **kwargs: Any) -> Any:
        if path == f"analytics/reports/{REPORT_ID}":
            assert method == "POST"
            assert kwargs["params"] == {"includeDetails": "true"}
            return None, fake.run(kwargs["json"]["reportMetadata"])
        return read_json(self, method, path, **kwargs)

    def fake_iter(self: SalesforceSession, soql: str, *args: Any) -> Any:
        if " FROM Report" in soql:
            return iter([{"Id": REPORT_ID, "Name": "Contacts", "DeveloperName": "Contacts",
                          "Format": "Tabular"}])  # fmt: skip
        return iter_query(self, soql, *args)

    monkeypatch.setattr(SalesforceSession, "get_json", fake_get)
    monkeypatch.setattr(SalesforceSession, "read_json", fake_read)
    monkeypatch.setattr(SalesforceSession, "iter_query", fake_iter)
    return fake


def expected(report: FakeReport, since: str = "") -> list[Mapping[str, Any]]:
    rows = [r for r in report.rows if r["STAGE"] != "Lost" and r["CREATED"] >= since]
    return sorted(rows, key=lambda r: r["CONTACT_ID"])


def test_report_stream_emits_every_row_once(report: FakeReport) -> None:
    emulator = shared_emulator()
    run = sync(emulator.config(tables=["account"], reports=["Contacts"]))
    records = run.records("contacts")
    rows = expected(report)
    assert len(rows) > MAX_DETAIL_ROWS
    assert [r["contact_id"] for r in records] == [r["CONTACT_ID"] for r in rows]
    assert records[0] == {
        "contact_id": rows[0]["CONTACT_ID"],
        "contact_id__label": f"label {rows[0]['CONTACT_ID']}",
        "account_name": rows[0]["ACCOUNT.NAME"],
        "account_name__label": f"label {rows[0]['ACCOUNT.NAME']}",
        "stage": rows[0]["STAGE"],
        "created": rows[0]["CREATED"],
    }
    schema = run.schema("contacts")
    assert schema["properties"]["created"]["format"] == "date"
    assert schema["properties"]["stage"]["description"] == COLUMNS["STAGE"][1]
    assert len(report.posts) == 1 + len(rows) // MAX_DETAIL_ROWS
    assert {p.get("reportBooleanFilter") for p in report.posts[1:]} == {"(1) AND 2"}


def test_report_stream_bookmarks_its_date_column(report: FakeReport) -> None:
    emulator = shared_emulator()
    entry = {"name": "contacts", "report_id": REPORT_ID, "replication_key": "CREATED",
             "unique_column": "CONTACT_ID"}  # fmt: skip
    config = emulator.config(tables=["account"], reports=[entry], start_date="2024-03-01T00:00:00Z")
    first = sync(config)
    stream = first.tap.streams["contacts"]
    assert stream.replication_key == "created"
    assert stream.primary_keys == ["contact_id"]
    assert len(first.records("contacts")) == len(expected(report, "2024-03-01"))
    bookmark = first.state["bookmarks"]["contacts"]
    assert bookmark["replication_key_value"] == max(r["CREATED"] for r in expected(report))
    report.posts.clear()
    second = sync(config, state=first.state)
    since = bookmark["replication_key_value"]
    assert report.posts[0]["reportFilters"][1] == {
        "column": "CREATED", "operator": "greaterOrEqual", "value": since,
    }  # fmt: skip
    assert len(second.records("contacts")) == len(
        expected(report, bookmark["replication_key_value"])
    )


def test_report_streams_follow_catalog_selection(report: FakeReport) -> None:
    emulator = shared_emulator()
    config = emulator.config(tables=["account"], reports=["Contacts"])
    catalog = make_tap(config).tap.catalog_dict
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "contacts":
            for meta in entry["metadata"]:
                if meta["breadcrumb"] == []:
                    meta["metadata"]["selected"] = False
    report.posts.clear()
    run = sync(config, catalog=catalog)
    assert not run.records("contacts")
    assert report.posts == []
