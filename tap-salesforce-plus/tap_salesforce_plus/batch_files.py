"""BATCH messages: a stream's records cut into batch files at its resume points.

With ``batch_config`` set, a SOQL stream writes its records into files under
``batch_config.storage.root`` (a folder, or an object store through fsspec, e.g. ``s3://``)
as gzip JSON Lines (streamed record by record, in the SDK encoder's format) or Parquet
(written as the SDK's encoder writes it, from the file's records), and the SDK writes one
BATCH message per file, then a STATE message. A file ends where the state is a resume point:

* a Bulk API 2.0 read ends a file after each result page (the read saves the next page's
  locator there); pages then hold at most ``batch_config.batch_size`` rows, so a file is one
  page;
* a REST read ends a file every ``batch_size`` records (its bookmark follows each record);
* the end of the stream ends the last file.

So the STATE that follows a BATCH message covers exactly the records of the files announced,
never one of a file still being written: no STATE is written inside a file, and on SIGTERM or
SIGINT the tap repeats the last STATE written. A killed run resumes at the next page (Bulk) or
after the bookmark (REST); a file is never announced twice (each has a new name).
"""

from __future__ import annotations

import gzip
import importlib.util
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from uuid import uuid4

from salesforce_common import ConfigError
from singer_sdk.singerlib.json import serialize_json

from tap_salesforce_plus.sdk_compat import BaseBatchFileEncoding, BatchConfig, StorageTarget

FORMATS = ("jsonl", "parquet")
COMPRESSIONS = ("gzip", "none", None)
GZIP_LEVEL = 6
"""zlib's default level: about the size of level 9 at a fraction of its CPU."""
MODULES = {"parquet": "pyarrow", "s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs"}
"""The module a format or storage scheme needs (a missing one is reported before any read)."""


def batch_config_of(config: Mapping[str, Any]) -> BatchConfig | None:
    """The ``batch_config`` setting, checked (None when unset).

    Args:
        config: The tap config.

    Returns:
        The batch configuration.

    Raises:
        ConfigError: A missing or wrong part, in one line naming it.
    """
    raw = config.get("batch_config")
    if not raw:
        return None
    if not isinstance(raw, Mapping):
        raise ConfigError("batch_config: must be an object with encoding and storage")
    encoding, storage = raw.get("encoding") or {}, raw.get("storage") or {}
    fmt, compression = encoding.get("format"), encoding.get("compression")
    if fmt not in FORMATS:
        raise ConfigError(f"batch_config.encoding.format: {fmt!r} is not one of jsonl, parquet")
    if compression not in COMPRESSIONS:
        raise ConfigError(
            f"batch_config.encoding.compression: {compression!r} is not one of gzip, none"
        )
    if fmt == "jsonl" and compression != "gzip":
        raise ConfigError(
            "batch_config.encoding.compression: jsonl batch files are always gzip-compressed "
            "(the SDK's encoder); set it to gzip"
        )
    root = storage.get("root")
    if not isinstance(root, str) or not root.strip():
        raise ConfigError(
            "batch_config.storage.root: required, a folder or a URL such as s3://bucket/prefix"
        )
    params = storage.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError("batch_config.storage.params: must be an object (fsspec options)")
    size = raw.get("batch_size", 10_000)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(f"batch_config.batch_size: {size!r} is not a positive integer")
    scheme = root.split("://", 1)[0] if "://" in root else "file"
    for need in (fmt, scheme):
        module = MODULES.get(need)
        if module is not None and importlib.util.find_spec(module) is None:
            raise ConfigError(
                f"batch_config: {need} batch files need the Python package {module}, which is "
                f"not installed beside the tap (install the tap with its extra, e.g. "
                f"singer-sdk[{'parquet' if need == 'parquet' else need}])"
            )
    return BatchConfig(
        encoding=BaseBatchFileEncoding(format=fmt, compression=compression),
        storage=StorageTarget(root=root, prefix=storage.get("prefix"), params=dict(params)),
        batch_size=size,
    )


class BatchFiles:
    """Cuts a stream's records into batch files and writes each as its records arrive.

    A JSON Lines file is written record by record (memory holds one record, not a file); a
    Parquet file is built from the file's records, as the SDK's encoder builds it.

    Args:
        tap_name: The tap's name (in file names).
        stream_name: The stream's name (in file names).
        config: The batch configuration.
        cut_every: Whether a file also ends after ``batch_size`` records (False while a
            read marks its own resume points, see :meth:`resume_point`).

    Attributes:
        files: Batch files written by this stream.
    """

    def __init__(
        self,
        tap_name: str,
        stream_name: str,
        config: BatchConfig,
        cut_every: Callable[[], bool],
    ) -> None:
        """Prepare the files of one stream."""
        self.tap_name, self.stream_name, self.config = tap_name, stream_name, config
        self.cut_every = cut_every
        self._point = False
        self._pending: list[dict[str, Any]] = []
        self.files = 0

    def resume_point(self) -> None:
        """The records yielded so far end a file (the state is a resume point here)."""
        self._point = True

    def batches(
        self, records: Iterator[dict[str, Any]]
    ) -> Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
        """Write the records into files, one manifest per file once it is complete.

        Args:
            records: The stream's records, as the SDK processes them (state moved).

        Yields:
            ``(encoding, [file URL])`` for each file.
        """
        self._point = False
        while True:
            content = self._file(records)
            first = next(content, None)
            if first is None:
                return
            manifest = self._write(itertools.chain((first,), content))
            self.files += 1
            yield self.config.encoding, manifest

    def _write(self, records: Iterable[dict[str, Any]]) -> list[str]:
        """Write one file; its manifest once it is complete (closed, committed)."""
        storage = self.config.storage
        base = f"{storage.prefix or ''}{self.tap_name}--{self.stream_name}-{uuid4()}-1"
        if self.config.encoding.format != "jsonl":
            return [self._write_parquet(base, records)]
        # The SDK JSON Lines encoder's names and content, without holding the file's records.
        name = f"{base}.json.gz"
        with (
            storage.open(name, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL) as out,
        ):
            for record in records:
                out.write((serialize_json(record) + "\n").encode())
        return [storage.get_url(name)]

    def _write_parquet(self, base: str, records: Iterable[dict[str, Any]]) -> str:
        """Write one Parquet file as the SDK's Parquet encoder does; its URL.

        The SDK's encoder names files ``...=1.parquet``, and a local folder's manifest then
        holds ``%3D``, which the SDK's own sinks cannot open; hence the name here.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        gzipped = self.config.encoding.compression == "gzip"
        name = f"{base}.parquet.gz" if gzipped else f"{base}.parquet"
        table = pa.Table.from_pylist(list(records))
        with self.config.storage.open(name, "wb") as out:
            pq.write_table(table, out, compression="gzip" if gzipped else "snappy")
        return self.config.storage.get_url(name)

    def _file(self, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The records of one file: up to a resume point, or ``batch_size`` records."""
        count = 0
        if self._pending:
            count += 1
            yield self._pending.pop()
        for record in records:
            if self._point and count:  # marked while this record was read: the next file's
                self._pending.append(record)
                self._point = False
                return
            self._point = False
            count += 1
            yield record
            if count >= self.config.batch_size and self.cut_every():
                return
