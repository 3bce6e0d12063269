"""Runs that are interrupted: STATE cadence, SIGKILL, SIGTERM, SIGINT, and malformed states.

A killed run must be resumable from its last STATE, re-reading at most about
``state_every_records`` rows (plus the lookback window); a run stopped by SIGTERM or SIGINT
writes a final STATE covering every record emitted and exits 143 or 130.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from tap_salesforce_plus.streams import StateCadence
from tap_salesforce_plus.termination import defer_in_lock_code
from tap_salesforce_plus.values import parse_datetime
from tapsf_support import run_cli_many, spawn_cli, stored_counts, sync

EVERY = 25
KEY = "SystemModstamp"


def slow_contacts(emulator: RunningEmulator, *, extra: int = 300, **config: Any) -> dict[str, Any]:
    """Contacts over REST in pages of 20, every ``query_more`` delayed."""
    emulator.admin.generate("Contact", extra)
    emulator.admin.settings(page_size=20)
    emulator.admin.add_fault(kind="latency", endpoint="query_more", delay=0.1, times=0)
    return emulator.config(tables=["contact"], api_type="rest", state_every_records=EVERY, **config)


def check_states_cover_only_emitted_rows(messages: list[dict[str, Any]]) -> int:
    """Each STATE's bookmark is the key of the last record emitted before it; returns how many
    intermediate STATEs (followed by more records) there were."""
    last_key, since_state, intermediate, seen_state = None, 0, 0, False
    for message in messages:
        if message["type"] == "RECORD":
            last_key = message["record"][KEY]
            since_state += 1
            assert since_state <= EVERY
            intermediate += seen_state
            seen_state = False
        elif message["type"] == "STATE" and last_key is not None:
            bookmark = message["value"]["bookmarks"]["contact"]["replication_key_value"]
            assert bookmark == last_key
            since_state, seen_state = 0, True
    return intermediate


def test_rest_streams_emit_state_every_n_records(emulator: RunningEmulator) -> None:
    config = slow_contacts(emulator, extra=100)
    emulator.admin.clear_faults()
    run = sync(config)
    assert len(run.records("contact")) == stored_counts(emulator, include_deleted=False)["contact"]
    assert check_states_cover_only_emitted_rows(run.messages) >= 6


def test_state_cadence_counts_records_and_seconds() -> None:
    now = [0.0]
    cadence = StateCadence(3, 10.0, clock=lambda: now[0])
    assert [cadence.due() for _ in range(7)] == [False, False, True, False, False, True, False]
    now[0] = 10.5
    assert cadence.due()
    now[0] = 15.0
    assert not cadence.due()


def read_until(process: subprocess.Popen[str], states: int) -> list[dict[str, Any]]:
    """Messages read from a running tap until ``states`` STATEs followed records."""
    assert process.stdout is not None
    messages: list[dict[str, Any]] = []
    seen = 0
    for line in process.stdout:
        message = json.loads(line)
        messages.append(message)
        if message["type"] == "STATE" and any(m["type"] == "RECORD" for m in messages):
            seen += 1
            if seen >= states:
                return messages
    raise AssertionError("the tap ended before it was interrupted")


def rows_near(emulator: RunningEmulator, bookmark: str, lookback: dt.timedelta) -> int:
    """Stored contacts whose key is in [bookmark - lookback, bookmark]."""
    top = parse_datetime(bookmark)
    return sum(
        1
        for row in emulator.admin.records("Contact")
        if top - lookback <= parse_datetime(row[KEY]) <= top and not row["IsDeleted"]
    )


def resume_and_check(
    emulator: RunningEmulator, config: dict[str, Any], first: list[dict[str, Any]]
) -> None:
    """A re-run from the last STATE completes the table, re-reading only rows near it."""
    emitted = {m["record"]["Id"] for m in first if m["type"] == "RECORD"}
    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    emulator.admin.clear_faults()
    second = sync(config, state=state)
    again = [r["Id"] for r in second.records("contact")]
    assert len(again) == len(set(again))
    live = {r["Id"] for r in emulator.admin.records("Contact") if not r["IsDeleted"]}
    assert emitted | set(again) == live  # nothing lost
    bookmark = state["bookmarks"]["contact"]["replication_key_value"]
    reread = emitted & set(again)
    assert len(reread) <= EVERY + rows_near(emulator, bookmark, dt.timedelta(minutes=5))


def test_sigkill_mid_stream_then_resume_rereads_at_most_about_n_rows(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    config = slow_contacts(emulator)
    process = spawn_cli([], config, tmp_path)
    try:
        messages = read_until(process, states=3)
    finally:
        process.kill()
        process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()
    assert check_states_cover_only_emitted_rows(messages) >= 2
    resume_and_check(emulator, config, messages)


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_sigterm_and_sigint_save_state_and_exit_128_plus_signal(
    emulator: RunningEmulator, tmp_path: Path, signum: int, status: int
) -> None:
    config = slow_contacts(emulator)
    process = spawn_cli([], config, tmp_path)
    messages = read_until(process, states=2)
    process.send_signal(signum)
    assert process.stdout is not None
    messages += [json.loads(line) for line in process.stdout]  # through its buffer
    process.stdout.close()
    assert process.wait(timeout=60) == status
    assert messages[-1]["type"] == "STATE"  # the final STATE, after the last record
    check_states_cover_only_emitted_rows(messages)
    stderr = (tmp_path / "stderr").read_text()
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert f"Received {signal.Signals(signum).name}: stopped, state saved" in last
    assert f"(exit status {status})" in last
    resume_and_check(emulator, config, messages)


def test_malformed_states_are_one_line_errors(emulator: RunningEmulator, tmp_path: Path) -> None:
    config = emulator.config(tables=["contact"], api_type="bulk")
    bookmark = {"replication_key": KEY, "replication_key_value": "yesterday"}
    states = {
        "bookmarks_not_object": ({"bookmarks": 5}, "state: 'bookmarks' must be an object, not int"),
        "stream_not_object": (
            {"bookmarks": {"contact": [1]}},
            "state: the bookmark of stream contact must be an object, not list",
        ),
        "meltano_envelope": (
            {"singer_state": {"bookmarks": {}}},
            "state: no 'bookmarks' object (top-level keys: singer_state)",
        ),
        "state_message": (
            {"type": "STATE", "value": {"bookmarks": {}}},
            "state: this is a STATE message, not a state",
        ),
        "bookmark_not_datetime": (
            {"bookmarks": {"contact": bookmark}},
            "state: the bookmark of stream contact is not a datetime: 'yesterday'",
        ),
        "bulk_job_malformed": (
            {"bookmarks": {"contact": {"bulk_job": {"id": "750x", "rows": "many"}}}},
            "state: the bulk_job entry of stream contact is malformed",
        ),
    }
    runs = {}
    for name, (state, _) in states.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(state))
        runs[name] = (["--state", str(path)], config)
    results = run_cli_many(runs, tmp_path)
    for name, (_, expected) in states.items():
        result = results[name]
        assert result.returncode == 1, name
        assert "Traceback" not in result.stderr, name
        assert expected in result.stderr.strip().splitlines()[-1], name
        assert '"type":"RECORD"' not in result.stdout, name


def test_a_signal_inside_lock_code_is_delivered_again_not_acted_on() -> None:
    """A stop raised between a lock's acquire and its ``with`` block would leak the lock (a
    stopped tap then hung in urllib3's pool): such a signal is re-delivered a moment later."""

    def here() -> Any:
        return sys._getframe()

    # the same function, as if defined in the standard threading module
    in_threading = types.FunctionType(
        here.__code__.replace(co_filename="threading.py"), {"sys": sys}
    )
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, _frame: received.append(signum))
    try:
        assert not defer_in_lock_code(signal.SIGUSR1, sys._getframe())  # ordinary code: act now
        assert defer_in_lock_code(signal.SIGUSR1, in_threading())
        assert received == []
        for _ in range(500):  # delivered by a timer thread; the handler runs in this thread
            if received:
                break
            time.sleep(0.01)
        assert received == [signal.SIGUSR1]
    finally:
        signal.signal(signal.SIGUSR1, previous)
