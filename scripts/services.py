"""The local services the Meltano project and the demo use: the emulator and PostgreSQL.

    python scripts/services.py start     # emulator on 127.0.0.1:8765, PostgreSQL in .pgdata/
    python scripts/services.py status
    python scripts/services.py stop
    python scripts/services.py config tap-salesforce-plus > tap.json   # a config for them

``start`` serves the emulator's demo org (kept in ``.services/emulator.sqlite``, so writes
survive a restart; ``--fresh`` builds it anew) and starts an embedded PostgreSQL (pgserver)
whose data and unix socket are in ``.pgdata/``. It also creates the table ``demo.people``
(people to upsert as Contacts) when it is missing. These are the addresses the ``emulator``
environment of ``meltano.yml`` is configured with. ``stop`` stops both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".services"
PGDATA = ROOT / ".pgdata"
EMULATOR_PORT = 8765
EMULATOR_URL = f"http://127.0.0.1:{EMULATOR_PORT}"
PID_FILE = STATE_DIR / "emulator.pid"
PEOPLE_SCHEMA = "demo"

PEOPLE = [
    # (email, first name, last name, title, company)
    ("ada.lovelace@analytical.example.com", "Ada", "Lovelace", "Chief Mathematician", "Analytical"),
    ("grace.hopper@navy.example.com", "Grace", "Hopper", "Rear Admiral", "Navy"),
    ("alan.turing@bletchley.example.com", "Alan", "Turing", "Codebreaker", "Bletchley"),
    ("katherine.johnson@nasa.example.com", "Katherine", "Johnson", "Flight Engineer", "NASA"),
    ("GRACE.HOPPER@navy.example.com", "Grace", "Hopper", "Rear Admiral (retired)", "Navy"),
    ("not-an-email", "Nobody", "Invalid", "Ghost", "Nowhere"),
]
"""The people table of a fresh start: new people, a duplicate in another case, a bad email."""


def runtime_env() -> dict[str, str]:
    """The environment with a runtime directory pgserver can lock in."""
    env = dict(os.environ)
    runtime = env.setdefault("XDG_RUNTIME_DIR", str(ROOT / ".tools" / "run"))
    Path(runtime).mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def pg_uri() -> str:
    """Libpq URI of the embedded PostgreSQL (unix socket in ``.pgdata``)."""
    return f"postgresql://postgres@/postgres?host={PGDATA}"


def sqlalchemy_url() -> str:
    """SQLAlchemy URL of the embedded PostgreSQL (for target-postgres and tap-postgres)."""
    return f"postgresql+psycopg://postgres@/postgres?host={PGDATA}"


def tap_postgres_url() -> str:
    """The URL for tap-postgres, which insists on a host, port and password.

    The driver uses the socket directory of the query, and the embedded server trusts local
    connections, so the host and password in the URL are placeholders.
    """
    return f"postgresql+psycopg2://postgres:unused@localhost:5432/postgres?host={PGDATA}"


def emulator_running() -> int | None:
    """The emulator's pid when it is running, else None."""
    try:
        pid = int(PID_FILE.read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def start_emulator(scale: int, fresh: bool) -> None:
    """Serve the demo org on the fixed port, in the background."""
    if emulator_running():
        print(f"services: emulator already running at {EMULATOR_URL}")
        return
    STATE_DIR.mkdir(exist_ok=True)
    database = STATE_DIR / "emulator.sqlite"
    if fresh:
        database.unlink(missing_ok=True)
    ready = STATE_DIR / "emulator.url"
    ready.unlink(missing_ok=True)
    log = (STATE_DIR / "emulator.log").open("ab")
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "salesforce-emulator"),
            "serve",
            f"--port={EMULATOR_PORT}",
            f"--scale={scale}",
            f"--db={database}",
            f"--ready-file={ready}",
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    PID_FILE.write_text(str(process.pid))
    deadline = time.monotonic() + 300
    while not (ready.exists() and ready.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"services: the emulator did not start (see {STATE_DIR / 'emulator.log'})")
        time.sleep(0.1)
    print(f"services: emulator serving the demo org at {EMULATOR_URL}")


def start_postgres() -> None:
    """Start the embedded PostgreSQL and create ``demo.people`` when it is missing."""
    os.environ.update(runtime_env())
    import pgserver
    import psycopg

    server = pgserver.get_server(PGDATA, cleanup_mode=None)
    with psycopg.connect(pg_uri(), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PEOPLE_SCHEMA}")
        exists = conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = 'people'",
            (PEOPLE_SCHEMA,),
        ).fetchone()
        if not exists:
            conn.execute(
                f"CREATE TABLE {PEOPLE_SCHEMA}.people (id serial PRIMARY KEY, email text, "
                "first_name text, last_name text, title text, company text, "
                "updated_at timestamptz DEFAULT now())"
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {PEOPLE_SCHEMA}.people (email, first_name, last_name, title, "
                    "company) VALUES (%s, %s, %s, %s, %s)",
                    PEOPLE,
                )
    # Release this process's handle (the server keeps running): a later stop is then the
    # last handle and really stops it.
    server.cleanup()
    print(f"services: PostgreSQL running, socket in {PGDATA}")


def stop(*, emulator: bool = True, postgres: bool = True, quiet: bool = False) -> None:
    """Stop the emulator and PostgreSQL (what is not running is skipped).

    Args:
        emulator: Stop the emulator.
        postgres: Stop PostgreSQL.
        quiet: Print nothing.
    """
    say = (lambda _text: None) if quiet else print
    pid = emulator_running() if emulator else None
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if emulator_running() is None:
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        say("services: emulator stopped")
        PID_FILE.unlink(missing_ok=True)
    if postgres and (PGDATA / "postmaster.pid").exists():
        # In a fresh process: pgserver keeps one handle per data directory per process, and a
        # handle opened to keep the server running would ignore a stop.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import pgserver, sys; "
                "pgserver.get_server(sys.argv[1], cleanup_mode='stop').cleanup()",
                str(PGDATA),
            ],
            env=runtime_env(),
            check=True,
            capture_output=True,
        )
        say("services: PostgreSQL stopped")


def connection_info() -> dict[str, str]:
    """How to reach both services."""
    from salesforce_emulator.models.org import DEMO

    return {
        "emulator_url": EMULATOR_URL,
        "emulator_access_token": DEMO.access_token,
        "emulator_username": DEMO.username,
        "psql": f"psql '{pg_uri()}'",
        "sqlalchemy_url": sqlalchemy_url(),
    }


def plugin_config(plugin: str) -> dict[str, object]:
    """A config file for one plugin, aimed at the running services."""
    from salesforce_emulator.models.org import DEMO

    salesforce = {"domain": EMULATOR_URL, "access_token": DEMO.access_token}
    configs: dict[str, dict[str, object]] = {
        "tap-salesforce-plus": salesforce,
        "target-salesforce-contacts": {
            **salesforce,
            "rejects_path": str(ROOT / "output" / "contacts-rejects.jsonl"),
        },
        "target-postgres": {
            "sqlalchemy_url": sqlalchemy_url(),
            "default_target_schema": "salesforce",
        },
        "tap-postgres": {"sqlalchemy_url": tap_postgres_url(), "filter_schemas": [PEOPLE_SCHEMA]},
    }
    return configs[plugin]


def main(argv: list[str]) -> int:
    """Start, stop or report the services, or print a plugin config for them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "config"])
    parser.add_argument("plugin", nargs="?", help="with config: the plugin")
    parser.add_argument("--scale", type=int, default=5000, help="rows of a new demo org")
    parser.add_argument("--fresh", action="store_true", help="build the demo org anew")
    args = parser.parse_args(argv)
    if args.command == "start":
        start_emulator(args.scale, args.fresh)
        start_postgres()
        print(json.dumps(connection_info(), indent=2))
    elif args.command == "stop":
        stop()
    elif args.command == "config":
        print(json.dumps(plugin_config(args.plugin), indent=2))
    else:
        running = {
            "emulator": bool(emulator_running()),
            "postgres": (PGDATA / "postmaster.pid").exists(),
        }
        print(json.dumps({**running, **connection_info()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
