"""The floor: a bare standard-library loop that pages one REST query and prints RECORD lines.

No typing, no schema, no state: ``urllib`` GETs the object's describe, then its
``SELECT <every field but base64> FROM <object>`` and each ``nextRecordsUrl``, and writes one
``{"type": "RECORD", ...}`` line per row with ``json.dumps``. What any tap must at least spend per
record on the same query, measured as a separate process by ``bench/run.py``.

    SF_ACCESS_TOKEN=... python bench/floor.py URL [OBJECT] [API_VERSION]
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from typing import Any


def get(url: str, token: str) -> Any:
    """GET ``url`` with the bearer token; the decoded JSON body."""
    if not url.startswith(("http://", "https://")):
        raise SystemExit(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
        return json.load(response)


def main() -> None:
    """Page the query to its end, one RECORD line per row on stdout."""
    base, object_name = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "Account"
    version = sys.argv[3] if len(sys.argv) > 3 else "64.0"
    token = os.environ["SF_ACCESS_TOKEN"]
    api = f"{base}/services/data/v{version}"
    describe = get(f"{api}/sobjects/{object_name}/describe", token)
    fields = [f["name"] for f in describe["fields"] if f["type"] != "base64"]
    query = urllib.parse.quote_plus(f"SELECT {', '.join(fields)} FROM {object_name}")
    stream = object_name.lower()
    write = sys.stdout.write
    page = get(f"{api}/query?q={query}", token)
    while True:
        for record in page["records"]:
            del record["attributes"]
            write(json.dumps({"type": "RECORD", "stream": stream, "record": record}) + "\n")
        if page["done"]:
            break
        page = get(base + page["nextRecordsUrl"], token)


if __name__ == "__main__":
    main()
