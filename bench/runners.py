"""Each measured client of ``bench/run.py``: how it is configured, started and checked.

Every runner resets the emulator's call counters, runs its client as a child process (see
``measure.py``), reads the counters back and returns one :class:`Measured`. Peers run from their
own virtual environments (``scripts/peer_venvs.py``), unmodified; the ones that hard-code
``login.salesforce.com`` reach the emulator through ``SF_EMULATOR_LOGIN_URL``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import measure
from salesforce_emulator.admin_client import AdminClient
from salesforce_emulator.cli import demo_config
from salesforce_emulator.models.org import DEMO

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"


def plugin_command(kind: str, name: str) -> Path:
    """The plugin as users run it: from its own Meltano-installed venv, else the workspace's.

    The workspace venv also holds the dev tools (numpy among them, which singer-sdk's joblib
    then imports), which would inflate the plugin's start-up CPU and peak RSS.
    """
    own = ROOT / ".meltano" / kind / name / "venv" / "bin" / name
    return own if own.exists() else VENV_BIN / name


TARGET_POSTGRES = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin"
API_VERSION = "64.0"
OBJECT = "Account"
SINGER_IO_REPLICATION_KEY = "SystemModstamp"


@dataclass
class Measured:
    """One client run at one org size."""

    client: str
    path: str
    rows: int
    records: int
    cpu_s: float
    wall_s: float
    rss_mb: float
    calls: int
    by_endpoint: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records_per_cpu_s(self) -> float:
        """Records per CPU-second of the client process."""
        return self.records / self.cpu_s if self.cpu_s else 0.0


@dataclass
class Org:
    """A served org and where a run keeps its files."""

    url: str
    admin: AdminClient
    workdir: Path
    rows: int

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a plugin process: no inherited Singer or Meltano settings."""
        prefixes = ("TAP_", "TARGET_", "MELTANO_", "SF_EMULATOR_")
        return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)} | extra

    def write_json(self, name: str, value: Any) -> Path:
        """Write a JSON file into the work directory; its path."""
        path = self.workdir / name
        path.write_text(json.dumps(value), encoding="utf-8")
        return path


def counted(
    org: Org, client: str, path: str, run: Callable[[], measure.Usage], **extra: Any
) -> Measured:
    """Reset the counters, run, and turn the usage and counters into a :class:`Measured`."""
    org.admin.reset()
    usage = run()
    calls = org.admin.calls()
    return Measured(
        client,
        path,
        org.rows,
        usage.records,
        usage.cpu_s,
        usage.wall_s,
        usage.rss_mb,
        int(calls["total"]),
        dict(calls["by_endpoint"]),
        extra,
    )


def floor(org: Org) -> Measured:
    """The bare stdlib loop over REST (``bench/floor.py``)."""
    command = [sys.executable, BENCH / "floor.py", org.url, OBJECT, API_VERSION]
    env = org.env(SF_ACCESS_TOKEN=DEMO.access_token)
    return counted(org, "floor (stdlib loop)", "REST", lambda: measure.run(command, env=env))


def _tap_config(org: Org, api_type: str) -> Path:
    config = {
        "domain": org.url,
        "access_token": DEMO.access_token,
        "tables": [OBJECT.lower()],
        "api_type": api_type,
    }
    return org.write_json(f"tap-{api_type}.json", config)


def tap_plus(org: Org, api_type: str) -> Measured:
    """tap-salesforce-plus on the Account table, output dropped (``rest`` or ``bulk``)."""
    command = [
        plugin_command("extractors", "tap-salesforce-plus"),
        "--config",
        _tap_config(org, api_type),
    ]
    path = {"rest": "REST", "bulk": "Bulk 2.0"}[api_type] + " -> /dev/null"
    return counted(
        org,
        "tap-salesforce-plus",
        path,
        lambda: measure.run(command, env=org.env(), name="tap-salesforce-plus"),
    )


def tap_plus_into_postgres(org: Org, api_type: str, target_config: dict[str, Any]) -> Measured:
    """tap-salesforce-plus piped into the Meltano-installed target-postgres."""
    tap = [
        plugin_command("extractors", "tap-salesforce-plus"),
        "--config",
        _tap_config(org, api_type),
    ]
    schema = f"bench_{api_type}_{org.rows}"
    config = org.write_json(
        f"pg-{api_type}.json", {**target_config, "default_target_schema": schema}
    )
    target = [TARGET_POSTGRES / "target-postgres", "--config", config]
    loaded: dict[str, measure.Usage] = {}

    def run() -> measure.Usage:
        tap_usage, loaded["target"] = measure.run_pipe(tap, target, env=org.env(), name="tap")
        return tap_usage

    path = {"rest": "REST", "bulk": "Bulk 2.0"}[api_type] + " -> target-postgres"
    result = counted(org, "tap-salesforce-plus", path, run)
    result.extra.update(
        schema=schema,
        target_postgres_cpu_s=loaded["target"].cpu_s,
        target_postgres_rss_mb=loaded["target"].rss_mb,
    )
    return result


def _singer_io_catalog(org: Org, bin_dir: Path, config: Path, api_type: str) -> Path:
    """Discover once, select the Account stream (incremental on SystemModstamp)."""
    env = org.env(SF_EMULATOR_LOGIN_URL=org.url)
    output = org.workdir / f"singer-io-{api_type}.catalog.json"
    with output.open("wb") as out:
        subprocess.run(
            [str(bin_dir / "tap-salesforce"), "--config", str(config), "--discover"],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            check=True,
        )
    catalog = json.loads(output.read_text())
    catalog["streams"] = [s for s in catalog["streams"] if s["stream"] == OBJECT]
    for item in catalog["streams"][0]["metadata"]:
        if item["breadcrumb"] == []:
            item["metadata"].update(
                {
                    "selected": True,
                    "replication-method": "INCREMENTAL",
                    "replication-key": SINGER_IO_REPLICATION_KEY,
                }
            )
    return org.write_json(f"singer-io-{api_type}.properties.json", catalog)


def singer_io(org: Org, bin_dir: Path, api_type: str) -> Measured:
    """singer-io's tap-salesforce 2.8.1 syncing Account (``REST`` or ``BULK``: Bulk API 1.0).

    Its discovery runs first, unmeasured (a fixed cost, not per record).
    """
    config = org.write_json(
        f"singer-io-{api_type}.json",
        {
            "refresh_token": DEMO.refresh_token,
            "client_id": DEMO.client_id,
            "client_secret": DEMO.client_secret,
            "start_date": "2000-01-01T00:00:00Z",
            "api_type": api_type,
            "select_fields_by_default": True,
        },
    )
    properties = _singer_io_catalog(org, bin_dir, config, api_type)
    command = [bin_dir / "tap-salesforce", "--config", config, "--properties", properties]
    env = org.env(SF_EMULATOR_LOGIN_URL=org.url)
    path = {"REST": "REST", "BULK": "Bulk 1.0"}[api_type] + " -> /dev/null"
    return counted(
        org,
        "singer-io tap-salesforce 2.8.1",
        path,
        lambda: measure.run(command, env=env, name="tap-salesforce"),
    )


def bulk2_peer(org: Org) -> Measured:
    """simple-salesforce ``bulk2`` downloading the Account query's CSV (``bench/bulk2_peer.py``)."""
    command = [sys.executable, BENCH / "bulk2_peer.py", org.url, OBJECT, API_VERSION]

    def run() -> measure.Usage:
        usage = measure.run(command, env=org.env(), name="simple-salesforce bulk2")
        found = re.search(r"rows=(\d+)", usage.stderr)
        assert found, usage.stderr[-2000:]
        return measure.Usage(usage.cpu_s, usage.wall_s, usage.rss_mb, int(found.group(1)), "")

    return counted(org, "simple-salesforce bulk2", "Bulk 2.0 CSV", run)


def airbyte(org: Org, bin_dir: Path) -> list[Measured]:
    """Airbyte's source-salesforce: ``check``, ``discover`` and ``read`` of Account."""
    config = org.write_json(
        "airbyte.json",
        {
            "client_id": DEMO.client_id,
            "client_secret": DEMO.client_secret,
            "refresh_token": DEMO.refresh_token,
            "start_date": "2000-01-01T00:00:00Z",
            "auth_type": "Client",
            "streams_criteria": [{"criteria": "exacts", "value": OBJECT}],
        },
    )
    source = bin_dir / "source-salesforce"
    env = org.env(SF_EMULATOR_LOGIN_URL=org.url)
    client = "airbyte-source-salesforce"
    results = [
        counted(
            org,
            client,
            "check",
            lambda: measure.run([source, "check", "--config", config], env=env),
        )
    ]
    discovered = org.workdir / "airbyte.catalog.jsonl"
    with discovered.open("wb") as out:
        subprocess.run(
            [str(source), "discover", "--config", str(config)], stdout=out, env=env, check=True
        )
    results.append(
        counted(
            org,
            client,
            "discover",
            lambda: measure.run([source, "discover", "--config", config], env=env),
        )
    )
    catalog = _airbyte_configured_catalog(org, discovered)
    command = [source, "read", "--config", config, "--catalog", catalog]
    read = counted(org, client, "read", lambda: measure.run(command, env=env, name=client))
    read.path = (
        "read (Bulk 2.0)" if any(e.startswith("bulk") for e in read.by_endpoint) else "read (REST)"
    )
    results.append(read)
    return results


def _airbyte_configured_catalog(org: Org, discovered: Path) -> Path:
    """The Account stream of a discovered catalog, as a full-refresh configured catalog."""
    lines = discovered.read_text().splitlines()
    catalog = next(json.loads(line)["catalog"] for line in lines if '"CATALOG"' in line)
    stream = next(s for s in catalog["streams"] if s["name"] == OBJECT)
    configured = {
        "streams": [
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
        ]
    }
    return org.write_json("airbyte.configured.json", configured)


def default_tables(org: Org) -> Measured:
    """tap-salesforce-plus with no ``tables`` setting: the 17 default tables of a small org."""
    config = org.write_json(
        "tap-default.json", {"domain": org.url, "access_token": DEMO.access_token}
    )
    command = [plugin_command("extractors", "tap-salesforce-plus"), "--config", config]
    return counted(
        org,
        "tap-salesforce-plus",
        "17 default tables (small org)",
        lambda: measure.run(command, env=org.env(), name="tap-salesforce-plus"),
    )


def target(org: Org, input_path: Path, records: int) -> Measured:
    """target-salesforce-contacts fed ``input_path`` (Singer messages) on stdin."""
    config = org.write_json(
        "target.json", {**demo_config(org.url), "rejects_path": str(org.workdir / "rejects.jsonl")}
    )
    command = [plugin_command("loaders", "target-salesforce-contacts"), "--config", config]
    result = counted(
        org,
        "target-salesforce-contacts",
        f"{records:,} mixed records",
        lambda: measure.run(command, env=org.env(), stdin=input_path, name="target"),
    )
    result.records = records
    return result
