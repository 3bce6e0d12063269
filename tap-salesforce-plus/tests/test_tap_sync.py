"""Syncs against the emulator: row counts, incremental state, deletes, FLS, base64, maps."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus.values import format_datetime, parse_datetime
from tapsf_support import ALL_TABLES, shared_emulator, stored_counts, sync


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["Id"] for r in records]


@pytest.mark.parametrize("include_deleted", [False, True], ids=["query", "queryAll"])
def test_full_sync_row_counts_equal_the_stored_rows(
    include_deleted: bool, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = shared_emulator()
    with caplog.at_level(logging.INFO):
        run = sync(emulator.config(tables=ALL_TABLES, include_deleted=include_deleted))
    expected = stored_counts(emulator, include_deleted=include_deleted)
    assert len(expected) == 19
    assert dict(run.counts()) == expected
    for stream in expected:
        records = run.records(stream)
        assert len(set(ids(records))) == len(records), stream
        assert all("attributes" not in r for r in records)
        assert f"Stream {stream}: {expected[stream]} rows in " in caplog.text
    deleted = [r for s in expected for r in run.records(s) if r.get("IsDeleted")]
    assert bool(deleted) == include_deleted
    assert {q[0] for q in run.queries} == {"queryAll" if include_deleted else "query"}


def test_records_are_normalised_and_compound_fields_are_objects() -> None:
    run = sync(shared_emulator().config(tables=["account", "custom:My__Community_Group__c"]))
    account = run.records("account")[0]
    assert account["SystemModstamp"].endswith(".000Z")
    assert len(account["SystemModstamp"]) == len("2024-07-15T20:18:56.000Z")
    billing = account["BillingAddress"]
    assert isinstance(billing, dict)
    assert set(billing) == {
        "street",
        "city",
        "state",
        "postalCode",
        "country",
        "latitude",
        "longitude",
        "geocodeAccuracy",
    }
    assert billing["city"] == account["BillingCity"]
    group = next(r for r in run.records("my__community_group__c") if r["Meeting_Place__c"])
    assert set(group["Meeting_Place__c"]) == {"latitude", "longitude"}
    assert run.schema("my__community_group__c")["properties"]["Meeting_Place__c"]["type"] == [
        "object",
        "null",
    ]


def test_incremental_second_run_emits_only_rows_changed_since(emulator: RunningEmulator) -> None:
    config = emulator.config(tables=["account", "contact"], lookback_minutes=0)
    first = sync(config)
    bookmark = first.state["bookmarks"]["contact"]["replication_key_value"]
    assert bookmark == max(r["SystemModstamp"] for r in first.records("contact"))
    at_bookmark = {r["Id"] for r in first.records("contact") if r["SystemModstamp"] == bookmark}

    changed = ids(first.records("contact"))[:3]
    emulator.admin.update("Contact", [{"Id": i, "Title": "Changed"} for i in changed])
    second = sync(config, state=first.state)

    contacts = second.records("contact")
    assert set(ids(contacts)) == set(changed) | at_bookmark  # the bookmark is inclusive
    assert all(r["Title"] == "Changed" for r in contacts if r["Id"] in changed)
    assert {r["Id"] for r in second.records("account")} == {
        r["Id"]
        for r in first.records("account")
        if r["SystemModstamp"] == first.state["bookmarks"]["account"]["replication_key_value"]
    }
    new_bookmark = second.state["bookmarks"]["contact"]["replication_key_value"]
    assert new_bookmark == max(r["SystemModstamp"] for r in contacts) > bookmark


def test_lookback_catches_a_late_commit_without_moving_the_bookmark_back(
    emulator: RunningEmulator,
) -> None:
    config = emulator.config(tables=["contact"])
    first = sync(config)
    bookmark = first.state["bookmarks"]["contact"]["replication_key_value"]
    late_id = ids(first.records("contact"))[0]
    # A row committed late: its SystemModstamp is 2 minutes before the bookmark.
    late_stamp = format_datetime(parse_datetime(bookmark) - dt.timedelta(minutes=2))
    emulator.admin.update(
        "Contact", [{"Id": late_id, "Title": "Late", "SystemModstamp": late_stamp}], touch=False
    )

    missed = sync({**config, "lookback_minutes": 0}, state=first.state)
    assert late_id not in ids(missed.records("contact"))

    caught = sync(config, state=first.state)
    late = [r for r in caught.records("contact") if r["Id"] == late_id]
    assert [r["Title"] for r in late] == ["Late"]
    assert caught.state["bookmarks"]["contact"]["replication_key_value"] == bookmark


def test_deletes_come_through_with_include_deleted(emulator: RunningEmulator) -> None:
    config = emulator.config(tables=["account", "lead"], include_deleted=True)
    first = sync(config)
    live_leads = [r["Id"] for r in first.records("lead") if not r["IsDeleted"]]
    gone = live_leads[:2]
    emulator.admin.delete("Lead", gone)

    second = sync(config, state=first.state)
    deleted = {r["Id"]: r["IsDeleted"] for r in second.records("lead") if r["Id"] in gone}
    assert deleted == dict.fromkeys(gone, True)
    without = sync({**config, "include_deleted": False}, state=first.state)
    assert not set(gone) & set(ids(without.records("lead")))


def test_field_hidden_by_field_level_security_is_dropped_with_a_warning(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.admin.settings(hidden_fields=["Account.Phone"])
    with caplog.at_level(logging.WARNING):
        run = sync(emulator.config(tables=["account", "contact"]))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Dropping field Account.Phone from stream account" in w for w in warnings)
    first, retry = run.soql("Account")
    assert "Phone" in first.split(", ")
    assert "Phone" not in retry.split(", ")
    assert retry == first.replace(", Phone,", ",")
    accounts = run.records("account")
    assert accounts
    assert all("Phone" not in r and "Fax" in r for r in accounts)
    assert all("Phone" in r for r in run.records("contact"))
    expected = stored_counts(emulator, include_deleted=False)["account"]
    assert len(accounts) == expected


def test_base64_fields_are_excluded_unless_include_base64() -> None:
    emulator = shared_emulator()
    default = sync(emulator.config(tables=["custom:Attachment"]))
    [soql] = default.soql("Attachment")
    assert "Body" not in soql.split(", ")
    assert "Body" not in default.schema("attachment")["properties"]
    assert all("Body" not in r for r in default.records("attachment"))
    assert "BodyLength" in default.records("attachment")[0]

    included = sync(emulator.config(tables=["custom:Attachment"], include_base64=True))
    bodies = [r["Body"] for r in included.records("attachment")]
    assert bodies
    assert all(isinstance(b, str) and b for b in bodies)


def test_stream_maps_and_flattening_apply() -> None:
    config = shared_emulator().config(
        tables=["account"],
        flattening_enabled=True,
        flattening_max_depth=1,
        stream_maps={"account": {"name_upper": "Name.upper()", "Description": "__NULL__"}},
    )
    run = sync(config)
    record = run.records("account")[0]
    assert record["name_upper"] == record["Name"].upper()
    assert "Description" not in record
    assert "BillingAddress__city" in record
    assert "BillingAddress__city" in run.schema("account")["properties"]
