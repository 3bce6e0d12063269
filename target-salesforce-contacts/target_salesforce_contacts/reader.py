"""Reading Singer input: every bad line becomes one numbered error after the good ones.

The SDK's reader raises (with a traceback) on a line that is not JSON, on a RECORD before
its SCHEMA and on an unknown message type, and fails inside the SDK on an ACTIVATE_VERSION
before its SCHEMA. This reader, plugged in through the public ``message_reader_class``,
stops at the first bad line instead and keeps the error: the target then writes every
record read before it, passes on its STATE and ends with one line naming the line
(``TargetSalesforceContacts.process_endofpipe``). An ACTIVATE_VERSION for a stream without
a SCHEMA is ignored with a warning, as this target ignores ACTIVATE_VERSION anyway.
"""

from __future__ import annotations

import decimal
import json
import logging
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import IO, Any

import msgspec
from singer_sdk.io_base import SingerMessageType, SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json
from typing_extensions import override

from target_salesforce_contacts.errors import InputError, RecordBeforeSchemaError

logger = logging.getLogger("target_salesforce_contacts")

REQUIRED_KEYS: Mapping[str, tuple[str, ...]] = {
    SingerMessageType.SCHEMA: ("stream", "schema"),
    SingerMessageType.RECORD: ("stream", "record"),
    SingerMessageType.STATE: ("value",),
    SingerMessageType.ACTIVATE_VERSION: ("stream", "version"),
    SingerMessageType.BATCH: ("stream", "encoding", "manifest"),
}
"""Keys each message type needs."""

NEEDS_SCHEMA = frozenset({SingerMessageType.RECORD, SingerMessageType.BATCH})
"""Message types that are an error before their stream's SCHEMA."""
BEFORE_SCHEMA = " before its SCHEMA"


_DECODER = msgspec.json.Decoder(float_hook=decimal.Decimal)
"""Decodes a line as the SDK does (numbers with a fraction or exponent as ``Decimal``)."""


def decode_line(line: str) -> Any:
    """One input line, decoded by msgspec; the SDK's decoder for what msgspec refuses.

    msgspec is several times faster per line and yields the same values (``Decimal`` for
    numbers with a fraction or exponent). It is stricter on a few inputs ``json`` accepts
    (``NaN``, lone surrogates), and its errors differ: those lines go to the SDK's
    ``deserialize_json``, which decodes them or raises the ``JSONDecodeError`` the reader
    reports.

    Args:
        line: One line of input.

    Returns:
        The decoded JSON value.

    Raises:
        json.JSONDecodeError: The line is not valid JSON.
    """
    try:
        return _DECODER.decode(line)
    except msgspec.DecodeError:
        return deserialize_json(line)


class CheckedSingerReader(SingerReader):
    """A Singer reader that stops at the first bad line and keeps a one-line error for it.

    Attributes:
        error: The error of the line reading stopped at, None while every line was good.
        line_number: Lines read so far (across calls to :meth:`process_lines`).
        known_streams: The streams that had a SCHEMA (set by the target).
    """

    def __init__(self) -> None:
        """Start before the first line."""
        super().__init__()
        self.error: InputError | None = None
        self.line_number = 0
        self.known_streams: Callable[[], Collection[str]] = tuple

    @override
    def process_lines(
        self,
        file_input: IO[str] | None,
        callbacks: dict[str, Callable[[dict], None]],
    ) -> Counter[str]:
        """Hand each message to its callback; stop at the first bad line (see :attr:`error`).

        Args:
            file_input: Readable stream of messages, one per line (default: stdin).
            callbacks: Message type -> handler.

        Returns:
            Messages handled, by type.
        """
        stats: Counter[str] = Counter()
        if self.error is not None:
            return stats
        for line in file_input or self.default_input:
            self.line_number += 1
            if not line.strip():
                continue
            kind, problem = self._handle(line, callbacks)
            if problem is not None:
                error = RecordBeforeSchemaError if problem.endswith(BEFORE_SCHEMA) else InputError
                self.error = error(
                    f"input line {self.line_number} {problem}; every record before it was "
                    "written and its STATE passed on: fix the input and rerun from that STATE"
                )
                break
            stats[kind] += 1
        return stats

    def _handle(
        self, line: str, callbacks: Mapping[str, Callable[[dict], None]]
    ) -> tuple[str, str | None]:
        """Check and hand on one line: (its type, what is wrong with it or None)."""
        try:
            message = decode_line(line)
        except json.JSONDecodeError as exc:
            cut = " (the line looks cut short)" if exc.pos >= len(line.rstrip()) else ""
            return "", f"is not valid JSON: {exc.msg} at column {exc.colno}{cut}"
        if not isinstance(message, dict) or "type" not in message:
            return "", 'is not a Singer message (a JSON object with a "type")'
        kind = str(message["type"])
        return kind, self._dispatch(kind, message, callbacks)

    def _dispatch(
        self, kind: str, message: dict[str, Any], callbacks: Mapping[str, Callable[[dict], None]]
    ) -> str | None:
        """Hand a message to its callback; return what is wrong with it, None when fine."""
        if kind not in callbacks:
            return (
                f"has an unknown message type {kind[:40]!r} (expected SCHEMA, RECORD, STATE, "
                "ACTIVATE_VERSION or BATCH)"
            )
        missing = [key for key in REQUIRED_KEYS.get(kind, ()) if key not in message]
        if missing:
            return f"is a {kind} message without {', '.join(repr(k) for k in missing)}"
        stream = message.get("stream")
        if kind == SingerMessageType.ACTIVATE_VERSION and stream not in self.known_streams():
            logger.warning(
                "Input line %d: ACTIVATE_VERSION for stream %r before its SCHEMA; ignored",
                self.line_number,
                stream,
            )
            return None
        if kind in NEEDS_SCHEMA and stream not in self.known_streams():
            return f"is a {kind} for stream {str(stream)[:80]!r}{BEFORE_SCHEMA}"
        try:
            callbacks[kind](message)
        except InvalidInputLine as exc:
            return f"is not a valid {kind} message: {str(exc).split(':', 1)[0]}"
        return None
