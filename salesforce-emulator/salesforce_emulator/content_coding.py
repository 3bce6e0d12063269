"""HTTP content coding as Salesforce does it: gzip answers when asked, gzip request bodies.

Salesforce compresses REST and Bulk answers for a request whose ``Accept-Encoding`` names
gzip, and accepts request bodies sent with ``Content-Encoding: gzip``. A gzip stream ends with a
CRC-32 and length trailer, so an answer cut short is detectable by a careful client.
"""

from __future__ import annotations

import zlib

GZIP_LEVEL = 1
"""zlib level for answers: cheap enough that paging throughput holds (measured in the README)."""
GZIP_WBITS = 16 + zlib.MAX_WBITS
"""zlib window bits that write (and read) a gzip header and trailer."""
COMPRESSIBLE = ("application/json", "text/csv", "text/xml", "application/xml", "text/plain")
"""Media types of the API's own answers (an HTML page from the front end is sent as is)."""
GZIP_CODINGS = ("gzip", "x-gzip")


def accepts_gzip(accept_encoding: str) -> bool:
    """True when an ``Accept-Encoding`` value allows gzip (``gzip``, ``x-gzip`` or ``*``, q > 0)."""
    explicit: bool | None = None
    wildcard = False
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding in GZIP_CODINGS:
            explicit = quality > 0
        elif coding == "*":
            wildcard = quality > 0
    return wildcard if explicit is None else explicit


def gzip_bytes(data: bytes) -> bytes:
    """``data`` as one gzip member."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)
    return compressor.compress(data) + compressor.flush()


def gzip_prefix(data: bytes, cut: int) -> tuple[bytes, int]:
    """The gzip bytes a streaming server has sent when ``data`` is cut at byte ``cut``.

    Returns (prefix, whole length): ``prefix`` begins the gzip stream of all of ``data`` and
    decompresses to exactly ``data[:cut]`` (it is flushed there); the rest of the stream and
    its trailer are missing.
    """
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)
    prefix = compressor.compress(data[:cut]) + compressor.flush(zlib.Z_SYNC_FLUSH)
    rest = compressor.compress(data[cut:]) + compressor.flush()
    return prefix, len(prefix) + len(rest)


def gunzip(data: bytes) -> bytes:
    """A gzip request body, decompressed; ``ValueError`` when it is not whole, valid gzip."""
    decompressor = zlib.decompressobj(GZIP_WBITS)
    try:
        out = decompressor.decompress(data) + decompressor.flush()
    except zlib.error as exc:
        raise ValueError(f"invalid gzip body: {exc}") from exc
    if not decompressor.eof:
        raise ValueError("gzip body ends before its trailer")
    return out
