"""Throughput: lookups and collection calls side by side, lookups packed to the URI limit."""

from __future__ import annotations

import threading

import pytest
import requests
from salesforce_common import SalesforceSession
from salesforce_common.api_limits import MAX_URI_BYTES
from salesforce_common.bodies import ACCEPT_GZIP
from target_salesforce_contacts.api import TOKEN_ALLOWANCE, ContactsApi
from target_salesforce_contacts.matching import lookup_statements, run_statements
from target_salesforce_contacts.settings import TargetSettings
from tsc_support import (
    by_email,
    person,
    read_jsonl,
    record,
    run_target,
    schema,
    state,
    target_config,
)

BARRIER_TIMEOUT = 30.0
"""Only a guard against a hang: statements sent one after another never all meet."""


def test_lookups_are_in_flight_together_and_read_in_statement_order():
    # Each statement waits until all three are in flight: sent one after another, the
    # first would wait alone and the barrier would break.
    barrier = threading.Barrier(3, timeout=BARRIER_TIMEOUT)

    def query(statement):
        barrier.wait()
        return [{"statement": statement}]

    results = list(run_statements(query, ["a", "b", "c"], parallel=3))
    assert results == [[{"statement": "a"}], [{"statement": "b"}], [{"statement": "c"}]]


def test_one_lookup_at_a_time_with_parallel_1():
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def query(statement):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        with lock:
            in_flight[0] -= 1
        return [statement]

    assert list(run_statements(query, ["a", "b", "c"], parallel=1)) == [["a"], ["b"], ["c"]]
    assert most[0] == 1


def test_a_failed_lookup_is_raised():
    def query(statement):
        if statement == "b":
            raise RuntimeError("boom")
        return [statement]

    with pytest.raises(RuntimeError, match="boom"):
        list(run_statements(query, ["a", "b", "c"], parallel=3))


def test_max_parallel_requests_is_a_bounded_setting():
    assert TargetSettings.from_config({}).max_parallel_requests == 4
    assert TargetSettings.from_config({"max_parallel_requests": 8}).max_parallel_requests == 8


def test_lookup_requests_fit_the_uri_and_header_limit_as_sent(emulator):
    """The packing counts the real request line and headers, so the fullest lookup fits."""
    with SalesforceSession(emulator.config()) as session:
        api = ContactsApi(session)
        api.describe_contact()
        prefix = api.query_url_prefix_bytes
        emails = [f"someone.{n:06d}@subdomain{n % 7}.example.com" for n in range(3000)]
        statements = lookup_statements(emails, ["FirstName", "LastName"], url_prefix_bytes=prefix)
        for statement in statements:
            prepared = session.http.prepare_request(
                requests.Request(
                    "GET",
                    f"{session.base_url}/query",
                    params={"q": statement},
                    headers=ACCEPT_GZIP,
                    auth=session.flow,
                )
            )
            host = f"Host: {emulator.url.split('://', 1)[1]}\r\n"
            sent = (
                len(f"GET {prepared.url} HTTP/1.1\r\n")
                + len(host)
                + sum(len(f"{k}: {v}\r\n") for k, v in prepared.headers.items())
                + 2
            )
            # Room is kept for a longer token, and not much more than that.
            assert sent + TOKEN_ALLOWANCE <= MAX_URI_BYTES
        fullest = max(
            len(requests.Request("GET", "http://x/", params={"q": s}).prepare().url or "")
            for s in statements
        )
        assert fullest > MAX_URI_BYTES - TOKEN_ALLOWANCE - 1024


def test_collections_in_parallel_write_each_update_once_with_one_ledger_line(emulator, tmp_path):
    domain = "par-upd.io"
    count = 1000
    emulator.admin.insert(
        "Contact", [{"LastName": "Old", "Email": f"user{n}@{domain}"} for n in range(count)]
    )
    emulator.admin.reset()
    # The first call answers late (it finishes after later ones) and the second fails
    # transiently: both are settled in chunk order, the failed one sent again.
    emulator.admin.add_fault(kind="latency", delay=0.5, endpoint="composite_sobjects")
    emulator.admin.add_fault(endpoint="composite_sobjects", status=503, skip=1)
    config = target_config(
        emulator,
        tmp_path,
        bulk_threshold=5000,
        max_parallel_requests=4,
        ledger_path=str(tmp_path / "ledger.jsonl"),
    )
    messages = [schema(), *(record(person(n, domain)) for n in range(count)), state({"n": count})]
    run = run_target(config, messages)
    assert run.error is None
    assert run.stats.updated == count
    assert run.states == [{"n": count}]
    assert [rule["fired"] for rule in emulator.admin.faults()] == [1, 1]
    # The emulator counts handled calls: five chunks, the refused one handled when resent.
    assert emulator.admin.calls()["by_endpoint"]["composite_sobjects"] == count // 200
    assert {c[0]["LastName"] for c in by_email(emulator, domain).values()} == {
        f"Last{n}" for n in range(count)
    }
    lines = read_jsonl(tmp_path / "ledger.jsonl")
    # Exactly one line per record (the resent chunk's lines come when it is settled).
    assert sorted(line["email"] for line in lines) == sorted(
        f"user{n}@{domain}" for n in range(count)
    )
    assert {line["outcome"] for line in lines} == {"updated"}


def test_parallel_lookups_find_what_serial_ones_find(emulator, tmp_path):
    domain = "par-look.io"
    emulator.admin.insert(
        "Contact", [{"LastName": "Old", "Email": f"user{n}@{domain}"} for n in range(0, 3000, 2)]
    )
    messages = [schema(), *(record(person(n, domain)) for n in range(3000))]
    found = {}
    for parallel in (1, 4):
        config = target_config(emulator, tmp_path, max_parallel_requests=parallel, dry_run=True)
        emulator.admin.reset()
        run = run_target(config, messages)
        assert run.error is None
        found[parallel] = (
            run.stats.updated,
            run.stats.created,
            emulator.admin.calls()["by_endpoint"]["query"],
        )
    assert found[1] == found[4] == (1500, 1500, found[1][2])


@pytest.mark.parametrize(
    ("cap", "parallel"),
    [({}, 8), ({"max_api_calls": 1000}, 1), ({"max_api_usage_percent": 90}, 1)],
)
def test_a_quota_cap_sends_one_request_at_a_time(emulator, tmp_path, cap, parallel):
    config = target_config(emulator, tmp_path, max_parallel_requests=8, **cap)
    run = run_target(config, [schema(), record(person(1, "cap-par.io"))])
    assert run.error is None
    assert run.target.sync.api.parallel == parallel
