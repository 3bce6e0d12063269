"""Bulk result pages downloaded in parallel (``bulk_parallel_pages``, ``resultPages``)."""

from __future__ import annotations

from pathlib import Path

from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import kill_after_first_bulk_page, stored_counts, sync

ORG_PAGE = 20
"""Rows per page the org lists in ``resultPages`` (Salesforce sizes those pages itself)."""


def parallel_config(emulator: RunningEmulator, **extra: object) -> dict[str, object]:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    emulator.org.bulk.result_page_rows = ORG_PAGE
    return emulator.config(tables=["contact"], api_type="bulk", bulk_parallel_pages=3, **extra)


def test_pages_download_three_at_a_time_and_every_row_arrives_once(
    emulator: RunningEmulator,
) -> None:
    run = sync(parallel_config(emulator))
    ids = [r["Id"] for r in run.records("contact")]
    stored = stored_counts(emulator, include_deleted=False)["contact"]
    assert len(ids) == len(set(ids)) == stored
    calls = emulator.admin.calls()["by_endpoint"]
    pages = -(-stored // ORG_PAGE)
    assert calls["bulk_query_results"] == pages  # the org's pages, not bulk_page_size's
    assert calls["bulk_query_result_pages"] == -(-pages // 5)  # five result URLs an answer
    assert "bulk_job" not in run.state["bookmarks"]["contact"]


def test_a_run_killed_mid_read_resumes_at_the_next_listed_page(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    # Pages after the first are slow: the process is killed while they download.
    emulator.admin.add_fault(
        kind="latency", endpoint="bulk_query_results", delay=3, skip=1, times=0
    )
    config = parallel_config(emulator)
    messages, state = kill_after_first_bulk_page(config, tmp_path)
    first = [m["record"]["Id"] for m in messages if m["type"] == "RECORD"]
    saved = state["bookmarks"]["contact"]["bulk_job"]
    assert len(first) == saved["rows"] == ORG_PAGE

    emulator.admin.clear_faults()
    resumed = sync(config, state=state)
    assert emulator.admin.calls()["by_endpoint"]["bulk_query_jobs"] == 1  # the same job
    ids = first + [r["Id"] for r in resumed.records("contact")]
    assert len(ids) == len(set(ids)) == stored_counts(emulator, include_deleted=False)["contact"]
    assert resumed.state["bookmarks"]["contact"]["replication_key_value"] == saved["until"]
