"""Helpers for the tap's tests: a shared read-only emulator, in-process and CLI runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from salesforce_emulator.pytest_plugin import RunningEmulator, start_emulator
from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter
from tap_salesforce_plus.registry import STANDARD_TABLES
from tap_salesforce_plus.tap import TapSalesforcePlus

SHARED_SCALE = 200
"""Small: the standard test suite syncs the whole org."""

CUSTOM_OBJECTS = ("My__Community_Group__c", "Project__c")
COUNT_PREFIX = "SELECT COUNT()"
BULK = "jobs/query"
ALL_TABLES = ["*", "custom:*"]

_shared: list[RunningEmulator] = []


def shared_emulator() -> RunningEmulator:
    """One small demo org for the whole test run, started on first use. Do not mutate it.

    It must already be serving while pytest collects tests, because the SDK's standard test
    class runs discovery at collection time; ``conftest.pytest_unconfigure`` stops it.
    """
    if not _shared:
        _shared.append(start_emulator(SHARED_SCALE))
    return _shared[0]


def stop_shared_emulator() -> None:
    """Stop the shared emulator if it was started."""
    while _shared:
        running = _shared.pop()
        running.admin.http.close()
        running.server.stop()


class CollectingWriter(SimpleSingerWriter):
    """Keeps the Singer messages, serialised and parsed back exactly as a target reads them."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write_message(self, message: Any) -> None:
        self.messages.append(json.loads(self.format_message(message)))


@dataclass
class TapRun:
    """The tap of a run and what it wrote."""

    tap: TapSalesforcePlus
    messages: list[dict[str, Any]] = field(default_factory=list)
    queries: list[tuple[str, str]] = field(default_factory=list)

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def counts(self) -> Counter[str]:
        return Counter(m["stream"] for m in self.messages if m["type"] == "RECORD")

    def schema(self, stream: str) -> dict[str, Any]:
        return next(
            m["schema"] for m in self.messages if m["type"] == "SCHEMA" and m["stream"] == stream
        )

    @property
    def state(self) -> dict[str, Any]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"][-1]

    def soql(self, object_name: str) -> list[str]:
        """SOQL reads sent for an object (first pages only; ``COUNT()`` probes left out)."""
        return [
            q
            for resource, q in self.queries
            if f" FROM {object_name}" in q and not q.startswith(COUNT_PREFIX) and resource != BULK
        ]

    def bulk_soql(self, object_name: str) -> list[str]:
        """SOQL of the Bulk API query jobs created for an object."""
        return [
            q for resource, q in self.queries if resource == BULK and f" FROM {object_name}" in q
        ]

    def counts_sent(self, object_name: str) -> list[str]:
        """``SELECT COUNT()`` probes sent for an object (``api_type`` auto)."""
        return [q for _, q in self.queries if q.startswith(f"{COUNT_PREFIX} FROM {object_name}")]


def make_tap(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> TapRun:
    """Build the tap (discovery runs) and record every SOQL query it sends from then on."""
    writer = CollectingWriter()
    tap = TapSalesforcePlus(config=config, state=state, catalog=catalog, message_writer=writer)
    run = TapRun(tap, writer.messages)

    def record_query(response: Any, *args: Any, **kwargs: Any) -> None:
        request = response.request
        url = urlsplit(request.url)
        if "q" in (params := parse_qs(url.query)):
            run.queries.append((url.path.rsplit("/", 1)[-1], params["q"][0]))
        elif request.method == "POST" and url.path.endswith("/jobs/query") and request.body:
            run.queries.append((BULK, json.loads(request.body)["query"]))

    tap.sf_session.http.hooks["response"].append(record_query)
    return run


def sync(
    config: dict[str, Any],
    *,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> TapRun:
    """Run a full sync in-process."""
    run = make_tap(config, state=state, catalog=catalog)
    run.tap.sync_all()
    return run


def stored_counts(emulator: RunningEmulator, *, include_deleted: bool) -> dict[str, int]:
    """Rows the emulator stores per stream of ``ALL_TABLES`` (deleted ones only if asked)."""
    objects = {**{v: k for k, v in STANDARD_TABLES.items()}}
    objects.update({name: name.lower() for name in CUSTOM_OBJECTS})
    counts = {}
    for object_name, stream in objects.items():
        rows = emulator.admin.records(object_name)
        counts[stream] = sum(1 for r in rows if include_deleted or not r.get("IsDeleted"))
    return counts


@dataclass
class CliResult:
    """A finished CLI run."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "| ERROR" in line]


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "MELTANO_"))}


def _config_args(config: dict[str, Any] | None, directory: Path) -> list[str]:
    if config is None:
        return []
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return ["--config", str(path)]


def run_cli(args: list[str], config: dict[str, Any] | None, tmp_path: Path) -> CliResult:
    """Run the ``tap-salesforce-plus`` console script in a subprocess (clean environment)."""
    command = [str(Path(sys.executable).with_name("tap-salesforce-plus")), *args]
    command += _config_args(config, tmp_path)
    done = subprocess.run(
        command, check=False, capture_output=True, text=True, env=_clean_env(), timeout=120
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def spawn_cli(args: list[str], config: dict[str, Any], tmp_path: Path) -> subprocess.Popen[str]:
    """Start the console script in a subprocess: stdout piped (line by line), stderr to
    ``tmp_path / "stderr"`` (a pipe nobody reads could fill up and block the tap)."""
    command = [str(Path(sys.executable).with_name("tap-salesforce-plus")), *args]
    command += _config_args(config, tmp_path)
    with (tmp_path / "stderr").open("w") as stderr:
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1, env=_clean_env()
        )


def run_cli_many(
    runs: dict[str, tuple[list[str], dict[str, Any] | None]], tmp_path: Path
) -> dict[str, CliResult]:
    """Run several command lines, each in its own process, forked from one warm interpreter.

    See ``tapsf_cli_forker.py``: same entry point as the console script, a fraction of the
    start-up cost.
    """
    specs = []
    for name, (args, config) in runs.items():
        directory = tmp_path / name
        directory.mkdir()
        specs.append(
            {
                "name": name,
                "args": [*args, *_config_args(config, directory)],
                "stdout": str(directory / "stdout"),
                "stderr": str(directory / "stderr"),
            }
        )
    runs_file = tmp_path / "runs.json"
    runs_file.write_text(json.dumps(specs))
    forker = Path(__file__).with_name("tapsf_cli_forker.py")
    done = subprocess.run(
        [sys.executable, str(forker), str(runs_file)],
        check=True,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=300,
    )
    statuses = json.loads(done.stdout)
    return {
        spec["name"]: CliResult(
            statuses[spec["name"]],
            Path(spec["stdout"]).read_text(),
            Path(spec["stderr"]).read_text(),
        )
        for spec in specs
    }


def _page_saved(job: dict[str, Any]) -> bool:
    return bool(job.get("locator"))


def kill_after_first_bulk_page(
    config: dict[str, Any],
    tmp_path: Path,
    catalog: dict[str, Any] | None = None,
    *,
    saved: Callable[[dict[str, Any]], bool] = _page_saved,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the tap CLI on ``contact``; SIGKILL it once a STATE saves the first Bulk page read.

    Args:
        config: The tap config.
        tmp_path: Where the config (and catalog) files go.
        catalog: A catalog, if any.
        saved: Kill once a STATE's ``bulk_job`` of ``contact`` passes this (default: it
            saves a page's locator).

    Returns:
        The messages written before the kill, and the last STATE.
    """
    command = [str(Path(sys.executable).with_name("tap-salesforce-plus"))]
    command += ["--config", str(_write(tmp_path / "config.json", config))]
    if catalog is not None:
        command += ["--catalog", str(_write(tmp_path / "catalog.json", catalog))]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "MELTANO_"))}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    messages: list[dict[str, Any]] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            messages.append(message := json.loads(line))
            job = message.get("value", {}).get("bookmarks", {}).get("contact", {}).get("bulk_job")
            if message["type"] == "STATE" and job and saved(job):
                process.send_signal(signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    return messages, [m["value"] for m in messages if m["type"] == "STATE"][-1]


def _write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path
