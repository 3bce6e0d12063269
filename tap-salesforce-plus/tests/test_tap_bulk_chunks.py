"""Id-range chunked Bulk API reads: the boundary math, every row once, resume by chunk.

Reads above ``bulk_chunk_rows`` are split by Id into one job per chunk (see ``bulk.py`` and
``bulk_chunks.py``); the tests use chunks of 200 rows on an org of about a thousand contacts.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from salesforce_common import ConfigError
from salesforce_common.bulk import BulkJobFailedError
from salesforce_common.soql import Query, format_query, parse_soql
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus import bulk as bulk_module
from tap_salesforce_plus.bulk import BulkJobState
from tap_salesforce_plus.bulk_chunks import MAX_CHUNKS, BulkChunking, ChunkPlan, within_ids
from tap_salesforce_plus.id_ranges import ID_ALPHABET, id_number, id_text, split_ids
from tapsf_support import TapRun, kill_after_first_bulk_page, make_tap, sync

CHUNK = 200
PAGE = 50
EXTRA_CONTACTS = 900
CHUNKED = {"api_type": "bulk", "bulk_chunk_rows": CHUNK, "bulk_page_size": PAGE}
ID_RANGE = re.compile(r"Id (>=|<) '([0-9A-Za-z]{15})'")


# --- the boundary math ----------------------------------------------------------------------


def in_range(record_id: str, low: str | None, high: str | None) -> bool:
    number = id_number(record_id)
    return (low is None or number >= id_number(low)) and (high is None or number < id_number(high))


def test_ids_compare_as_base62_numbers_in_ascii_order_case_sensitively() -> None:
    assert "".join(sorted(ID_ALPHABET)) == ID_ALPHABET  # 0-9 < A-Z < a-z, as ASCII
    ids = [
        "0015g000000000a",
        "0015g000000000A",
        "0015g000000000Z",
        "0015g0000000010",
        "0015g000000000z",
    ]
    assert sorted(ids, key=id_number) == sorted(ids)
    assert id_number("0015g000000000a") - id_number("0015g000000000A") == 26
    assert id_number("0015g000000000AAAA") == id_number("0015g000000000A")  # 18 chars: same Id
    for record_id in ids:
        assert id_text(id_number(record_id)) == record_id
    # The PK chunking example of Salesforce's Bulk API guide: 250,000 rows per chunk.
    assert id_text(id_number("001300000000000") + 250_000) == "00130000000132G"
    assert id_text(id_number("00130000000132G") + 250_000) == "00130000000264W"
    for bad in ("001", "0015g000000000!", "0015g000000000AB"):
        with pytest.raises(ValueError, match="not a Salesforce Id"):
            id_number(bad)


@pytest.mark.parametrize(
    ("lowest", "highest", "parts"),
    [
        ("0035g000000000A", "0035g000000000z", 5),  # differ only in the last digit's case
        ("0035g0000000001", "0035g000000001I", 4),
        ("0035g0000000001", "0035g0000zzzzzz", 7),
        ("a015g0000000001", "a015g0000000003", 10),  # fewer Ids than chunks
        ("a015g0000000001", "a015g0000000001", 3),  # one Id
    ],
)
def test_split_ids_covers_every_id_once_with_ascending_boundaries(
    lowest: str, highest: str, parts: int
) -> None:
    bounds = split_ids(lowest, highest, parts)
    span = id_number(highest) - id_number(lowest) + 1
    assert len(bounds) + 1 == min(parts, span)
    numbers = [id_number(b) for b in bounds]
    assert numbers == sorted(set(numbers))
    assert all(id_number(lowest) < n <= id_number(highest) for n in numbers)
    assert all(b[:3] == lowest[:3] for b in bounds)  # the key prefix is kept
    sizes = [
        b - a
        for a, b in zip(
            [id_number(lowest), *numbers], [*numbers, id_number(highest) + 1], strict=True
        )
    ]
    assert max(sizes) - min(sizes) <= 1  # even
    plan = ChunkPlan(bounds)
    probe = range(id_number(lowest), id_number(highest) + 1, max(1, span // 500))
    for number in [*probe, id_number(highest)]:
        record_id = id_text(number)
        assert sum(in_range(record_id, *plan.range(i)) for i in range(plan.count)) == 1


def test_chunk_count_from_rows() -> None:
    chunking = BulkChunking(rows=CHUNK)
    assert [chunking.chunks(n) for n in (None, 0, 200, 201, 1000, 1001)] == [1, 1, 1, 2, 5, 6]
    assert chunking.chunks(10**12) == MAX_CHUNKS


def test_chunk_query_ands_the_id_range_to_the_window() -> None:
    query = parse_soql("SELECT Id FROM Contact WHERE SystemModstamp >= 2026-01-01T00:00:00Z")
    assert isinstance(query, Query)
    assert format_query(within_ids(query, "0035g0000000001", "0035g000000003B")) == (
        "SELECT Id FROM Contact WHERE SystemModstamp >= 2026-01-01T00:00:00Z "
        "AND Id >= '0035g0000000001' AND Id < '0035g000000003B'"
    )
    assert format_query(within_ids(query, None, "0035g000000003B")).endswith(
        "2026-01-01T00:00:00Z AND Id < '0035g000000003B'"
    )


def test_chunk_plan_round_trips_and_malformed_state_is_one_line_naming_the_stream() -> None:
    plan = ChunkPlan(["0035g000000003B", "0035g000000006L"], done=1, ahead=[["750x"]])
    job = BulkJobState(id="750a", locator="MjAw", rows=50, chunks=plan)
    assert BulkJobState.from_state(job.to_state(), "contact") == job
    for chunks in (
        {"bounds": "0035g000000003B", "done": 0},
        {"bounds": ["0035g000000006L", "0035g000000003B"], "done": 0},
        {"bounds": ["0035g000000003B"], "done": 2},
        {"bounds": ["not an id"], "done": 0},
        {"bounds": [], "done": 0, "ahead": "750x"},
        {"bounds": ["0035g000000003B"], "done": 0, "ahead": [[]]},
        {"bounds": ["0035g000000003B"], "done": 0, "ahead": [["750x"], ["750y"]]},
    ):
        with pytest.raises(ConfigError) as error:
            BulkJobState.from_state({"id": "750a", "chunks": chunks}, "contact")
        message = str(error.value)
        assert "\n" not in message
        assert "bulk_job entry of stream contact is malformed" in message


# --- reads against the emulator -------------------------------------------------------------


@pytest.fixture
def big(emulator: RunningEmulator) -> RunningEmulator:
    """The small demo org with 900 more contacts (about a thousand), jobs done at first poll."""
    emulator.admin.generate("Contact", EXTRA_CONTACTS)
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    return emulator


def contact_ids(emulator: RunningEmulator, *, include_deleted: bool = False) -> list[str]:
    rows = emulator.admin.records("Contact")
    return sorted(r["Id"][:15] for r in rows if include_deleted or not r.get("IsDeleted"))


def id_ranges(statements: list[str]) -> list[tuple[str | None, str | None]]:
    """``(Id >= low, Id < high)`` of each job's statement."""
    ranges = []
    for statement in statements:
        bounds = dict(ID_RANGE.findall(statement))
        ranges.append((bounds.get(">="), bounds.get("<")))
    return ranges


def chunk_states(run: TapRun | list[dict[str, Any]]) -> list[dict[str, Any]]:
    messages = run.messages if isinstance(run, TapRun) else run
    jobs = [
        m["value"]["bookmarks"].get("contact", {}).get("bulk_job")
        for m in messages
        if m["type"] == "STATE"
    ]
    return [job for job in jobs if job and "chunks" in job]


def test_chunked_read_gives_every_row_once_in_id_ranges_without_gaps(big: RunningEmulator) -> None:
    config = big.config(tables=["contact"], include_deleted=True, **CHUNKED)
    rest = sync({**config, "api_type": "rest"})
    bulk = sync(config)

    ids = [r["Id"] for r in bulk.records("contact")]
    assert len(ids) == len(set(ids))
    assert set(ids) == {r["Id"] for r in rest.records("contact")}
    assert {r["Id"]: r for r in bulk.records("contact")} == {
        r["Id"]: r for r in rest.records("contact")
    }

    # One job per chunk: contiguous Id ranges, open at both ends, in Id order.
    expected = math.ceil(len(contact_ids(big)) / CHUNK)  # the org's count leaves deleted rows out
    ranges = id_ranges(bulk.bulk_soql("Contact"))
    assert len(ranges) == expected
    assert ranges[0][0] is None
    assert ranges[-1][1] is None
    assert all(earlier[1] == later[0] for earlier, later in pairwise(ranges))
    stored = contact_ids(big, include_deleted=True)
    assert ranges[0][1] is not None
    assert stored[0] < ranges[0][1]
    assert ranges[-1][0] is not None
    assert ranges[-1][0] <= stored[-1]
    # The lowest and highest Id of the window, over queryAll (deleted rows are read too).
    lowest, highest = (q for q in bulk.queries if "ORDER BY Id" in q[1])
    for (resource, soql), order in ((lowest, "ASC"), (highest, "DESC")):
        assert resource == "queryAll"
        assert soql.startswith("SELECT Id FROM Contact WHERE SystemModstamp < ")
        assert soql.endswith(f" ORDER BY Id {order} LIMIT 1")

    # No more than three jobs at a time; a STATE after each chunk; every job deleted once read.
    states = chunk_states(bulk)
    assert all(1 + len(s["chunks"].get("ahead", [])) <= 3 for s in states)
    assert sorted({s["chunks"]["done"] for s in states}) == list(range(expected))
    calls = big.admin.calls()["by_endpoint"]
    assert calls["bulk_query_jobs"] == expected
    assert big.org.bulk.query_jobs == {}
    final = bulk.state["bookmarks"]["contact"]
    assert "bulk_job" not in final
    assert final["replication_key_value"] == states[-1]["until"]


def test_small_reads_are_not_chunked(big: RunningEmulator) -> None:
    run = sync(big.config(tables=["contact", "account"], api_type="bulk", bulk_chunk_rows=5_000))
    assert [id_ranges([s]) for s in run.bulk_soql("Contact")] == [[(None, None)]]
    assert not any("ORDER BY Id" in q for _, q in run.queries)
    assert not chunk_states(run)


@pytest.mark.parametrize("job_gone", [False, True], ids=["resumed", "job-gone"])
def test_killed_run_resumes_at_the_current_chunk_without_reading_finished_ones(
    big: RunningEmulator, tmp_path: Path, job_gone: bool
) -> None:
    ids = contact_ids(big)
    chunks = math.ceil(len(ids) / CHUNK)
    bounds = split_ids(ids[0], ids[-1], chunks)
    first_chunk_pages = math.ceil(sum(1 for i in ids if i < bounds[0]) / PAGE)
    # Result pages after the second chunk's first one are slow: the process is killed while
    # it waits for that chunk's second page.
    big.admin.add_fault(
        kind="latency", endpoint="bulk_query_results", delay=3, skip=first_chunk_pages + 1, times=0
    )
    config = big.config(tables=["contact"], **CHUNKED)
    messages, state = kill_after_first_bulk_page(
        config, tmp_path, saved=lambda job: job["chunks"]["done"] == 1 and bool(job["locator"])
    )
    first = [m["record"]["Id"][:15] for m in messages if m["type"] == "RECORD"]
    saved = state["bookmarks"]["contact"]["bulk_job"]
    assert saved["chunks"]["bounds"] == bounds
    assert saved["rows"] == PAGE
    assert "replication_key_value" not in state["bookmarks"]["contact"]
    assert {i for i in ids if i < bounds[0]} <= set(first)
    created = big.admin.calls()["by_endpoint"]["bulk_query_jobs"]
    assert created == 4  # chunks 1-3 (three in flight), then chunk 4 once chunk 1 was read

    big.admin.clear_faults()
    if job_gone:  # the current chunk's job, and the job created ahead for the next chunk
        del big.org.bulk.query_jobs[saved["id"]]
        del big.org.bulk.query_jobs[saved["chunks"]["ahead"][0][0]]
    resumed = sync(config, state=state)
    again = [r["Id"][:15] for r in resumed.records("contact")]
    assert len(again) == len(set(again))
    assert not [i for i in again if i < bounds[0]]  # the finished chunk is not read again
    assert set(first) | set(again) == set(ids)
    second_chunk = {i for i in ids if bounds[0] <= i < bounds[1]}
    new_jobs = resumed.bulk_soql("Contact")
    if job_gone:  # queried again from their chunks' bounds; the other job ahead is kept
        assert second_chunk <= set(again)
        assert id_ranges(new_jobs) == [
            (bounds[0], bounds[1]),
            (bounds[1], bounds[2]),
            (bounds[3], None),
        ]
    else:  # the same job, from its next page
        assert not set(first) & set(again)
        assert id_ranges(new_jobs) == [(bounds[3], None)]
    assert big.admin.calls()["by_endpoint"]["bulk_query_jobs"] == created + len(new_jobs)
    assert big.org.bulk.query_jobs == {}
    final = resumed.state["bookmarks"]["contact"]
    assert "bulk_job" not in final
    assert final["replication_key_value"] == saved["until"]


def test_failed_chunk_job_is_an_error_and_the_next_run_queries_that_chunk_again(
    big: RunningEmulator,
) -> None:
    big.admin.settings(bulk={"fail_next": "Internal error: query took too long"})
    config = big.config(tables=["contact"], **CHUNKED)
    run = make_tap(config)
    with pytest.raises(BulkJobFailedError) as caught:
        run.tap.sync_all()
    message = str(caught.value)
    assert "stream contact: Bulk API query job 750" in message
    assert "(chunk 1 of 5; the next run queries it again)" in message
    assert "\n" not in message
    saved = run.state["bookmarks"]["contact"]["bulk_job"]
    assert saved["chunks"]["done"] == 0
    assert len(saved["chunks"]["ahead"]) == 2  # kept for the next run
    assert saved["id"] not in big.org.bulk.query_jobs  # the failed job is deleted

    again = sync(config, state=run.state)
    ids = contact_ids(big)
    assert sorted(r["Id"][:15] for r in again.records("contact")) == ids
    bounds = saved["chunks"]["bounds"]
    # Chunk 1 again, the two jobs created ahead reused, then the last two chunks.
    expected = [(None, bounds[0]), (bounds[2], bounds[3]), (bounds[3], None)]
    assert id_ranges(again.bulk_soql("Contact")) == expected
    assert big.org.bulk.query_jobs == {}


@pytest.mark.parametrize("api_type", ["bulk", "auto"])
def test_incremental_read_after_a_chunked_read_moves_the_bookmark(
    big: RunningEmulator, api_type: str
) -> None:
    """In ``auto`` the one ``COUNT()`` that chooses the Bulk API also sizes the chunks."""
    settings = {**CHUNKED, "api_type": api_type, "bulk_threshold": 100}
    config = big.config(tables=["contact"], lookback_minutes=0, **settings)
    first = sync(config)
    bookmark = first.state["bookmarks"]["contact"]["replication_key_value"]
    assert bookmark == chunk_states(first)[-1]["until"]

    # 450 rows changed at the bookmark: the increment is itself chunked, by its own Ids.
    changed = contact_ids(big)[::2][:450]
    big.admin.update(
        "Contact",
        [{"Id": i, "Title": "Changed", "SystemModstamp": bookmark} for i in changed],
        touch=False,
    )
    second = sync(config, state=first.state)
    records = second.records("contact")
    assert sorted(r["Id"][:15] for r in records) == sorted(changed)
    assert all(r["Title"] == "Changed" for r in records)
    [count] = second.counts_sent("Contact")
    assert count.startswith(f"SELECT COUNT() FROM Contact WHERE SystemModstamp >= {bookmark[:19]}Z")
    ranges = id_ranges(second.bulk_soql("Contact"))
    assert len(ranges) == math.ceil(len(changed) / CHUNK)
    states = chunk_states(second)
    assert {s["chunks"].get("since") for s in states} == {bookmark}
    until = states[-1]["until"]
    assert until > bookmark
    assert second.state["bookmarks"]["contact"]["replication_key_value"] == until
    assert "bulk_job" not in second.state["bookmarks"]["contact"]


def test_chunked_read_of_split_columns_joins_parts_within_each_chunk(
    big: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The column split needs statements longer than the emulator's names allow; the limit is
    lowered to exercise it (as ``test_tap_splitting`` does)."""
    config = big.config(tables=["contact"], **CHUNKED)
    rest = sync({**config, "api_type": "rest"})
    monkeypatch.setattr(bulk_module, "MAX_SOQL_CHARS", 1_800)
    bulk = sync(config)
    statements = bulk.bulk_soql("Contact")
    chunks = math.ceil(len(contact_ids(big)) / CHUNK)
    assert len(statements) > chunks  # several parts per chunk
    ranges = id_ranges(statements)
    assert len(set(ranges)) == chunks
    states = chunk_states(bulk)
    assert any(s.get("part_ids") for s in states)
    assert {r["Id"]: r for r in bulk.records("contact")} == {
        r["Id"]: r for r in rest.records("contact")
    }
