"""Pipelined batches: the next batch is looked up while the previous one writes, exactly once.

The emulator delays the close of the first Bulk ingest job (its rows are written only when the
close is handled), so the second batch is read and looked up while the first batch's creates
are certainly still in flight. A lookup of an email the first batch creates would miss it then
and create a second Contact; the target looks such emails up only once the first batch's
writes are final.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from target_salesforce_contacts.pipeline import Pipeline
from target_salesforce_contacts.state import StateKeeper
from target_salesforce_contacts.writers import Outcome
from test_target_exactly_once import BULK_FAULTS, RECORDS, org_check, prepare
from tsc_support import (
    by_email,
    person,
    read_jsonl,
    record,
    run_cli,
    run_target,
    schema,
    state,
    target_config,
)

DELAY = 1.5
"""Seconds the first ingest job's close waits before it is handled (a race, not a timing)."""


def _delay_first_close(emulator: Any) -> None:
    emulator.admin.reset()
    emulator.admin.add_fault(
        kind="latency", delay=DELAY, endpoint="bulk_ingest_job", method="PATCH", times=1
    )


def test_an_email_created_by_the_batch_in_flight_is_updated_not_created_again(emulator, tmp_path):
    domain = "pipeline-dupe.io"
    messages = [
        schema(),
        record(person(1, domain)),
        record(person(2, domain)),
        state({"batch": 1}),
        record(person(1, domain, first_name="Second")),
        record(person(3, domain)),
        state({"batch": 2}),
    ]
    _delay_first_close(emulator)
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_parallel_requests=4)
    run = run_target(config, messages)
    assert run.error is None
    found = by_email(emulator, domain)
    assert sorted(found) == [f"user{n}@{domain}" for n in (1, 2, 3)]
    assert {email: len(rows) for email, rows in found.items()} == dict.fromkeys(found, 1)
    assert found[f"user1@{domain}"][0]["FirstName"] == "Second"
    assert (run.stats.created, run.stats.updated) == (3, 1)
    assert run.states[-1] == {"batch": 2}


def test_the_real_command_pipelines_batches_without_duplicates(emulator, tmp_path):
    domain = "pipeline-cli.io"
    existing = [{"LastName": "Old", "Email": f"user{n}@{domain}"} for n in range(1, 4)]
    emulator.admin.insert("Contact", existing)
    people = [person(n, domain, title=f"T{n % 4}") for n in range(1, 13)]
    again = [person(n, domain, title="Again") for n in (2, 5, 6, 11)]
    messages = [schema(), *(record(p) for p in people + again), state({"done": True})]
    _delay_first_close(emulator)
    config = target_config(emulator, tmp_path, batch_size_rows=5)
    result = run_cli(config, messages, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    found = by_email(emulator, domain)
    assert len(found) == 12
    assert all(len(rows) == 1 for rows in found.values())
    assert {found[f"user{n}@{domain}"][0]["Title"] for n in (2, 5, 6, 11)} == {"Again"}
    assert result.states == [{"done": True}]


def test_a_handed_off_batch_holds_back_the_state_until_it_is_written():
    written: list[dict[str, Any]] = []
    keeper = StateKeeper(written.append)
    sink, token = object(), object()
    keeper.record_received(sink)
    keeper.state_received({"n": 1})
    keeper.hand_off(sink, token)
    keeper.record_received(sink)
    keeper.batch_written(sink)
    keeper.state_received({"n": 2})
    assert written == []
    keeper.batch_written(token)
    assert written == [{"n": 2}]


def test_outcomes_reach_complete_in_order_after_the_writes_and_errors_reach_wait():
    pipeline = Pipeline()
    completed: list[tuple[list[str | None], BaseException | None]] = []
    go = threading.Event()

    def report(outcome: Outcome) -> None:
        raise AssertionError("outcomes are handed to `complete`, not reported directly")

    def write(buffered: Any) -> None:
        go.wait(timeout=10)
        for contact_id in ("003A", "003B"):
            buffered(report)(Outcome(op=None, success=True, contact_id=contact_id))  # type: ignore[arg-type]
        raise RuntimeError("lost")

    def complete(flight: Any, outcomes: Any, error: BaseException | None) -> None:
        completed.append(([o.contact_id for _, o in outcomes], error))

    pipeline.start(
        stream="s", size=2, keys=frozenset({"a@x.io"}), token="t", write=write, complete=complete
    )
    assert pipeline.pending_keys == {"a@x.io"}
    assert completed == []
    go.set()
    flight = pipeline.wait()
    pipeline.close()
    assert flight is not None
    assert isinstance(flight.error, RuntimeError)
    assert [(ids, type(error)) for ids, error in completed] == [(["003A", "003B"], RuntimeError)]
    assert pipeline.pending_keys == frozenset()
    assert pipeline.wait() is None


def test_pipelined_states_are_passed_on_in_order_and_the_last_one_always(emulator, tmp_path):
    domain = "pipeline-states.io"
    messages = [schema()]
    for n in range(1, 9):
        messages += [record(person(n, domain)), state({"s": n})]
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_parallel_requests=4)
    run = run_target(config, messages)
    assert run.error is None
    seen = [s["s"] for s in run.states]
    assert seen == sorted(set(seen))
    assert seen[-1] == 8
    assert run.stats.created == 8
    assert len(by_email(emulator, domain)) == 8


class _CountingSession:
    """A stand-in for the HTTP session (the network peer): counts requests in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.calls = 0

    def _enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.calls += 1
            self.most = max(self.most, self.in_flight)
        threading.Event().wait(0.01)  # overlap the calls; nothing is asserted about time
        with self.lock:
            self.in_flight -= 1

    def get_json(self, *_: Any) -> dict[str, Any]:
        self._enter()
        return {"state": "JobComplete", "records": [], "done": True}

    def request(self, *_: Any, **__: Any) -> Any:
        self._enter()
        return _Answer()


class _Answer:
    status_code = 200
    text = ""

    def json(self) -> list[dict[str, Any]]:
        return []


def test_lookups_collection_calls_and_ingest_calls_share_max_parallel_requests():
    from target_salesforce_contacts.api import ContactsApi

    session = _CountingSession()
    api = ContactsApi(session, parallel=2)  # type: ignore[arg-type]
    calls = [
        lambda: api.describe("Contact"),
        lambda: list(api.query("SELECT Id FROM Contact")),
        lambda: api.update([("003A", {"Title": "x"})]),
        lambda: api.ingest.info("750A"),
        lambda: api.ingest.set_state("750A", "UploadComplete"),
    ] * 4
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert session.calls == len(calls)
    assert 1 <= session.most <= 2


OVERLAP_BATCH = 6
"""Batches of 6 records, each sharing its first 2 emails with the batch before it."""


def _overlapping(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exactly-once input reordered into windows of 6 records, 4 apart (1-6, 5-10, ...)."""
    head, records, tail = messages[0], messages[1:-1], messages[-1]
    windows: list[dict[str, Any]] = []
    for start in range(0, RECORDS - 2, OVERLAP_BATCH - 2):
        windows += records[start : start + OVERLAP_BATCH]
    return [head, *windows, tail]


@pytest.mark.parametrize(("fault", "settings"), BULK_FAULTS)
def test_pipelined_batches_under_a_fault_write_each_record_once(
    emulator, tmp_path, fault, settings
):
    domain = "pipeline-once.io"
    messages = _overlapping(prepare(emulator, domain))
    assert len(messages) - 2 == (RECORDS // (OVERLAP_BATCH - 2)) * OVERLAP_BATCH
    emulator.admin.add_fault(**fault)
    config = target_config(
        emulator, tmp_path, backoff_base_seconds=0.6, batch_size_rows=OVERLAP_BATCH, **settings
    )
    run = run_cli(config, messages, tmp_path)
    time.sleep(float(fault.get("delay", 0)) + 0.2)  # let a delayed call land, if it would
    assert run.returncode == 0, run.stderr[-3000:]
    assert org_check(emulator, domain) == (0, 0, 0)
    assert run.states == [{"bookmark": RECORDS}]
    assert read_jsonl(tmp_path / "rejects.jsonl") == []
    assert not (tmp_path / "contacts-journal.json").exists()
