"""Records carry only the properties their SCHEMA declares, whatever the org did since discovery.

A field added to the org after the catalog was made is not queried; a field that vanished (a
catalog property the org no longer describes, or one the query now refuses) is left out with a
warning, over REST and the Bulk API, even when it vanishes in the middle of a read.
"""

from __future__ import annotations

import copy
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import TapRun, make_tap, stored_counts, sync

NEW_FIELD = "Loyalty_Tier__c"


def discover(config: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(make_tap(config).tap.catalog_dict)


def add_field_with_values(emulator: RunningEmulator, obj: str) -> None:
    emulator.admin.add_field(obj, {"name": NEW_FIELD, "type": "string", "length": 40})
    rows = [r for r in emulator.admin.records(obj) if not r["IsDeleted"]]
    emulator.admin.update(obj, [{"Id": r["Id"], NEW_FIELD: "Gold"} for r in rows], touch=False)


def properties(schema: dict[str, Any], path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, sub in (schema.get("properties") or {}).items():
        found.add((*path, name))
        found |= properties(sub, (*path, name))
    return found


def record_paths(record: dict[str, Any], path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for name, value in record.items():
        found.add((*path, name))
        if isinstance(value, dict) and not {"street", "latitude"} & set(value):
            found |= record_paths(value, (*path, name))
    return found


def assert_records_honour_schema(run: TapRun, stream: str) -> None:
    declared = properties(run.schema(stream))
    for record in run.records(stream):
        assert record_paths(record) <= declared, record_paths(record) - declared


@pytest.mark.parametrize("api_type", ["rest", "bulk"])
def test_a_field_added_after_discovery_is_not_read_with_the_old_catalog(
    emulator: RunningEmulator, api_type: str
) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    config = emulator.config(
        tables=["contact", "case"], api_type=api_type, relationships={"case": ["Contact"]}
    )
    catalog = discover(config)
    add_field_with_values(emulator, "Contact")

    run = sync(config, catalog=catalog)
    entries = {e["tap_stream_id"]: e for e in catalog["streams"]}
    for stream in ("contact", "case"):
        assert run.schema(stream)["properties"] == entries[stream]["schema"]["properties"]
        assert_records_honour_schema(run, stream)
        assert len(run.records(stream)) == stored_counts(emulator, include_deleted=False)[stream]
    assert all(NEW_FIELD not in r for r in run.records("contact"))
    assert all(NEW_FIELD not in (r["Contact"] or {}) for r in run.records("case"))
    sent = run.bulk_soql("Contact") if api_type == "bulk" else run.soql("Contact")
    assert sent
    assert all(NEW_FIELD not in q for q in sent)

    fresh = sync(config)  # a new discovery offers and reads the new field
    assert NEW_FIELD in fresh.schema("contact")["properties"]
    assert {r[NEW_FIELD] for r in fresh.records("contact")} == {"Gold"}


def test_a_catalog_field_the_org_no_longer_has_is_left_out_with_a_warning(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = emulator.config(tables=["account"], api_type="rest")
    catalog = discover(config)
    [entry] = catalog["streams"]
    entry["schema"]["properties"]["Retired__c"] = {"type": ["string", "null"]}
    with caplog.at_level(logging.WARNING):
        run = sync(config, catalog=catalog)
    assert "field(s) Retired__c of the catalog are no longer fields of Account" in caplog.text
    [soql] = run.soql("Account")
    assert "Retired__c" not in soql
    assert run.records("account")
    assert_records_honour_schema(run, "account")


@pytest.mark.parametrize("api_type", ["rest", "bulk"])
def test_a_field_hidden_after_discovery_is_dropped_with_a_warning(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture, api_type: str
) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    config = emulator.config(tables=["account"], api_type=api_type)
    catalog = discover(config)
    emulator.admin.settings(hidden_fields=["Account.Phone"])
    with caplog.at_level(logging.WARNING):
        run = sync(config, catalog=catalog)
    assert "Dropping field Account.Phone from stream account" in caplog.text
    records = run.records("account")
    assert len(records) == stored_counts(emulator, include_deleted=False)["account"]
    assert all("Phone" not in r for r in records)


def test_a_field_hidden_in_the_middle_of_a_rest_read_is_dropped_and_the_read_resumes(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """After the first page the field is hidden and the cursor expires: the re-run query is
    refused (INVALID_FIELD) after rows were emitted; the field is dropped and the read goes
    on from the last row emitted, without duplicates."""
    emulator.admin.settings(page_size=10)
    run = make_tap(emulator.config(tables=["account"], api_type="rest"))
    done: list[bool] = []

    def hide_after_first_page(response: Any, *args: Any, **kwargs: Any) -> None:
        query = parse_qs(urlsplit(response.request.url).query).get("q", [""])[0]
        if not done and " FROM Account" in query and response.ok:
            done.append(True)
            emulator.admin.settings(hidden_fields=["Account.Phone"])
            emulator.admin.expire_cursors()

    run.tap.sf_session.http.hooks["response"].append(hide_after_first_page)
    with caplog.at_level(logging.WARNING):
        run.tap.sync_all()
    assert "Dropping field Account.Phone from stream account" in caplog.text
    records = run.records("account")
    ids = [r["Id"] for r in records]
    assert len(ids) == len(set(ids))
    assert len(ids) == stored_counts(emulator, include_deleted=False)["account"]
    assert all("Phone" in r for r in records[:10])
    assert all("Phone" not in r for r in records[10:])
