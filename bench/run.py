"""The one-command benchmark of issue 13: every client on the same emulated orgs, in one run.

Serves an org in a separate process (``salesforce-emulator serve``, so its CPU is never counted
against a client), grows its Account table (66 fields) to each size in ``--rows`` and measures,
per client and path, the client process's CPU seconds (user + sys), wall time, peak RSS and the
API calls the emulator counted:

* tap-salesforce-plus, REST and Bulk API 2.0, output dropped; and piped into the Meltano-installed
  target-postgres (at the first size only);
* the floor: a bare stdlib loop paging the same REST query (``bench/floor.py``);
* singer-io's tap-salesforce 2.8.1, REST and BULK (Bulk API 1.0);
* simple-salesforce ``bulk2`` downloading the query's CSV (``bench/bulk2_peer.py``);
* Airbyte's airbyte-source-salesforce: check, discover, read (installed on first use; not in
  ``--smoke``);

then, on a second small org, the tap's sync of its 17 default tables and target-salesforce-contacts
fed 10,000 records (half matching existing Contacts by email). Prints a table and every goal of
issue 13 as met / missed, writes ``bench/results/bench.json`` and ``bench/results/bench.png``.

    .venv/bin/python bench/run.py [--rows 10000,100000] [--million] [--repeat 2] [--smoke]

``--smoke`` (the test's mode): 10,000 rows, one repetition, no peer the set-up does not install,
results under ``--out`` (default ``bench/results``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import goals
import runners
from runners import Measured, Org
from salesforce_emulator.admin_client import AdminClient
from salesforce_emulator.clients import serve_in_subprocess

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from peer_venvs import PEERS, PeerError, ensure_peer  # noqa: E402
from target_api_calls import email, input_records, singer_input  # noqa: E402

SMALL_ORG_SCALE = 50
TARGET_RECORDS = 10_000
MILLION = 1_000_000
SLOW_PEERS_UP_TO = 100_000
SMOKE_ROWS = 2_000
SMOKE_TARGET_RECORDS = 1_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", default="10000,100000", help="Account rows per level, comma-separated"
    )
    parser.add_argument("--million", action="store_true", help="add a 1,000,000-row level")
    parser.add_argument("--repeat", type=int, default=2, help="runs per client (best kept)")
    parser.add_argument(
        "--target-records", type=int, default=TARGET_RECORDS, help="records fed to the target"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"{SMOKE_ROWS:,} rows, {SMOKE_TARGET_RECORDS:,} target records, one run, "
        "set-up peers only",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="results dir")
    parser.add_argument("--no-postgres", action="store_true", help="skip the target-postgres runs")
    parser.add_argument(
        "--peers-up-to",
        type=int,
        default=SLOW_PEERS_UP_TO,
        help="largest level at which singer-io's tap and Airbyte's source run (they take about "
        "2 ms of CPU a record: 35 minutes each at 1,000,000 rows)",
    )
    args = parser.parse_args(argv)
    args.levels = sorted({int(r) for r in args.rows.split(",") if r.strip()})
    if args.million:
        args.levels.append(MILLION)
    if args.smoke:
        args.levels, args.repeat = [SMOKE_ROWS], 1
        args.target_records = SMOKE_TARGET_RECORDS
    return args


@contextlib.contextmanager
def served(workdir: Path, scale: int) -> Iterator[tuple[str, AdminClient]]:
    """An emulator process serving a demo org; (URL, admin client)."""
    process, url = serve_in_subprocess(workdir, scale=scale)
    admin = AdminClient(url)
    try:
        yield url, admin
    finally:
        admin.http.close()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def grow(admin: AdminClient, total: int) -> None:
    """Generate Accounts until the org holds ``total``."""
    rows = next(o["rows"] for o in admin.objects() if o["name"] == runners.OBJECT)
    if total > rows:
        started = time.perf_counter()
        admin.generate(runners.OBJECT, total - rows, seed=total)
        print(
            f"  {runners.OBJECT} grown to {total:,} rows in {time.perf_counter() - started:.0f} s"
        )


def best(repeat: int, run: Callable[[], Measured]) -> Measured:
    """Run ``repeat`` times: the least CPU and wall time, the largest peak RSS."""
    runs = [run() for _ in range(max(1, repeat))]
    kept = min(runs, key=lambda m: m.cpu_s)
    kept.wall_s = min(m.wall_s for m in runs)
    kept.rss_mb = max(m.rss_mb for m in runs)
    kept.extra["runs"] = len(runs)
    return kept


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[dict[str, Any]]:
    """An embedded PostgreSQL (pgserver); a target-postgres config without its schema."""
    import pgserver

    server = pgserver.get_server(workdir / "pgdata", cleanup_mode="stop")
    socket_dir = str(server.get_uri()).rsplit("host=", maxsplit=1)[-1]
    try:
        yield {"sqlalchemy_url": f"postgresql+psycopg://postgres@/postgres?host={socket_dir}"}
    finally:
        server.cleanup()


def loaded_rows(config: dict[str, Any], schema: str) -> int:
    """Rows target-postgres loaded into ``schema``.account."""
    import psycopg

    uri = config["sqlalchemy_url"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(uri) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}"."account"').fetchone()
    return int(row[0]) if row else 0


class Bench:
    """One bench run: the measurements so far and what was not measured."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        """Keep the options and the work directory."""
        self.args = args
        self.workdir = workdir
        self.results: list[Measured] = []
        self.not_measured: list[dict[str, str]] = []

    def add(self, measured: Measured | list[Measured]) -> None:
        """Record and print measurements."""
        for m in measured if isinstance(measured, list) else [measured]:
            self.results.append(m)
            print(f"  {goals.row_text(m)}", flush=True)

    def skip(self, client: str, reason: str) -> None:
        """Record a client that was not measured, and why."""
        self.not_measured.append({"client": client, "reason": reason})
        print(f"  not measured: {client}: {reason}", flush=True)

    def peer(self, name: str) -> Path | None:
        """A peer's bin directory; None (and a skip) when smoke mode or its install rules it out."""
        if self.args.smoke and not PEERS[name].on_setup:
            self.skip(name, "not installed by the set-up; skipped in --smoke")
            return None
        try:
            return ensure_peer(name)
        except PeerError as exc:
            self.skip(name, f"install failed: {exc}")
            return None

    def level(self, org: Org, pg_config: dict[str, Any] | None, first: bool) -> None:
        """Measure every extraction client at this org size (once above 100,000 rows)."""
        repeat = 1 if org.rows > SLOW_PEERS_UP_TO else self.args.repeat
        self.add(best(repeat, lambda: runners.floor(org)))
        for api_type in ("rest", "bulk"):
            self.add(best(repeat, partial(runners.tap_plus, org, api_type)))
        self.add(best(repeat, lambda: runners.bulk2_peer(org)))
        if org.rows > self.args.peers_up_to:
            for name in ("tap-salesforce", "airbyte-source-salesforce"):
                self.skip(
                    f"{name} at {org.rows:,} rows",
                    f"slow peers run up to --peers-up-to {self.args.peers_up_to:,} rows; their "
                    "CPU per record is flat across sizes (see the smaller levels)",
                )
        else:
            self.slow_peers(org)
        if first and pg_config is not None:
            for api_type in ("rest", "bulk"):
                measured = runners.tap_plus_into_postgres(org, api_type, pg_config)
                measured.records = loaded_rows(pg_config, measured.extra["schema"])
                self.add(measured)

    def slow_peers(self, org: Org) -> None:
        """singer-io's tap-salesforce (REST and BULK) and Airbyte's source-salesforce."""
        repeat = 1 if org.rows > SLOW_PEERS_UP_TO else self.args.repeat
        singer_io = self.peer("tap-salesforce")
        if singer_io is not None:
            for api_type in ("REST", "BULK"):
                self.add(best(repeat, partial(runners.singer_io, org, singer_io, api_type)))
        airbyte = self.peer("airbyte-source-salesforce")
        if airbyte is not None:
            self.try_airbyte(org, airbyte)

    def try_airbyte(self, org: Org, bin_dir: Path) -> None:
        """Airbyte's check, discover and read; a failure is recorded as not measured."""
        try:
            self.add(runners.airbyte(org, bin_dir))
        except Exception as exc:  # a peer's failure is reported, not raised
            self.skip("airbyte-source-salesforce", f"{type(exc).__name__}: {str(exc)[-500:]}")

    def small_org(self, org: Org) -> None:
        """The 17 default tables, then the target on mixed records (half existing)."""
        self.add(runners.default_tables(org))
        records = self.args.target_records
        existing = [
            {"LastName": f"Old{n}", "FirstName": "Old", "Email": email(n)}
            for n in range(records // 2)
        ]
        for start in range(0, len(existing), 500):
            org.admin.insert("Contact", existing[start : start + 500])
        rows = input_records(records)
        path = org.workdir / "target-input.jsonl"
        path.write_text(singer_input(rows), encoding="utf-8")
        measured = runners.target(org, path, records)
        measured.extra["minimum_calls"] = goals.target_minimum_calls([r["email"] for r in rows])
        self.add(measured)


def run(args: argparse.Namespace) -> Bench:
    """Build the orgs and measure everything."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-run-"))
    bench = Bench(args, workdir)
    with contextlib.ExitStack() as stack:
        pg = None if args.no_postgres else stack.enter_context(postgres(workdir))
        big = workdir / "big"
        big.mkdir()
        url, admin = stack.enter_context(served(big, SMALL_ORG_SCALE))
        for n, rows in enumerate(args.levels):
            print(f"level {rows:,} rows", flush=True)
            grow(admin, rows)
            bench.level(Org(url, admin, big, rows), pg, n == 0)
    small = workdir / "small"
    small.mkdir()
    print("small org: default tables and the target", flush=True)
    with served(small, SMALL_ORG_SCALE) as (url, admin):
        bench.small_org(Org(url, admin, small, 0))
    return bench


def main(argv: list[str] | None = None) -> int:
    """Run the bench, print the table and the goals, write the JSON and the chart."""
    args = parse_args(argv)
    started = time.time()
    bench = run(args)
    verdicts = goals.evaluate(bench.results, args.levels)
    goals.print_table(bench.results, verdicts, bench.not_measured)
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "levels": args.levels,
        "repeat": args.repeat,
        "smoke": args.smoke,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "seconds": round(time.time() - started),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    goals.write_json(args.out / "bench.json", meta, bench.results, verdicts, bench.not_measured)
    import chart

    chart.draw(args.out / "bench.png", bench.results)
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
