"""Bad input lines: what came before is written and its STATE passed on, then one line.

Also: files holding whole records are created 0600 and stay 0600 when appended to.
"""

from __future__ import annotations

import json
import stat
import subprocess

import pytest
from tsc_support import (
    EXECUTABLE,
    CliRun,
    by_email,
    person,
    read_jsonl,
    record,
    run_cli,
    schema,
    singer_text,
    state,
    target_config,
)


def run_text(emulator, tmp_path, text: str, **settings):
    config = target_config(emulator, tmp_path, **settings)
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    result = subprocess.run(
        [str(EXECUTABLE), "--config", str(config_path)],
        input=text,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    return CliRun(result.returncode, result.stdout, result.stderr)


def assert_one_line(run, *parts: str) -> None:
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    [line] = run.errors()
    for part in parts:
        assert part in line


def test_a_cut_off_last_line_keeps_the_complete_records_before_it(emulator, tmp_path):
    complete = [schema(), *(record(person(n, "cut.io")) for n in range(1, 101))]
    complete.append(state({"bookmark": 100}))
    cut = json.dumps(record(person(101, "cut.io")))[:37]
    run = run_text(emulator, tmp_path, singer_text(complete) + cut)
    assert_one_line(run, "input line 103 is not valid JSON", "cut short")
    assert run.states == [{"bookmark": 100}]
    found = by_email(emulator, "cut.io")
    assert len(found) == 100
    assert all(len(contacts) == 1 for contacts in found.values())


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("this is not json\n", "input line 4 is not valid JSON"),
        ('{"type": "RECORD", "stream": "later", "record": {}}\n', "before its SCHEMA"),
        ('{"type": "SURPRISE"}\n', "unknown message type 'SURPRISE'"),
        ('{"type": "RECORD", "stream": "people"}\n', "without 'record'"),
        ("[1, 2]\n", "is not a Singer message"),
    ],
    ids=["not-json", "record-before-schema", "unknown-type", "missing-key", "not-an-object"],
)
def test_a_bad_line_is_one_line_after_writing_what_came_before(emulator, tmp_path, bad, expected):
    domain = f"bad{len(bad)}.io"
    before = [schema(), record(person(1, domain)), state({"s": 1})]
    after = [record(person(2, domain)), state({"s": 2})]
    text = singer_text(before) + bad + singer_text(after)
    run = run_text(emulator, tmp_path, text)
    assert_one_line(run, expected, "input line 4")
    assert run.states == [{"s": 1}]
    assert set(by_email(emulator, domain)) == {f"user1@{domain}"}


def test_activate_version_before_schema_is_ignored_with_a_warning(emulator, tmp_path):
    messages = [
        {"type": "ACTIVATE_VERSION", "stream": "people", "version": 1},
        schema(),
        record(person(1, "av.io")),
        {"type": "ACTIVATE_VERSION", "stream": "people", "version": 2},
        state({"s": 1}),
    ]
    run = run_cli(target_config(emulator, tmp_path), messages, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert "ACTIVATE_VERSION for stream 'people' before its SCHEMA; ignored" in run.stderr
    assert run.states == [{"s": 1}]
    assert set(by_email(emulator, "av.io")) == {"user1@av.io"}


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_dead_letters_are_private_and_stay_private(emulator, tmp_path):
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_text("", encoding="utf-8")
    rejects.chmod(0o644)  # left by an older version
    messages = [schema(), record({"email": "not-an-email", "last_name": "X"})]
    for _ in range(2):
        run = run_cli(target_config(emulator, tmp_path), messages, tmp_path)
        assert run.returncode == 0, run.stderr[-3000:]
        assert mode(rejects) == 0o600
    assert len(read_jsonl(rejects)) == 2


def test_a_new_dead_letter_file_and_the_plan_are_created_private(emulator, tmp_path):
    messages = [schema(), record({"email": "nope", "last_name": "X"})]
    run = run_cli(target_config(emulator, tmp_path), messages, tmp_path)
    assert run.returncode == 0
    assert mode(tmp_path / "rejects.jsonl") == 0o600
    dry = run_cli(target_config(emulator, tmp_path, dry_run=True), messages, tmp_path)
    assert dry.returncode == 0
    assert mode(tmp_path / "plan.jsonl") == 0o600


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"email_field": "work_email"}, "email_field 'work_email' is not a property"),
        ({"email_field": "person.email"}, "email_field 'person.email' is not a property"),
        ({"field_mapping": {"job.title": "Title"}}, "field_mapping source(s) job.title not in"),
    ],
)
def test_a_configured_source_missing_from_the_schema_fails_before_any_write(
    emulator, tmp_path, settings, named
):
    calls_before = emulator.admin.calls()["total"]
    messages = [
        schema("people", {"email": {"type": "string"}, "last_name": {"type": "string"}}),
        record(person(1, "missing.example.com")),
        state({"people": 1}),
    ]
    run = run_cli(target_config(emulator, tmp_path, **settings), messages, tmp_path)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    last = [line for line in run.stderr.splitlines() if line.strip()][-1]
    assert "stream people" in last
    assert named in last
    assert run.stdout == ""  # no STATE passed on
    writes = emulator.admin.calls()["by_endpoint"]
    assert not any(k.startswith(("composite_sobjects", "bulk_ingest")) for k in writes)
    assert emulator.admin.calls()["total"] - calls_before <= 3  # login, describe: no lookup
