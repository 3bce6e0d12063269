"""Mid-stream failures: expired sessions, 5xx, dropped connections, expired cursors.

Each sync is compared with the emulator's stored rows: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from salesforce_common import SessionExpiredError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import TapRun, make_tap, stored_counts, sync

PAGE_SIZE = 20
TABLES = ["contact", "lead", "opportunity", "task", "case"]


def assert_complete(run: TapRun, emulator: RunningEmulator) -> None:
    """Every stored live row of every synced stream came through exactly once."""
    expected = stored_counts(emulator, include_deleted=False)
    for stream in TABLES:
        records = run.records(stream)
        assert len(records) == expected[stream], stream
        assert len({r["Id"] for r in records}) == len(records), f"duplicates in {stream}"


def paged(emulator: RunningEmulator, **settings: Any) -> dict[str, Any]:
    emulator.admin.settings(page_size=PAGE_SIZE, **settings)
    assert max(stored_counts(emulator, include_deleted=False).values()) > 2 * PAGE_SIZE
    return emulator.config(tables=TABLES)


def test_session_expiry_mid_stream_relogs_in(emulator: RunningEmulator) -> None:
    config = paged(emulator, token_ttl_calls=3)  # every token dies after 3 API calls
    run = sync(config)
    assert_complete(run, emulator)
    assert emulator.admin.calls()["by_endpoint"]["query_more"] >= 6
    assert run.tap.sf_session.logins >= 4


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"endpoint": "query_more", "status": 503, "times": 1}, id="503"),
        pytest.param({"endpoint": "query_more", "status": 503, "html": True}, id="503-html"),
        pytest.param({"endpoint": "query_more", "kind": "drop", "times": 1}, id="dropped"),
    ],
)
def test_transient_failure_mid_stream_is_retried(
    emulator: RunningEmulator, fault: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    config = paged(emulator)
    emulator.admin.add_fault(**fault)
    with caplog.at_level(logging.WARNING):
        run = sync(config)
    assert_complete(run, emulator)
    retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Retrying")]
    assert len(retries) == 1
    assert "/query/" in retries[0]


def test_expired_query_cursor_restarts_from_the_last_emitted_row(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = paged(emulator)
    emulator.admin.add_fault(
        endpoint="query_more",
        status=400,
        error_code="INVALID_QUERY_LOCATOR",
        message="invalid query locator",
        skip=1,
        times=1,
    )
    with caplog.at_level(logging.WARNING):
        run = sync(config)
    assert_complete(run, emulator)
    assert "cursor of stream contact expired (INVALID_QUERY_LOCATOR)" in caplog.text
    first, restarted = run.soql("Contact")
    assert " WHERE " not in first
    assert " WHERE SystemModstamp >= " in restarted


def test_access_token_expiry_is_a_clear_one_line_error(emulator: RunningEmulator) -> None:
    config = {"domain": emulator.url, "access_token": emulator.access_token, "tables": TABLES}
    run = make_tap(config)
    emulator.admin.expire_sessions()
    with pytest.raises(SessionExpiredError) as caught:
        run.tap.sync_all()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("INVALID_SESSION_ID: the access_token is expired or invalid")
    assert emulator.access_token not in message


def test_cursors_expired_mid_read_restart_from_the_last_row_on_every_stream(
    emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """``admin.expire_cursors()`` after each first page: every stream re-runs its query from
    its last emitted row and ends complete, without duplicates."""
    config = {**paged(emulator), "api_type": "rest"}
    run = make_tap(config)
    expired: set[str] = set()

    def expire_after_first_page(response: Any, *args: Any, **kwargs: Any) -> None:
        soql = parse_qs(urlsplit(response.request.url).query).get("q", [""])[0]
        object_name = soql.partition(" FROM ")[2].split(" ")[0]
        if object_name and object_name not in expired:
            expired.add(object_name)
            emulator.admin.expire_cursors()

    run.tap.sf_session.http.hooks["response"].append(expire_after_first_page)
    with caplog.at_level(logging.WARNING):
        run.tap.sync_all()
    assert_complete(run, emulator)
    for stream in TABLES:
        assert f"cursor of stream {stream} expired (INVALID_QUERY_LOCATOR)" in caplog.text
        records = run.records(stream)
        assert (
            run.state["bookmarks"][stream]["replication_key_value"] == records[-1]["SystemModstamp"]
        )
