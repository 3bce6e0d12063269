"""STATE is passed on only after every earlier record is written; kill and resume is safe."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import time
from contextlib import redirect_stdout

from target_salesforce_contacts.target import TargetSalesforceContacts
from tsc_support import (
    EXECUTABLE,
    by_email,
    person,
    record,
    run_target,
    schema,
    singer_text,
    state,
    target_config,
)


def test_states_follow_the_batches_that_cover_them(emulator, tmp_path):
    messages = [
        schema(),
        record(person(1, "st.io")),
        record(person(2, "st.io")),
        state({"s": 1}),  # records 1-2 are written (batch of 2): passed on at once
        record(person(3, "st.io")),
        state({"s": 2}),  # record 3 pending: held until its batch is written
        record(person(4, "st.io")),
        state({"s": 3}),
        state({"s": 3}),  # unchanged: not repeated
    ]
    # One request at a time: no pipelining, so each batch is written before the next message
    # is read and its STATE goes out at once (test_target_pipeline covers pipelined batches).
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_parallel_requests=1)
    run = run_target(config, messages)
    assert run.error is None
    assert run.states == [{"s": 1}, {"s": 2}, {"s": 3}]


def test_a_state_waits_for_every_stream(emulator, tmp_path):
    # Not pipelined (see above): a's batch is written by the time its last record is handled.
    config = target_config(emulator, tmp_path, batch_size_rows=2, max_parallel_requests=1)
    target = TargetSalesforceContacts(config=config)
    out = io.StringIO()
    with redirect_stdout(out):
        target.process_lines(
            io.StringIO(
                singer_text(
                    [
                        schema("a"),
                        schema("b"),
                        record(person(1, "streams.io"), "a"),
                        record(person(2, "streams.io"), "b"),
                        state({"s": 1}),
                        record(person(3, "streams.io"), "b"),  # b's batch is written
                    ]
                )
            )
        )
        assert out.getvalue() == ""  # a's record 1 is not written yet: STATE held
        target.process_lines(io.StringIO(singer_text([record(person(4, "streams.io"), "a")])))
        assert out.getvalue() == '{"s": 1}\n'  # a's batch is written: now it may go
        target.process_endofpipe()
    assert out.getvalue() == '{"s": 1}\n'
    assert target.sync.stats.created == 4


def test_no_state_is_passed_on_when_a_batch_fails(emulator, tmp_path):
    emulator.admin.add_fault(endpoint="bulk_ingest_upload", status=500, times=0)
    config = target_config(emulator, tmp_path, max_retries=0)
    run = run_target(config, [schema(), record(person(1, "fail.io")), state({"s": 1})])
    assert run.error is not None
    assert run.states == []


def test_killed_mid_run_then_resumed_creates_no_duplicate(emulator, tmp_path):
    batches = 3
    size = 40
    messages = [schema()]
    for batch in range(batches):
        messages += [record(person(batch * size + n, "kill.io")) for n in range(1, size + 1)]
        messages.append(state({"bookmark": (batch + 1) * size}))
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(target_config(emulator, tmp_path, batch_size_rows=size)))
    # The second batch's lookup hangs: the process is killed while it waits.
    emulator.admin.add_fault(kind="latency", delay=30, endpoint="query", skip=1)
    process = subprocess.Popen(
        [str(EXECUTABLE), "--config", str(config_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(singer_text(messages))
    process.stdin.close()
    first_state = json.loads(process.stdout.readline())
    time.sleep(0.3)
    process.kill()
    process.wait(timeout=10)
    process.stdout.close()
    assert first_state == {"bookmark": size}
    assert len(by_email(emulator, "kill.io")) == size
    emulator.admin.clear_faults()

    # Resume from the tap's side: everything after the last STATE the target passed on.
    cut = messages.index(state(first_state)) + 1
    resumed = subprocess.run(
        [str(EXECUTABLE), "--config", str(config_path)],
        input=singer_text([schema(), *messages[cut:]]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.stdout.splitlines()[-1] == json.dumps({"bookmark": batches * size})
    # Or replay the same input from the start: everything already there is unchanged.
    replayed = subprocess.run(
        [str(EXECUTABLE), "--config", str(config_path)],
        input=singer_text(messages),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    assert f"created=0 updated=0 unchanged={batches * size}" in replayed.stderr
    found = by_email(emulator, "kill.io")
    assert len(found) == batches * size
    assert all(len(contacts) == 1 for contacts in found.values())


def test_sigterm_while_writing_finishes_the_batch_then_exits(emulator, tmp_path):
    # Writing the batch again from the signal handler could repeat the create in flight.
    emulator.admin.add_fault(kind="latency", delay=2.0, endpoint="bulk_ingest_job", method="PATCH")
    config_path = tmp_path / "target.json"
    config_path.write_text(json.dumps(target_config(emulator, tmp_path)))
    messages = [schema(), *(record(person(n, "term.io")) for n in range(20)), state({"s": 1})]
    input_path = tmp_path / "input.singer"
    input_path.write_text(singer_text(messages), encoding="utf-8")
    with input_path.open(encoding="utf-8") as stdin:
        process = subprocess.Popen(
            [str(EXECUTABLE), "--config", str(config_path)],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
    deadline = time.monotonic() + 30
    while not emulator.admin.calls()["by_endpoint"].get("bulk_ingest_upload"):
        assert time.monotonic() < deadline, "the target never uploaded the batch"
        time.sleep(0.05)
    time.sleep(0.3)  # the close of the job is now in flight
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, stderr[-2000:]
    assert stdout.splitlines() == ['{"s": 1}']
    found = by_email(emulator, "term.io")
    assert len(found) == 20
    assert all(len(contacts) == 1 for contacts in found.values())
    assert "finishing the batch being written" in stderr
