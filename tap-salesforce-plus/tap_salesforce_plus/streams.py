"""SOQL-backed streams: one generic class for tables, queries and formulas, never per object.

A :class:`SoqlStream` picks a reader for each read, REST (:class:`~.rest.RestRead`) or Bulk
API 2.0 (:class:`~.bulk.BulkRead`), yields its records, marks deletes
(:mod:`~tap_salesforce_plus.deletions`), versions full-table reads
(:mod:`~tap_salesforce_plus.table_versions`) and keeps the state.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from salesforce_common import (
    ApiQuotaGuardError,
    ConfigError,
    RequestLimitExceededError,
    SalesforceError,
)
from salesforce_common.bulk import BulkQueryClient, is_unsupported_object
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import REPLICATION_FULL_TABLE, REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_salesforce_plus import table_versions
from tap_salesforce_plus.batch_files import BatchFiles, batch_config_of
from tap_salesforce_plus.bulk import STATE_KEY, BulkJobState, BulkRead
from tap_salesforce_plus.client import SalesforceStream
from tap_salesforce_plus.deletions import (
    DELETED_AT,
    DELETED_AT_SCHEMA,
    IS_DELETED,
    deleted_records,
    deletion_time_field,
    mark_soft_delete,
)
from tap_salesforce_plus.fields import FieldFilter
from tap_salesforce_plus.rest import RestRead, count_rows
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.termination import StopGuard
from tap_salesforce_plus.values import normalize_datetime, parse_datetime
from tap_salesforce_plus.windows import Window

if TYPE_CHECKING:
    import requests
    from salesforce_common import SalesforceSession
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_salesforce_plus.clock import ServerClock
    from tap_salesforce_plus.options import TapOptions
    from tap_salesforce_plus.sdk_compat import BaseBatchFileEncoding, BatchConfig
    from tap_salesforce_plus.shape import Shape
    from tap_salesforce_plus.sources import StreamSource

RESUME_HINT = (
    "stopped cleanly in stream {stream}, state saved for every record emitted: to resume, "
    "run again with the last STATE message as --state"
)


class StateCadence:
    """When a stream emits an intermediate STATE: every N records or T seconds.

    A STATE written between records covers exactly the records emitted (bookmarks move only
    after a record is written), so a run killed mid-stream re-reads at most about N rows, or
    T seconds' worth, when resumed from its last STATE (plus the lookback window).

    Args:
        every_records: Records between STATE messages.
        every_seconds: Seconds between STATE messages (checked at each record).
        clock: Monotonic time (tests replace it).
    """

    def __init__(
        self,
        every_records: int,
        every_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start counting."""
        self.every_records, self.every_seconds, self.clock = every_records, every_seconds, clock
        self.records = 0
        self.since = clock()

    def due(self) -> bool:
        """Count one emitted record; True (and restart) when a STATE is due."""
        self.records += 1
        now = self.clock()
        if self.records < self.every_records and now - self.since < self.every_seconds:
            return False
        self.records, self.since = 0, now
        return True


class SoqlStream(SalesforceStream):
    """A stream read with SOQL, over REST or Bulk API 2.0 (see the module docstring).

    Args:
        tap: The tap.
        source: What to read.
        session: The org session.
        options: The tap settings.
        clock: Salesforce's clock (for the upper bound of reads).
        guard: Holds off a SIGTERM/SIGINT stop while the SDK processes a record.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    """Records hold exactly the queried schema fields as JSON values of the schema's types
    (datetimes already normalised); the SDK's walk over every value roughly halved throughput."""

    def __init__(
        self,
        tap: Tap,
        *,
        source: StreamSource,
        session: SalesforceSession,
        options: TapOptions,
        clock: ServerClock,
        guard: StopGuard | None = None,
    ) -> None:
        """Create the stream."""
        self.source, self.options, self.clock = source, options, clock
        self.guard = guard or StopGuard()
        schema = source.shape.schema(include_base64=options.include_base64)
        self.soft_deletes = options.include_deleted and IS_DELETED in source.shape.names
        if source.hard_deletes or self.soft_deletes:
            schema["properties"][DELETED_AT] = dict(DELETED_AT_SCHEMA)
        path = "queryAll" if options.include_deleted else "query"
        super().__init__(tap, session=session, name=source.name, schema=schema, path=path)
        self.primary_keys = list(source.primary_keys)
        self.replication_key = source.replication_key
        self._normalize = source.shape.rest_normalizer()
        self._reader: RestRead | BulkRead | None = None
        self._extras: frozenset[str] | None = None
        self._window_rows: int | None = None
        """The ``COUNT()`` of the current read's window, when one was sent."""
        self._batches: BatchFiles | None = None
        """The batch files of the current read (``batch_config``), else None."""
        # The SDK's own count-based STATE cadence, aligned with ours (StateCadence).
        self.STATE_MSG_FREQUENCY = options.state_every_records

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        """Never at the start of a read (the SDK's way): :meth:`read` writes it at the end."""
        return False

    @property
    def versions_table(self) -> bool:
        """Whether this read is full-table and ends with ACTIVATE_VERSION (the setting).

        Never with batch files: their records carry no table version, so a target activating
        one would drop them.
        """
        return (
            self.replication_method == REPLICATION_FULL_TABLE
            and self.options.emit_activate_version
            and self._batches is None
        )

    @override
    def get_batch_config(self, config: Mapping[str, Any]) -> BatchConfig | None:
        """The ``batch_config`` setting, checked (one-line ``ConfigError`` when wrong).

        Args:
            config: The tap config.

        Returns:
            The batch configuration, or None to write RECORD messages.
        """
        return batch_config_of(config)

    @override
    def get_batches(
        self, batch_config: BatchConfig, context: Context | None = None
    ) -> Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
        """Write the records into batch files cut at resume points (see :mod:`.batch_files`).

        The SDK writes a BATCH message, then a STATE message, for each file yielded; a stop
        (SIGTERM/SIGINT) waits until both are written, so that the final STATE covers the
        file. No STATE is written inside a file.

        Args:
            batch_config: The batch configuration.
            context: Stream partition context.

        Yields:
            ``(encoding, [file URL])`` once each file is complete.
        """
        self._batches = BatchFiles(
            self.tap_name,
            self.name,
            batch_config,
            cut_every=lambda: not isinstance(self._reader, BulkRead),
        )
        try:
            for batch in self._batches.batches(self.synced_records(context)):
                self.guard.holds += 1
                try:
                    yield batch
                finally:
                    self.guard.holds -= 1
                self.guard.resume()
            self.logger.info("Stream %s: %d batch files", self.name, self._batches.files)
        finally:
            self._batches = None

    @override
    def flush_state(self) -> None:
        """Emit a STATE message now; with batch files, end the current file here instead."""
        if self._batches is None:
            super().flush_state()
        else:
            self._batches.resume_point()

    @property
    @override
    def is_sorted(self) -> bool:
        """Whether the current read (else a REST read) yields rows in replication-key order."""
        if self._reader is not None:
            return self._reader.is_sorted
        return self.replication_key is not None

    @override
    def moves_bookmark(self, record: Mapping[str, Any]) -> bool:
        """Whether an emitted record advances the bookmark: as the current read says.

        Args:
            record: The record just emitted.

        Returns:
            False for reported hard deletes (they carry no replication key), Bulk rows and
            rows below the stored bookmark.
        """
        key = self.replication_key
        if record.get(DELETED_AT) is not None and (key is None or record.get(key) is None):
            return False
        return self._reader is None or self._reader.moves_bookmark(record)

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """``q`` of the REST read for the first page; later pages are ``nextRecordsUrl``."""
        if next_page_token is not None or not isinstance(self._reader, RestRead):
            return {}
        return {"q": self._reader.soql}

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        """The page's records, ``attributes`` dropped and datetimes normalised at every level."""
        normalize = self._normalize
        return map(normalize, super().parse_response(response))

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Read the stream; STATE every N records or T seconds, and before any error.

        A spent API quota stops the stream cleanly (state saved, then the error); any other
        Salesforce error also writes a STATE covering every record emitted before it is raised.

        Args:
            context: Stream partition context.

        Yields:
            Records.

        Raises:
            ApiQuotaGuardError: The configured quota would be crossed.
            RequestLimitExceededError: Salesforce's daily allowance is spent.
        """
        started, calls_before, rows = time.perf_counter(), self.sf_session.calls, 0
        cadence = StateCadence(self.options.state_every_records, self.options.state_every_seconds)
        try:
            for record in self.read(context):
                rows += 1
                self.guard.holds += 1
                try:
                    yield record
                finally:
                    self.guard.holds -= 1
                # Back here, the SDK has written the record and moved the bookmark.
                self.guard.resume()
                if cadence.due() and self._batches is None:
                    self.flush_state()
        except (ApiQuotaGuardError, RequestLimitExceededError) as error:
            self.flush_state()
            if isinstance(error, RequestLimitExceededError):
                error.message += (
                    " (the org's daily API request allowance is spent; retrying is pointless "
                    "until calls of the last 24 hours age out)"
                )
            error.message += "; " + RESUME_HINT.format(stream=self.name)
            error.args = (error.message,)
            raise
        except SalesforceError:
            self.flush_state()  # the run fails, but resumes after every record emitted
            raise
        finally:
            self._reader = None
        elapsed = time.perf_counter() - started
        self.logger.info(
            "Stream %s: %d rows in %.2f s (%.0f rows/s), %d API calls",
            self.name,
            rows,
            elapsed,
            rows / elapsed if elapsed > 0 else 0.0,
            self.sf_session.calls - calls_before,
        )

    def _start_version(self, context: Context | None) -> int | None:
        """Stamp a full-table read's records with its version (None: not versioned)."""
        if not self.versions_table:
            return None
        state = self.get_context_state(context)
        resuming = BulkJobState.from_state(state.get(STATE_KEY), self.name) is not None
        version = table_versions.next_version(state, resuming=resuming, now=time.time())
        state[table_versions.STATE_KEY] = version
        self.stamp_table_version(version)
        return version

    def read(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """Pick REST or Bulk, read, report hard deletes, then activate a full table's version.

        Args:
            context: Stream partition context.

        Yields:
            Records.
        """
        version = self._start_version(context)
        state = self.get_context_state(context)
        since, floor = self._start(state)
        selected = self.selected_shape()
        fields = FieldFilter(
            selected, self.source.object_name, self.replication_key, self.name, self.logger
        )
        deleted: set[str] = set()
        reader: RestRead | BulkRead | None = None
        self._window_rows = None
        resume = BulkJobState.from_state(state.get(STATE_KEY), self.name)
        if self._use_bulk(since, resume):
            reader = BulkRead(
                self.source,
                fields,
                BulkQueryClient(self.sf_session),
                page_size=self._bulk_page_size(),
                parallel_pages=self.options.bulk_parallel_pages,
                window_rows=self._window_rows,
                include_deleted=self.options.include_deleted,
                state=state,
                flush=self.flush_state,
                now=self._now,
                logger=self.logger,
                since=since,
                resume=resume,
            )
            try:
                yield from self._records(reader, deleted)
            except SalesforceError as error:
                if not is_unsupported_object(error):
                    raise
                self.logger.warning(
                    "Stream %s: the Bulk API does not support %s (%s); reading it over REST",
                    self.name,
                    self.source.object_name,
                    error.error_code,
                )
                reader = None
        if reader is None:
            reader = RestRead(
                self.source,
                fields,
                self.sf_session,
                send=lambda: self.request_records(context),
                resource=self.path or "query",
                url_base=self.url_base,
                now=self._now,
                logger=self.logger,
                since=since,
                bookmark_floor=floor,
            )
            yield from self._records(reader, deleted)
        if self.source.hard_deletes:
            now = self._now()
            yield from deleted_records(
                self.sf_session,
                self.source.object_name,
                since=since,
                until=max(reader.until, now) if reader.until else now,
                already_emitted=deleted,
                logger=self.logger,
            )
        if version is not None:  # every record of the version is written by now
            self.activate_table_version(version)

    def _bulk_page_size(self) -> int:
        """Rows per Bulk result page; with batch files, at most a file's (one page a file)."""
        if self._batches is None:
            return self.options.bulk_page_size
        return min(self.options.bulk_page_size, self._batches.config.batch_size)

    def selected_shape(self) -> Shape:
        """What a read selects: the properties the stream's SCHEMA declares and selects.

        The SCHEMA message is the catalog's schema when ``--catalog`` is given: a field the
        org gained since the catalog was made is not queried (records carry only declared
        properties); one the org no longer describes is reported and left out.

        Returns:
            The shape of the fields to query.
        """
        schema, mask = self.effective_schema, self.mask
        declared = self.source.shape.within(schema)
        gone = sorted(set(schema.get("properties") or {}) - set(declared.names) - {DELETED_AT})
        if gone and self.replication_key in gone:
            raise ConfigError(
                f"catalog: stream {self.name}: its replication key {self.replication_key} is "
                f"no longer a field of {self.source.object_name}: discover the catalog again"
            )
        if gone:
            self.logger.warning(
                "Stream %s: field(s) %s of the catalog are no longer fields of %s (or not "
                "readable); they are not read",
                self.name,
                ", ".join(gone),
                self.source.object_name,
            )
        # Read even when deselected (dropped from records before writing): they mark deletes.
        forced = {IS_DELETED, deletion_time_field(declared.names)} if self.soft_deletes else set()
        shape = declared.only(
            n for n in declared.names if n in forced or mask.get(("properties", n), True)
        )
        self._extras = self._extras_of(shape.names)
        return shape

    def _extras_of(self, queried: list[str]) -> frozenset[str] | None:
        """What records of a read carry beyond the selection (see :meth:`record_extras`)."""
        deselected = [crumb for crumb, chosen in self.mask.items() if not chosen and crumb]
        names = set(queried) | {DELETED_AT}
        if any(len(crumb) > 2 and crumb[1] in names for crumb in deselected):
            return None  # a deselected nested property: the SDK's walk drops it
        return frozenset(crumb[1] for crumb in deselected if len(crumb) == 2 and crumb[1] in names)

    @override
    def record_extras(self) -> frozenset[str] | None:
        """Deselected properties the current read's records carry (None before a read).

        Returns:
            Top-level properties to drop from each record, or None for the SDK's walk.
        """
        return self._extras

    def _records(self, reader: RestRead | BulkRead, deleted: set[str]) -> Iterator[dict[str, Any]]:
        """The reader's records, deleted ones marked and their Ids noted (``IsDeleted`` true)."""
        self._reader = reader
        if not self.soft_deletes:
            yield from reader.records()
            return
        for record in reader.records():
            if mark_soft_delete(record, self._deletion_fallback):
                deleted.add(record[PRIMARY_KEY])
            yield record

    def _deletion_fallback(self) -> str:
        """The deletion time of a deleted row that carries no timestamp: now, by then deleted."""
        return normalize_datetime(self._now().isoformat())

    def _now(self) -> dt.datetime:
        """Salesforce's time, to the second: the exclusive upper bound of a read."""
        return self.clock.now().replace(microsecond=0)

    def _start(self, state: dict[str, Any]) -> tuple[dt.datetime | None, str | None]:
        """The lower bound of this read and the stored bookmark.

        The bound is the bookmark minus the lookback, not before ``start_date``. The
        bookmark is rewritten in the tap's datetime form, so that it compares correctly
        with emitted values.
        """
        if self.replication_key is None or self.replication_method != REPLICATION_INCREMENTAL:
            return None, None
        candidates, bookmark = [], None
        raw = state.get("replication_key_value")
        if raw and state.get("replication_key") == self.replication_key:
            try:
                bookmark = normalize_datetime(str(raw))
            except ValueError:
                raise ConfigError(
                    f"state: the bookmark of stream {self.name} is not a datetime: {raw!r}"
                ) from None
            state["replication_key_value"] = bookmark
            candidates.append(parse_datetime(bookmark) - self.options.lookback)
        if self.options.start_date is not None:
            candidates.append(self.options.start_date)
        return (max(candidates) if candidates else None), bookmark

    def _use_bulk(self, since: dt.datetime | None, resume: BulkJobState | None) -> bool:
        """Bulk when resuming a job, when forced, or in ``auto`` above ``bulk_threshold``.

        In ``auto``, the org's approximate row count (from discovery, no call) decides when
        it is at most the threshold (a window of the table has no more rows) or when the
        whole table is read; otherwise (a large table read from a bookmark) a ``COUNT()``
        of the read's window does, so a small increment of a large table stays on REST.
        """
        if resume is not None:
            return True
        api_type = self.options.api_type
        if not self.source.bulk_allowed or api_type == "rest":
            return False
        if api_type == "bulk":
            return True
        threshold, approximate = self.options.bulk_threshold, self.source.approximate_rows
        count: int | None
        if approximate is not None and (approximate <= threshold or since is None):
            count, source = approximate, "rows in the org (limits/recordCount, approximate)"
        else:
            count = count_rows(self.sf_session, self.path or "query", self.source, Window(since))
            source = "rows to read (COUNT())"
            self._window_rows = count
        use_bulk = count is None or count > threshold
        self.logger.info(
            "Stream %s: %s %s, %s (bulk_threshold %d)",
            self.name,
            "too many to count" if count is None else count,
            source,
            "Bulk API" if use_bulk else "REST",
            threshold,
        )
        return use_bulk
