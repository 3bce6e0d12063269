"""The fault matrix: every network and Salesforce fault, around a commit, against both plugins.

Each case runs the real command (``tap-salesforce-plus`` over REST and over Bulk API 2.0;
``target-salesforce-contacts`` through sObject collections and through Bulk ingest) against
the emulator with one fault rule, and checks what a production user cares about:

* 0 records lost, 0 duplicated, 0 values changed: the tap's output is compared record by
  record, field by field, with a fault-free run over the same org; the target's result is
  compared with the input, Contact by Contact, in the org;
* STATE never covers data that was not emitted (tap) or written (target);
* the exit status, and for a failure that never clears one line naming the cause.

Each case adds a row to ``bench/results/fault_matrix.json`` (counts per case).
"""

from __future__ import annotations

import fcntl
import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import ROOT, workspace_executable
from salesforce_emulator.pytest_plugin import SMALL_SCALE, RunningEmulator, start_emulator
from singer_pipes import write_json

RESULTS = ROOT / "bench" / "results" / "fault_matrix.json"
ROWS: list[dict[str, Any]] = []
REQUEST_TIMEOUT = 2.0
SLOW = 4.0
"""Seconds the emulator holds a request: longer than the plugins' ``request_timeout``."""


def case_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return str(row.get("plugin")), str(row.get("path")), str(row.get("fault"))


def all_case_keys() -> set[tuple[str, str, str]]:
    """Every case of this module (rows of cases that no longer exist are dropped)."""
    tap = {*TRANSIENT_TAP_FAULTS, "truncate_never_clears"}
    target = {*TRANSIENT_TARGET_FAULTS, "lock_error_never_clears"}
    return {("tap", p, f) for p in TAP_PATHS for f in tap} | {
        ("target", p, f) for p in TARGET_PATHS for f in target
    }


@pytest.fixture(scope="module", autouse=True)
def matrix_report() -> Iterator[None]:
    """Merge this process's rows into the report, under a lock.

    Under pytest-xdist the cases run in several processes, each with its own ``ROWS``: each
    merges its rows (a case run again replaces its row), sorted, so the file is the same
    whatever the worker count.
    """
    yield
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with (RESULTS.parent / ".fault_matrix.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
        except json.JSONDecodeError:
            earlier = []
        valid = all_case_keys()
        merged = {case_key(r): r for r in earlier if case_key(r) in valid}
        merged.update({case_key(r): r for r in ROWS})
        RESULTS.write_text(json.dumps([merged[k] for k in sorted(merged)], indent=1))


def run(plugin: str, config: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(workspace_executable(plugin)), "--config", str(config)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def last_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def messages(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


# -- the tap ------------------------------------------------------------------------------

TAP_PATHS = {
    "rest": {"api_type": "rest"},
    "bulk": {"api_type": "bulk", "bulk_page_size": 50},
}
PAGE_ENDPOINTS = {"rest": "query_more", "bulk": "bulk_query_results"}

TRANSIENT_TAP_FAULTS: dict[str, dict[str, Any]] = {
    "truncate_mid_value_with_length": {"kind": "truncate", "cut": "mid_value"},
    "truncate_mid_value_no_length": {
        "kind": "truncate",
        "cut": "mid_value",
        "content_length": False,
    },
    "truncate_mid_row_with_length": {"kind": "truncate", "cut": "mid_row"},
    "truncate_mid_row_no_length": {"kind": "truncate", "cut": "mid_row", "content_length": False},
    "truncate_half_no_length": {"kind": "truncate", "cut": 0.5, "content_length": False},
    "drop_before": {"kind": "drop"},
    "drop_after": {"kind": "drop_after"},
    "slow_response_after_commit": {"kind": "latency_after", "delay": SLOW},
    "status_503": {"kind": "status", "status": 503},
    "status_500_html": {"kind": "status", "status": 500, "html": True},
    "expired_session": {"kind": "expire_session"},
    "echoing_error": {"kind": "echo", "status": 500},
}


def live_accounts(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return [r for r in emulator.admin.records("Account") if not r.get("IsDeleted")]


@pytest.fixture(scope="module")
def tap_org() -> Iterator[RunningEmulator]:
    """One org for every tap case (reads change nothing): Accounts for several pages."""
    running = start_emulator(SMALL_SCALE)
    running.admin.generate("Account", 220, seed=7)
    running.admin.settings(page_size=50)
    try:
        yield running
    finally:
        running.admin.http.close()
        running.server.stop()


@pytest.fixture
def emulator_for_tap(tap_org: RunningEmulator) -> Iterator[RunningEmulator]:
    tap_org.admin.clear_faults()
    yield tap_org
    tap_org.admin.clear_faults()


BASELINES: dict[str, list[dict[str, Any]]] = {}


def baseline_for(emulator: RunningEmulator, tmp_path: Path, path: str) -> list[dict[str, Any]]:
    """The records of a fault-free run (once per path)."""
    if path not in BASELINES:
        clean = run("tap-salesforce-plus", tap_config(emulator, tmp_path, path))
        assert clean.returncode == 0, clean.stderr[-2000:]
        BASELINES[path] = tap_records(clean.stdout)[0]
        assert len(BASELINES[path]) == len(live_accounts(emulator))
    return BASELINES[path]


def tap_config(emulator: RunningEmulator, tmp_path: Path, path: str) -> Path:
    """A config that reads the Accounts one way."""
    config = emulator.config(
        tables=["account"],
        request_timeout=REQUEST_TIMEOUT,
        max_retries=3,
        **TAP_PATHS[path],
    )
    return write_json(tmp_path / f"tap-{path}.json", config)


def tap_records(stdout: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = messages(stdout)
    records = [m["record"] for m in out if m.get("type") == "RECORD"]
    states = [m["value"] for m in out if m.get("type") == "STATE"]
    return records, states


def bookmark(states: list[dict[str, Any]]) -> str | None:
    if not states:
        return None
    stream = (states[-1].get("bookmarks") or {}).get("account") or {}
    value = stream.get("replication_key_value")
    return str(value) if value else None


def compare(baseline: list[dict[str, Any]], got: list[dict[str, Any]]) -> dict[str, int]:
    expected = {r["Id"]: r for r in baseline}
    counts = Counter(r["Id"] for r in got)
    latest = {r["Id"]: r for r in got}
    return {
        "lost": len(expected.keys() - latest.keys()),
        "duplicated": sum(n - 1 for n in counts.values()),
        "changed": sum(1 for i, r in latest.items() if i in expected and r != expected[i]),
        "unexpected": len(latest.keys() - expected.keys()),
    }


@pytest.mark.parametrize("path", sorted(TAP_PATHS))
@pytest.mark.parametrize("fault", sorted(TRANSIENT_TAP_FAULTS))
def test_tap_survives_a_transient_fault(
    emulator_for_tap: RunningEmulator, tmp_path: Path, path: str, fault: str
) -> None:
    emulator = emulator_for_tap
    baseline = baseline_for(emulator, tmp_path, path)
    config = tap_config(emulator, tmp_path, path)
    rule = {"endpoint": PAGE_ENDPOINTS[path], "skip": 1, "times": 1, **TRANSIENT_TAP_FAULTS[fault]}
    emulator.admin.add_fault(**rule)
    faulted = run("tap-salesforce-plus", config)
    records, states = tap_records(faulted.stdout)
    counts = compare(baseline, records)
    fired = sum(r["fired"] for r in emulator.admin.faults())
    ROWS.append({"plugin": "tap", "path": path, "fault": fault, "exit": faulted.returncode,
                 "fired": fired, **counts})  # fmt: skip
    assert fired == 1
    assert faulted.returncode == 0, faulted.stderr[-3000:]
    assert "Traceback" not in faulted.stderr
    assert counts == {"lost": 0, "duplicated": 0, "changed": 0, "unexpected": 0}
    mark = bookmark(states)
    assert mark is not None
    assert mark <= max(r["SystemModstamp"] for r in records) or path == "bulk"


@pytest.mark.parametrize("path", sorted(TAP_PATHS))
def test_tap_truncation_that_never_clears_is_one_line(
    emulator_for_tap: RunningEmulator, tmp_path: Path, path: str
) -> None:
    emulator = emulator_for_tap
    config = tap_config(emulator, tmp_path, path)
    emulator.admin.add_fault(
        kind="truncate",
        cut="mid_value",
        content_length=False,
        endpoint=PAGE_ENDPOINTS[path],
        skip=1,
        times=0,
    )
    result = run("tap-salesforce-plus", config)
    records, states = tap_records(result.stdout)
    line = last_line(result.stderr)
    ROWS.append({"plugin": "tap", "path": path, "fault": "truncate_never_clears",
                 "exit": result.returncode, "emitted": len(records), "message": line})  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "re-run" in line
    assert "/query" in line or "job" in line
    mark = bookmark(states)
    if mark is not None:
        emitted = {r["Id"] for r in records}
        covered = [r for r in live_accounts(emulator) if r["SystemModstamp"] < mark]
        assert {r["Id"] for r in covered} <= emitted


# -- the target -------------------------------------------------------------------------

DOMAIN = "faults.example.com"
TARGET_PATHS: dict[str, dict[str, Any]] = {
    # Creates and updates in one Bulk ingest job (the default path for any batch with creates).
    "bulk_ingest": {"existing": 20, "settings": {}},
    # Updates only, through sObject collections (resent safely: they carry the Contact Id).
    "collections": {"existing": 40, "settings": {"bulk_threshold": 100_000}},
    # Creates and updates as upserts on a unique external-ID field holding the email key.
    "external_id_upsert": {"existing": 20, "settings": {"external_id_field": "Email_Key__c"}},
}
EMAIL_KEY_FIELD = {
    "name": "Email_Key__c",
    "type": "email",
    "externalId": True,
    "unique": True,
    "caseSensitive": False,
}
COMMIT_ENDPOINTS = {
    "bulk_ingest": {"endpoint": "bulk_ingest_job", "method": "PATCH"},
    "collections": {"endpoint": "composite_sobjects", "method": "PATCH"},
    "external_id_upsert": {"endpoint": "composite_sobjects_upsert", "method": "PATCH"},
}
TRANSIENT_TARGET_FAULTS: dict[str, dict[str, Any]] = {
    "in_flight_at_timeout": {"kind": "latency", "delay": SLOW},
    "slow_response_after_commit": {"kind": "latency_after", "delay": SLOW},
    "reset_after_commit": {"kind": "drop_after"},
    "reset_before_handling": {"kind": "drop"},
    "status_503": {"kind": "status", "status": 503},
    "lock_error_once": {"kind": "record_error", "error_code": "UNABLE_TO_LOCK_ROW"},
    "echoing_error": {"kind": "echo", "status": 500},
}


def people(count: int) -> list[dict[str, Any]]:
    return [
        {"id": n, "email": f"Person{n}@{DOMAIN}", "first_name": f"P{n}", "last_name": f"L{n}",
         "title": f"Title {n}"}
        for n in range(count)
    ]  # fmt: skip


def seed_existing(emulator: RunningEmulator, rows: list[dict[str, Any]]) -> None:
    emulator.admin.add_field("Contact", EMAIL_KEY_FIELD)
    emulator.admin.insert(
        "Contact",
        [{"Email": r["email"].lower(), "LastName": r["last_name"], "Title": "old"} for r in rows],
    )


def target_input(rows: list[dict[str, Any]]) -> str:
    schema = {
        "type": "SCHEMA",
        "stream": "people",
        "key_properties": ["id"],
        "schema": {"properties": {k: {"type": ["string", "integer"]} for k in rows[0]}},
    }
    out = [schema, *({"type": "RECORD", "stream": "people", "record": r} for r in rows)]
    out.append({"type": "STATE", "value": {"people": len(rows)}})
    return "".join(json.dumps(m) + "\n" for m in out)


def org_outcome(emulator: RunningEmulator, rows: list[dict[str, Any]]) -> dict[str, int]:
    live = [c for c in emulator.admin.records("Contact") if not c.get("IsDeleted")]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for contact in live:
        email = (contact.get("Email") or "").lower()
        if email.endswith("@" + DOMAIN):
            grouped.setdefault(email, []).append(contact)
    lost = duplicated = changed = 0
    for row in rows:
        found = grouped.get(row["email"].lower(), [])
        if not found:
            lost += 1
            continue
        duplicated += len(found) - 1
        contact = found[0]
        wanted = {"FirstName": row["first_name"], "LastName": row["last_name"],
                  "Title": row["title"]}  # fmt: skip
        changed += any(contact.get(k) != v for k, v in wanted.items())
    return {"lost": lost, "duplicated": duplicated, "changed": changed}


def target_config(emulator: RunningEmulator, tmp_path: Path, path: str) -> Path:
    config = emulator.config(
        request_timeout=REQUEST_TIMEOUT,
        max_retries=3,
        backoff_base_seconds=0.05,
        rejects_path=str(tmp_path / "rejects.jsonl"),
        **TARGET_PATHS[path]["settings"],
    )
    return write_json(tmp_path / f"target-{path}.json", config)


@pytest.mark.parametrize("path", sorted(TARGET_PATHS))
@pytest.mark.parametrize("fault", sorted(TRANSIENT_TARGET_FAULTS))
def test_target_survives_a_transient_fault(
    emulator: RunningEmulator, tmp_path: Path, path: str, fault: str
) -> None:
    rows = people(40)
    seed_existing(emulator, rows[: TARGET_PATHS[path]["existing"]])
    emulator.admin.add_fault(**COMMIT_ENDPOINTS[path], times=1, **TRANSIENT_TARGET_FAULTS[fault])
    result = run("target-salesforce-contacts", target_config(emulator, tmp_path, path),
                 target_input(rows))  # fmt: skip
    outcome = org_outcome(emulator, rows)
    states = messages(result.stdout)  # a target writes each state value on a line
    fired = sum(r["fired"] for r in emulator.admin.faults())
    ROWS.append({"plugin": "target", "path": path, "fault": fault, "exit": result.returncode,
                 "fired": fired, **outcome})  # fmt: skip
    assert fired == 1
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert outcome == {"lost": 0, "duplicated": 0, "changed": 0}
    assert states == [{"people": 40}]


@pytest.mark.parametrize("path", sorted(TARGET_PATHS))
def test_target_lock_error_that_never_clears_keeps_state_back(
    emulator: RunningEmulator, tmp_path: Path, path: str
) -> None:
    rows = people(30)
    seed_existing(emulator, rows[: TARGET_PATHS[path]["existing"]])
    emulator.admin.add_fault(
        **COMMIT_ENDPOINTS[path], kind="record_error", error_code="UNABLE_TO_LOCK_ROW", times=0
    )
    result = run("target-salesforce-contacts", target_config(emulator, tmp_path, path),
                 target_input(rows))  # fmt: skip
    states = messages(result.stdout)
    line = last_line(result.stderr)
    outcome = org_outcome(emulator, rows)
    ROWS.append({"plugin": "target", "path": path, "fault": "lock_error_never_clears",
                 "exit": result.returncode, "message": line, **outcome})  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "pending" in line
    assert "rerun" in line.lower() or "re-run" in line.lower()
    assert states == []
    assert outcome["duplicated"] == 0
