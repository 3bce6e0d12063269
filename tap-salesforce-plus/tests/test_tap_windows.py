"""QUERY_TIMEOUT: the read is retried in halved date windows of the replication key."""

from __future__ import annotations

import logging
import re

import pytest
from salesforce_common import QueryTimeoutError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import stored_counts, sync

BOUND = re.compile(r"SystemModstamp (>=|<) (\S+)")


def bounds(soql: str) -> tuple[str | None, str | None]:
    found = dict(BOUND.findall(soql))
    return found.get(">="), found.get("<")


def test_timed_out_query_is_read_in_halved_windows_without_gap_or_duplicate(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.admin.settings(query_timeout_rows=20)
    config = emulator.config(tables=["contact"], api_type="rest", include_deleted=True)
    with caplog.at_level(logging.WARNING):
        run = sync(config)

    records = run.records("contact")
    expected = stored_counts(emulator, include_deleted=True)["contact"]
    assert len(records) == expected == len({r["Id"] for r in records})
    stamps = [r["SystemModstamp"] for r in records]
    assert stamps == sorted(stamps)
    assert run.state["bookmarks"]["contact"]["replication_key_value"] == stamps[-1]
    assert "timed out (QUERY_TIMEOUT); reading [" in caplog.text

    statements = run.soql("Contact")
    assert " WHERE " not in statements[0]  # the whole table: timed out
    assert statements[1].endswith("ORDER BY SystemModstamp ASC LIMIT 1")  # its earliest key
    windows = [bounds(s) for s in statements[2:]]
    assert len(windows) > 4
    assert all(since is not None for since, _ in windows)
    # Halves share their boundary: each window's end is the start of another window.
    starts = {since for since, _ in windows}
    assert all(until in starts for _, until in windows if until is not None)


def test_window_that_cannot_be_split_further_is_a_clear_error(emulator: RunningEmulator) -> None:
    emulator.admin.settings(query_timeout_rows=0)
    config = emulator.config(tables=["contact"], api_type="rest")
    with pytest.raises(QueryTimeoutError) as caught:
        sync(config)
    message = str(caught.value)
    assert message.startswith("QUERY_TIMEOUT: Your query request was running for too long.")
    assert "window of the replication key times out, so it cannot be split further" in message
    assert "\n" not in message
