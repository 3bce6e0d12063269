"""What the tap relies on in singer-sdk beyond its public API, pinned in one place.

``tap_salesforce_plus.sdk_compat`` is the only module that names a private SDK member; these
tests fail when an SDK upgrade changes one of them (or when another module starts using one).
Also: the SDK sends every request through the stream's public ``requests_session`` (the
transport into ``SalesforceSession``), and ``is_sorted`` follows the read being done.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
from salesforce_emulator.pytest_plugin import RunningEmulator
from singer_sdk import RESTStream
from singer_sdk.plugin_base import BaseSingerWriter, PluginBase
from singer_sdk.streams.core import Stream
from tap_salesforce_plus import sdk_compat
from tap_salesforce_plus.client import SessionTransport
from tap_salesforce_plus.streams import SoqlStream
from tap_salesforce_plus.tap import TapSalesforcePlus
from tap_salesforce_plus.termination import SignalSafeWriter
from tapsf_support import make_tap, shared_emulator

PACKAGE = Path(sdk_compat.__file__).parent

EXPECTED_SIGNATURES = {
    ("singer_sdk.streams.core.Stream", "_increment_stream_state"): [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("latest_record", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("context", inspect.Parameter.KEYWORD_ONLY, None),
    ],
    ("singer_sdk.streams.core.Stream", "_generate_record_messages"): [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("record", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
    ],
    ("singer_sdk.streams.core.Stream", "_write_activate_version_message"): [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("full_table_version", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
    ],
    ("singer_sdk.streams.core.Stream", "_sync_records"): [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("context", inspect.Parameter.POSITIONAL_OR_KEYWORD, None),
        ("write_messages", inspect.Parameter.KEYWORD_ONLY, True),
    ],
    ("singer_sdk.tap_base.Tap", "_handle_termination"): [
        ("self", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("signum", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("frame", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
    ],
}

PRIVATE_SDK_USES = re.compile(
    r"super\(\)\._(?!_)|\._write_state_message|_increment_stream_state|\b_request\(|"
    r"_validate_config|\._config\b|is_flushed|_write_request_duration_log|\._tap\b|"
    r"_state_manager|_sync_records|_requests_session"
)


def resolve(qualified_class: str, member: str) -> object:
    module, _, name = qualified_class.rpartition(".")
    return getattr(getattr(importlib.import_module(module), name), member)


def test_every_private_member_used_is_pinned() -> None:
    assert set(sdk_compat.PRIVATE_MEMBERS) == set(EXPECTED_SIGNATURES)


@pytest.mark.parametrize(("owner", "member"), sorted(EXPECTED_SIGNATURES), ids=str)
def test_private_member_signature_is_unchanged(owner: str, member: str) -> None:
    parameters = inspect.signature(resolve(owner, member)).parameters.values()  # type: ignore[arg-type]
    assert [(p.name, p.kind, p.default) for p in parameters] == EXPECTED_SIGNATURES[owner, member]


def test_sdk_sync_loop_still_calls_the_bookmark_hook() -> None:
    assert "self._increment_stream_state(record, context=" in inspect.getsource(
        Stream._sync_records
    )


def test_sdk_record_messages_are_selection_walk_conformance_and_stream_maps() -> None:
    """What the tap's fast path replaces: if the SDK adds a step, this fails."""
    source = inspect.getsource(Stream._generate_record_messages)
    body = [line.strip() for line in source.split('"""')[2].splitlines() if line.strip()]
    assert body == [
        "schema = self.effective_schema",
        "pop_deselected_record_properties(record, self.schema, self.mask)",
        "record = conform_record_data_types(",
        "stream_name=self.name,",
        "record=record,",
        "schema=schema,",
        "level=self.TYPE_CONFORMANCE_LEVEL,",
        "logger=self.logger,",
        ")",
        "for stream_map in self.stream_maps:",
        "mapped_record = stream_map.transform(record)",
        "# Emit record if not filtered",
        "if mapped_record is not None:",
        "yield singer.RecordMessage(",
        "stream=stream_map.stream_alias,",
        "record=mapped_record,",
        "version=self._stream_version,",
        "time_extracted=utc_now(),",
        ")",
    ]


def test_sdk_stamps_records_with_the_stream_version() -> None:
    assert "version=self._stream_version" in inspect.getsource(Stream._generate_record_messages)
    assert "self._stream_version: int | None = None" in inspect.getsource(Stream.__init__)


def test_sdk_registers_the_termination_handler_for_sigterm_and_sigint() -> None:
    source = inspect.getsource(PluginBase._setup_signal_handlers)
    assert "signal.signal(signal.SIGINT, self._handle_termination)" in source
    assert "signal.signal(signal.SIGTERM, self._handle_termination)" in source
    assert "self._setup_signal_handlers()" in inspect.getsource(PluginBase.__init__)


def test_sdk_writes_every_message_through_the_message_writer(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert TapSalesforcePlus.write_message is BaseSingerWriter.write_message
    assert "self.message_writer.write_message(message)" in inspect.getsource(
        BaseSingerWriter.write_message
    )
    tap = TapSalesforcePlus(config=shared_emulator().config(tables=["user_role"]))
    writer = tap.message_writer
    assert isinstance(writer, SignalSafeWriter)
    assert not writer.wrote
    tap.state_writer.write_state({"bookmarks": {}})  # STATE goes through the same writer
    assert writer.wrote
    assert capsysbinary.readouterr().out.startswith(b'{"type":"STATE"')


def test_sdk_sends_through_requests_session() -> None:
    source = inspect.getsource(RESTStream._request)
    assert "self.requests_session.send(" in source
    assert isinstance(inspect.getattr_static(RESTStream, "requests_session"), property)


def test_no_other_module_names_a_private_sdk_member() -> None:
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "sdk_compat.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE_SDK_USES.search(line)
    ]
    assert offenders == []


def test_streams_send_through_the_salesforce_session() -> None:
    stream = make_tap(shared_emulator().config(tables=["account"])).tap.streams["account"]
    assert isinstance(stream.requests_session, SessionTransport)
    assert stream.requests_session.sf_session is stream.sf_session


def test_is_sorted_follows_the_read(emulator: RunningEmulator) -> None:
    emulator.admin.settings(bulk={"polls_to_complete": 0})
    for api_type, during_read in (("rest", True), ("bulk", False)):
        tap = make_tap(emulator.config(tables=["account"], api_type=api_type)).tap
        stream = tap.streams["account"]
        assert isinstance(stream, SoqlStream)
        assert stream.is_sorted  # a REST read, with the replication key, would be sorted
        records = iter(stream.get_records(None))
        next(records)
        assert stream.is_sorted is during_read, api_type
        assert stream.moves_bookmark(next(records)) is during_read, api_type
        for _ in records:
            pass
        assert stream.is_sorted
