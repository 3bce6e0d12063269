"""A tap process killed mid-download resumes from its last state at the next page of the job."""

from __future__ import annotations

from pathlib import Path

from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import kill_after_first_bulk_page, stored_counts, sync

PAGE = 20


def test_killed_mid_download_resumes_the_same_job_without_gap(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    # Every page after the first is slow: the process is killed while waiting for page 2.
    emulator.admin.add_fault(
        kind="latency", endpoint="bulk_query_results", delay=3, skip=1, times=0
    )
    config = emulator.config(tables=["contact"], api_type="bulk", bulk_page_size=PAGE)
    messages, state = kill_after_first_bulk_page(config, tmp_path)
    first_records = [m["record"] for m in messages if m["type"] == "RECORD"]

    saved = state["bookmarks"]["contact"]["bulk_job"]
    assert len(first_records) == saved["rows"] == PAGE
    assert "replication_key_value" not in state["bookmarks"]["contact"]
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls["bulk_query_jobs"] == 1

    emulator.admin.clear_faults()
    resumed = sync(
        emulator.config(tables=["contact"], api_type="bulk", bulk_page_size=PAGE), state=state
    )
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls["bulk_query_jobs"] == 1  # no new job: the saved one was reused
    ids = [r["Id"] for r in first_records] + [r["Id"] for r in resumed.records("contact")]
    assert len(ids) == len(set(ids))
    assert len(ids) == stored_counts(emulator, include_deleted=False)["contact"]
    final = resumed.state["bookmarks"]["contact"]
    assert "bulk_job" not in final
    assert final["replication_key_value"] == saved["until"]
