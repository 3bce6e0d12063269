"""API quotas: the run stops cleanly (state for everything emitted, one-line error, exit 1)
before crossing ``max_api_usage_percent`` or ``max_api_calls``, and on Salesforce's own
``403 REQUEST_LIMIT_EXCEEDED``; re-running with the state resumes without a gap."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from salesforce_common import ApiQuotaGuardError, RequestLimitExceededError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import TapRun, make_tap, run_cli, stored_counts, sync

TABLES = ["account", "contact", "lead"]


def paged(emulator: RunningEmulator, **settings: Any) -> dict[str, Any]:
    emulator.admin.settings(page_size=20)
    return emulator.config(tables=TABLES, api_type="rest", lookback_minutes=0, **settings)


def assert_resumes_without_gap(
    stopped: TapRun, config: dict[str, Any], emulator: RunningEmulator
) -> None:
    """Re-running with the last state completes every stream; repeats only at the bookmark."""
    resumed = sync(config, state=stopped.state)
    expected = stored_counts(emulator, include_deleted=False)
    for stream in TABLES:
        before = stopped.records(stream)
        bookmark = stopped.state["bookmarks"].get(stream, {}).get("replication_key_value")
        after = resumed.records(stream)
        ids = {r["Id"] for r in before} | {r["Id"] for r in after}
        assert len(ids) == expected[stream], stream
        repeated = {r["Id"] for r in before} & {r["Id"] for r in after}
        assert all(r["SystemModstamp"] == bookmark for r in after if r["Id"] in repeated), stream


def stop_message(run: TapRun, error_type: type[Exception]) -> str:
    with pytest.raises(error_type) as caught:
        run.tap.sync_all()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_usage_percent_guard_stops_mid_stream_with_state(emulator: RunningEmulator) -> None:
    config = paged(emulator)
    emulator.admin.settings(daily_api_limit=100, api_used=83)
    # limits, sobjects, composite/batch, account's 2 pages of 20, contact's first 2 pages: 90.
    stopped = make_tap({**config, "max_api_usage_percent": 90})
    message = stop_message(stopped, ApiQuotaGuardError)
    assert message.startswith("API quota guard: the org has used 90 of 100 daily API calls")
    assert "max_api_usage_percent=90" in message
    assert "stopped cleanly in stream contact, state saved for every record emitted" in message
    assert "run again with the last STATE message as --state" in message
    calls = emulator.admin.calls()["by_endpoint"]
    assert calls["limits"] == 1
    assert emulator.admin.settings()["api_used"] == 90
    contacts = stopped.records("contact")
    assert len(contacts) == 40
    bookmark = stopped.state["bookmarks"]["contact"]["replication_key_value"]
    assert bookmark == contacts[-1]["SystemModstamp"]

    emulator.admin.settings(api_used=0)
    assert_resumes_without_gap(stopped, config, emulator)


def test_call_guard_stops_mid_stream_with_state(emulator: RunningEmulator) -> None:
    config = paged(emulator)
    stopped = make_tap({**config, "max_api_calls": 6})  # 2 discovery, 2 account, 2 contact
    message = stop_message(stopped, ApiQuotaGuardError)
    assert "this run has made 6 API calls and max_api_calls is 6" in message
    assert "stopped cleanly in stream contact" in message
    assert stopped.counts()["contact"] == 40
    assert stopped.counts()["lead"] == 0
    assert set(stopped.state["bookmarks"]) == {"account", "contact"}
    assert_resumes_without_gap(stopped, config, emulator)


def test_request_limit_exceeded_stops_without_retrying(emulator: RunningEmulator) -> None:
    config = paged(emulator)
    emulator.admin.settings(daily_api_limit=100, api_used=94)  # 6 calls left
    stopped = make_tap(config)
    statuses: Counter[int] = Counter()
    stopped.tap.sf_session.http.hooks["response"].append(
        lambda response, *_a, **_k: statuses.update([response.status_code])
    )
    message = stop_message(stopped, RequestLimitExceededError)
    assert message.startswith("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.")
    assert "daily API request allowance is spent" in message
    assert "stopped cleanly in stream contact" in message
    assert statuses[403] == 1  # never retried
    assert stopped.counts()["contact"] == 40

    emulator.admin.settings(api_used=0)
    assert_resumes_without_gap(stopped, config, emulator)


def test_cli_exits_1_with_one_line_and_the_state_on_stdout(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    config = {**paged(emulator), "max_api_calls": 6}
    result = run_cli([], config, tmp_path)
    assert result.returncode == 1
    error = result.errors[-1]
    assert "max_api_calls is 6" in error
    assert "run again with the last STATE message as --state" in error
    assert "Traceback" not in result.stderr
    states = [line for line in result.stdout.splitlines() if '"type":"STATE"' in line]
    assert '"contact"' in states[-1]


def test_a_sync_of_the_default_tables_takes_one_call_per_table_plus_two(
    emulator: RunningEmulator,
) -> None:
    """Discovery is two calls (the tables' approximate counts ride in the describes' batch);
    then one read per table, no ``COUNT()``: 19 calls for the 17 default tables."""
    config = emulator.config()
    config.pop("tables", None)
    run = sync(config)
    assert len(run.counts()) == 17
    stored = stored_counts(emulator, include_deleted=False)
    assert run.counts() == Counter({stream: stored[stream] for stream in run.counts()})
    calls = emulator.admin.calls()
    assert calls["by_endpoint"] == {"describe_global": 1, "composite_batch": 1, "query": 17}
    assert calls["total"] == 19
