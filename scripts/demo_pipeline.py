"""The demo: emulated demo org -> tap-salesforce-plus | target-postgres -> embedded PostgreSQL.

Run through ``bash scripts/demo.sh`` (which sets everything up first). Every part is real: the
emulator is an HTTP server in its own process, the tap and meltanolabs-target-postgres run as a
shell pipe, and PostgreSQL is a pgserver instance whose data stays in ``.pgdata/``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pgserver
import psycopg
from salesforce_emulator.clients import serve_in_subprocess
from tap_salesforce_plus.registry import STANDARD_TABLES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "salesforce_demo"


def main() -> None:
    """Run the pipeline and print what landed in PostgreSQL."""
    scale = int(os.environ.get("DEMO_SCALE", "5000"))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        tap_config = workdir / "tap.json"
        emulator, _url = serve_in_subprocess(
            workdir, scale=scale, extra_args=[f"--write-config={tap_config}"]
        )
        try:
            server = pgserver.get_server(ROOT / ".pgdata", cleanup_mode=None)
            uri = str(server.get_uri())
            socket_dir = uri.rsplit("host=", maxsplit=1)[-1]
            with psycopg.connect(uri, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            target_config = workdir / "target.json"
            target_config.write_text(
                json.dumps(
                    {
                        "sqlalchemy_url": f"postgresql+psycopg://postgres@/postgres?host={socket_dir}",
                        "default_target_schema": SCHEMA,
                    }
                )
            )
            config = json.loads(tap_config.read_text())
            config["tables"] = [*STANDARD_TABLES, "custom:*"]
            tap_config.write_text(json.dumps(config))
            tap = ROOT / ".venv/bin/tap-salesforce-plus"
            target = ROOT / ".meltano/loaders/target-postgres/venv/bin/target-postgres"
            pipeline = (
                f"{shlex.quote(str(tap))} --config {shlex.quote(str(tap_config))} | "
                f"{shlex.quote(str(target))} --config {shlex.quote(str(target_config))} "
                f"> {shlex.quote(str(workdir / 'state.json'))}"
            )
            print(f"demo: {tap.name} | {target.name}  (emulated org of ~{scale} rows)", flush=True)
            started = time.monotonic()
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", pipeline],
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            elapsed = time.monotonic() - started
            if result.returncode != 0:
                sys.stderr.write(result.stderr[-4000:])
                sys.exit(f"demo: the pipeline failed (exit {result.returncode})")
            print_tables(uri, elapsed)
        finally:
            emulator.terminate()
            emulator.wait(timeout=30)


def print_tables(uri: str, elapsed: float) -> None:
    """Row counts of every loaded table and a sample Contact."""
    with psycopg.connect(uri) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s ORDER BY 1",
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
        sample = conn.execute(
            f'SELECT "Name", "Email", "MailingAddress", "SystemModstamp" FROM {SCHEMA}.contact '
            'WHERE "Email" IS NOT NULL ORDER BY "Id" LIMIT 3'
        ).fetchall()
        print("\nThree contacts:")
        for row in sample:
            print(
                "  ",
                json.dumps(list(row), ensure_ascii=False, default=str),
            )


if __name__ == "__main__":
    main()
