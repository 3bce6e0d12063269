"""Pages cut short by the network: the tap reads them again and never emits a partial value.

The emulator's ``truncate`` fault sends part of a body and closes the connection: inside the
last value (``APAC`` sent as ``APA``), inside the last row or record, or at a fraction of the
bytes, with or without ``Content-Length``, gzip-compressed (cut in the compressed bytes, so
the trailer is missing) or plain. Every run is compared with the org field by field: nothing
lost, nothing duplicated, nothing changed. A cut that never clears ends the run with one line
and a STATE that does not pass unwritten rows.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
from salesforce_common import SalesforceError
from salesforce_emulator.pytest_plugin import RunningEmulator
from tapsf_support import TapRun, make_tap, run_cli

PAGE = 20
CUTS = ["mid_value", "mid_row", 0.5]


def org_equal(record_value: Any, stored: Any) -> bool:
    """A record value equals the org's stored value (stored forms: 0/1, ``+0000``)."""
    if isinstance(record_value, bool):
        return record_value == bool(stored)
    if isinstance(record_value, int | float) and isinstance(stored, int | float):
        return math.isclose(record_value, stored, rel_tol=1e-12)
    if isinstance(record_value, str) and isinstance(stored, str) and stored.endswith("+0000"):
        return record_value == stored.removesuffix("+0000") + "Z"
    return record_value == stored


def assert_values_match_org(
    records: list[dict[str, Any]], emulator: RunningEmulator, obj: str
) -> None:
    """Every field the org stores has the org's value in every record, none duplicated."""
    ids = [r["Id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicates"
    rows = {r["Id"]: r for r in emulator.admin.records(obj) if not r["IsDeleted"]}
    assert set(ids) <= set(rows)
    for record in records:
        stored = rows[record["Id"]]
        changed = [
            key
            for key, value in record.items()
            if key in stored and not isinstance(value, dict) and not org_equal(value, stored[key])
        ]
        assert changed == [], (record["Id"], changed)


def assert_same_as_org(run: TapRun, emulator: RunningEmulator, stream: str, obj: str) -> None:
    """Every live row exactly once, with the org's values."""
    records = run.records(stream)
    assert_values_match_org(records, emulator, obj)
    live = {r["Id"] for r in emulator.admin.records(obj) if not r["IsDeleted"]}
    assert {r["Id"] for r in records} == live, "rows lost"


def plain(run: TapRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the org answer uncompressed (as a proxy that strips compression would)."""
    http = run.tap.sf_session.http
    send = http.request

    def request(method: str, url: str, **kwargs: Any) -> Any:
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Accept-Encoding": "identity"}
        return send(method, url, **kwargs)

    monkeypatch.setattr(http, "request", request)


def encodings_seen(run: TapRun) -> set[str]:
    seen: set[str] = set()

    def note(response: Any, *args: Any, **kwargs: Any) -> None:
        if "/query" in response.url or "/results" in response.url:
            seen.add(response.headers.get("Content-Encoding", "identity"))

    run.tap.sf_session.http.hooks["response"].append(note)
    return seen


READS = {
    "rest-first-page": ("rest", "query", "contact", "Contact"),
    "rest-next-page": ("rest", "query_more", "contact", "Contact"),
    "bulk": ("bulk", "bulk_query_results", "account", "Account"),
}


FRAMINGS = {
    f"{cut}-{'length' if length else 'no-length'}-{encoding}": (cut, length, encoding)
    for cut, length, encoding in itertools.product(CUTS, [True, False], ["gzip", "plain"])
}


@pytest.mark.parametrize("framing", FRAMINGS.values(), ids=FRAMINGS.keys())
@pytest.mark.parametrize("read", READS.values(), ids=READS.keys())
def test_a_cut_page_is_read_again_and_every_value_is_whole(
    emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    read: tuple[str, str, str, str],
    framing: tuple[Any, bool, str],
) -> None:
    api_type, endpoint, stream, obj = read
    cut, content_length, encoding = framing
    emulator.admin.settings(page_size=PAGE, bulk={"polls_to_complete": 0})
    emulator.admin.add_fault(
        kind="truncate",
        endpoint=endpoint,
        cut=cut,
        content_length=content_length,
        skip=1 if endpoint != "query" else 0,
        times=1,
    )
    run = make_tap(emulator.config(tables=[stream], api_type=api_type, bulk_page_size=PAGE))
    if encoding == "plain":
        plain(run, monkeypatch)
    seen = encodings_seen(run)
    run.tap.sync_all()
    if encoding == "plain":
        assert seen == {"identity"}
    else:
        assert "gzip" in seen
    assert [f["fired"] for f in emulator.admin.faults()] == [1]
    assert_same_as_org(run, emulator, stream, obj)


NEVER_CLEARS = {
    "rest": ("rest", "query_more", "contact", "Contact", "/query/"),
    "bulk": ("bulk", "bulk_query_results", "account", "Account", "result page (locator "),
}


@pytest.mark.parametrize("read", NEVER_CLEARS.values(), ids=NEVER_CLEARS.keys())
def test_a_cut_that_never_clears_is_one_line_and_the_state_covers_only_emitted_rows(
    emulator: RunningEmulator, tmp_path: Path, read: tuple[str, str, str, str, str]
) -> None:
    api_type, endpoint, stream, obj, where = read
    emulator.admin.settings(page_size=PAGE, bulk={"polls_to_complete": 0})
    emulator.admin.add_fault(kind="truncate", endpoint=endpoint, cut="mid_value", skip=1, times=0)
    config = emulator.config(
        tables=[stream], api_type=api_type, bulk_page_size=PAGE, state_every_records=7
    )
    result = run_cli([], config, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "ERROR" in last
    assert where in last
    assert "incomplete 5 times in a row" in last
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    emitted = [m["record"] for m in messages if m["type"] == "RECORD"]
    assert_values_match_org(emitted, emulator, obj)  # whole values only
    state = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    entry = state["bookmarks"][stream]
    if api_type == "rest":  # two whole pages (the query, one query_more), none of the cut one
        assert len(emitted) == 2 * PAGE
        assert entry["replication_key_value"] == emitted[-1]["SystemModstamp"]
    else:  # the whole rows of the cut page came before; resume at that page, bookmark unmoved
        assert PAGE < len(emitted) < 2 * PAGE
        assert entry["bulk_job"]["rows"] == PAGE
        assert "replication_key_value" not in entry
    emulator.admin.clear_faults()
    resumed = make_tap(config, state=state)
    resumed.tap.sync_all()
    ids = {r["Id"] for r in emitted} | {r["Id"] for r in resumed.records(stream)}
    live = {r["Id"] for r in emulator.admin.records(obj) if not r["IsDeleted"]}
    assert ids == live


def test_a_cut_first_page_in_process_raises_one_line(emulator: RunningEmulator) -> None:
    emulator.admin.add_fault(kind="truncate", endpoint="query", cut="mid_row", times=0)
    run = make_tap(emulator.config(tables=["user_role"], api_type="rest"))
    with pytest.raises(SalesforceError) as caught:
        run.tap.sync_all()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("GET /services/data/v")
    assert "/query: the response body arrived incomplete 5 times in a row" in message
    assert run.records("user_role") == []
