"""Response bodies read whole and checked complete: the one reader of the project.

A body can arrive cut short without any error from the HTTP stack: a connection closed early
when the server sent no ``Content-Length``, or a gzip stream missing its trailer (urllib3's
own decoder accepts that silently). :class:`BodyReader` reads the raw bytes, inflates gzip
itself and, at the end, requires the gzip trailer and the announced ``Content-Length``; the
session's JSON reads and the Bulk CSV pages both go through it. A body saved by a background
thread (:func:`save_raw`) is saved as received and goes through the same reader when it is read.
"""

from __future__ import annotations

import io
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from salesforce_common.errors import SalesforceError

ACCEPT_GZIP = {"Accept-Encoding": "gzip"}
"""Request headers asking for a gzip body: smaller, and its trailer proves it complete."""
CHUNK_BYTES = 64 * 1024
"""Bytes read from the network at a time."""
BODY_ERRORS: tuple[type[Exception], ...] = (
    urllib3.exceptions.HTTPError,
    requests.RequestException,
    OSError,
)
"""Errors of a body that breaks off while it is read (a dropped or reset connection)."""


class TruncatedBodyError(SalesforceError):
    """A response body ended before its end, or is not what it claims to be.

    Raised for a body shorter than its ``Content-Length``, a gzip body without its trailer
    (or not gzip at all), a CSV body whose last row has no line ending or that is cut inside
    a quoted value, and a page holding fewer rows than its ``Sforce-NumberOfRecords``.
    """


SAVE_CHUNK_BYTES = 1024 * 1024
"""Bytes copied at a time by :func:`save_raw` (few, large reads and writes: a thread saving a
body gets the interpreter lock back after each one, so fewer waits behind a busy reader)."""


@dataclass
class SavedBody:
    """A response's headers and its raw (undecoded) body saved to a temporary file."""

    headers: Mapping[str, str]
    file: IO[bytes]

    def close(self) -> None:
        """Delete the file."""
        self.file.close()


def save_raw(response: requests.Response) -> SavedBody:
    """Copy a response's body, as received (gzip stays compressed), to a temporary file.

    Nothing is checked here: :class:`BodyReader` checks the saved body as it reads it, as it
    would the response.

    Args:
        response: A response requested with ``stream=True`` (closed on return).

    Returns:
        The headers and the file, positioned at its start.
    """
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by SavedBody.close)
    try:
        for chunk in response.raw.stream(SAVE_CHUNK_BYTES, decode_content=False):
            file.write(chunk)
        headers = CaseInsensitiveDict(response.headers)
    except BaseException:
        file.close()
        raise
    finally:
        response.close()
    file.seek(0)
    return SavedBody(headers, file)


class BodyReader(io.RawIOBase):
    """A response body as a binary stream: decompressed here, and checked complete at its end.

    Reads the raw bytes (``decode_content=False``), inflates a ``Content-Encoding: gzip``
    body with ``zlib`` and, once the connection has delivered everything, raises
    :class:`TruncatedBodyError` unless the gzip stream reached its trailer and the byte count
    matches ``Content-Length`` (when sent).

    Args:
        response: A response requested with ``stream=True``.

    Attributes:
        last_byte: The last byte of the decoded body read so far (``b""`` before any).
    """

    def __init__(self, source: requests.Response | SavedBody) -> None:
        """Wrap the response's raw body, or a body :func:`save_raw` saved."""
        super().__init__()
        if isinstance(source, SavedBody):
            self._chunks: Iterator[bytes] = iter(partial(source.file.read, CHUNK_BYTES), b"")
        else:
            self._chunks = source.raw.stream(CHUNK_BYTES, decode_content=False)
        encoding = (source.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in {"gzip", "identity"}:
            raise SalesforceError(
                f"unexpected Content-Encoding {encoding!r} of a response (asked for gzip)"
            )
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
        length = (source.headers.get("Content-Length") or "").strip()
        self._expected = int(length) if length.isdigit() else None
        self._received = 0
        self._pending = memoryview(b"")
        self._ended = False
        self.last_byte = b""

    def readable(self) -> bool:
        """Always True."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with decoded bytes; 0 at the (verified) end of the body.

        Args:
            buffer: A writable buffer.

        Returns:
            The number of bytes written.

        Raises:
            TruncatedBodyError: The body ended early (see the class docstring).
        """
        while not self._pending and not self._ended:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._pending = memoryview(self._finish())
                self._ended = True
                break
            self._received += len(chunk)
            self._pending = memoryview(self._inflate_chunk(chunk) if self._inflate else chunk)
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        if size:
            self.last_byte = bytes(self._pending[size - 1 : size])
        self._pending = self._pending[size:]
        return size

    def _inflate_chunk(self, chunk: bytes) -> bytes:
        assert self._inflate is not None
        try:
            return self._inflate.decompress(chunk)
        except zlib.error as exc:
            raise TruncatedBodyError(f"the gzip body is corrupt ({exc})") from None

    def _finish(self) -> bytes:
        """Check the body is complete; the decompressor's last bytes."""
        if self._expected is not None and self._received != self._expected:
            raise TruncatedBodyError(
                f"the body held {self._received} of its {self._expected} bytes (Content-Length)"
            )
        if self._inflate is None:
            return b""
        tail = self._inflate.flush()
        if not self._inflate.eof:
            raise TruncatedBodyError(
                f"the gzip body ended without its trailer after {self._received} bytes"
            )
        return tail


def complete_body(response: requests.Response) -> bytes:
    """Read a whole response body (requested with ``stream=True``), checked complete.

    Args:
        response: The response.

    Returns:
        The decoded body.

    Raises:
        TruncatedBodyError: The body ended early (gzip trailer or ``Content-Length``).
        OSError: Or another of :data:`BODY_ERRORS`: the connection broke off.
    """
    try:
        body = BodyReader(response)
        data = body.read()
    except BaseException:
        response.close()
        raise
    response.raw.release_conn()
    return data or b""
