"""The demo, both directions, with real processes and a real PostgreSQL.

1. Salesforce -> PostgreSQL: the emulator's demo org is read by ``tap-salesforce-plus`` and
   loaded by meltanolabs ``target-postgres`` (a shell pipe) into schema ``salesforce_demo``;
   the row count of every table and one join (opportunities with their accounts) are shown.
2. PostgreSQL -> Salesforce: a table of people (changed titles of existing Contacts, new
   people, an invalid email, a duplicate in another case) is read by ``tap-postgres`` and
   upserted by ``target-salesforce-contacts``; its summary and what landed are shown.

Run through ``bash scripts/demo.sh`` (which sets everything up first). The emulator and the
PostgreSQL server are started by ``scripts/services.py`` and stopped at the end, unless
``--keep`` (then it prints how to connect) or they were already running.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUTPUT = ROOT / "output" / "demo"
SCHEMA = "salesforce_demo"
SUMMARY = re.compile(r"Summary: .*")


def pipe(tap: list[str], target: list[str], state: Path) -> float:
    """Run ``tap | target > state``; the seconds it took (exits on failure)."""
    command = (
        " ".join(shlex.quote(a) for a in tap)
        + " | "
        + " ".join(shlex.quote(a) for a in target)
        + f" > {shlex.quote(str(state))}"
    )
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        sys.exit(f"demo: the pipeline failed (exit {result.returncode})")
    (state.with_suffix(".log")).write_text(result.stderr)
    return time.monotonic() - started


def write_config(name: str, config: dict[str, Any]) -> Path:
    """A plugin config file under ``output/demo``."""
    path = OUTPUT / f"{name}.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def salesforce_to_postgres(conn: psycopg.Connection[Any]) -> None:
    """Direction 1, then the row counts and a join."""
    conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    tap = write_config(
        "tap", {**services.plugin_config("tap-salesforce-plus"), "tables": ["*", "custom:*"]}
    )
    target = write_config(
        "target-postgres",
        {**services.plugin_config("target-postgres"), "default_target_schema": SCHEMA},
    )
    print("\n== 1. Salesforce -> PostgreSQL: tap-salesforce-plus | target-postgres", flush=True)
    elapsed = pipe(
        [str(BIN / "tap-salesforce-plus"), "--config", str(tap)],
        [str(BIN / "target-postgres"), "--config", str(target)],
        OUTPUT / "state.json",
    )
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
            (SCHEMA,),
        )
    ]
    print(f"\nLoaded into PostgreSQL schema {SCHEMA!r} in {elapsed:.1f}s:\n")
    print(f"{'table':<32}{'rows':>8}")
    total = 0
    for table in tables:
        row = conn.execute(f'SELECT COUNT(*) FROM {SCHEMA}."{table}"').fetchone()
        count = int(row[0]) if row else 0
        total += count
        print(f"{table:<32}{count:>8}")
    print(f"{'total':<32}{total:>8}")
    print("\nThe five largest open opportunities with their accounts:")
    rows = conn.execute(
        f'SELECT o."Name", a."Name", o."StageName", o."Amount" FROM {SCHEMA}.opportunity o '
        f'JOIN {SCHEMA}.account a ON a."Id" = o."AccountId" '
        'WHERE NOT o."IsClosed" ORDER BY o."Amount" DESC NULLS LAST LIMIT 5'
    ).fetchall()
    print(f"  {'opportunity':<40}{'account':<32}{'stage':<20}{'amount':>14}")
    for name, account, stage, amount in rows:
        print(f"  {name[:39]:<40}{account[:31]:<32}{stage:<20}{amount or 0:>14,.2f}")


def people_rows(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str, str]]:
    """People to upsert: three existing Contacts with new titles, and the tricky cases."""
    existing = conn.execute(
        f'SELECT "Email", "FirstName", "LastName" FROM {SCHEMA}.contact '
        'WHERE "Email" IS NOT NULL AND NOT "IsDeleted" ORDER BY "Id" LIMIT 3'
    ).fetchall()
    rows = [(email, first or "", last, "VP Data (promoted)") for email, first, last in existing]
    rows += [
        ("ada.lovelace@analytical.example.com", "Ada", "Lovelace", "Chief Mathematician"),
        ("grace.hopper@navy.example.com", "Grace", "Hopper", "Rear Admiral"),
        ("GRACE.HOPPER@NAVY.EXAMPLE.COM", "Grace", "Hopper", "Rear Admiral (retired)"),
        ("not-an-email", "Nobody", "Invalid", "Ghost"),
    ]
    return rows


def postgres_to_salesforce(conn: psycopg.Connection[Any]) -> None:
    """Direction 2, then the target's summary and what landed in Salesforce."""
    rows = people_rows(conn)
    conn.execute(f"DROP SCHEMA IF EXISTS {services.PEOPLE_SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {services.PEOPLE_SCHEMA}")
    conn.execute(
        f"CREATE TABLE {services.PEOPLE_SCHEMA}.people (id serial PRIMARY KEY, email text, "
        "first_name text, last_name text, title text)"
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {services.PEOPLE_SCHEMA}.people (email, first_name, last_name, title) "
            "VALUES (%s, %s, %s, %s)",
            rows,
        )
    print("\n== 2. PostgreSQL -> Salesforce: tap-postgres | target-salesforce-contacts")
    print(f"\n{services.PEOPLE_SCHEMA}.people:")
    for email, first, last, title in rows:
        print(f"  {email:<42}{first + ' ' + last:<22}{title}")
    tap_config = write_config("tap-postgres", services.plugin_config("tap-postgres"))
    catalog = OUTPUT / "catalog.json"
    discovered = subprocess.run(
        [str(BIN / "tap-postgres"), "--config", str(tap_config), "--discover"],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog_data = json.loads(discovered.stdout)
    for stream in catalog_data["streams"]:
        for entry in stream["metadata"]:
            if not entry["breadcrumb"]:
                entry["metadata"]["selected"] = stream["tap_stream_id"].endswith("people")
    catalog.write_text(json.dumps(catalog_data))
    rejects = OUTPUT / "contacts-rejects.jsonl"
    rejects.unlink(missing_ok=True)
    target_config = write_config(
        "target-salesforce-contacts",
        {**services.plugin_config("target-salesforce-contacts"), "rejects_path": str(rejects)},
    )
    pipe(
        [str(BIN / "tap-postgres"), "--config", str(tap_config), "--catalog", str(catalog)],
        [str(BIN / "target-salesforce-contacts"), "--config", str(target_config)],
        OUTPUT / "contacts-state.json",
    )
    log = (OUTPUT / "contacts-state.log").read_text()
    emails = sorted({email.lower() for email, *_ in rows if "@" in email})
    show_contacts(emails)
    summary = SUMMARY.findall(log)
    print("\nReverse ETL summary (target-salesforce-contacts):")
    print(f"  {summary[-1] if summary else 'no summary line found'}")
    print(f"  rejected records and their reasons: {rejects}")


def show_contacts(emails: list[str]) -> None:
    """The Contacts now in the org for ``emails`` (one SOQL query over REST)."""
    from salesforce_common.soql import quote_string

    soql = (
        "SELECT Email, FirstName, LastName, Title FROM Contact WHERE Email IN ("
        + ", ".join(quote_string(e) for e in emails)
        + ") ORDER BY Email"
    )
    config = services.plugin_config("tap-salesforce-plus")
    answer = requests.get(
        f"{config['domain']}/services/data/v64.0/query",
        params={"q": soql},
        headers={"Authorization": f"Bearer {config['access_token']}"},
        timeout=30,
    ).json()
    print("\nContacts in Salesforce now:")
    for record in answer.get("records", []):
        name = f"{record['FirstName'] or ''} {record['LastName']}"
        print(f"  {record['Email']:<42}{name:<22}{record['Title']}")


def main(argv: list[str]) -> None:
    """Start the services, run both directions, stop what was started."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the servers running")
    args = parser.parse_args(argv)
    scale = int(os.environ.get("DEMO_SCALE", "5000"))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    emulator_was_running = services.emulator_running() is not None
    postgres_was_running = (services.PGDATA / "postmaster.pid").exists()
    print(f"demo: the emulator's demo org (~{scale} rows) and PostgreSQL in {services.PGDATA}")
    services.start_emulator(scale, fresh=not emulator_was_running)
    services.start_postgres()
    try:
        with psycopg.connect(services.pg_uri(), autocommit=True) as conn:
            salesforce_to_postgres(conn)
            postgres_to_salesforce(conn)
    finally:
        if args.keep:
            print("\nServers left running (stop them with: python scripts/services.py stop):")
            print(json.dumps(services.connection_info(), indent=2))
        else:
            services.stop(
                emulator=not emulator_was_running, postgres=not postgres_was_running, quiet=True
            )


if __name__ == "__main__":
    main(sys.argv[1:])
