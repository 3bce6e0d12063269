"""Full-table streams end with ACTIVATE_VERSION, so targets drop the rows the org lost.

Records of a full-table read carry the read's version; the message follows the last record,
never a read that failed midway; a resumed Bulk read keeps its version; each new read's
version is greater than the last, even within one second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from salesforce_common import SalesforceError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus.table_versions import STATE_KEY, next_version
from tapsf_support import TapRun, kill_after_first_bulk_page, make_tap, sync

FULL_QUERY = [{"name": "account_names", "soql": "SELECT Id, Name FROM Account"}]


def live_rows(emulator: RunningEmulator, object_name: str) -> int:
    return sum(not row["IsDeleted"] for row in emulator.admin.records(object_name))


def stream_messages(run: TapRun, stream: str) -> list[dict[str, Any]]:
    return [m for m in run.messages if m.get("stream") == stream and m["type"] != "SCHEMA"]


def full_table_catalog(config: dict[str, Any], stream: str) -> dict[str, Any]:
    """The discovered catalog with ``stream`` forced to FULL_TABLE."""
    catalog = make_tap(config).tap.catalog_dict
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == stream:
            entry["replication_method"] = "FULL_TABLE"
            for item in entry["metadata"]:
                if item["breadcrumb"] == []:
                    item["metadata"]["forced-replication-method"] = "FULL_TABLE"
    return catalog


def test_a_full_table_read_ends_with_activate_version(emulator: RunningEmulator) -> None:
    config = emulator.config(tables=["account"], queries=FULL_QUERY, api_type="rest")
    first = sync(config)
    messages = stream_messages(first, "account_names")
    records = [m for m in messages if m["type"] == "RECORD"]
    assert len(records) == live_rows(emulator, "Account")
    version = records[0]["version"]
    assert all(m["version"] == version for m in records)
    activations = [m for m in messages if m["type"] == "ACTIVATE_VERSION"]
    assert activations == [
        {"type": "ACTIVATE_VERSION", "stream": "account_names", "version": version}
    ]
    last_record = max(
        i
        for i, m in enumerate(first.messages)
        if m["type"] == "RECORD" and m["stream"] == "account_names"
    )
    assert first.messages.index(activations[0]) > last_record
    assert first.state["bookmarks"]["account_names"][STATE_KEY] == version
    # Incremental streams are neither versioned nor activated.
    assert all(
        "version" not in m for m in stream_messages(first, "account") if m["type"] == "RECORD"
    )
    assert not [m for m in stream_messages(first, "account") if m["type"] == "ACTIVATE_VERSION"]

    second = sync(config, state=first.state)  # within the same second, as likely as not
    [again] = [
        m for m in stream_messages(second, "account_names") if m["type"] == "ACTIVATE_VERSION"
    ]
    assert again["version"] > version


def test_the_setting_turns_it_off(emulator: RunningEmulator) -> None:
    config = emulator.config(
        tables=["account"], queries=FULL_QUERY, emit_activate_version_messages=False
    )
    run = sync(config)
    messages = stream_messages(run, "account_names")
    assert messages
    assert not [m for m in messages if m["type"] == "ACTIVATE_VERSION"]
    assert all("version" not in m for m in messages if m["type"] == "RECORD")


def test_a_read_that_fails_midway_activates_nothing(emulator: RunningEmulator) -> None:
    emulator.admin.generate("Account", 2100)  # more than one page of 2,000
    emulator.admin.add_fault(kind="status", endpoint="query_more", status=400, times=0)
    config = emulator.config(tables=["user_role"], queries=FULL_QUERY, api_type="rest")
    run = make_tap(config)
    with pytest.raises(SalesforceError):
        run.tap.sync_all()
    records = [m for m in stream_messages(run, "account_names") if m["type"] == "RECORD"]
    assert len(records) == 2000
    assert not [m for m in run.messages if m["type"] == "ACTIVATE_VERSION"]


def test_a_resumed_bulk_read_keeps_its_version(emulator: RunningEmulator, tmp_path: Path) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    emulator.admin.add_fault(kind="latency", endpoint="bulk_query_results", delay=3, skip=1)
    config = emulator.config(tables=["contact"], api_type="bulk", bulk_page_size=20)
    catalog = full_table_catalog(config, "contact")
    first, state = kill_after_first_bulk_page(config, tmp_path, catalog)
    version = state["bookmarks"]["contact"][STATE_KEY]
    assert {m["version"] for m in first if m["type"] == "RECORD"} == {version}
    assert not [m for m in first if m["type"] == "ACTIVATE_VERSION"]

    emulator.admin.clear_faults()
    resumed = sync(config, state=state, catalog=catalog)
    records = [m for m in stream_messages(resumed, "contact") if m["type"] == "RECORD"]
    assert records
    assert {m["version"] for m in records} == {version}
    emitted = len([m for m in first if m["type"] == "RECORD"]) + len(records)
    assert emitted == live_rows(emulator, "Contact")
    [activation] = [m for m in resumed.messages if m["type"] == "ACTIVATE_VERSION"]
    assert activation["version"] == version


@pytest.mark.parametrize(
    ("state", "resuming", "now", "expected"),
    [
        ({}, False, 1_700_000_000.9, 1_700_000_000),
        ({STATE_KEY: 1_700_000_000}, False, 1_700_000_000.5, 1_700_000_001),
        ({STATE_KEY: 1_600_000_000}, False, 1_700_000_000.0, 1_700_000_000),
        ({STATE_KEY: 1_600_000_000}, True, 1_700_000_000.0, 1_600_000_000),
        ({STATE_KEY: "x"}, True, 1_700_000_000.0, 1_700_000_000),
    ],
)
def test_next_version(state: dict[str, Any], resuming: bool, now: float, expected: int) -> None:
    assert next_version(state, resuming=resuming, now=now) == expected
