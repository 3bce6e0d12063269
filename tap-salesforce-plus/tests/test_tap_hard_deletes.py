"""Deletes: rows in the recycle bin and rows purged from it both carry ``_sdc_deleted_at``.

Purged rows arrive from ``sobjects/{X}/deleted`` (their ``deletedDate``); rows still in the
recycle bin come from ``queryAll`` (their ``SystemModstamp``, which the delete stamped).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import sync


def next_second() -> None:
    time.sleep(1 - dt.datetime.now(dt.UTC).microsecond / 1e6 + 0.01)


@pytest.mark.parametrize("api_type", ["rest", "bulk"])
def test_purged_rows_are_emitted_as_deleted(emulator: RunningEmulator, api_type: str) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    config = emulator.config(
        tables=["lead", "account"], include_deleted=True, api_type=api_type, lookback_minutes=0
    )
    first = sync(config)
    assert "_sdc_deleted_at" in first.schema("lead")["properties"]
    live = [r["Id"] for r in first.records("lead") if not r["IsDeleted"]]
    purged_live, soft_then_purged, soft_only = live[0], live[1], live[2]
    emulator.admin.purge("Lead", [purged_live])  # hard delete without the recycle bin
    emulator.admin.delete("Lead", [soft_then_purged, soft_only])
    emulator.admin.purge("Lead", [soft_then_purged])
    next_second()  # a read covers what happened before its start, to the second

    second = sync(config, state=first.state)
    leads: dict[str, list[dict[str, Any]]] = {}
    for record in second.records("lead"):
        leads.setdefault(record["Id"], []).append(record)
    assert all(len(found) == 1 for found in leads.values()), "a lead came twice"
    for record_id in (purged_live, soft_then_purged):
        [record] = leads[record_id]
        assert record["IsDeleted"] is True
        assert record["_sdc_deleted_at"].endswith("Z")
        assert set(record) == {"Id", "IsDeleted", "_sdc_deleted_at"}
    [soft] = leads[soft_only]  # still in the recycle bin: queryAll returns the whole row
    assert soft["IsDeleted"] is True
    assert soft["LastName"]
    assert soft["_sdc_deleted_at"] == soft["SystemModstamp"]
    [stored] = emulator.admin.records("Lead", ids=[soft_only])
    assert soft["_sdc_deleted_at"][:19] == stored["SystemModstamp"][:19]
    live_leads = [r for r in second.records("lead") if not r["IsDeleted"]]
    assert all(r.get("_sdc_deleted_at") is None for r in live_leads)
    # Deletion records never move the bookmark.
    bookmark = second.state["bookmarks"]["lead"]["replication_key_value"]
    assert bookmark >= first.state["bookmarks"]["lead"]["replication_key_value"]
    assert not any(r.get("_sdc_deleted_at") for r in second.records("account"))


def test_deletions_older_than_30_days_are_reported_unavailable(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = emulator.config(
        tables=["lead"], include_deleted=True, api_type="rest", start_date="2020-01-01T00:00:00Z"
    )
    with caplog.at_level(logging.INFO):
        run = sync(config)
    assert "Hard deletes of Lead before " in caplog.text
    assert "are not available (Salesforce keeps 30 days)" in caplog.text
    assert emulator.admin.calls()["by_endpoint"]["deleted"] == 1
    assert run.records("lead")


def test_without_include_deleted_nothing_is_asked(emulator: RunningEmulator) -> None:
    run = sync(emulator.config(tables=["lead"], api_type="rest"))
    assert "_sdc_deleted_at" not in run.schema("lead")["properties"]
    assert "deleted" not in emulator.admin.calls()["by_endpoint"]
