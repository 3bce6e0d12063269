"""BATCH messages (``batch_config``): files cut at resume points, STATE only after a file.

A Bulk read writes one file per result page (pages hold at most ``batch_size`` rows), a REST
read one file every ``batch_size`` records; each BATCH message is followed by the STATE that
covers exactly the files announced so far, so a killed run resumes without announcing a file
twice or losing a record.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from singer_sdk.helpers._batch import BatchConfig, StorageTarget
from tap_salesforce_plus import sdk_compat
from tap_salesforce_plus.batch_files import BatchFiles
from tapsf_support import run_cli_many, spawn_cli, stored_counts, sync

SIZE = 60
EXTRA = 300
KEY = "SystemModstamp"


def batch_config(root: Path | str, fmt: str = "jsonl", **extra: Any) -> dict[str, Any]:
    return {
        "encoding": {"format": fmt, "compression": "gzip"},
        "storage": {"root": str(root)},
        "batch_size": SIZE,
        **extra,
    }


def contacts_config(
    emulator: RunningEmulator, root: Path, api: str, **extra: Any
) -> dict[str, Any]:
    emulator.admin.generate("Contact", EXTRA)
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    # A STATE every 25 records outside batch mode: none may fall inside a file.
    return emulator.config(
        tables=["contact"],
        api_type=api,
        batch_config=batch_config(root),
        state_every_records=25,
        **extra,
    )


def read_file(url: str, fmt: str = "jsonl") -> list[dict[str, Any]]:
    """The records of one batch file, read as a target reads them."""
    head, tail = StorageTarget.split_url(url)  # as the SDK's sinks open a manifest's files
    with StorageTarget.from_url(head).open(tail, mode="rb") as raw:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return list(pq.read_table(raw).to_pylist())
        with gzip.open(raw) as lines:
            return [json.loads(line) for line in lines]


def files_in(messages: list[dict[str, Any]], stream: str = "contact") -> list[str]:
    return [
        url
        for m in messages
        if m["type"] == "BATCH" and m["stream"] == stream
        for url in m["manifest"]
    ]


def live_contacts(emulator: RunningEmulator) -> set[str]:
    return {r["Id"] for r in emulator.admin.records("Contact") if not r["IsDeleted"]}


def check_batch_then_state(messages: list[dict[str, Any]]) -> None:
    """No RECORD; every BATCH is followed at once by a STATE; no STATE inside a file."""
    types = [m["type"] for m in messages]
    assert "RECORD" not in types
    assert types.count("BATCH") >= 2
    after_schema = types[types.index("SCHEMA") + 1 :]
    for position, kind in enumerate(after_schema):
        if kind == "BATCH":
            assert after_schema[position + 1] == "STATE"
        if kind == "STATE":  # only after a file (or the stream's final STATE, at the end)
            assert after_schema[position - 1] == "BATCH" or position == len(after_schema) - 1


def test_bulk_pages_become_jsonl_files_then_state(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    config = contacts_config(emulator, tmp_path / "files", "bulk")
    expected = sync({k: v for k, v in config.items() if k != "batch_config"}).records("contact")
    run = sync(config)

    check_batch_then_state(run.messages)
    batches = [m for m in run.messages if m["type"] == "BATCH"]
    assert all(m["encoding"] == {"format": "jsonl", "compression": "gzip"} for m in batches)
    assert all(len(m["manifest"]) == 1 for m in batches)
    rows, covered = 0, []
    for position, message in enumerate(run.messages):
        if message["type"] != "BATCH":
            continue
        records = read_file(message["manifest"][0])
        assert 0 < len(records) <= SIZE
        rows += len(records)
        job = run.messages[position + 1]["value"]["bookmarks"]["contact"].get("bulk_job")
        covered.append((job or {}).get("rows", rows))
    assert covered == [*range(SIZE, rows, SIZE), rows]  # each STATE covers its files
    in_files = [r for url in files_in(run.messages) for r in read_file(url)]
    assert sorted(in_files, key=lambda r: r["Id"]) == sorted(expected, key=lambda r: r["Id"])
    assert len(in_files) == stored_counts(emulator, include_deleted=False)["contact"]
    assert len(batches) == math.ceil(len(in_files) / SIZE)
    assert {Path(u).name for u in files_in(run.messages)} == {
        p.name for p in (tmp_path / "files").iterdir()
    }
    final = run.state["bookmarks"]["contact"]
    assert "bulk_job" not in final
    assert final["replication_key_value"]


def test_rest_files_of_batch_size_and_bookmark_of_their_last_record(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    run = sync(contacts_config(emulator, tmp_path, "rest"))
    check_batch_then_state(run.messages)
    seen: list[dict[str, Any]] = []
    for position, message in enumerate(run.messages):
        if message["type"] == "BATCH":
            records = read_file(message["manifest"][0])
            assert len(records) == SIZE or position == len(run.messages) - 2
            seen += records
            state = run.messages[position + 1]["value"]["bookmarks"]["contact"]
            assert state["replication_key_value"] == seen[-1][KEY]
    assert sorted(r["Id"] for r in seen) == sorted(live_contacts(emulator))


def test_parquet_files_hold_exactly_the_records(emulator: RunningEmulator, tmp_path: Path) -> None:
    config = contacts_config(emulator, tmp_path, "bulk")
    config["batch_config"] = batch_config(tmp_path, "parquet")
    run = sync(config)
    check_batch_then_state(run.messages)
    ids = [r["Id"] for url in files_in(run.messages) for r in read_file(url, "parquet")]
    assert sorted(ids) == sorted(live_contacts(emulator))


def test_a_file_ends_at_resume_points_or_batch_size(tmp_path: Path) -> None:
    config = BatchConfig.from_dict(batch_config(tmp_path) | {"batch_size": 3})
    by_size = [True]
    files = BatchFiles("tap", "s", config, cut_every=lambda: by_size[0])

    def records() -> Any:
        for number in range(8):
            if number in {2, 7}:
                files.resume_point()  # marked while record ``number`` is read
            yield {"n": number}

    manifests = [m for _, m in files.batches(records())]
    assert [[r["n"] for r in read_file(m[0])] for m in manifests] == [
        [0, 1],
        [2, 3, 4],
        [5, 6],
        [7],
    ]
    by_size[0] = False
    manifests = [m for _, m in BatchFiles("tap", "s", config, lambda: False).batches(records())]
    assert [len(read_file(m[0])) for m in manifests] == [8]


def test_sdk_batch_types_are_the_ones_the_tap_re_exports() -> None:
    """The SDK's private batch helpers the tap relies on (see ``sdk_compat``)."""
    assert sdk_compat.BatchConfig is BatchConfig
    assert sdk_compat.StorageTarget is StorageTarget
    assert list(BatchConfig.__dataclass_fields__) == ["encoding", "storage", "batch_size"]
    assert list(StorageTarget.__dataclass_fields__) == ["root", "prefix", "params"]


def test_bad_batch_configs_are_one_line_errors(emulator: RunningEmulator, tmp_path: Path) -> None:
    secret = "s3-secret-never-printed-0123456789"
    base = emulator.config(tables=["contact"])
    params = {"key": "AKIAEXAMPLE", "secret": secret}
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "format": (  # the SDK's JSON-schema check: its line, then "Config validation failed"
            {"encoding": {"format": "csv"}, "storage": {"root": str(tmp_path), "params": params}},
            "'csv' is not one of ['jsonl', 'parquet'] in config['batch_config']",
        ),
        "no_root": ({"encoding": {"format": "jsonl", "compression": "gzip"}}, "storage.root"),
        "size": (batch_config(tmp_path, batch_size=0), "batch_config.batch_size: 0"),
        "plain_jsonl": (
            {"encoding": {"format": "jsonl", "compression": "none"}, "storage": {"root": "/t"}},
            "set it to gzip",
        ),
    }
    if importlib.util.find_spec("pyarrow") is None:
        cases["parquet"] = (batch_config(tmp_path, "parquet"), "need the Python package pyarrow")
    done = run_cli_many(
        {n: ([], base | {"batch_config": c}) for n, (c, _) in cases.items()}, tmp_path
    )
    for name, (_, wanted) in cases.items():
        result = done[name]
        assert result.returncode != 0, name
        assert len(result.errors) == (2 if name == "format" else 1), (name, result.stderr)
        assert wanted in result.errors[0], (name, result.errors)
        assert secret not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr


def slow_bulk(emulator: RunningEmulator, tmp_path: Path) -> dict[str, Any]:
    """Contacts over Bulk, every result page after the first slow."""
    config = contacts_config(emulator, tmp_path / "files", "bulk")
    emulator.admin.add_fault(
        kind="latency", endpoint="bulk_query_results", delay=1, skip=1, times=0
    )
    return config


def run_until_batches(
    config: dict[str, Any],
    tmp_path: Path,
    batches: int,
    signum: int,
    ready: Callable[[], bool] = lambda: True,
) -> tuple[list[dict[str, Any]], subprocess.Popen[str]]:
    """Run the CLI, send ``signum`` once ``batches`` BATCH messages and their STATE arrived
    (and then ``ready()`` holds)."""
    process = spawn_cli([], config, tmp_path)
    assert process.stdout is not None
    messages: list[dict[str, Any]] = []
    try:
        for line in process.stdout:
            messages.append(json.loads(line))
            if messages[-1]["type"] == "STATE" and len(files_in(messages)) >= batches:
                for _ in range(3000):
                    if ready():
                        break
                    time.sleep(0.01)
                process.send_signal(signum)
                break
        messages += [json.loads(line) for line in process.stdout]
    finally:
        process.kill()
        process.wait(timeout=60)
        process.stdout.close()
    return messages, process


def resume_exactly_once(
    emulator: RunningEmulator,
    config: dict[str, Any],
    first: list[dict[str, Any]],
    *,
    rest: bool = False,
) -> None:
    """The resumed run completes the table: no file announced twice, no row twice or lost.

    A REST read resumes at its bookmark inclusively (``key >= bookmark``, lookback 0 here):
    only the rows whose key is the bookmark are read again.
    """
    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    emulator.admin.clear_faults()
    second = sync(config, state=state).messages
    manifests = files_in(first) + files_in(second)
    assert len(manifests) == len(set(manifests))
    records = [r for url in manifests for r in read_file(url)]
    ids = [r["Id"] for r in records]
    assert set(ids) == live_contacts(emulator)
    again = {i for i in ids if ids.count(i) > 1}
    if rest:
        bookmark = state["bookmarks"]["contact"]["replication_key_value"]
        assert {r[KEY] for r in records if r["Id"] in again} <= {bookmark}
        assert all(ids.count(i) == 2 for i in again)
    else:
        assert not again


def test_sigkill_after_a_file_resumes_at_the_next_page_without_duplicates(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    config = slow_bulk(emulator, tmp_path)
    messages, process = run_until_batches(config, tmp_path, 1, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert len(files_in(messages)) == 1
    job = messages[-1]["value"]["bookmarks"]["contact"]["bulk_job"]
    assert job["rows"] == len(read_file(files_in(messages)[0])) == SIZE
    resume_exactly_once(emulator, config, messages)
    assert emulator.admin.calls()["by_endpoint"]["bulk_query_jobs"] == 1  # the same job


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_sigterm_mid_file_final_state_covers_only_announced_files(
    emulator: RunningEmulator, tmp_path: Path, signum: int, status: int
) -> None:
    """REST pages of 25, slow: the stop lands while a file of 60 is being filled (a file
    ends mid-page, so records of the next file are already processed when the tap waits)."""
    config = contacts_config(emulator, tmp_path / "files", "rest", lookback_minutes=0)
    emulator.admin.settings(page_size=25)
    emulator.admin.add_fault(kind="latency", endpoint="query_more", delay=0.2, times=0)
    pages = Counter[str]()

    def next_page_served() -> bool:
        """A page after those of the second file was served: the tap is inside the third."""
        served = emulator.admin.calls()["by_endpoint"].get("query_more", 0)
        pages.setdefault("then", served)
        return served > pages["then"]

    messages, process = run_until_batches(config, tmp_path, 2, signum, next_page_served)
    assert process.returncode == status
    assert messages[-1]["type"] == "STATE"
    announced = [r for url in files_in(messages) for r in read_file(url)]
    bookmark = messages[-1]["value"]["bookmarks"]["contact"]["replication_key_value"]
    assert bookmark == max(r[KEY] for r in announced)  # not a record of the unfinished file
    last = (tmp_path / "stderr").read_text().strip().splitlines()[-1]
    assert "state saved for every record in announced batch files" in last
    resume_exactly_once(emulator, config, messages, rest=True)
