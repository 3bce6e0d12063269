"""BATCH messages end to end: the real tap CLI into the real target-postgres, through batch files.

The tap (its Meltano-installed CLI) writes gzip JSON Lines files (a) into a local folder and
(b) into an S3 bucket on a local S3-compatible server (moto), and announces them with BATCH
messages; target-postgres reads the files and loads them. A run killed after its first file
is resumed from its last STATE: every row lands in PostgreSQL exactly once and no file is
announced twice.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from e2e_support import Postgres, plugin_executable
from moto.server import ThreadedMotoServer
from singer_pipes import PipeResult, run_pipeline, write_json

pytestmark = pytest.mark.slow

TABLES = {"contact": "Contact", "account": "Account"}
TEXT = {"contact": "LastName", "account": "Name"}
"""A text column of each table compared with the org's values."""
EXTRA = 600
SIZE = 150
BUCKET = "batches"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "testing-key-id", "AWS_SECRET_ACCESS_KEY": "testing-secret"}


@pytest.fixture
def s3(clean_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A local S3 server with one bucket; the environment that reaches it (keys, region)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {**clean_env, **S3_KEYS, "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_ENDPOINT_URL", None)
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield {**env, "S3_ENDPOINT": endpoint}
    finally:
        server.stop()


def tap_command(emulator: Any, workdir: Path, name: str, batch: dict[str, Any]) -> list[Any]:
    config = emulator.config(
        tables=list(TABLES), api_type="bulk", lookback_minutes=0, batch_config=batch
    )
    return [
        plugin_executable("extractors", "tap-salesforce-plus"),
        "--config",
        write_json(workdir / f"{name}.tap.json", config),
    ]


def target_command(postgres: Postgres, workdir: Path, schema: str) -> list[Any]:
    config = write_json(workdir / f"{schema}.pg.json", postgres.target_config(schema))
    return [plugin_executable("loaders", "target-postgres"), "--config", config]


def batch_config(root: str, **storage: Any) -> dict[str, Any]:
    return {
        "encoding": {"format": "jsonl", "compression": "gzip"},
        "storage": {"root": root, **storage},
        "batch_size": SIZE,
    }


def live(emulator: Any, object_name: str) -> dict[str, dict[str, Any]]:
    return {r["Id"]: r for r in emulator.admin.records(object_name) if not r.get("IsDeleted")}


def check_landed_once(emulator: Any, postgres: Postgres, schema: str) -> None:
    """Every live row of each table is in PostgreSQL once, with its values."""
    for stream, object_name in TABLES.items():
        column = TEXT[stream]
        rows = postgres.rows(f'SELECT "Id", "{column}" FROM {schema}."{stream}"')
        expected = live(emulator, object_name)
        assert len(rows) == len(expected), stream
        assert {row[0] for row in rows} == set(expected), stream
        assert {row[0]: row[1] for row in rows} == {i: r[column] for i, r in expected.items()}


def check_batches(messages: list[dict[str, Any]]) -> list[str]:
    """No RECORD; BATCH messages for both streams, each followed by a STATE; the file URLs."""
    types = [m["type"] for m in messages]
    assert "RECORD" not in types
    assert {m["stream"] for m in messages if m["type"] == "BATCH"} == set(TABLES)
    for position, kind in enumerate(types):
        if kind == "BATCH":
            assert types[position + 1] == "STATE"
    return [url for m in messages if m["type"] == "BATCH" for url in m["manifest"]]


def test_local_folder_batches_land_in_postgres_once(
    emulator: Any, postgres: Postgres, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    emulator.admin.generate("Contact", EXTRA)
    folder = tmp_path / "batch-files"
    tap = tap_command(emulator, tmp_path, "local", batch_config(str(folder)))
    result = run_pipeline(
        tap, target_command(postgres, tmp_path, "batch_local"), tmp_path, clean_env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    files = check_batches(result.messages())
    assert len(files) >= (EXTRA // SIZE) + 1
    assert all(url.startswith("file://") for url in files)
    assert {Path(url).name for url in files} == {p.name for p in folder.iterdir()}
    check_landed_once(emulator, postgres, "batch_local")
    state = result.last_state()["bookmarks"]
    assert all(state[stream].get("replication_key_value") for stream in TABLES)


def kill_after_first_file(tap: list[Any], env: dict[str, str], output: Path) -> None:
    """Run the tap alone, writing its messages to ``output``; SIGKILL it after its first file."""
    process = subprocess.Popen(
        [str(part) for part in tap],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={k: v for k, v in env.items() if k != "S3_ENDPOINT"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if json.loads(line)["type"] == "STATE" and any('"BATCH"' in x for x in lines):
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=60)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    output.write_text("".join(lines))


def test_s3_batches_of_a_killed_and_resumed_run_land_in_postgres_once(
    emulator: Any, postgres: Postgres, tmp_path: Path, s3: dict[str, str]
) -> None:
    """The tap reaches the server through ``storage.params``; the target through the
    environment (``AWS_ENDPOINT_URL``): the two documented ways."""
    emulator.admin.generate("Contact", EXTRA)
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    emulator.admin.add_fault(
        kind="latency", endpoint="bulk_query_results", delay=1, skip=1, times=0
    )
    endpoint = s3.pop("S3_ENDPOINT")
    batch = batch_config(f"s3://{BUCKET}/runs", params={"endpoint_url": endpoint})
    schema = "batch_s3"
    target_env = {**s3, "AWS_ENDPOINT_URL": endpoint}

    first = tmp_path / "first.tap.jsonl"
    kill_after_first_file(tap_command(emulator, tmp_path, "first", batch), s3, first)
    cat = ["cat", first]
    loaded = run_pipeline(cat, target_command(postgres, tmp_path, schema), tmp_path, target_env)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    killed = [json.loads(line) for line in first.read_text().splitlines()]
    state = [m["value"] for m in killed if m["type"] == "STATE"][-1]

    emulator.admin.clear_faults()
    tap = tap_command(emulator, tmp_path, "second", batch)
    tap += ["--state", write_json(tmp_path / "state.json", state)]
    env = {**target_env}
    resumed: PipeResult = run_pipeline(
        tap, target_command(postgres, tmp_path, schema), tmp_path, env, "second"
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    files = check_batches(killed + resumed.messages())
    assert len(files) == len(set(files))  # no file announced twice across the two runs
    assert all(url.startswith(f"s3://{BUCKET}/runs/") for url in files)
    check_landed_once(emulator, postgres, schema)
    for secret in S3_KEYS.values():
        assert secret not in resumed.stderr + first.read_text() + resumed.tap_output.read_text()
    # The files announced hold every row once: no row written to two files.
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_keys())
    ids: list[str] = []
    for url in files:
        key = url.removeprefix(f"s3://{BUCKET}/")
        body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        ids += [json.loads(line)["Id"] for line in _gunzip(body).splitlines()]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(live(emulator, "Contact")) | set(live(emulator, "Account"))


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": S3_KEYS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": S3_KEYS["AWS_SECRET_ACCESS_KEY"],
    }


def _gunzip(body: bytes) -> str:
    return gzip.decompress(body).decode()


def peak_rss_kib(command: list[Any], env: dict[str, str], output: Path) -> int:
    """Run a command to its end (stdout to ``output``); its peak resident memory (VmHWM)."""
    with output.open("w") as stdout:
        process = subprocess.Popen(
            [str(part) for part in command], stdout=stdout, stderr=subprocess.DEVNULL, env=env
        )
    peak, status = 0, Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            lines = status.read_text().splitlines()
        except OSError:  # ended meanwhile
            break
        for line in lines:
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)
    assert process.wait(timeout=600) == 0
    return peak


def test_memory_stays_flat_as_the_table_grows(
    emulator: Any, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    """Six times the rows, the same peak memory: no file or table is held, one record is."""
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    peaks, rows = [], []
    for extra in (10_000, 50_000):
        emulator.admin.generate("Contact", extra, seed=extra)
        batch = batch_config(str(tmp_path / f"files-{extra}")) | {"batch_size": 5_000}
        config = emulator.config(tables=["contact"], api_type="bulk", batch_config=batch)
        command = [
            plugin_executable("extractors", "tap-salesforce-plus"),
            "--config",
            write_json(tmp_path / f"{extra}.json", config),
        ]
        output = tmp_path / f"{extra}.jsonl"
        peaks.append(peak_rss_kib(command, clean_env, output))
        messages = [json.loads(line) for line in output.read_text().splitlines()]
        rows.append(len(live(emulator, "Contact")))
        assert sum(1 for m in messages if m["type"] == "BATCH") >= rows[-1] // 5_000
    assert rows[1] >= 5 * rows[0]
    assert peaks[1] - peaks[0] < 15 * 1024, peaks  # KiB
