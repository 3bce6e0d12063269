"""Memory and speed check (not a test): the tap's Bulk API extraction at 20k and 200k rows.

Serves a demo org in a separate process (``salesforce-emulator serve``), grows its Account table
to 20,000 rows, extracts it with the tap in ``auto`` mode (so through Bulk API 2.0) into
/dev/null under ``/usr/bin/time -v``, grows the same table to 200,000 rows and extracts it
again. The same two extractions are made by a peer, simple-salesforce ``bulk2.Account.query``
collecting its CSV pages (routed to the emulator by a transport adapter, as in the emulator's
tests), also under ``/usr/bin/time -v``. Prints peak RSS, rows/s and the tap/peer ratios.

    .venv/bin/python bench/tap_bulk_memory.py [--small 20000] [--large 200000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from salesforce_emulator.admin_client import AdminClient
from salesforce_emulator.clients import routed_session, serve_in_subprocess
from salesforce_emulator.models.org import DEMO

VERSION = "64.0"
TIME = "/usr/bin/time"
TAP_RATE = re.compile(r"Stream account: (\d+) rows in ([\d.]+) s")


def grow_accounts(admin: AdminClient, total: int) -> None:
    """Generate Accounts until the org holds ``total`` of them."""
    rows = next(o["rows"] for o in admin.objects() if o["name"] == "Account")
    if total > rows:
        started = time.perf_counter()
        admin.generate("Account", total - rows, seed=total)
        print(f"  Account grown to {total:,} rows in {time.perf_counter() - started:.1f} s")


def timed(command: list[str], *, keep_stdout: bool = False) -> tuple[str, str, float, int]:
    """Run under ``/usr/bin/time -v``: (stdout, stderr, wall seconds, peak RSS in kB).

    Without ``keep_stdout`` the output goes to /dev/null.
    """
    started = time.perf_counter()
    result = subprocess.run(
        [TIME, "-v", *command],
        stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    assert peak, result.stderr[-2000:]
    return result.stdout or "", result.stderr, seconds, int(peak.group(1))


def run_tap(url: str, workdir: Path) -> dict[str, float]:
    """Run the tap on Account (Bulk in auto mode); its rate, wall time and peak RSS."""
    config = {"domain": url, "access_token": DEMO.access_token, "tables": ["account"]}
    path = workdir / "tap.json"
    path.write_text(json.dumps(config))
    tap = str(Path(sys.executable).with_name("tap-salesforce-plus"))
    _, stderr, seconds, peak = timed([tap, "--config", str(path)])
    match = TAP_RATE.search(stderr)
    assert match, stderr[-3000:]
    assert "Bulk API" in stderr, "auto mode should have chosen the Bulk API"
    rows, stream_seconds = int(match.group(1)), float(match.group(2))
    return {"rows": rows, "rate": rows / stream_seconds, "wall": seconds, "peak_mb": peak / 1024}


def run_peer(url: str) -> dict[str, float]:
    """Run the simple-salesforce bulk2 peer in a child process; its measures."""
    stdout, _, seconds, peak = timed([sys.executable, __file__, "--peer", url], keep_stdout=True)
    done = json.loads(stdout.strip().splitlines()[-1])
    return {
        "rows": done["rows"],
        "rate": done["rows"] / done["seconds"],
        "wall": seconds,
        "peak_mb": peak / 1024,
    }


def peer(url: str) -> None:
    """simple-salesforce: ``bulk2.Account.query``, every CSV page collected, rows counted."""
    from simple_salesforce import Salesforce

    session = routed_session(url)
    sf = Salesforce(
        username=DEMO.username,
        password=DEMO.password,
        security_token=DEMO.security_token,
        session=session,
        version=VERSION,
    )
    fields = [
        f["name"]
        for f in sf.Account.describe()["fields"]
        if f["type"] not in ("address", "location", "base64")
    ]
    started = time.perf_counter()
    pages = list(sf.bulk2.Account.query(f"SELECT {', '.join(fields)} FROM Account", wait=0.25))
    rows = sum(sum(1 for _ in csv.reader(io.StringIO(page, newline=""))) - 1 for page in pages)
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started}))


def main() -> None:
    """Measure the tap and the peer at two sizes and print the memory and speed ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000, help="rows of the first extraction")
    parser.add_argument("--large", type=int, default=200_000, help="rows of the second")
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        peer(args.peer)
        return
    results: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        process, url = serve_in_subprocess(Path(workdir))
        admin = AdminClient(url)
        try:
            for total in (args.small, args.large):
                grow_accounts(admin, total)
                tap = run_tap(url, Path(workdir))
                peer_run = run_peer(url)
                assert tap["rows"] == peer_run["rows"], (tap, peer_run)  # live rows only
                results[total] = {"tap": tap, "peer": peer_run}
                print(
                    f"{total:>9,} rows  tap: peak RSS {tap['peak_mb']:6.1f} MB, "
                    f"{tap['rate']:8,.0f} rows/s ({tap['wall']:.1f} s wall)  "
                    f"| peer: peak RSS {peer_run['peak_mb']:6.1f} MB, "
                    f"{peer_run['rate']:8,.0f} rows/s ({peer_run['wall']:.1f} s wall)"
                )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    small, large = results[args.small], results[args.large]
    print(
        f"tap peak RSS {large['tap']['peak_mb']:.1f} MB at {args.large:,} rows vs "
        f"{small['tap']['peak_mb']:.1f} MB at {args.small:,} "
        f"(x{large['tap']['peak_mb'] / small['tap']['peak_mb']:.2f}); peer "
        f"x{large['peer']['peak_mb'] / small['peer']['peak_mb']:.2f}"
    )
    for total, run in results.items():
        tap, other = run["tap"], run["peer"]
        print(
            f"at {total:,} rows: tap/peer peak RSS {tap['peak_mb'] / other['peak_mb']:.2f}, "
            f"rows/s {tap['rate'] / other['rate']:.2f}, wall time {tap['wall'] / other['wall']:.2f}"
        )
    print(
        "rows/s: the tap's from its stream log line (job, polls, download, typing every value, "
        "writing Singer messages); the peer's from its query call to its last CSV row split"
    )


if __name__ == "__main__":
    main()
