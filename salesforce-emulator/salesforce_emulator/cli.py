"""``salesforce-emulator``: serve an emulated org on loopback, or build one into a SQLite file."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

from salesforce_common.api_limits import QUERY_PAGE_ROWS

from salesforce_emulator.admin import field_from_spec
from salesforce_emulator.faults import FAULT_KINDS
from salesforce_emulator.models.org import DEFAULT_DAILY_API_LIMIT, DEMO, Org
from salesforce_emulator.server import EmulatorServer


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="salesforce-emulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve an org over HTTP on loopback")
    serve.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8765, help="port (0 = any free port)")
    _org_arguments(serve)
    serve.add_argument(
        "--page-size",
        type=int,
        default=QUERY_PAGE_ROWS,
        help=f"REST query page size (default {QUERY_PAGE_ROWS})",
    )
    serve.add_argument(
        "--daily-api-limit", type=int, default=DEFAULT_DAILY_API_LIMIT, help="daily API allowance"
    )
    serve.add_argument(
        "--token-ttl-seconds", type=float, help="access tokens expire after this many seconds"
    )
    serve.add_argument(
        "--token-ttl-calls", type=int, help="access tokens expire after this many calls"
    )
    serve.add_argument(
        "--query-timeout-rows", type=int, help="QUERY_TIMEOUT for queries matching more rows"
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help="a fault rule (repeatable), e.g. "
        '\'{"endpoint": "query", "status": 503, "times": 2}\' or '
        '\'{"endpoint": "query_more", "kind": "truncate", "cut": "mid_value"}\'; kinds: '
        + ", ".join(FAULT_KINDS),
    )
    serve.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="OBJECT=JSON",
        help='add a custom field (repeatable), e.g. \'Contact={"name": "Email_Key__c", '
        '"type": "email", "externalId": true, "unique": true}\'',
    )
    serve.add_argument(
        "--write-config", type=Path, help="write a tap/target config for this org to FILE"
    )
    serve.add_argument("--ready-file", type=Path, help="write the server URL to FILE once serving")

    build = commands.add_parser("build", help="generate the demo org into a SQLite file and exit")
    _org_arguments(build)
    return parser


def _org_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--org", choices=["demo", "empty"], default="demo", help="demo data or an empty org"
    )
    parser.add_argument(
        "--scale", type=int, default=1000, help="approximate total rows of the demo org"
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (same seed, same org)")
    parser.add_argument(
        "--db", default=":memory:", help="SQLite file (reused if it already holds an org)"
    )


def make_org(args: argparse.Namespace) -> tuple[Org, dict[str, int]]:
    """Create the org the arguments describe."""
    org = Org(
        args.db,
        daily_api_limit=getattr(args, "daily_api_limit", DEFAULT_DAILY_API_LIMIT),
        page_size=getattr(args, "page_size", QUERY_PAGE_ROWS),
    )
    counts = org.seed_demo(args.scale, args.seed) if args.org == "demo" else {}
    if args.org == "empty":
        org.install_demo_credentials()
    return org, counts


def demo_config(url: str) -> dict[str, Any]:
    """A plugin config for the demo org (username/password flow with the connected app)."""
    return {
        "domain": url,
        "username": DEMO.username,
        "password": DEMO.password,
        "security_token": DEMO.security_token,
        "client_id": DEMO.client_id,
        "client_secret": DEMO.client_secret,
    }


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT/SIGTERM."""
    started = time.monotonic()
    org, counts = make_org(args)
    org.auth.token_ttl_seconds = args.token_ttl_seconds
    org.auth.token_ttl_calls = args.token_ttl_calls
    org.queries.query_timeout_rows = args.query_timeout_rows
    for spec in args.fault:
        org.faults.add(json.loads(spec))
    for entry in args.field:
        object_name, _, spec = entry.partition("=")
        obj = org.object(object_name)
        with org.transaction():
            org.add_field(obj, field_from_spec(obj, json.loads(spec)))
    server = EmulatorServer(org, args.host, args.port)
    if args.write_config:
        args.write_config.write_text(json.dumps(demo_config(server.url), indent=2) + "\n")
    total = sum(counts.values())
    print(
        f"salesforce-emulator serving {args.org} org ({total} rows generated in "
        f"{time.monotonic() - started:.1f}s) at {server.url}",
        flush=True,
    )
    if args.ready_file:
        args.ready_file.write_text(server.url)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def build(args: argparse.Namespace) -> int:
    """Generate the org into ``--db`` and print the row counts."""
    started = time.monotonic()
    _org, counts = make_org(args)
    print(
        json.dumps(
            {
                "rows": sum(counts.values()),
                "seconds": round(time.monotonic() - started, 1),
                "objects": counts,
            }
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return {"serve": serve, "build": build}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
