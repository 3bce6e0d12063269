"""target-salesforce-contacts end to end through real processes and pipes, checked against the
Contacts the emulator stores: warehouse (PostgreSQL via tap-postgres) -> Salesforce, Salesforce
Leads (tap-salesforce-plus) -> Contacts, and a Singer file full of bad records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from e2e_support import Postgres, plugin_executable, workspace_executable
from singer_pipes import run_pipeline, select_all, write_json

pytestmark = pytest.mark.slow


def live_contacts(emulator: Any) -> list[dict[str, Any]]:
    return [r for r in emulator.admin.records("Contact") if not r.get("IsDeleted")]


def contacts_by_email(emulator: Any, domain: str) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in live_contacts(emulator):
        email = (row.get("Email") or "").lower()
        if email.endswith("@" + domain):
            grouped.setdefault(email, []).append(row)
    return grouped


def write_calls(emulator: Any) -> dict[str, int]:
    calls = emulator.admin.calls()["by_endpoint"]
    return {k: v for k, v in calls.items() if k.startswith(("composite_sobjects", "bulk_ingest"))}


def target_command(config_path: Path) -> list[str | Path]:
    return [workspace_executable("target-salesforce-contacts"), "--config", config_path]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# -- (a) warehouse -> Salesforce (the Polytomic example) -------------------------------------

WAREHOUSE_ROWS = [
    # (email as the warehouse holds it, first_name, last_name, mailing_city, title)
    ("Ann.Lee@Warehouse.IO", "Ann", "Lee", "Boston", "CFO"),  # exists as ann.lee@...
    ("  BOB.KING@warehouse.io ", "Bob", "King", "Austin", "CTO"),  # exists, whitespace
    ("O'Neil@Warehouse.io", "Pat", "O'Neil", "Cork", "VP"),  # exists, apostrophe
    ("new.one@WAREHOUSE.io", "New", "One", "Lyon", None),
    ("d'arcy@warehouse.io", "Dee", "D'Arcy", "Paris", "Buyer"),  # new, apostrophe
    ("carol@warehouse.io", "Carol", "Unchanged", "Rome", "CEO"),  # exists, already equal
]


def load_warehouse(postgres: Postgres, schema: str) -> None:
    with psycopg.connect(postgres.uri, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.people (id serial PRIMARY KEY, email text, first_name text, "
            "last_name text, mailing_city text, title text)"
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {schema}.people (email, first_name, last_name, mailing_city, title) "
                "VALUES (%s, %s, %s, %s, %s)",
                WAREHOUSE_ROWS,
            )


def test_warehouse_table_through_tap_postgres_into_contacts(
    emulator, postgres, tmp_path, clean_env
):
    schema = "e2e_reverse_etl"
    load_warehouse(postgres, schema)
    existing = emulator.admin.insert(
        "Contact",
        [
            {"LastName": "Lee", "FirstName": "A.", "Email": "ann.lee@warehouse.io"},
            {"LastName": "King", "FirstName": "Bob", "Email": "bob.king@warehouse.io"},
            {"LastName": "O'Neil", "Email": "o'neil@warehouse.io"},
            {
                "LastName": "Unchanged",
                "FirstName": "Carol",
                "Email": "Carol@warehouse.io",
                "MailingCity": "Rome",
                "Title": "CEO",
            },
        ],
    )
    # tap-postgres insists on a host and password in the URL; the query's host (the socket
    # directory) is what the driver uses, and the embedded server trusts local connections.
    [socket] = Path(postgres.socket_dir).glob(".s.PGSQL.*[0-9]")
    port = socket.name.rsplit(".", 1)[-1]
    tap_config = {
        "sqlalchemy_url": (
            f"postgresql+psycopg2://postgres:unused@localhost:{port}/postgres"
            f"?host={postgres.socket_dir}"
        ),
        "filter_schemas": [schema],
    }
    tap_postgres = plugin_executable("extractors", "tap-postgres")
    tap_config_path = write_json(tmp_path / "tap.json", tap_config)
    tap = [
        tap_postgres,
        "--config",
        tap_config_path,
        "--catalog",
        select_all(tap_postgres, tap_config_path, tmp_path),
    ]
    config = write_json(
        tmp_path / "target.json",
        emulator.config(
            static_fields={"LeadSource": "Warehouse"},
            rejects_path=str(tmp_path / "rejects.jsonl"),
        ),
    )
    emulator.admin.reset()
    first = run_pipeline(tap, target_command(config), tmp_path, clean_env, "first")
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.record_counts()[f"{schema}-people"] == len(WAREHOUSE_ROWS)
    assert "created=2 updated=4 unchanged=0 rejected=0" in first.stderr

    contacts = contacts_by_email(emulator, "warehouse.io")
    assert set(contacts) == {email.strip().lower() for email, *_ in WAREHOUSE_ROWS}
    assert all(len(rows) == 1 for rows in contacts.values()), "duplicate Contacts"
    for email, first_name, last_name, city, title in WAREHOUSE_ROWS:
        [contact] = contacts[email.strip().lower()]
        assert (contact["FirstName"], contact["LastName"], contact["MailingCity"]) == (
            first_name,
            last_name,
            city,
        )
        assert contact["Title"] == title
        assert contact["LeadSource"] == "Warehouse"
    existing_ids = {row["Id"] for row in existing}
    assert {c[0]["Id"] for c in contacts.values()} >= existing_ids
    assert read_jsonl(tmp_path / "rejects.jsonl") == []

    # The same sync again: every Contact already holds its values, so nothing is written.
    emulator.admin.reset()
    second = run_pipeline(tap, target_command(config), tmp_path, clean_env, "second")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "created=0 updated=0 unchanged=6" in second.stderr
    assert write_calls(emulator) == {}
    assert second.last_state() == first.last_state()


# -- (b) Salesforce Leads -> Contacts ---------------------------------------------------------


def test_salesforce_leads_through_tap_salesforce_plus_into_contacts(emulator, tmp_path, clean_env):
    leads = [r for r in emulator.admin.records("Lead") if not r.get("IsDeleted")]
    first_lead = leads[0]
    # One Lead is already a Contact (email in another case); one Lead has no email.
    [existing] = emulator.admin.insert(
        "Contact", [{"LastName": "Before", "Email": first_lead["Email"].upper()}]
    )
    emulator.admin.update("Lead", [{"Id": leads[1]["Id"], "Email": None}])
    tap = [
        workspace_executable("tap-salesforce-plus"),
        "--config",
        write_json(tmp_path / "tap.json", emulator.config(tables=["lead"])),
    ]
    config = write_json(
        tmp_path / "target.json",
        emulator.config(
            streams=["lead"],
            field_mapping={"City": "MailingCity", "Country": "MailingCountry"},
            static_fields={"LeadSource": "Lead Import"},
            rejects_path=str(tmp_path / "rejects.jsonl"),
        ),
    )
    before = len(live_contacts(emulator))
    result = run_pipeline(tap, target_command(config), tmp_path, clean_env, "leads")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.last_state()  # the tap's bookmark was passed on

    contacts = live_contacts(emulator)
    assert len(contacts) == before + len(leads) - 2  # one updated, one rejected
    by_email: dict[str, list[dict[str, Any]]] = {}
    for contact in contacts:
        by_email.setdefault((contact.get("Email") or "").lower(), []).append(contact)
    for lead in leads[2:]:
        [contact] = by_email[lead["Email"].lower()]
        assert (contact["FirstName"], contact["LastName"]) == (lead["FirstName"], lead["LastName"])
        assert contact["MailingCity"] == lead["City"]
        assert contact["LeadSource"] == "Lead Import"
    [updated] = by_email[first_lead["Email"].lower()]
    assert (updated["Id"], updated["LastName"]) == (existing["Id"], first_lead["LastName"])
    [reject] = read_jsonl(tmp_path / "rejects.jsonl")
    assert (reject["stream"], reject["code"], reject["record"]["Id"]) == (
        "lead",
        "MISSING_EMAIL",
        leads[1]["Id"],
    )


# -- (c) a Singer file with every bad case ----------------------------------------------------


def test_singer_file_with_every_bad_case(emulator, tmp_path, clean_env):
    emulator.admin.insert(
        "Contact",
        [
            {"LastName": "Twin", "Email": "twin@bad.io", "CreatedDate": "2020-01-01T00:00:00.000Z"},
            {"LastName": "Twin", "Email": "twin@bad.io", "CreatedDate": "2021-01-01T00:00:00.000Z"},
        ],
    )
    emulator.admin.settings(duplicate_rules=["Contact"])
    properties = {
        "email": {"type": ["string", "null"]},
        "last_name": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]},
    }
    records = [
        {"last_name": "No Email"},
        {"email": "not-an-email", "last_name": "Invalid"},
        {"email": "nolast@bad.io", "title": "No last name"},
        {"email": "dup@bad.io", "last_name": "First copy"},
        {"email": "DUP@bad.io", "last_name": "Second copy"},
        {"email": "long@bad.io", "last_name": "Long", "title": "x" * 129},
        {"email": "twin@bad.io", "last_name": "Twin", "title": "hits the duplicate rule"},
        {"email": "good@bad.io", "last_name": "Good"},
    ]
    messages = [
        {
            "type": "SCHEMA",
            "stream": "crm",
            "schema": {"properties": properties},
            "key_properties": [],
        },
        *({"type": "RECORD", "stream": "crm", "record": r} for r in records),
        {"type": "STATE", "value": {"done": True}},
    ]
    singer_file = tmp_path / "bad.singer"
    singer_file.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    config = write_json(
        tmp_path / "target.json", emulator.config(rejects_path=str(tmp_path / "rejects.jsonl"))
    )
    result = run_pipeline(["cat", singer_file], target_command(config), tmp_path, clean_env, "bad")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.last_state() == {"done": True}

    rejects = read_jsonl(tmp_path / "rejects.jsonl")
    got = sorted((r["code"], r["record"].get("last_name")) for r in rejects)
    assert got == sorted(
        [
            ("MISSING_EMAIL", "No Email"),
            ("INVALID_EMAIL_ADDRESS", "Invalid"),
            ("REQUIRED_FIELD_MISSING", None),
            ("SUPERSEDED", "First copy"),
            ("STRING_TOO_LONG", "Long"),
            ("DUPLICATES_DETECTED", "Twin"),
        ]
    )
    for reject in rejects:
        assert reject["stream"] == "crm"
        assert reject["record"] in records
        assert reject["reason"]
    contacts = contacts_by_email(emulator, "bad.io")
    assert set(contacts) == {"dup@bad.io", "good@bad.io", "twin@bad.io"}
    assert [c["LastName"] for c in contacts["dup@bad.io"]] == ["Second copy"]
    assert len(contacts["twin@bad.io"]) == 2
    assert "created=2 updated=0 unchanged=0 rejected=6" in result.stderr
