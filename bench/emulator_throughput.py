"""Speed check (not a test): how fast the emulator serves a 50,000-Contact org.

Serves a demo org in a separate process (``salesforce-emulator serve``), appends 50,000 generated
Contacts, then measures REST query paging (2,000-row pages, following ``nextRecordsUrl`` with one
``requests.Session``) and Bulk API 2.0 CSV results (``maxRecords=50000``), in rows per second.
The peer measured in the same run is the consumer the emulator serves in tests and the demo:
tap-salesforce-plus extracting the same Contacts over REST to /dev/null. The printed ratio says
how many times faster the emulator serves than the tap consumes (it must never be the bottleneck).

    .venv/bin/python bench/emulator_throughput.py [--contacts 50000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from salesforce_emulator.admin_client import AdminClient
from salesforce_emulator.clients import serve_in_subprocess
from salesforce_emulator.models.org import DEMO

VERSION = "64.0"
FIELDS = (
    "Id, FirstName, LastName, Email, Phone, Title, AccountId, MailingCity, CreatedDate, "
    "SystemModstamp"
)


def rest_rows_per_second(url: str) -> tuple[int, float]:
    """Rows per second of one REST query paged to the end with bare requests."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {DEMO.access_token}"
    started = time.perf_counter()
    response = session.get(
        f"{url}/services/data/v{VERSION}/query", params={"q": f"SELECT {FIELDS} FROM Contact"}
    )
    rows = 0
    while True:
        response.raise_for_status()
        body = response.json()
        rows += len(body["records"])
        if body["done"]:
            break
        response = session.get(url + body["nextRecordsUrl"])
    return rows, time.perf_counter() - started


def bulk_rows_per_second(url: str) -> tuple[int, float]:
    """Rows per second of one Bulk API 2.0 query job read with bare requests."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {DEMO.access_token}"
    base = f"{url}/services/data/v{VERSION}/jobs/query"
    started = time.perf_counter()
    job = session.post(
        base, json={"operation": "query", "query": f"SELECT {FIELDS} FROM Contact"}
    ).json()
    while session.get(f"{base}/{job['id']}").json()["state"] != "JobComplete":
        time.sleep(0.01)
    rows, locator = 0, ""
    while locator != "null":
        params = {"maxRecords": 50000, **({"locator": locator} if locator else {})}
        response = session.get(f"{base}/{job['id']}/results", params=params)
        response.raise_for_status()
        rows += (
            sum(1 for _ in csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
            - 1
        )
        locator = response.headers["Sforce-Locator"]
    return rows, time.perf_counter() - started


def tap_rows_per_second(url: str, workdir: Path) -> tuple[int, float]:
    """Rows per second of tap-salesforce-plus reading the same Contacts over REST."""
    config = {
        "domain": url,
        "access_token": DEMO.access_token,
        "tables": ["contact"],
        "api_type": "rest",
    }
    config_path = workdir / "tap.json"
    config_path.write_text(json.dumps(config))
    tap = str(Path(sys.executable).with_name("tap-salesforce-plus"))
    started = time.perf_counter()
    result = subprocess.run(
        [tap, "--config", str(config_path)], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - started
    return result.stdout.count('"type":"RECORD"') + result.stdout.count('"type": "RECORD"'), seconds


def main() -> None:
    """Build the org, measure the emulator and the tap in one run, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--contacts", type=int, default=50_000, help="Contacts to add (default 50000)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        process, url = serve_in_subprocess(Path(workdir))
        try:
            started = time.perf_counter()
            AdminClient(url).generate("Contact", args.contacts)
            print(f"generated {args.contacts} Contacts in {time.perf_counter() - started:.1f}s")
            rates = {}
            for name, measure in (
                ("emulator REST query", rest_rows_per_second),
                ("emulator Bulk 2.0 CSV", bulk_rows_per_second),
                ("peer: tap-salesforce-plus", lambda u: tap_rows_per_second(u, Path(workdir))),
            ):
                rows, seconds = measure(url)
                rates[name] = rows / seconds
                print(
                    f"{name:26} {rows:7d} rows in {seconds:5.2f}s = {rows / seconds:9,.0f} rows/s"
                )
            tap_rate = rates["peer: tap-salesforce-plus"]
            print(
                f"ratio: the emulator serves REST {rates['emulator REST query'] / tap_rate:.1f}x "
                f"and Bulk {rates['emulator Bulk 2.0 CSV'] / tap_rate:.1f}x as fast as the tap "
                "consumes (tap time includes its start-up and discovery)"
            )
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
