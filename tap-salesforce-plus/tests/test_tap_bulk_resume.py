"""A tap process killed mid-download resumes from its last state at the next page of the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import stored_counts, sync

PAGE = 20


def run_until_first_page_state(
    config: dict[str, Any], tmp_path: Path
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start the tap CLI, kill it (SIGKILL) once a STATE records the first page read."""
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    command = [
        str(Path(sys.executable).with_name("tap-salesforce-plus")),
        "--config",
        str(config_file),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "MELTANO_"))}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    messages: list[dict[str, Any]] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            message = json.loads(line)
            messages.append(message)
            job = message.get("value", {}).get("bookmarks", {}).get("contact", {}).get("bulk_job")
            if message["type"] == "STATE" and job and job.get("locator"):
                process.send_signal(signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    records = [m["record"] for m in messages if m["type"] == "RECORD"]
    state = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    return records, state


def test_killed_mid_download_resumes_the_same_job_without_gap(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    # Every page after the first is slow: the process is killed while waiting for page 2.
    emulator.admin.add_fault(
        kind="latency", endpoint="bulk_query_results", delay=3, skip=1, times=0
    )
    config = emulator.config(tables=["contact"], api_type="bulk", bulk_page_size=PAGE)
    first_records, state = run_until_first_page_state(config, tmp_path)

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
