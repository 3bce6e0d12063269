"""Nothing lost, nothing duplicated, nothing corrupted: the real command under network faults.

Each case runs ``target-salesforce-contacts`` as a process against the emulator with one
fault injected, on an org where some of the input's emails already have a Contact, then
counts, per input email, the Contacts in the org: exactly one each (0 duplicates), every
input email present (0 lost), every Contact holding the input's values (0 changed). A run
whose failure outlives the retries exits 1 with one line, passes no STATE on, dead-letters
nothing, and a rerun without the fault completes the same input.

"""

from __future__ import annotations

import json
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from tsc_support import (
    EXECUTABLE,
    by_email,
    person,
    read_jsonl,
    record,
    run_cli,
    schema,
    singer_text,
    state,
    target_config,
)

RECORDS = 30
EXISTING = 5
"""Input emails that already have a Contact (they are updated, the others created)."""


def prepare(emulator, domain: str) -> list[dict[str, Any]]:
    emulator.admin.insert(
        "Contact",
        [
            {"LastName": "Old", "FirstName": "Old", "Email": f"user{n}@{domain}"}
            for n in range(1, EXISTING + 1)
        ],
    )
    return [
        schema(),
        *(record(person(n, domain)) for n in range(1, RECORDS + 1)),
        state({"bookmark": RECORDS}),
    ]


def org_check(emulator, domain: str) -> tuple[int, int, int]:
    """(duplicates, lost, changed) for the input emails of a case."""
    found = by_email(emulator, domain)
    duplicates = sum(len(contacts) - 1 for contacts in found.values())
    lost = changed = 0
    for n in range(1, RECORDS + 1):
        contacts = found.get(f"user{n}@{domain}")
        if not contacts:
            lost += 1
            continue
        expected = {"FirstName": f"First{n}", "LastName": f"Last{n}"}
        changed += sum(1 for c in contacts if {k: c.get(k) for k in expected} != expected)
    return duplicates, lost, changed


TIMEOUT = {"request_timeout": 0.5}
"""Client gives up after 0.5 s; latency faults hold the call 1.5 s."""

BULK_FAULTS = [
    pytest.param(
        {"kind": "latency", "delay": 1.5, "endpoint": "bulk_ingest_upload"},
        TIMEOUT,
        id="upload-in-flight-at-timeout",
    ),
    pytest.param(
        {"kind": "latency", "delay": 1.5, "endpoint": "bulk_ingest_job", "method": "PATCH"},
        TIMEOUT,
        id="close-in-flight-at-timeout",
    ),
    pytest.param({"kind": "drop", "endpoint": "bulk_ingest_upload"}, {}, id="upload-reset-before"),
    pytest.param(
        {"kind": "drop", "endpoint": "bulk_ingest_job", "method": "PATCH"},
        {},
        id="close-reset-before",
    ),
    pytest.param({"endpoint": "bulk_ingest_upload", "status": 503}, {}, id="upload-503"),
    pytest.param(
        {"endpoint": "bulk_ingest_job", "method": "PATCH", "status": 500}, {}, id="close-500"
    ),
    pytest.param(
        {"endpoint": "bulk_ingest_job", "method": "GET", "status": 503, "times": 3},
        {},
        id="poll-503",
    ),
    pytest.param(
        {"endpoint": "bulk_ingest_results", "status": 503, "times": 2}, {}, id="results-503"
    ),
    pytest.param(
        {"endpoint": "bulk_ingest_jobs", "method": "POST", "status": 503}, {}, id="open-503"
    ),
    pytest.param(
        {"kind": "latency_after", "delay": 1.5, "endpoint": "bulk_ingest_upload"},
        TIMEOUT,
        id="upload-answer-late",
    ),
    pytest.param(
        {"kind": "latency_after", "delay": 1.5, "endpoint": "bulk_ingest_job", "method": "PATCH"},
        TIMEOUT,
        id="close-answer-late",
    ),
    pytest.param(
        {"kind": "drop_after", "endpoint": "bulk_ingest_upload"},
        {},
        id="upload-reset-after",
    ),
    pytest.param(
        {"kind": "drop_after", "endpoint": "bulk_ingest_job", "method": "PATCH"},
        {},
        id="close-reset-after",
    ),
    pytest.param(
        {"kind": "truncate", "cut": "mid_row", "endpoint": "bulk_ingest_results"},
        {},
        id="results-cut-mid-row",
    ),
    pytest.param(
        {"kind": "truncate", "cut": 0.5, "content_length": True, "endpoint": "query"},
        {},
        id="lookup-cut-short",
    ),
    pytest.param(
        {"kind": "record_error", "endpoint": "bulk_ingest_job", "method": "PATCH", "times": 2},
        {},
        id="lock-error-clears",
    ),
]


@pytest.mark.parametrize(("fault", "settings"), BULK_FAULTS)
def test_bulk_path_under_a_fault_writes_each_record_once(emulator, tmp_path, fault, settings):
    domain = "bulk-once.io"
    messages = prepare(emulator, domain)
    emulator.admin.add_fault(**fault)
    config = target_config(emulator, tmp_path, backoff_base_seconds=0.6, **settings)
    run = run_cli(config, messages, tmp_path)
    time.sleep(float(fault.get("delay", 0)) + 0.2)  # let a delayed call land, if it would
    assert run.returncode == 0, run.stderr[-3000:]
    assert org_check(emulator, domain) == (0, 0, 0)
    assert run.states == [{"bookmark": RECORDS}]
    assert read_jsonl(tmp_path / "rejects.jsonl") == []
    assert not (tmp_path / "contacts-journal.json").exists()


@pytest.mark.parametrize(
    "failing",
    [
        pytest.param({"lock_row_failures": 100_000}, id="lock-row-setting"),
        pytest.param(
            {"fault": {"kind": "record_error", "endpoint": "*", "times": 0}},
            id="record-error-fault",
        ),
    ],
)
def test_a_lock_error_that_never_clears_stays_pending(emulator, tmp_path, failing):
    domain = "locked-once.io"
    messages = prepare(emulator, domain)
    if "fault" in failing:
        emulator.admin.add_fault(**failing["fault"])
    else:
        emulator.admin.settings(**failing)
    config = target_config(emulator, tmp_path, max_retries=2)
    try:
        run = run_cli(config, messages, tmp_path)
    finally:
        emulator.admin.settings(lock_row_failures=0)
        emulator.admin.clear_faults()
    assert run.returncode == 1
    [line] = run.errors()
    assert f"{RECORDS} record(s) pending" in line
    assert "UNABLE_TO_LOCK_ROW" in line
    assert "a rerun resumes" in line
    assert "Traceback" not in run.stderr
    assert run.states == []
    assert read_jsonl(tmp_path / "rejects.jsonl") == []
    found = by_email(emulator, domain)
    assert set(found) == {f"user{n}@{domain}" for n in range(1, EXISTING + 1)}
    assert {c[0]["LastName"] for c in found.values()} == {"Old"}

    rerun = run_cli(config, messages, tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert org_check(emulator, domain) == (0, 0, 0)
    assert rerun.states == [{"bookmark": RECORDS}]


# -- SIGKILL mid-create, then an immediate rerun -----------------------------------------


def start(config_path: Path, messages: list[dict[str, Any]], cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(EXECUTABLE), "--config", str(config_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=cwd,
    )
    assert process.stdin is not None
    process.stdin.write(singer_text(messages))
    process.stdin.close()
    return process


def wait_for_call(emulator, endpoint: str, method_hint: str = "") -> None:
    deadline = time.monotonic() + 30
    while not emulator.admin.calls()["by_endpoint"].get(endpoint):
        assert time.monotonic() < deadline, f"the target never called {endpoint} {method_hint}"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("endpoint", "method", "after"),
    [
        ("bulk_ingest_upload", None, "bulk_ingest_jobs"),
        ("bulk_ingest_job", "PATCH", "bulk_ingest_upload"),
    ],
    ids=["killed-during-upload", "killed-during-close"],
)
def test_sigkill_mid_create_then_immediate_rerun_creates_no_duplicate(
    emulator, tmp_path, endpoint, method, after
):
    domain = f"kill-{endpoint.replace('_', '-')}.io"
    messages = prepare(emulator, domain)
    config = target_config(emulator, tmp_path)
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    emulator.admin.reset()
    delay = 2.0
    emulator.admin.add_fault(kind="latency", delay=delay, endpoint=endpoint, method=method)
    process = start(config_path, messages, tmp_path)
    wait_for_call(emulator, after)
    time.sleep(0.4)  # the call under the fault is now in flight, held by the server
    process.kill()
    process.wait(timeout=10)
    assert process.stdout is not None
    assert process.stdout.read() == ""  # no STATE passed on
    process.stdout.close()
    journal = tmp_path / "contacts-journal.json"
    assert journal.exists()
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    [entry] = json.loads(journal.read_text())["jobs"]
    assert entry["creates"] == RECORDS - EXISTING

    rerun = run_cli(config, messages, tmp_path)  # at once: the killed call still pending
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"Bulk job {entry['job_id']} left by run" in rerun.stderr
    assert rerun.states == [{"bookmark": RECORDS}]
    time.sleep(delay + 0.5)  # the killed run's call lands now (and must change nothing)
    assert org_check(emulator, domain) == (0, 0, 0)
    assert not journal.exists()


def test_a_clean_run_leaves_no_journal(emulator, tmp_path):
    domain = "journal-clean.io"
    messages = prepare(emulator, domain)
    run = run_cli(target_config(emulator, tmp_path), messages, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not (tmp_path / "contacts-journal.json").exists()
    assert org_check(emulator, domain) == (0, 0, 0)


def test_ledger_after_a_killed_run_has_one_line_per_record(emulator, tmp_path):
    domain = "kill-ledger.io"
    messages = prepare(emulator, domain)
    config = target_config(emulator, tmp_path, ledger_path=str(tmp_path / "ledger.jsonl"))
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    emulator.admin.reset()
    emulator.admin.add_fault(kind="latency", delay=2.0, endpoint="bulk_ingest_job", method="PATCH")
    process = start(config_path, messages, tmp_path)
    wait_for_call(emulator, "bulk_ingest_upload")
    time.sleep(0.4)
    process.kill()
    process.wait(timeout=10)
    assert process.stdout is not None
    process.stdout.close()
    assert read_jsonl(tmp_path / "ledger.jsonl") == []  # nothing final, nothing written

    rerun = run_cli(config, messages, tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    time.sleep(2.5)
    assert org_check(emulator, domain) == (0, 0, 0)
    lines = read_jsonl(tmp_path / "ledger.jsonl")
    emails = [line["email"] for line in lines]
    assert sorted(emails) == sorted(f"user{n}@{domain}" for n in range(1, RECORDS + 1))
    assert {line["outcome"] for line in lines} <= {"created", "updated", "unchanged"}
    summary = json.loads((tmp_path / "ledger.jsonl.summary.json").read_text())
    assert summary["settled_jobs_of_earlier_runs"] == 1
    assert summary["run_id"] == lines[0]["run_id"]
