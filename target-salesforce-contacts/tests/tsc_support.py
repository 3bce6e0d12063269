"""Helpers for the target's tests: a shared emulator, Singer message builders, runs."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesforce_common import SalesforceError
from salesforce_emulator.pytest_plugin import RunningEmulator, start_emulator
from target_salesforce_contacts.errors import TargetError
from target_salesforce_contacts.target import TargetSalesforceContacts

SHARED_SCALE = 50
EXECUTABLE = Path(sys.executable).parent / "target-salesforce-contacts"

_shared: list[RunningEmulator] = []
_scratch: list[Path] = []


def shared_emulator() -> RunningEmulator:
    """One small org for the SDK's standard tests (they only ever reject records).

    It must already serve while pytest collects tests: the standard test class is built
    then. ``conftest.pytest_unconfigure`` stops it.
    """
    if not _shared:
        _shared.append(start_emulator(SHARED_SCALE))
    return _shared[0]


def scratch_dir() -> Path:
    """A directory for files of tests configured at collection time (removed at the end)."""
    if not _scratch:
        _scratch.append(Path(tempfile.mkdtemp(prefix="tsc-")))
    return _scratch[0]


def stop_shared() -> None:
    """Stop the shared emulator and remove the scratch directory."""
    while _shared:
        running = _shared.pop()
        running.admin.http.close()
        running.server.stop()
    while _scratch:
        shutil.rmtree(_scratch.pop(), ignore_errors=True)


# -- Singer messages --------------------------------------------------------------------

PEOPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": ["string", "null"]},
        "first_name": {"type": ["string", "null"]},
        "last_name": {"type": ["string", "null"]},
        "mailing_city": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]},
    },
}


def schema(stream: str = "people", properties: dict[str, Any] | None = None) -> dict[str, Any]:
    """A SCHEMA message (default: the people schema)."""
    body = PEOPLE_SCHEMA if properties is None else {"type": "object", "properties": properties}
    return {"type": "SCHEMA", "stream": stream, "schema": body, "key_properties": []}


def record(values: dict[str, Any], stream: str = "people") -> dict[str, Any]:
    """A RECORD message."""
    return {"type": "RECORD", "stream": stream, "record": values}


def state(value: dict[str, Any]) -> dict[str, Any]:
    """A STATE message."""
    return {"type": "STATE", "value": value}


def person(n: int, domain: str, **values: Any) -> dict[str, Any]:
    """A people record ``user<n>@<domain>``."""
    return {
        "id": n,
        "email": f"user{n}@{domain}",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        **values,
    }


def singer_text(messages: list[dict[str, Any]]) -> str:
    """Messages as Singer JSONL."""
    return "".join(json.dumps(m) + "\n" for m in messages)


# -- org helpers ------------------------------------------------------------------------


def live_contacts(emulator: RunningEmulator, domain: str | None = None) -> list[dict[str, Any]]:
    """Contacts not deleted, optionally only those with an email at ``domain``."""
    rows = [r for r in emulator.admin.records("Contact") if not r.get("IsDeleted")]
    if domain is None:
        return rows
    return [r for r in rows if (r.get("Email") or "").lower().endswith("@" + domain)]


def by_email(emulator: RunningEmulator, domain: str) -> dict[str, list[dict[str, Any]]]:
    """Live Contacts at ``domain`` grouped by lower-cased email."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in live_contacts(emulator, domain):
        grouped.setdefault(row["Email"].lower(), []).append(row)
    return grouped


def writes(emulator: RunningEmulator) -> dict[str, int]:
    """API calls that write (collections and Bulk ingest) since the last reset."""
    calls = emulator.admin.calls()["by_endpoint"]
    return {k: v for k, v in calls.items() if k.startswith(("composite_sobjects", "bulk_ingest"))}


def target_config(emulator: RunningEmulator, workdir: Path, **settings: Any) -> dict[str, Any]:
    """A target config for the emulator's demo user, files under ``workdir``, fast retries."""
    defaults = {
        "rejects_path": str(workdir / "rejects.jsonl"),
        "plan_path": str(workdir / "plan.jsonl"),
        "backoff_base_seconds": 0.01,
        "max_retries": 3,
    }
    return emulator.config(**{**defaults, **settings})


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSONL file (empty when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# -- runs -------------------------------------------------------------------------------


@dataclass
class Run:
    """An in-process run: the target, the STATE lines it emitted, the error that ended it."""

    target: TargetSalesforceContacts
    states: list[dict[str, Any]] = field(default_factory=list)
    error: Exception | None = None

    @property
    def stats(self) -> Any:
        """The run's counters."""
        return self.target.sync.stats


def run_target(config: dict[str, Any], messages: list[dict[str, Any]]) -> Run:
    """Run the target in-process on ``messages``; a run-ending error is kept, not raised."""
    target = TargetSalesforceContacts(config=config)
    out = io.StringIO()
    run = Run(target)
    with redirect_stdout(out):
        try:
            target.process_lines(io.StringIO(singer_text(messages)))
            target.process_endofpipe()
        except (SalesforceError, TargetError) as exc:
            run.error = exc
    run.states = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return run


@dataclass
class CliRun:
    """A run of the real command."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def states(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def errors(self) -> list[str]:
        """The ERROR lines of stderr."""
        return [line for line in self.stderr.splitlines() if "| ERROR" in line]


def run_cli(config: dict[str, Any], messages: list[dict[str, Any]], workdir: Path) -> CliRun:
    """Run ``target-salesforce-contacts --config ...`` as a process fed on stdin."""
    config_path = workdir / "target.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    result = subprocess.run(
        [str(EXECUTABLE), "--config", str(config_path)],
        input=singer_text(messages),
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=120,
        check=False,
    )
    return CliRun(result.returncode, result.stdout, result.stderr)
