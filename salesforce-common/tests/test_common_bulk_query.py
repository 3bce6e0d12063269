"""The Bulk API 2.0 query client against the emulator: pages, polling, failures, short reads."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from salesforce_common import NotFoundError, SalesforceError, SalesforceSession
from salesforce_common.bulk import (
    BulkJobFailedError,
    BulkQueryClient,
    BulkShortReadError,
    is_unsupported_object,
    query,
)
from salesforce_common.bulk.query import PREFETCH_PAGES, planned_page_size
from salesforce_emulator.pytest_plugin import RunningEmulator

SOQL = "SELECT Id, Name, Description FROM Account"


def client_for(emulator: RunningEmulator, sleeps: list[float] | None = None) -> BulkQueryClient:
    session = SalesforceSession(emulator.config(), backoff_base=0.0)
    recorded = [] if sleeps is None else sleeps
    return BulkQueryClient(session, sleep=recorded.append)


def read_all(
    client: BulkQueryClient, soql: str, **kwargs: Any
) -> tuple[list[str], list[list[str]]]:
    job = client.create(soql)
    info = client.wait(job["id"])
    header: list[str] = []
    rows: list[list[str]] = []
    for page in client.result_pages(
        job["id"], expected_total=info["numberRecordsProcessed"], **kwargs
    ):
        header = page.header
        rows.extend(page.rows())
    client.delete(job["id"])
    return header, rows


def planned_pages(total: int, size: int) -> int:
    """Result requests of a read of ``total`` rows by ``maxRecords`` ``size`` (as planned)."""
    position, pages = 0, 0
    while True:
        pages += 1
        position += planned_page_size(size, total, position) or total
        if position >= total:
            return pages


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, []),
        (2_000, [2_000]),  # fits in the smallest planned page: one page
        (10_000, [200, *[2_000] * 4, 1_600, 200]),  # pages of at least 2,000 rows
        (50_000, [500, *[5_000] * 9, 4_000, 500]),  # about ten pages
        (100_001, [1_000, *[10_001] * 9, 7_992, 1_000]),
        (250_000, [2_500, *[25_000] * 9, 20_000, 2_500]),
        (1_000_000, [10_000, *[100_000] * 9, 80_000, 10_000]),
        (2_150_000, [10_000, *[100_000] * 21, 30_000, 10_000]),  # pages of maxRecords at most
    ],
)
def test_a_multi_page_read_has_short_first_and_last_pages(total: int, expected: list[int]) -> None:
    """About ten pages, the first and last a tenth as large: records flow soon and little is
    left to process once the last page has arrived."""
    sizes: list[int] = []
    position = 0
    while position < total:
        size = planned_page_size(100_000, total, position)
        assert size is not None
        sizes.append(min(size, total - position))
        position += sizes[-1]
    assert sizes == expected
    assert planned_page_size(None, 500_000, 0) is None
    assert planned_page_size(100_000, None, 0) == 100_000
    assert planned_page_size(9_999, 500_000, 0) == 9_999  # small pages: no planning
    assert planned_page_size(10_000, 500_000, 0) == 1_000
    assert planned_page_size(10_000, 500_000, 1_000) == 10_000  # maxRecords at most


def test_pages_are_streamed_and_checked(emulator: RunningEmulator) -> None:
    text = 'Line one,\nline "two", naïve café ✓'
    [inserted] = emulator.admin.insert("Account", [{"Name": "Quirky", "Description": text}])
    client = client_for(emulator)
    header, rows = read_all(client, SOQL, max_records=7)
    live = [r for r in emulator.admin.records("Account") if not r["IsDeleted"]]
    assert header == ["Id", "Name", "Description"]
    assert len(rows) == len(live)
    assert len({row[0] for row in rows}) == len(rows)
    assert [row[2] for row in rows if row[0] == inserted["Id"]] == [text]
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls["bulk_query_results"] == planned_pages(len(live), 7)
    assert calls["bulk_query_job"] >= 2  # polls, then the DELETE
    with pytest.raises(NotFoundError):
        client.info(client.create(SOQL)["id"] + "x")


def test_polling_backs_off_from_a_tenth_of_a_second_and_is_capped(
    emulator: RunningEmulator,
) -> None:
    emulator.admin.settings(bulk={"stuck_polls": 12})
    sleeps: list[float] = []
    client = client_for(emulator, sleeps)
    client.poll_max = 2.0
    _, rows = read_all(client, SOQL)
    assert rows
    assert sleeps[0] == 0.1  # small jobs finish within moments
    assert sleeps == sorted(sleeps)
    assert sleeps[1] > sleeps[0]
    assert max(sleeps) == 2.0
    assert len(sleeps) == 14


def test_failed_job_carries_salesforce_error_message(emulator: RunningEmulator) -> None:
    emulator.admin.settings(bulk={"fail_next": "Query timed out in the background"})
    client = client_for(emulator)
    job = client.create(SOQL)
    with pytest.raises(BulkJobFailedError) as caught:
        client.wait(job["id"])
    assert "ended Failed: Query timed out in the background" in str(caught.value)


def test_short_read_is_an_error(emulator: RunningEmulator) -> None:
    emulator.admin.settings(bulk={"short_read_rows": 5})
    with pytest.raises(BulkShortReadError, match="incomplete"):
        read_all(client_for(emulator), SOQL, max_records=50)


def test_page_count_mismatch_is_an_error(emulator: RunningEmulator) -> None:
    client = client_for(emulator)
    job = client.create(SOQL)
    client.wait(job["id"])
    page = next(client.result_pages(job["id"], max_records=10))
    page.expected_rows = 11
    with pytest.raises(BulkShortReadError, match="announced 11 rows"):
        list(page.rows())


def test_unsupported_object_is_recognised(emulator: RunningEmulator) -> None:
    emulator.admin.set_object_flags("Lead", bulk_supported=False)
    with pytest.raises(SalesforceError) as caught:
        client_for(emulator).create("SELECT Id FROM Lead")
    assert is_unsupported_object(caught.value)
    assert not is_unsupported_object(SalesforceError("x", error_code="API_ERROR"))


def test_refresh_api_usage_reads_limits(emulator: RunningEmulator) -> None:
    emulator.admin.settings(daily_api_limit=1000, api_used=400)
    session = SalesforceSession(emulator.config())
    usage = session.refresh_api_usage()
    assert usage is not None
    assert (usage.used, usage.max) == (401, 1000)
    assert session.api_usage == usage


@pytest.mark.parametrize(
    "fault",
    [
        None,
        {"kind": "truncate", "cut": "mid_value"},
        {"kind": "drop"},
        {"kind": "status", "status": 503},
    ],
    ids=["clean", "prefetch-cut-short", "prefetch-dropped", "prefetch-refused"],
)
def test_prefetched_pages_give_the_same_rows_in_order(
    emulator: RunningEmulator, fault: dict[str, Any] | None
) -> None:
    """The next page downloads while one is read; a prefetch that fails is requested again."""
    emulator.admin.generate("Account", 60)
    _, expected = read_all(client_for(emulator), SOQL, max_records=9)
    if fault is not None:  # the 2nd results request of the next read is page 2's prefetch
        emulator.admin.add_fault(endpoint="bulk_query_results", skip=1, times=1, **fault)
    before = emulator.admin.calls()["by_endpoint"]["bulk_query_results"]
    _, rows = read_all(client_for(emulator), SOQL, max_records=9, prefetch=True)
    assert rows == expected
    pages = planned_pages(len(expected), 9)
    calls = emulator.admin.calls()["by_endpoint"]["bulk_query_results"] - before
    # A cut-short page was answered (counted) and is requested again; a dropped or refused
    # request is retried by the session (the emulator counts only answered calls).
    assert calls == pages + (fault is not None and fault["kind"] == "truncate")
    if fault is not None:
        assert emulator.admin.faults()[0]["fired"] == 1


@pytest.mark.timeout(60)
def test_an_error_in_the_prefetch_thread_hands_the_page_back_to_the_reader(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader never waits for a page the thread will not save: it requests it itself."""
    emulator.admin.generate("Account", 60)
    _, expected = read_all(client_for(emulator), SOQL, max_records=9)
    planned = query.planned_page_size
    failures: list[str] = []

    def failing_in_the_thread(*args: Any) -> int | None:
        if threading.current_thread().name == "bulk-prefetch":
            failures.append("sized")
            raise RuntimeError("a bug in the prefetch thread")
        return planned(*args)

    monkeypatch.setattr(query, "planned_page_size", failing_in_the_thread)
    _, rows = read_all(client_for(emulator), SOQL, max_records=9, prefetch=True)
    assert rows == expected
    assert failures  # the thread did fail, each time it started


@pytest.mark.parametrize("prefetch", [True, False])
def test_the_next_page_is_requested_while_one_is_read_only_with_prefetch(
    emulator: RunningEmulator, prefetch: bool
) -> None:
    client = client_for(emulator)
    job = client.create(SOQL)
    client.wait(job["id"])
    pages = client.result_pages(job["id"], max_records=5, prefetch=prefetch)
    first = next(pages)
    assert first.next_locator is not None
    requested = 1
    for _ in range(40):  # the background request, if any, arrives within moments
        requested = emulator.admin.calls()["by_endpoint"]["bulk_query_results"]
        if requested > PREFETCH_PAGES:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # and no further: at most PREFETCH_PAGES saved ahead of the reader
    requested = emulator.admin.calls()["by_endpoint"]["bulk_query_results"]
    assert requested == (1 + PREFETCH_PAGES if prefetch else 1)
    assert len(list(first.rows())) == 5
    pages.close()


@pytest.mark.parametrize(
    ("version", "listings"), [("64.0", True), ("57.0", False)], ids=["resultPages", "before-58"]
)
def test_parallel_downloads_give_the_same_rows_in_order(
    emulator: RunningEmulator, version: str, listings: bool
) -> None:
    """Pages listed by ``resultPages`` download three at a time; before 58.0 the chain is read."""
    emulator.admin.generate("Account", 60)
    _, expected = read_all(client_for(emulator), SOQL, max_records=9)
    emulator.org.bulk.result_page_rows = 7
    session = SalesforceSession(emulator.config(api_version=version), backoff_base=0.0)
    client = BulkQueryClient(session, sleep=lambda _seconds: None)
    before = emulator.admin.calls()["by_endpoint"]
    _, rows = read_all(client, SOQL, max_records=9, parallel=3)
    after = emulator.admin.calls()["by_endpoint"]
    assert rows == expected
    listed = after.get("bulk_query_result_pages", 0) - before.get("bulk_query_result_pages", 0)
    org_pages = -(-len(expected) // 7)
    # resultPages lists at most five pages per answer: the org's pages of 7 rows need several.
    assert listed == (-(-org_pages // 5) if listings else 0)
    results = after["bulk_query_results"] - before["bulk_query_results"]
    assert results == (org_pages if listings else planned_pages(len(expected), 9))


def test_a_large_read_is_paged_as_planned_and_complete(emulator: RunningEmulator) -> None:
    """About ten pages, short first and last: every row once, the planned requests."""
    emulator.admin.generate("Account", 21_000)
    client = client_for(emulator)
    before = emulator.admin.calls()["by_endpoint"].get("bulk_query_results", 0)
    _, rows = read_all(client, "SELECT Id FROM Account", max_records=10_000, prefetch=True)
    requests = emulator.admin.calls()["by_endpoint"]["bulk_query_results"] - before
    assert len({row[0] for row in rows}) == len(rows) > 20_000
    assert requests == planned_pages(len(rows), 10_000) == 12
