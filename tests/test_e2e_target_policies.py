"""target-salesforce-contacts beyond plain upserts, end to end: a PostgreSQL table through
tap-postgres into the target with field policies, Account linking by email domain (with
creation), a Lead skip and a source delete, then the same sync again making no write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from e2e_support import Postgres, plugin_executable, workspace_executable
from singer_pipes import run_pipeline, select_all, write_json

pytestmark = pytest.mark.slow

SCHEMA = "e2e_target_policies"
ROWS = [
    # (email, last_name, title, lead_source, deleted_at)
    ("keep@acme-e2e.io", "Keep", "Intern", "Web", None),  # Title kept, LeadSource not set
    ("fill@acme-e2e.io", "Fill", "Analyst", "Web", None),  # Title filled (it was empty)
    ("gone@acme-e2e.io", "Gone", None, None, "2026-06-01 00:00:00+00"),  # deleted
    ("new@startup-e2e.io", "New", "Founder", "Web", None),  # created, Account created
    ("lead@prospect-e2e.io", "Lead", "Buyer", "Web", None),  # an unconverted Lead: skipped
    ("free@gmail.com", "Free", "Dev", "Web", None),  # free mail: no Account
]


def load_table(postgres: Postgres) -> None:
    with psycopg.connect(postgres.uri, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(
            f"CREATE TABLE {SCHEMA}.people (id serial PRIMARY KEY, email text, last_name text, "
            "title text, lead_source text, _sdc_deleted_at timestamptz)"
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {SCHEMA}.people (email, last_name, title, lead_source, "
                "_sdc_deleted_at) VALUES (%s, %s, %s, %s, %s)",
                ROWS,
            )


def tap_command(postgres: Postgres, workdir: Path) -> list[str | Path]:
    [socket] = Path(postgres.socket_dir).glob(".s.PGSQL.*[0-9]")
    port = socket.name.rsplit(".", 1)[-1]
    config = write_json(
        workdir / "tap.json",
        {
            "sqlalchemy_url": (
                f"postgresql+psycopg2://postgres:unused@localhost:{port}/postgres"
                f"?host={postgres.socket_dir}"
            ),
            "filter_schemas": [SCHEMA],
        },
    )
    tap = plugin_executable("extractors", "tap-postgres")
    return [tap, "--config", config, "--catalog", select_all(tap, config, workdir)]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_calls(emulator: Any) -> dict[str, int]:
    calls = emulator.admin.calls()["by_endpoint"]
    return {k: v for k, v in calls.items() if k.startswith(("composite_sobjects", "bulk_ingest"))}


def contacts(emulator: Any) -> dict[str, dict[str, Any]]:
    wanted = {email for email, *_ in ROWS}
    return {
        row["Email"]: row
        for row in emulator.admin.records("Contact")
        if row.get("Email") in wanted and not row.get("IsDeleted")
    }


def test_policies_accounts_leads_and_deletes_from_postgres_then_a_rerun_writes_nothing(
    emulator, postgres, tmp_path, clean_env
):
    load_table(postgres)
    [acme] = emulator.admin.insert("Account", [{"Name": "Acme", "Website": "www.acme-e2e.io"}])
    seeded = emulator.admin.insert(
        "Contact",
        [
            {"LastName": "Keep", "Email": "keep@acme-e2e.io", "Title": "Boss"},
            {"LastName": "Fill", "Email": "fill@acme-e2e.io"},
            {"LastName": "Gone", "Email": "gone@acme-e2e.io"},
        ],
    )
    [lead] = emulator.admin.insert(
        "Lead", [{"LastName": "Lead", "Company": "Prospect", "Email": "lead@prospect-e2e.io"}]
    )
    ledger = tmp_path / "ledger.jsonl"
    config = write_json(
        tmp_path / "target.json",
        emulator.config(
            rejects_path=str(tmp_path / "rejects.jsonl"),
            ledger_path=str(ledger),
            field_policies={"Title": "fill_if_empty", "LeadSource": "on_create"},
            account_policy="match_or_create",
            lead_policy="skip",
            sync_deletes=True,
            max_delete_percent=50,
        ),
    )
    tap = tap_command(postgres, tmp_path)
    target = [workspace_executable("target-salesforce-contacts"), "--config", config]

    emulator.admin.reset()
    first = run_pipeline(tap, target, tmp_path, clean_env, "first")
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.record_counts()[f"{SCHEMA}-people"] == len(ROWS)
    found = contacts(emulator)
    assert set(found) == {"keep@acme-e2e.io", "fill@acme-e2e.io", "new@startup-e2e.io",
                          "free@gmail.com"}  # fmt: skip
    keep, fill, new, free = (found[e] for e in
                             ("keep@acme-e2e.io", "fill@acme-e2e.io", "new@startup-e2e.io",
                              "free@gmail.com"))  # fmt: skip
    # Field policies: Title only where empty, LeadSource only on create.
    assert (keep["Title"], keep["LeadSource"]) == ("Boss", None)
    assert (fill["Title"], fill["LeadSource"]) == ("Analyst", None)
    assert (new["Title"], new["LeadSource"]) == ("Founder", "Web")
    # Accounts by email domain: matched, created once, none for free mail.
    assert keep["AccountId"] == fill["AccountId"] == acme["Id"]
    [startup] = [
        a for a in emulator.admin.records("Account") if a.get("Website") == "startup-e2e.io"
    ]
    assert new["AccountId"] == startup["Id"]
    assert free["AccountId"] is None
    # The source delete and the Lead skip.
    gone = emulator.admin.records("Contact", ids=[seeded[2]["Id"]])[0]
    assert gone["IsDeleted"]
    [dead] = read_jsonl(tmp_path / "rejects.jsonl")
    assert (dead["code"], dead["lead_id"]) == ("LEAD_EXISTS", lead["Id"])
    outcomes = {line["email"]: line["outcome"] for line in read_jsonl(ledger)}
    assert outcomes == {
        "keep@acme-e2e.io": "updated",
        "fill@acme-e2e.io": "updated",
        "gone@acme-e2e.io": "deleted",
        "new@startup-e2e.io": "created",
        "lead@prospect-e2e.io": "skipped",
        "free@gmail.com": "created",
    }
    summary = json.loads((tmp_path / "ledger.jsonl.summary.json").read_text())
    assert summary["counts"]["deleted"] == 1
    assert summary["counts"]["accounts_created"] == 1

    # The same sync again: nothing to write, no Account created twice.
    emulator.admin.reset()
    second = run_pipeline(tap, target, tmp_path, clean_env, "second")
    assert second.returncode == 0, second.stderr[-3000:]
    assert write_calls(emulator) == {}
    rerun = [line for line in read_jsonl(ledger) if line["run_id"] == summary_run(tmp_path)]
    assert sorted(line["outcome"] for line in rerun) == sorted(
        ["unchanged", "unchanged", "skipped", "unchanged", "skipped", "unchanged"]
    )
    accounts = [
        a for a in emulator.admin.records("Account") if a.get("Website") == "startup-e2e.io"
    ]
    assert len(accounts) == 1
    assert second.last_state() == first.last_state()


def summary_run(workdir: Path) -> str:
    return str(json.loads((workdir / "ledger.jsonl.summary.json").read_text())["run_id"])
