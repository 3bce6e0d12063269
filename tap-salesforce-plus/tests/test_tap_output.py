"""The tap's message writer: RECORDs buffered, every other message writes them out first."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage
from tap_salesforce_plus.termination import OUTPUT_BUFFER_BYTES, SignalSafeWriter


class FakeStdout:
    """``sys.stdout`` writing to memory."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def flush(self) -> None:
        self.buffer.flush()


def fake_stdout(monkeypatch: pytest.MonkeyPatch) -> FakeStdout:
    """Replace ``sys.stdout`` in the test's body (pytest swaps it again between phases)."""
    fake = FakeStdout()
    monkeypatch.setattr(sys, "stdout", fake)
    return fake


def lines(out: FakeStdout) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.buffer.getvalue().splitlines()]


def test_records_wait_in_the_buffer_and_a_state_writes_them_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = fake_stdout(monkeypatch)
    writer = SignalSafeWriter()
    writer.write_message(SchemaMessage("s", {"type": "object"}, ["Id"]))
    for n in range(3):
        writer.write_message(RecordMessage(stream="s", record={"Id": str(n), "n": n}))
    assert [m["type"] for m in lines(out)] == ["SCHEMA"]  # records not written yet
    writer.write_message(StateMessage({"bookmarks": {"s": {"n": 2}}}))
    written = lines(out)
    assert [m["type"] for m in written] == ["SCHEMA", "RECORD", "RECORD", "RECORD", "STATE"]
    assert [m["record"]["Id"] for m in written if m["type"] == "RECORD"] == ["0", "1", "2"]


def test_a_full_buffer_is_written_out_whole_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    out = fake_stdout(monkeypatch)
    writer = SignalSafeWriter()
    record = {"Id": "x", "text": "y" * 1000}
    count = OUTPUT_BUFFER_BYTES // 1000 + 10
    for _ in range(count):
        writer.write_message(RecordMessage(stream="s", record=record))
    written = out.buffer.getvalue()
    assert written  # the buffer filled up and was written out
    assert written.endswith(b"\n")  # never half a message
    assert len(written.splitlines()) < count
    writer.flush_records()
    assert len(out.buffer.getvalue().splitlines()) == count
