"""API calls per 1,000 records: target-salesforce-contacts against a naive per-record peer.

One command (``.venv/bin/python bench/target_api_calls.py [--records 1000]``): starts an
emulated org, prepares records of which half match existing Contacts (with changed values) and
half are new, then measures, each on a fresh org, with the emulator's own call counter:

* the target (the real command, fed on stdin) on its two write paths for batches with creates:
  one journaled Bulk API 2.0 ingest job per batch (the default) and resend-safe upserts in
  sObject collections on an external-ID field, and the default path with Account linking by
  email domain (``account_policy: match_or_create``; the emails span 50 company domains, half
  of them with an Account already); each then fed the same input again (0 writes expected);
* a naive peer, measured in the same run: simple-salesforce-style single-record REST calls,
  one lookup by email and one create or update per record.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from salesforce_common.soql import quote_string
from salesforce_emulator.pytest_plugin import RunningEmulator, start_emulator

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / ".venv" / "bin" / "target-salesforce-contacts"
DOMAIN = "bench.example.com"
COMPANIES = 50
"""Emails are spread over this many company domains (``c00.bench.example.com``...)."""
API_VERSION = "64.0"
WRITE_ENDPOINTS = ("composite_sobjects", "bulk_ingest", "sobject", "record")
"""Endpoints of write calls (the "writes" column: calls, not records)."""


@dataclass
class Measure:
    """One measured run."""

    name: str
    calls: int
    writes: int
    seconds: float
    contacts: int
    duplicates: int

    def per_thousand(self, records: int) -> float:
        """API calls per 1,000 records."""
        return self.calls * 1000 / records


def fresh_org(records: int) -> RunningEmulator:
    """A small demo org plus the Contacts that half of the records match."""
    emulator = start_emulator(50)
    emulator.admin.add_field(
        "Contact",
        {"name": "Email_Key__c", "type": "email", "externalId": True, "unique": True,
         "caseSensitive": False},
    )  # fmt: skip
    existing = [
        {"LastName": f"Old{n}", "FirstName": "Old", "Email": email(n)} for n in range(records // 2)
    ]
    for start in range(0, len(existing), 500):
        emulator.admin.insert("Contact", existing[start : start + 500])
    emulator.admin.insert(
        "Account",
        [
            {"Name": f"Company {c}", "Website": f"https://www.c{c:02d}.{DOMAIN}/"}
            for c in range(0, COMPANIES, 2)
        ],
    )
    emulator.admin.reset()
    return emulator


def email(n: int) -> str:
    """The email of person ``n``, at one of the company domains."""
    return f"person{n:06d}@c{n % COMPANIES:02d}.{DOMAIN}"


def input_records(records: int) -> list[dict[str, Any]]:
    """Half match existing Contacts (new values, email in another case), half are new."""
    rows = []
    for n in range(records):
        address = email(n)
        rows.append(
            {
                "id": n,
                "email": address.upper() if n % 2 else address,
                "first_name": f"First{n}",
                "last_name": f"Last{n}",
                "title": "Engineer",
                "mailing_city": "Lisbon",
            }
        )
    return rows


def singer_input(rows: list[dict[str, Any]]) -> str:
    """The records as Singer SCHEMA and RECORD lines."""
    schema = {
        "type": "SCHEMA",
        "stream": "people",
        "key_properties": ["id"],
        "schema": {"properties": {key: {} for key in rows[0]}},
    }
    lines = [schema, *({"type": "RECORD", "stream": "people", "record": r} for r in rows)]
    lines.append({"type": "STATE", "value": {"people": len(rows)}})
    return "".join(json.dumps(line) + "\n" for line in lines)


def org_check(emulator: RunningEmulator) -> tuple[int, int]:
    """(Contacts at the bench domain, emails held by more than one of them)."""
    seen: dict[str, int] = {}
    for row in emulator.admin.records("Contact"):
        email = (row.get("Email") or "").lower()
        if email.endswith(DOMAIN) and not row.get("IsDeleted"):
            seen[email] = seen.get(email, 0) + 1
    return sum(seen.values()), sum(1 for n in seen.values() if n > 1)


def counted(emulator: RunningEmulator) -> tuple[int, int]:
    """(API calls, write calls) since the last reset."""
    calls = emulator.admin.calls()
    writes = sum(
        n for endpoint, n in calls["by_endpoint"].items() if endpoint.startswith(WRITE_ENDPOINTS)
    )
    return int(calls["total"]), writes


def run_target(
    emulator: RunningEmulator, text: str, workdir: Path, name: str, **settings: Any
) -> Measure:
    """Run the target CLI on ``text`` and count the API calls it made."""
    config = workdir / f"{name}.json"
    config.write_text(
        json.dumps(emulator.config(rejects_path=str(workdir / f"{name}.rejects.jsonl"), **settings))
    )
    emulator.admin.reset()
    started = time.perf_counter()
    result = subprocess.run(
        [str(TARGET), "--config", str(config)],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"target failed ({name}):\n{result.stderr[-3000:]}")
    calls, writes = counted(emulator)
    contacts, duplicates = org_check(emulator)
    return Measure(name, calls, writes, seconds, contacts, duplicates)


def naive_peer(emulator: RunningEmulator, rows: list[dict[str, Any]]) -> Measure:
    """One lookup and one single-record create or update per record."""
    base = f"{emulator.url}/services/data/v{API_VERSION}"
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {emulator.access_token}"
    emulator.admin.reset()
    started = time.perf_counter()
    for row in rows:
        email = row["email"].strip()
        values = {
            "FirstName": row["first_name"],
            "LastName": row["last_name"],
            "Title": row["title"],
            "MailingCity": row["mailing_city"],
        }
        query = f"SELECT Id FROM Contact WHERE Email = {quote_string(email)}"
        found = http.get(f"{base}/query", params={"q": query}, timeout=60)
        found.raise_for_status()
        matches = found.json()["records"]
        if matches:
            url = f"{base}/sobjects/Contact/{matches[0]['Id']}"
            response = http.patch(url, json=values, timeout=60)
        else:
            response = http.post(
                f"{base}/sobjects/Contact", json={**values, "Email": email}, timeout=60
            )
        response.raise_for_status()
    seconds = time.perf_counter() - started
    http.close()
    calls, writes = counted(emulator)
    contacts, duplicates = org_check(emulator)
    return Measure(
        "naive peer (query + create/update per record)",
        calls,
        writes,
        seconds,
        contacts,
        duplicates,
    )


def stop(emulator: RunningEmulator) -> None:
    """Stop an emulator started by :func:`fresh_org`."""
    emulator.admin.http.close()
    emulator.server.stop()


def main() -> int:
    """Measure the target's API calls against the naive peer and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="records per run (default 1000)")
    args = parser.parse_args()
    records = args.records
    rows = input_records(records)
    text = singer_input(rows)
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="bench-target-") as tmp:
        workdir = Path(tmp)
        for path, settings in (
            ("default: a journaled Bulk job per batch", {}),
            ("external-ID upsert collections", {"external_id_field": "Email_Key__c"}),
            ("default + Account linking by domain", {"account_policy": "match_or_create"}),
        ):
            emulator = fresh_org(records)
            try:
                measures.append(run_target(emulator, text, workdir, f"target, {path}", **settings))
                measures.append(
                    run_target(emulator, text, workdir, f"target, {path}, rerun", **settings)
                )
            finally:
                stop(emulator)
        emulator = fresh_org(records)
        try:
            measures.append(naive_peer(emulator, rows))
        finally:
            stop(emulator)

    print(
        f"{records} records: {records // 2} match existing Contacts (new values), "
        f"{records - records // 2} are new. API calls counted by the emulator."
    )
    print()
    header = (
        f"{'run':<58} {'API calls':>9} {'per 1,000':>10} {'writes':>7} "
        f"{'Contacts':>9} {'dupes':>6} {'time':>7}"
    )
    print(header)
    print("-" * len(header))
    for m in measures:
        print(
            f"{m.name:<58} {m.calls:>9} {m.per_thousand(records):>10.1f} {m.writes:>7} "
            f"{m.contacts:>9} {m.duplicates:>6} {m.seconds:>6.1f}s"
        )
    peer = measures[-1]
    print()
    for m in measures[:-1]:
        if not m.name.endswith("rerun"):
            print(f"naive peer / {m.name}: {peer.calls / m.calls:.0f}x more API calls")
    plain = {m.name: m for m in measures}
    for suffix in ("", ", rerun"):
        base = plain[f"target, default: a journaled Bulk job per batch{suffix}"]
        linked = plain[f"target, default + Account linking by domain{suffix}"]
        extra = (linked.calls - base.calls) * 1000 / records
        print(f"Account linking{suffix or ''}: {extra:+.1f} API calls per 1,000 records")
    failures = [m.name for m in measures if m.duplicates or m.contacts != records]
    failures += [m.name for m in measures if m.name.endswith("rerun") and m.writes]
    if failures:
        print(f"CHECK FAILED: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
