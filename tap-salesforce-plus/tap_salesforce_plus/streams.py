"""SOQL-backed streams: one generic class per kind (table, query, formulas), never per object.

:class:`SoqlStream` owns every way of reading: REST ``query``/``queryAll`` (split across
several queries for wide objects, in smaller date windows after ``QUERY_TIMEOUT``, restarted
after an expired cursor) or Bulk API 2.0 jobs (chosen by size, resumable), then hard deletes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from typing import TYPE_CHECKING, Any

from salesforce_common import (
    ApiQuotaGuardError,
    ConfigError,
    InvalidFieldError,
    InvalidQueryLocatorError,
    QueryTimeoutError,
    RequestLimitExceededError,
    SalesforceError,
)
from salesforce_common.api_limits import HEADER_ALLOWANCE, MAX_SOQL_CHARS, MAX_URI_BYTES
from salesforce_common.bulk_query import (
    BulkJobFailedError,
    BulkQueryClient,
    BulkShortReadError,
    is_unsupported_object,
)
from salesforce_common.soql import format_query
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_salesforce_plus import bulk
from tap_salesforce_plus.client import SalesforceStream
from tap_salesforce_plus.deletions import (
    DELETED_AT,
    DELETED_AT_SCHEMA,
    IS_DELETED,
    deleted_records,
)
from tap_salesforce_plus.progress import ReadProgress
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.shape import ParentNode, Shape
from tap_salesforce_plus.soql import (
    SOQL_ALLOWANCE,
    count_query,
    query_uri_bytes,
    read_query,
    soql_term_chars,
    uri_term_bytes,
)
from tap_salesforce_plus.sources import StreamSource, table_source
from tap_salesforce_plus.splitting import PartSpool, merge_records, split_terms
from tap_salesforce_plus.values import format_datetime, normalize_datetime, parse_datetime
from tap_salesforce_plus.windows import Window, halve

if TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Iterator, Mapping

    import requests
    from salesforce_common import SalesforceSession
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_salesforce_plus.clock import ServerClock
    from tap_salesforce_plus.options import TapOptions
    from tap_salesforce_plus.registry import Table

_NO_SUCH_COLUMN = re.compile(r"No such column '([^']+)' on entity '([^']+)'")
MAX_CURSOR_RESTARTS = 3
"""Consecutive query restarts after an expired cursor without new rows before giving up."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
RESUME_HINT = (
    "stopped cleanly in stream {stream}, state saved for every record emitted: to resume, "
    "run again with the last STATE message as --state"
)


class SoqlStream(SalesforceStream):
    """A stream read with SOQL, over REST or Bulk API 2.0 (see the module docstring).

    Args:
        tap: The tap.
        source: What to read.
        session: The org session.
        options: The tap settings.
        clock: Salesforce's clock (for the upper bound of reads).
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    """Records need no conformance: they hold exactly the queried schema fields, as JSON
    values of the schema's types (datetimes already normalised). The SDK's default walk
    over every value roughly halved throughput."""

    def __init__(
        self,
        tap: Tap,
        *,
        source: StreamSource,
        session: SalesforceSession,
        options: TapOptions,
        clock: ServerClock,
    ) -> None:
        """Create the stream."""
        self.source = source
        self.object_name = source.object_name
        self.options = options
        self.clock = clock
        self.include_deleted = options.include_deleted
        schema = source.shape.schema(include_base64=options.include_base64)
        if source.hard_deletes:
            schema["properties"][DELETED_AT] = dict(DELETED_AT_SCHEMA)
        super().__init__(
            tap,
            session=session,
            name=source.name,
            schema=schema,
            path="queryAll" if options.include_deleted else "query",
        )
        self.primary_keys = list(source.primary_keys)
        self.replication_key = source.replication_key
        self._rejected: set[str] = set()
        self._soql = ""
        self._bookmark_floor: str | None = None
        self._normalize = source.shape.rest_normalizer()
        self._bulk_read = False
        self._deleted_ids: set[str] = set()

    # -- what is read ------------------------------------------------------------------

    @property
    @override
    def is_sorted(self) -> bool:
        """REST rows arrive in replication-key order (``ORDER BY key ASC``).

        Bulk reads are not sorted: they keep the bookmark themselves (see ``bulk``).
        """
        return True

    @property
    def selected_shape(self) -> Shape:
        """The shape of the properties selected in the catalog."""
        mask = self.mask
        return self.source.shape.only(
            name
            for name in self.source.shape.names
            if mask.get(("properties", name), True) and name.lower() not in self._rejected
        )

    @property
    def query_fields(self) -> list[str]:
        """REST SELECT terms: selected fields minus those the org refused."""
        return [t for t in self.selected_shape.rest_terms() if t.lower() not in self._rejected]

    @property
    def bulk_columns(self) -> list[str]:
        """Bulk API SELECT terms: selected fields (compounds as components) minus refused."""
        return [t for t in self.selected_shape.bulk_columns() if t.lower() not in self._rejected]

    @property
    def soql(self) -> str:
        """The statement of the current REST request."""
        return self._soql

    def _required_terms(self, terms: list[str]) -> list[str]:
        wanted = [PRIMARY_KEY] + ([self.replication_key] if self.replication_key else [])
        return [term for term in wanted if term in terms]

    def _statement(self, terms: list[str], window: Window, *, ordered: bool = True) -> str:
        return format_query(
            read_query(
                self.source.base_query,
                terms,
                replication_key=self.replication_key,
                since=window.since,
                until=window.until,
                ordered=ordered,
            )
        )

    # -- REST requests -----------------------------------------------------------------

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """``q`` for the first page; later pages are ``nextRecordsUrl`` as is.

        Args:
            context: Stream partition context.
            next_page_token: The paginator's value (None on the first page).

        Returns:
            The query parameters.
        """
        return {"q": self._soql} if next_page_token is None else {}

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """The page's records, ``attributes`` dropped and datetimes normalised at every level.

        Args:
            response: A query page.

        Returns:
            The records.
        """
        normalize = self._normalize
        return [normalize(record) for record in super().parse_response(response)]

    # -- the read ----------------------------------------------------------------------

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Read the stream; a spent API quota stops it cleanly (state saved, then the error).

        Args:
            context: Stream partition context.

        Yields:
            Records.

        Raises:
            ApiQuotaGuardError: The configured quota would be crossed.
            RequestLimitExceededError: Salesforce's daily allowance is spent.
        """
        started = time.perf_counter()
        calls_before = self.sf_session.calls
        rows = 0
        try:
            for record in self.read(context):
                rows += 1
                yield record
        except (ApiQuotaGuardError, RequestLimitExceededError) as error:
            self._flush_state()
            if isinstance(error, RequestLimitExceededError):
                error.message += (
                    " (the org's daily API request allowance is spent; retrying is pointless "
                    "until calls of the last 24 hours age out)"
                )
            error.message += "; " + RESUME_HINT.format(stream=self.name)
            error.args = (error.message,)
            raise
        elapsed = time.perf_counter() - started
        self.logger.info(
            "Stream %s: %d rows in %.2f s (%.0f rows/s), %d API calls",
            self.name,
            rows,
            elapsed,
            rows / elapsed if elapsed > 0 else 0.0,
            self.sf_session.calls - calls_before,
        )

    def read(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """Choose REST or Bulk, read, then report hard deletes.

        Args:
            context: Stream partition context.

        Yields:
            Records.
        """
        since = self._start_since(context)
        self._deleted_ids = set()
        state = self.get_context_state(context)
        resume = bulk.BulkJobState.from_state(state.get(bulk.STATE_KEY))
        if self._use_bulk(Window(since, None), resume):
            try:
                until = yield from self._read_bulk(context, since, resume)
            except SalesforceError as error:
                if not is_unsupported_object(error):
                    raise
                self.logger.warning(
                    "Stream %s: the Bulk API does not support %s (%s); reading it over REST",
                    self.name,
                    self.object_name,
                    error.error_code,
                )
            else:
                yield from self._hard_deletes(since, max(until, self._now()))
                return
        progress = ReadProgress(self.replication_key)
        yield from self._read_rest(context, Window(since, None), progress)
        yield from self._hard_deletes(since, self._now())

    def _now(self) -> dt.datetime:
        """Salesforce's time, to the second: the exclusive upper bound of a read."""
        return self.clock.now().replace(microsecond=0)

    def _start_since(self, context: Context | None) -> dt.datetime | None:
        """The lower bound of this read: bookmark minus lookback, and not before start_date.

        Also rewrites a stored bookmark in the tap's datetime form, so that it compares
        correctly with emitted values.
        """
        if self.replication_key is None or self.replication_method != REPLICATION_INCREMENTAL:
            return None
        state = self.get_context_state(context)
        candidates = []
        raw = state.get("replication_key_value")
        if raw and state.get("replication_key") == self.replication_key:
            try:
                bookmark = normalize_datetime(str(raw))
            except ValueError:
                raise ConfigError(
                    f"state: the bookmark of stream {self.name} is not a datetime: {raw!r}"
                ) from None
            state["replication_key_value"] = bookmark
            self._bookmark_floor = bookmark
            candidates.append(parse_datetime(bookmark) - self.options.lookback)
        if self.options.start_date is not None:
            candidates.append(self.options.start_date)
        return max(candidates) if candidates else None

    # -- REST or Bulk ------------------------------------------------------------------

    def _use_bulk(self, window: Window, resume: bulk.BulkJobState | None) -> bool:
        """Bulk when resuming a job, when forced, or in ``auto`` above ``bulk_threshold``."""
        if resume is not None:
            return True
        api_type = self.options.api_type
        if not self.source.bulk_allowed or api_type == "rest":
            return False
        if api_type == "bulk":
            return True
        count = self._count(window)
        use_bulk = count is None or count > self.options.bulk_threshold
        self.logger.info(
            "Stream %s: %s rows to read, %s (bulk_threshold %d)",
            self.name,
            "too many to count" if count is None else count,
            "Bulk API" if use_bulk else "REST",
            self.options.bulk_threshold,
        )
        return use_bulk

    def _count(self, window: Window) -> int | None:
        """``SELECT COUNT() FROM X WHERE <same filter>``; None when even that times out."""
        query = read_query(
            self.source.base_query,
            [PRIMARY_KEY],
            replication_key=self.replication_key,
            since=window.since,
            until=window.until,
        )
        try:
            body = self.sf_session.get_json(
                self.path or "query", {"q": format_query(count_query(query))}
            )
        except QueryTimeoutError:
            return None
        return int(body.get("totalSize") or 0)

    # -- REST --------------------------------------------------------------------------

    def _read_rest(
        self, context: Context | None, window: Window, progress: ReadProgress
    ) -> Iterator[dict[str, Any]]:
        """Read windows in key order; a window that times out is read as two halves."""
        windows = [window]
        while windows:
            current = windows.pop(0)
            rows_before = progress.rows
            try:
                yield from self._read_window(context, current, progress)
            except QueryTimeoutError as error:
                if self.replication_key is None:
                    error.message += (
                        f"; stream {self.name} has no replication key to split the read by: "
                        "select fewer fields"
                    )
                    error.args = (error.message,)
                    raise
                since = current.since
                if progress.rows > rows_before:
                    since = progress.restart_point()
                if since is None:
                    since = self._earliest_key()
                until = current.until or self._now()
                halves = list(halve(Window(since, until), error))
                if current.until is None:
                    halves.append(Window(until, None))
                self.logger.warning(
                    "Stream %s: the query of %s timed out (QUERY_TIMEOUT); reading %s",
                    self.name,
                    current,
                    " and ".join(str(half) for half in halves),
                )
                windows[:0] = halves
            except InvalidFieldError as error:
                if progress.rows > rows_before:
                    raise
                self._reject_field(error)
                windows.insert(0, current)

    def _earliest_key(self) -> dt.datetime:
        """The smallest replication-key value (``ORDER BY key LIMIT 1``), or 1970."""
        assert self.replication_key is not None
        query = read_query(
            self.source.base_query, [self.replication_key], replication_key=self.replication_key
        )
        statement = format_query(dataclasses.replace(query, limit=1))
        try:
            records = self.sf_session.get_json(self.path or "query", {"q": statement}).get(
                "records"
            )
        except QueryTimeoutError:
            return EPOCH
        value = records[0].get(self.replication_key) if records else None
        return parse_datetime(str(value)) if value else EPOCH

    def _rest_parts(self, terms: list[str], window: Window) -> list[list[str]]:
        """The REST query's terms split so that each query's URI fits (one part if it fits)."""
        required = self._required_terms(terms)
        probe = window
        if self.replication_key:
            probe = Window(window.since or EPOCH, window.until or EPOCH)
        base = query_uri_bytes(
            self.url_base, self.path or "", self._statement(required or terms[:1], probe)
        )
        budget = MAX_URI_BYTES - HEADER_ALLOWANCE - base
        if PRIMARY_KEY not in required and sum(map(uri_term_bytes, terms)) > budget:
            raise SalesforceError(
                f"stream {self.name}: the query is too long for one REST request and does not "
                "select Id, so it cannot be split: select Id or fewer fields"
            )
        return split_terms(terms, required=required, cost=uri_term_bytes, budget=budget)

    def _read_window(
        self, context: Context | None, window: Window, progress: ReadProgress
    ) -> Iterator[dict[str, Any]]:
        """Read one window; a wide field list is split and joined by Id."""
        parts = self._rest_parts(self.query_fields, window)
        if len(parts) == 1:
            yield from self._deleted_tracked(self._rest_sorted(context, parts[0], window, progress))
            return
        if window.until is None:
            window = Window(window.since, self._now())
        self.logger.info(
            "Stream %s: %d fields need %d REST queries of %s; joining them by Id",
            self.name,
            len(self.query_fields),
            len(parts),
            window,
        )
        dropped = 0
        with PartSpool(len(parts) - 1) as spool:
            for number, part in enumerate(parts[:-1]):
                records = self._rest_sorted(
                    context, part, window, ReadProgress(self.replication_key)
                )
                spool.add_all(number, ((r[PRIMARY_KEY], r) for r in records))
            for record in self._rest_sorted(context, parts[-1], window, progress):
                earlier = spool.take(record[PRIMARY_KEY])
                if earlier is None:
                    dropped += 1
                    continue
                merged = earlier[0]
                for extra in (*earlier[1:], record):
                    merge_records(merged, extra)
                yield self._track_deleted(merged)
        if dropped:
            self.logger.info(
                "Stream %s: %d rows changed while their parts were read; the next run reads them",
                self.name,
                dropped,
            )

    def _rest_sorted(
        self,
        context: Context | None,
        terms: list[str],
        window: Window,
        progress: ReadProgress,
    ) -> Iterator[dict[str, Any]]:
        """One REST query (all its pages), re-run from the last row if its cursor expires."""
        since = window.since
        ordered = self.replication_key is not None
        restarts = 0
        while True:
            self._soql = self._statement(terms, Window(since, window.until), ordered=ordered)
            self.logger.debug("SOQL for %s: %s", self.name, self._soql)
            rows_before = progress.rows
            try:
                for record in self.request_records(context):
                    if progress.is_repeat(record):
                        continue
                    progress.add(record)
                    yield record
                return
            except InvalidQueryLocatorError as error:
                restarts = 0 if progress.rows > rows_before else restarts + 1
                if self.replication_key is None or restarts >= MAX_CURSOR_RESTARTS:
                    raise
                since = progress.restart_point() or since
                self.logger.warning(
                    "Query cursor of stream %s expired (%s); re-running the query from %s",
                    self.name,
                    error.error_code or "INVALID_QUERY_LOCATOR",
                    progress.last_key or "the start",
                )

    def _reject_field(self, error: InvalidFieldError) -> None:
        """Stop querying a field the org refuses (field-level security), or re-raise."""
        match = _NO_SUCH_COLUMN.search(error.message)
        if match is None:
            raise error
        column, entity = match.group(1), match.group(2)
        if entity.lower() == self.object_name.lower():
            wanted = {name.lower(): name for name in self.query_fields + self.bulk_columns}
            terms = [wanted[column.lower()]] if column.lower() in wanted else []
        else:
            terms = self.selected_shape.parent_terms(entity, column)
        protected = {PRIMARY_KEY.lower(), (self.replication_key or "").lower()}
        if not terms or any(term.lower() in protected for term in terms):
            raise error
        for term in terms:
            self.logger.warning(
                "Dropping field %s.%s from stream %s: the query rejects it (INVALID_FIELD; "
                "field-level security hides it from this user)",
                entity,
                term.rsplit(".", 1)[-1],
                self.name,
            )
            self._rejected.add(term.lower())

    # -- Bulk --------------------------------------------------------------------------

    def _bulk_parts(self, columns: list[str], window: Window) -> list[str]:
        """One Bulk API statement per part of the columns (one when they fit)."""
        required = [PRIMARY_KEY] + ([self.replication_key] if self.replication_key else [])
        base = len(self._statement(required, window, ordered=False))
        budget = MAX_SOQL_CHARS - SOQL_ALLOWANCE - base
        parts = split_terms(columns, required=required, cost=soql_term_chars, budget=budget)
        if len(parts) > 1:
            self.logger.info(
                "Stream %s: %d columns need %d Bulk API jobs; joining them by Id",
                self.name,
                len(columns),
                len(parts),
            )
        return [self._statement(part, window, ordered=False) for part in parts]

    def _read_bulk(
        self,
        context: Context | None,
        since: dt.datetime | None,
        resume: bulk.BulkJobState | None,
    ) -> Generator[dict[str, Any], None, dt.datetime]:
        """Read through Bulk API jobs (or resume them), then move the bookmark to ``until``.

        Args:
            context: Stream partition context.
            since: Lower bound of a new job's query.
            resume: The ``bulk_job`` of the state, if any.

        Yields:
            Records.

        Returns:
            The upper bound of the jobs' query (now, for a full-table read).
        """
        state = self.get_context_state(context)

        def save(job: bulk.BulkJobState | None) -> None:
            if job is None:
                state.pop(bulk.STATE_KEY, None)
            else:
                state[bulk.STATE_KEY] = job.to_state()
            self._flush_state()

        reader = bulk.BulkRead(
            BulkQueryClient(self.sf_session),
            self.selected_shape,
            self.options.bulk_page_size,
            self.include_deleted,
            save,
            self.logger,
        )
        now = self._now()
        job = self._bulk_job(reader, state, since, now, resume)
        if job is None:
            return now
        self._bulk_read = True
        try:
            for record in reader.records(job):
                yield self._track_deleted(record)
        except (BulkJobFailedError, BulkShortReadError) as error:
            reader.discard(job)
            error.message = f"stream {self.name}: {error.message}"
            error.args = (error.message,)
            raise
        finally:
            self._bulk_read = False
        if reader.dropped:
            self.logger.info(
                "Stream %s: %d rows changed while their parts were read; the next run reads them",
                self.name,
                reader.dropped,
            )
        state.pop(bulk.STATE_KEY, None)
        if self.replication_key and job.until is not None:
            bookmark = format_datetime(job.until)
            current = state.get("replication_key_value")
            if not isinstance(current, str) or bookmark > current:
                state["replication_key"] = self.replication_key
                state["replication_key_value"] = bookmark
        return job.until or now

    def _bulk_job(
        self,
        reader: bulk.BulkRead,
        state: dict[str, Any],
        since: dt.datetime | None,
        now: dt.datetime,
        resume: bulk.BulkJobState | None,
    ) -> bulk.BulkJobState | None:
        """The saved job if it can be resumed, else new jobs for ``[since, now)`` (None when
        that window is empty); fields the org refuses are dropped and the jobs created again.
        """
        if resume is not None and reader.resumable(resume):
            self.logger.info(
                "Stream %s: resuming Bulk API job %s at row %d", self.name, resume.id, resume.rows
            )
            return resume
        state.pop(bulk.STATE_KEY, None)
        until = now if self.replication_key else None
        if since is not None and since >= now:
            return None
        while True:
            try:
                job = reader.start(self._bulk_parts(self.bulk_columns, Window(since, until)), until)
            except InvalidFieldError as error:
                self._reject_field(error)
                continue
            reader.shape = self.selected_shape  # without the fields the org refused
            return job

    # -- hard deletes ------------------------------------------------------------------

    def _track_deleted(self, record: dict[str, Any]) -> dict[str, Any]:
        if self.source.hard_deletes and record.get(IS_DELETED) is True:
            self._deleted_ids.add(record[PRIMARY_KEY])
        return record

    def _deleted_tracked(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        if not self.source.hard_deletes:
            yield from records
            return
        for record in records:
            yield self._track_deleted(record)

    def _hard_deletes(
        self, since: dt.datetime | None, until: dt.datetime
    ) -> Iterator[dict[str, Any]]:
        if not self.source.hard_deletes:
            return
        yield from deleted_records(
            self.sf_session,
            self.object_name,
            since=since,
            until=until,
            already_emitted=self._deleted_ids,
            logger=self.logger,
        )

    # -- state -------------------------------------------------------------------------

    def _flush_state(self) -> None:
        """Emit a STATE message now (the state covers every record emitted so far)."""
        self.state_manager.is_flushed = False
        self._write_state_message()

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        """Advance the bookmark after a REST row, except for rows re-read inside the lookback
        window (they are emitted to catch late commits but must not move it backwards, which
        the SDK's sort check would reject). Bulk rows and hard deletes leave it alone: a Bulk
        read moves it once all its rows are emitted.
        """
        if self._bulk_read or latest_record.get(DELETED_AT) is not None:
            return
        key = self.replication_key
        value = latest_record.get(key) if key else None
        floor = self._bookmark_floor
        if floor is not None and isinstance(value, str) and value < floor:
            return
        super()._increment_stream_state(latest_record, context=context)


class SObjectStream(SoqlStream):
    """Any queryable sObject: every readable field, incremental on ``SystemModstamp``.

    Args:
        tap: The tap.
        table: Stream name and object API name.
        describe: The object's ``sobjects/{X}/describe`` body.
        session: The org session.
        options: The tap settings.
        clock: Salesforce's clock.
        parents: Parent relationships to embed as sub-objects.
    """

    def __init__(
        self,
        tap: Tap,
        *,
        table: Table,
        describe: Mapping[str, Any],
        session: SalesforceSession,
        options: TapOptions,
        clock: ServerClock,
        parents: list[ParentNode] | None = None,
    ) -> None:
        """Create the stream."""
        super().__init__(
            tap,
            source=table_source(table, describe, options, parents),
            session=session,
            options=options,
            clock=clock,
        )
