"""The Bulk baseline: simple-salesforce ``bulk2`` downloading one query job's CSV pages.

Logs in with the demo user (SOAP login, routed to the emulator by a transport adapter as in the
emulator's tests: the client is not patched), runs ``bulk2.<Object>.query`` over every field the
Bulk API serves (no compound or base64 fields), iterates over its CSV pages (default page size)
and splits their rows. Prints ``rows=N`` on stderr. Measured as a separate process by
``bench/run.py``.

    python bench/bulk2_peer.py URL [OBJECT] [API_VERSION]
"""

from __future__ import annotations

import csv
import io
import sys

from salesforce_emulator.clients import routed_session
from salesforce_emulator.models.org import DEMO
from simple_salesforce import Salesforce

UNSUPPORTED = ("address", "location", "base64")


def main() -> None:
    """Run the query job, read every page, report the row count."""
    url, object_name = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "Account"
    version = sys.argv[3] if len(sys.argv) > 3 else "64.0"
    sf = Salesforce(
        username=DEMO.username,
        password=DEMO.password,
        security_token=DEMO.security_token,
        session=routed_session(url),
        version=version,
    )
    sobject = getattr(sf, object_name)
    fields = [f["name"] for f in sobject.describe()["fields"] if f["type"] not in UNSUPPORTED]
    query = f"SELECT {', '.join(fields)} FROM {object_name}"
    rows = 0
    for page in getattr(sf.bulk2, object_name).query(query, wait=0.25):
        rows += sum(1 for _ in csv.reader(io.StringIO(page, newline=""))) - 1
    print(f"rows={rows}", file=sys.stderr)


if __name__ == "__main__":
    main()
