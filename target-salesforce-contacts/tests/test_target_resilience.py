"""Transient failures retried without duplicates, the Bulk path, and API-quota stops."""

from __future__ import annotations

import pytest
from target_salesforce_contacts.errors import RunStoppedError
from tsc_support import (
    by_email,
    person,
    read_jsonl,
    record,
    run_target,
    schema,
    state,
    target_config,
)


def people(domain: str, count: int, start: int = 1) -> list[dict]:
    return [record(person(n, domain)) for n in range(start, start + count)]


def assert_one_each(emulator, domain: str, count: int) -> None:
    found = by_email(emulator, domain)
    assert len(found) == count
    assert all(len(contacts) == 1 for contacts in found.values()), "duplicate Contacts"


def test_503_on_the_upload_aborts_the_job_and_redoes_it(emulator, tmp_path):
    emulator.admin.add_fault(endpoint="bulk_ingest_upload", status=503)
    run = run_target(target_config(emulator, tmp_path), [schema(), *people("s503.io", 250)])
    assert run.error is None
    assert run.stats.created == 250
    assert run.stats.recovered == 0
    assert_one_each(emulator, "s503.io", 250)
    assert emulator.admin.calls()["by_endpoint"]["bulk_ingest_jobs"] == 2  # redone in a new job


def test_close_applied_late_is_resolved_by_the_job_state(emulator, tmp_path):
    # The server handles the close after 1 s; the client gives up after 0.4 s, reads the
    # job's state and closes again or waits: the job's rows are processed once.
    emulator.admin.add_fault(kind="latency", delay=1.0, endpoint="bulk_ingest_job", method="PATCH")
    config = target_config(emulator, tmp_path, request_timeout=0.4, backoff_base_seconds=1.5)
    run = run_target(config, [schema(), *people("lost.io", 20)])
    assert run.error is None
    assert run.stats.created == 20
    assert_one_each(emulator, "lost.io", 20)
    assert emulator.admin.calls()["by_endpoint"]["bulk_ingest_jobs"] == 1


def test_503_on_update_is_retried(emulator, tmp_path):
    emulator.admin.insert(
        "Contact", [{"LastName": "Old", "Email": f"user{n}@upd.io"} for n in range(1, 4)]
    )
    emulator.admin.add_fault(endpoint="composite_sobjects", method="PATCH", status=503)
    run = run_target(target_config(emulator, tmp_path), [schema(), *people("upd.io", 3)])
    assert run.error is None
    assert run.stats.updated == 3
    assert {c[0]["LastName"] for c in by_email(emulator, "upd.io").values()} == {
        "Last1",
        "Last2",
        "Last3",
    }


def test_unable_to_lock_row_is_retried(emulator, tmp_path):
    emulator.admin.settings(lock_row_failures=2)
    run = run_target(target_config(emulator, tmp_path), [schema(), *people("lock.io", 5)])
    assert run.error is None
    assert (run.stats.created, run.stats.rejected) == (5, 0)
    assert_one_each(emulator, "lock.io", 5)


def test_lock_failures_past_the_retries_stay_pending(emulator, tmp_path):
    emulator.admin.settings(lock_row_failures=1000)
    config = target_config(emulator, tmp_path, max_retries=1)
    run = run_target(config, [schema(), *people("locked.io", 2), state({"at": 2})])
    assert isinstance(run.error, RunStoppedError)
    assert "2 record(s) pending" in str(run.error)
    assert "UNABLE_TO_LOCK_ROW" in str(run.error)
    assert "a rerun resumes" in str(run.error)
    assert run.states == []
    assert run.stats.rejected == 0
    assert read_jsonl(tmp_path / "rejects.jsonl") == []
    assert by_email(emulator, "locked.io") == {}
    emulator.admin.settings(lock_row_failures=0)


def test_outage_past_the_retries_stops_without_state(emulator, tmp_path):
    emulator.admin.add_fault(endpoint="bulk_ingest_jobs", method="POST", status=503, times=0)
    config = target_config(emulator, tmp_path, max_retries=1)
    run = run_target(config, [schema(), *people("down.io", 3), state({"at": 3})])
    assert isinstance(run.error, RunStoppedError)
    assert "3 record(s) pending, still failing after 1 retries" in str(run.error)
    assert run.states == []
    assert by_email(emulator, "down.io") == {}


# -- Bulk API 2.0 ---------------------------------------------------------------------------


def test_bulk_path_joins_results_back_by_key(emulator, tmp_path):
    emulator.admin.insert(
        "Contact", [{"LastName": "Old", "Email": f"user{n}@bulk.io"} for n in range(1, 4)]
    )
    messages = [
        schema(),
        *people("bulk.io", 8),
        record(person(9, "bulk.io", title="T" * 300)),
        record(person(2, "bulk.io", title="Y" * 300)),
    ]
    emulator.admin.reset()
    run = run_target(target_config(emulator, tmp_path, bulk_threshold=1), messages)
    assert run.error is None
    assert (run.stats.created, run.stats.updated, run.stats.rejected) == (5, 2, 3)
    calls = emulator.admin.calls()["by_endpoint"]
    assert "composite_sobjects" not in calls
    assert calls["bulk_ingest_jobs"] == 1
    assert calls["bulk_ingest_results"] == 2  # successful and failed results
    rejects = {r["email"]: r for r in read_jsonl(tmp_path / "rejects.jsonl")}
    assert rejects["user9@bulk.io"]["code"] == "STRING_TOO_LONG"
    assert rejects["user9@bulk.io"]["record"]["id"] == 9
    assert rejects["user2@bulk.io"]["code"] == "STRING_TOO_LONG"
    assert rejects["user2@bulk.io"]["contact_id"] is not None
    assert rejects["user2@bulk.io"]["record"]["title"] == "Y" * 300
    assert rejects["user2@bulk.io"]["code"] == "STRING_TOO_LONG"
    found = by_email(emulator, "bulk.io")
    assert len(found) == 8
    assert found["user1@bulk.io"][0]["LastName"] == "Last1"
    assert found["user2@bulk.io"][0]["LastName"] == "Old"


def test_bulk_row_lock_failures_are_retried(emulator, tmp_path):
    emulator.admin.settings(lock_row_failures=2)
    config = target_config(emulator, tmp_path, bulk_threshold=1)
    run = run_target(config, [schema(), *people("bulklock.io", 6)])
    assert run.error is None
    assert (run.stats.created, run.stats.rejected) == (6, 0)
    assert_one_each(emulator, "bulklock.io", 6)


@pytest.mark.parametrize(
    "fault",
    [
        {"endpoint": "bulk_ingest_upload", "status": 503},
        {"endpoint": "bulk_ingest_job", "method": "PATCH", "kind": "drop"},
        {"endpoint": "bulk_ingest_job", "method": "PATCH", "status": 503},
    ],
    ids=["upload-503", "close-dropped", "close-503"],
)
def test_bulk_faults_create_no_duplicate(emulator, tmp_path, fault):
    emulator.admin.add_fault(**fault)
    config = target_config(emulator, tmp_path, bulk_threshold=1)
    run = run_target(config, [schema(), *people("bulkfault.io", 12)])
    assert run.error is None
    assert run.stats.created == 12
    assert_one_each(emulator, "bulkfault.io", 12)


# -- API quota ------------------------------------------------------------------------------

TWO_BATCHES = [
    schema(),
    *people("quota.io", 2),
    state({"after": 2}),
    *people("quota.io", 2, start=3),
    state({"after": 4}),
]


FIRST_BATCH_CALLS = 8
"""describe, lookup, and a Bulk job: open, upload, close, two polls, successful results."""


def test_max_api_calls_stops_cleanly(emulator, tmp_path):
    # The first batch fits, the second does not.
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_api_calls=FIRST_BATCH_CALLS)
    run = run_target(config, TWO_BATCHES)
    assert isinstance(run.error, RunStoppedError)
    assert f"max_api_calls is {FIRST_BATCH_CALLS}" in str(run.error)
    assert run.states == [{"after": 2}]
    assert set(by_email(emulator, "quota.io")) == {"user1@quota.io", "user2@quota.io"}
    assert run.stats.created == 2


def test_max_api_usage_percent_stops_cleanly(emulator, tmp_path):
    emulator.admin.settings(daily_api_limit=100, api_used=98 - FIRST_BATCH_CALLS)
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_api_usage_percent=98)
    run = run_target(config, TWO_BATCHES)
    assert isinstance(run.error, RunStoppedError)
    assert "max_api_usage_percent=98" in str(run.error)
    assert run.states == [{"after": 2}]
    assert run.stats.created == 2


def test_max_api_share_percent_stops_cleanly(emulator, tmp_path):
    # 8% of a daily allowance of 100 is the first batch's 8 calls, whatever the org has used.
    emulator.admin.settings(daily_api_limit=100, api_used=50)
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_api_share_percent=8)
    run = run_target(config, TWO_BATCHES)
    assert isinstance(run.error, RunStoppedError)
    assert (
        f"this run has made {FIRST_BATCH_CALLS} API calls and max_api_share_percent=8 allows it "
        f"{FIRST_BATCH_CALLS} of the org's 100 daily API calls"
    ) in str(run.error)
    assert run.states == [{"after": 2}]
    assert run.stats.created == 2
    assert emulator.admin.settings()["api_used"] == 50 + FIRST_BATCH_CALLS


def test_request_limit_exceeded_stops_cleanly(emulator, tmp_path):
    emulator.admin.settings(daily_api_limit=100, api_used=100 - FIRST_BATCH_CALLS)
    # One request at a time, so the org's quota runs out exactly at the second batch (with
    # pipelining its lookup would come before the first batch's last calls).
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_parallel_requests=1)
    run = run_target(config, TWO_BATCHES)
    assert isinstance(run.error, RunStoppedError)
    assert "REQUEST_LIMIT_EXCEEDED" in str(run.error)
    assert run.states == [{"after": 2}]
    assert run.stats.created == 2
    assert len(by_email(emulator, "quota.io")) == 2
    summary = run.target.sync.summary(stopped=True)
    assert "created=2 updated=0" in summary


def test_bulk_update_only_batch_uses_an_update_job(emulator, tmp_path):
    emulator.admin.insert(
        "Contact", [{"LastName": "Old", "Email": f"user{n}@bulkupd.io"} for n in range(1, 5)]
    )
    emulator.admin.reset()
    config = target_config(emulator, tmp_path, bulk_threshold=1, sync_mode="update_only")
    run = run_target(config, [schema(), *people("bulkupd.io", 6)])
    assert run.error is None
    assert (run.stats.updated, run.stats.skipped, run.stats.created) == (4, 2, 0)
    assert {c[0]["LastName"] for c in by_email(emulator, "bulkupd.io").values()} == {
        f"Last{n}" for n in range(1, 5)
    }
    assert emulator.admin.calls()["by_endpoint"]["bulk_ingest_jobs"] == 1
