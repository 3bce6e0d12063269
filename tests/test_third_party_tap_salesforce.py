"""singer-io's tap-salesforce (PyPI ``tap-salesforce==2.8.1``), unmodified, against the emulator.

The tap runs from its own virtual environment, ``.tools/peers/tap-salesforce/`` (made by
``scripts/setup.sh`` through ``scripts/peer_venvs.py``; ``ensure_peer`` makes it on first use),
as a subprocess, against an in-process emulator serving a small demo org.

How its login reaches the emulator without changing its code: the tap hard-codes
``https://login.salesforce.com/services/oauth2/token`` (the refresh-token grant). The peer
environment holds ``sf_emulator_login_route.py`` and a ``.pth`` file importing it at start-up
(copied from ``scripts/peer_login_route.py``). When ``SF_EMULATOR_LOGIN_URL`` is set, that module
mounts one more transport on every ``requests.Session``, for the prefixes
``https://login.salesforce.com/`` and ``https://test.salesforce.com/`` only; it rewrites those
requests to the emulator's scheme, host and port, path and form unchanged. The emulator answers
the grant for the demo connected app with ``instance_url`` = its own URL, so every later call
(describe, ``queryAll``, ``/services/async/61.0/job``...) goes to the emulator through the normal
transport. Without the variable the module does nothing.

The tap reads with the REST API (``api_type: REST``) or Bulk API 1.0 (``BULK``, its default
use). Its configuration cannot force PK chunking: the tap turns it on only when a Bulk batch
fails with ``QUERY_TIMEOUT`` (or ``Retried more``...), so the PK chunking test makes the
emulator fail the first batch that way (the ``fail_next`` Bulk fault).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from salesforce_emulator.bulk_v1.models import engine_for
from salesforce_emulator.models.org import DEMO
from salesforce_emulator.pytest_plugin import RunningEmulator

ROOT = Path(__file__).resolve().parent.parent
STREAMS = ("Account", "Contact", "Opportunity")
REPLICATION_KEY = "SystemModstamp"
TIMEOUT_MESSAGE = (
    "InvalidBatch : Failed to process query: QUERY_TIMEOUT: Your query request was running for "
    "too long."
)


def _peer_venvs() -> Any:
    spec = importlib.util.spec_from_file_location("peer_venvs", ROOT / "scripts" / "peer_venvs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("peer_venvs", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tap_bin() -> Path:
    """The tap's ``bin`` directory (installed now when the set-up has not done it)."""
    return Path(_peer_venvs().ensure_peer("tap-salesforce"))


class Tap:
    """Runs the tap's command with a config for the emulator's demo connected app."""

    def __init__(self, bin_dir: Path, emulator: RunningEmulator, workdir: Path) -> None:
        self.command = str(bin_dir / "tap-salesforce")
        self.emulator = emulator
        self.workdir = workdir

    def run(self, api_type: str, *args: str) -> str:
        config = {
            "refresh_token": DEMO.refresh_token,
            "client_id": DEMO.client_id,
            "client_secret": DEMO.client_secret,
            "start_date": "2000-01-01T00:00:00Z",
            "api_type": api_type,
            "select_fields_by_default": True,
        }
        config_path = self.workdir / "config.json"
        config_path.write_text(json.dumps(config))
        env = {**os.environ, "SF_EMULATOR_LOGIN_URL": self.emulator.url}
        result = subprocess.run(
            [self.command, "--config", str(config_path), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result.stdout

    def discover(self, api_type: str) -> dict[str, Any]:
        return dict(json.loads(self.run(api_type, "--discover")))

    def sync(
        self, api_type: str, streams: tuple[str, ...], state: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        catalog = self.discover(api_type)
        for entry in catalog["streams"]:
            if entry["stream"] in streams:
                for item in entry["metadata"]:
                    if item["breadcrumb"] == []:
                        item["metadata"].update(
                            selected=True,
                            **{"replication-method": "INCREMENTAL"},
                            **{"replication-key": REPLICATION_KEY},
                        )
        properties = self.workdir / "properties.json"
        properties.write_text(json.dumps(catalog))
        args = ["--properties", str(properties)]
        if state is not None:
            state_path = self.workdir / "state.json"
            state_path.write_text(json.dumps(state))
            args += ["--state", str(state_path)]
        output = self.run(api_type, *args)
        return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.fixture
def tap(tap_bin: Path, emulator: RunningEmulator, tmp_path: Path) -> Tap:
    """The tap, aimed at a fresh small demo org."""
    return Tap(tap_bin, emulator, tmp_path)


def org_ids(emulator: RunningEmulator, stream: str) -> list[str]:
    """Every stored Id of an object, deleted rows included (the tap reads with queryAll)."""
    org = emulator.org
    with org.lock:
        return [str(row["Id"]) for row in org.raw_records(org.object(stream))]


def check_sync(
    emulator: RunningEmulator, messages: list[dict[str, Any]], streams: tuple[str, ...] = STREAMS
) -> None:
    """Each stream's RECORDs are the org's rows exactly once, valid against their SCHEMA,
    and the final STATE bookmarks each stream at its newest SystemModstamp."""
    validators = {
        m["stream"]: jsonschema.Draft7Validator(m["schema"])
        for m in messages
        if m["type"] == "SCHEMA"
    }
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        if message["type"] == "RECORD":
            record = message["record"]
            validators[message["stream"]].validate(record)
            records[message["stream"]].append(record)
    assert sorted(records) == sorted(streams)
    state = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    for stream in streams:
        ids = [record["Id"] for record in records[stream]]
        expected = org_ids(emulator, stream)
        assert len(ids) == len(expected) > 0
        assert sorted(ids) == sorted(expected)
        newest = max(record[REPLICATION_KEY] for record in records[stream])
        assert state["bookmarks"][stream][REPLICATION_KEY][:19] == newest[:19]


def test_discover_finds_the_org_objects_with_keys_and_bulk_exclusions(tap: Tap) -> None:
    rest = {entry["stream"]: entry for entry in tap.discover("REST")["streams"]}
    bulk = {entry["stream"]: entry for entry in tap.discover("BULK")["streams"]}
    for stream in STREAMS:
        top = next(m["metadata"] for m in bulk[stream]["metadata"] if m["breadcrumb"] == [])
        assert top["table-key-properties"] == ["Id"]
        assert top["valid-replication-keys"] == [REPLICATION_KEY]
    address = ["properties", "BillingAddress"]
    bulk_inclusion = next(m for m in bulk["Account"]["metadata"] if m["breadcrumb"] == address)
    rest_inclusion = next(m for m in rest["Account"]["metadata"] if m["breadcrumb"] == address)
    assert bulk_inclusion["metadata"]["inclusion"] == "unsupported"
    assert rest_inclusion["metadata"]["inclusion"] == "available"


def test_rest_sync_reads_every_row_through_query_all(tap: Tap, emulator: RunningEmulator) -> None:
    check_sync(emulator, tap.sync("REST", STREAMS))
    calls = emulator.org.calls
    assert calls["query_all"] >= len(STREAMS)
    assert not [name for name in calls if name.startswith("bulk_v1")]


def test_bulk_sync_reads_every_row_through_bulk_api_1(tap: Tap, emulator: RunningEmulator) -> None:
    check_sync(emulator, tap.sync("BULK", STREAMS))
    calls = emulator.org.calls
    assert calls["query_all"] == 0
    assert calls["bulk_v1_jobs"] == len(STREAMS)
    assert calls["bulk_v1_result"] == len(STREAMS)
    jobs = engine_for(emulator.org).jobs.values()
    assert sorted(job.object.name for job in jobs) == sorted(STREAMS)
    assert {job.state for job in jobs} == {"Closed"}
    assert {job.operation for job in jobs} == {"queryAll"}


def test_bulk_sync_falls_back_to_pk_chunking_after_a_query_timeout(
    tap: Tap, emulator: RunningEmulator
) -> None:
    emulator.admin.settings(bulk={"fail_next": TIMEOUT_MESSAGE})
    messages = tap.sync("BULK", ("Account",))
    check_sync(emulator, messages, ("Account",))
    jobs = [job for job in engine_for(emulator.org).jobs.values() if job.object.name == "Account"]
    first, chunked = sorted(jobs, key=lambda job: job.pk_chunking is not None)
    assert [b.state for b in first.batches] == ["Failed"]
    assert first.batches[0].state_message == TIMEOUT_MESSAGE
    assert chunked.pk_chunking is not None
    assert chunked.pk_chunking.chunk_size == 100_000
    assert [b.state for b in chunked.batches] == ["NotProcessed", "Completed"]
    states = [m["value"] for m in messages if m["type"] == "STATE"]
    assert any("JobID" in s.get("bookmarks", {}).get("Account", {}) for s in states)


def test_bulk_sync_resumes_a_pk_chunked_job_named_in_its_state(
    tap: Tap, emulator: RunningEmulator
) -> None:
    emulator.admin.settings(bulk={"fail_next": TIMEOUT_MESSAGE})
    tap.sync("BULK", ("Account",))
    [chunked] = [job for job in engine_for(emulator.org).jobs.values() if job.pk_chunking]
    chunk_ids = [batch.id for batch in chunked.batches if batch.state == "Completed"]
    resume = {"bookmarks": {"Account": {"JobID": chunked.id, "BatchIDs": chunk_ids}}}
    messages = tap.sync("BULK", ("Account",), resume)
    check_sync(emulator, messages, ("Account",))
    assert len(engine_for(emulator.org).jobs) == 2  # read again, no new job
    final = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    assert "JobID" not in final["bookmarks"]["Account"]


def test_bulk_sync_drops_a_job_in_its_state_that_the_org_does_not_know(
    tap: Tap, emulator: RunningEmulator
) -> None:
    unknown = {"bookmarks": {"Account": {"JobID": "750000000000000AAA", "BatchIDs": ["751x"]}}}
    messages = tap.sync("BULK", ("Account",), unknown)
    assert not [m for m in messages if m["type"] == "RECORD"]
    assert not engine_for(emulator.org).jobs
    final = [m["value"] for m in messages if m["type"] == "STATE"][-1]
    assert "JobID" not in final["bookmarks"]["Account"]


@pytest.mark.parametrize(
    ("login_url", "expected"),
    [
        (None, ["HTTPAdapter", "HTTPAdapter", "HTTPAdapter"]),
        ("http://127.0.0.1:9", ["LoginRedirect", "LoginRedirect", "HTTPAdapter"]),
    ],
)
def test_login_routing_covers_only_the_login_hosts(
    tap_bin: Path, login_url: str | None, expected: list[str]
) -> None:
    probe = (
        "import requests; s = requests.Session(); print(' '.join(type(s.get_adapter(u)).__name__ "
        "for u in ('https://login.salesforce.com/services/oauth2/token', "
        "'https://test.salesforce.com/services/oauth2/token', "
        "'https://acme.my.salesforce.com/services/data/')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SF_EMULATOR_LOGIN_URL"}
    if login_url:
        env["SF_EMULATOR_LOGIN_URL"] = login_url
    result = subprocess.run(
        [str(tap_bin / "python"), "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == expected
