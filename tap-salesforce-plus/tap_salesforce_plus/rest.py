"""Reading a stream with REST SOQL queries (``query`` / ``queryAll``).

A read with a replication key is sorted (``ORDER BY key ASC``) and covers ``[since, +inf)``
as a list of windows, first one window:

* a window whose query times out (``QUERY_TIMEOUT``) is read again as two halves, from the
  last row already emitted (see ``windows``);
* a query whose cursor expires (``INVALID_QUERY_LOCATOR``) is run again from the last row
  emitted, its repeats skipped (see ``progress``);
* a field list too long for one request URI is split across several queries joined by Id
  (see ``splitting``), the last part streamed in key order;
* a field the org refuses is dropped (see ``fields``) and the window read again (from the
  last row emitted, its repeats skipped, if rows were already emitted).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesforce_common import (
    InvalidFieldError,
    InvalidQueryLocatorError,
    QueryTimeoutError,
    SalesforceError,
)
from salesforce_common.api_limits import HEADER_ALLOWANCE, MAX_URI_BYTES
from salesforce_common.soql import format_query

from tap_salesforce_plus.fields import FieldFilter
from tap_salesforce_plus.progress import ReadProgress
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.soql import count_query, query_uri_bytes, read_query, uri_term_bytes
from tap_salesforce_plus.splitting import PartSpool, merge_records, split_terms
from tap_salesforce_plus.values import parse_datetime
from tap_salesforce_plus.windows import Window, halve

if TYPE_CHECKING:
    from salesforce_common import SalesforceSession

    from tap_salesforce_plus.sources import StreamSource

MAX_CURSOR_RESTARTS = 3
"""Consecutive query restarts after an expired cursor without new rows before giving up."""
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

Send = Callable[[], Iterable[dict[str, Any]]]
"""Sends :attr:`RestRead.soql` and yields its records, every page, normalised."""


def count_rows(
    session: SalesforceSession, resource: str, source: StreamSource, window: Window
) -> int | None:
    """``SELECT COUNT() FROM X WHERE <the read's filter>``.

    Args:
        session: The org session.
        resource: ``query`` or ``queryAll``.
        source: What the stream reads.
        window: The read's bounds.

    Returns:
        The row count, or None when even counting times out.
    """
    query = read_query(
        source.base_query,
        [PRIMARY_KEY],
        replication_key=source.replication_key,
        since=window.since,
        until=window.until,
    )
    try:
        body = session.get_json(
            resource, {"q": format_query(count_query(query))}, parse_float=Decimal
        )
    except QueryTimeoutError:
        return None
    return int(body.get("totalSize") or 0)


@dataclass
class RestRead:
    """One REST read of a stream, from ``since`` on.

    Attributes:
        source: What the stream reads.
        fields: The fields selected (shared with a Bulk attempt of the same read).
        session: The org session (for the earliest-key probe).
        send: Runs :attr:`soql` through the stream's SDK request machinery.
        resource: ``query`` or ``queryAll``.
        url_base: ``{instance}/services/data/vNN.N/`` (for the URI length budget).
        now: Salesforce's time, to the second.
        logger: The stream's logger.
        since: Lower bound of the read (None: from the first row).
        bookmark_floor: The stored bookmark: rows below it (re-read in the lookback
            window) do not move it.
        soql: The statement being sent.
        until: Upper bound of the rows read: None, a REST read goes up to its end.
    """

    source: StreamSource
    fields: FieldFilter
    session: SalesforceSession
    send: Send
    resource: str
    url_base: str
    now: Callable[[], dt.datetime]
    logger: logging.Logger
    since: dt.datetime | None = None
    bookmark_floor: str | None = None
    soql: str = ""
    until: dt.datetime | None = None

    @property
    def is_sorted(self) -> bool:
        """Rows arrive in replication-key order when there is a key."""
        return self.source.replication_key is not None

    @property
    def name(self) -> str:
        """The stream name, for messages."""
        return self.source.name

    def moves_bookmark(self, record: Mapping[str, Any]) -> bool:
        """Whether an emitted row advances the bookmark.

        Rows re-read inside the lookback window are emitted to catch late commits but must
        not move the bookmark backwards.

        Args:
            record: A record just emitted.

        Returns:
            True for rows at or above the stored bookmark.
        """
        key = self.source.replication_key
        value = record.get(key) if key else None
        floor = self.bookmark_floor
        return floor is None or not isinstance(value, str) or value >= floor

    def records(self) -> Iterator[dict[str, Any]]:
        """Read windows in key order; a window that times out is read as two halves.

        Yields:
            Records.
        """
        progress = ReadProgress(self.source.replication_key)
        windows = [Window(self.since, None)]
        while windows:
            current = windows.pop(0)
            rows_before = progress.rows
            try:
                yield from self._read_window(current, progress)
            except QueryTimeoutError as error:
                windows[:0] = self._halves(current, progress, rows_before, error)
            except InvalidFieldError as error:
                self.fields.reject(error)
                if progress.rows > rows_before:
                    restart = progress.restart_point()
                    if restart is None:  # no key to skip the rows already emitted by
                        raise
                    current = Window(restart, current.until)
                windows.insert(0, current)

    def _halves(
        self, current: Window, progress: ReadProgress, rows_before: int, error: QueryTimeoutError
    ) -> list[Window]:
        """The windows that replace one whose query timed out (from its last row read)."""
        if self.source.replication_key is None:
            error.message += (
                f"; stream {self.name} has no replication key to split the read by: "
                "select fewer fields"
            )
            error.args = (error.message,)
            raise error
        since = current.since
        if progress.rows > rows_before:
            since = progress.restart_point()
        if since is None:
            since = self._earliest_key()
        until = current.until or self.now()
        halves = list(halve(Window(since, until), error))
        if current.until is None:
            halves.append(Window(until, None))
        self.logger.warning(
            "Stream %s: the query of %s timed out (QUERY_TIMEOUT); reading %s",
            self.name,
            current,
            " and ".join(str(half) for half in halves),
        )
        return halves

    def _earliest_key(self) -> dt.datetime:
        """The smallest replication-key value (``ORDER BY key LIMIT 1``), or 1970."""
        key = self.source.replication_key
        assert key is not None
        query = read_query(self.source.base_query, [key], replication_key=key)
        statement = format_query(dataclasses.replace(query, limit=1))
        try:
            records = self.session.get_json(
                self.resource, {"q": statement}, parse_float=Decimal
            ).get("records")
        except QueryTimeoutError:
            return EPOCH
        value = records[0].get(key) if records else None
        return parse_datetime(str(value)) if value else EPOCH

    def _parts(self, terms: list[str], window: Window) -> list[list[str]]:
        """The query's terms split so that each query's URI fits (one part if it fits)."""
        key = self.source.replication_key
        required = [term for term in [PRIMARY_KEY, *([key] if key else [])] if term in terms]
        probe = Window(window.since or EPOCH, window.until or EPOCH) if key else window
        statement = self.source.statement(required or terms[:1], probe)
        budget = (
            MAX_URI_BYTES
            - HEADER_ALLOWANCE
            - query_uri_bytes(self.url_base, self.resource, statement)
        )
        if PRIMARY_KEY not in required and sum(map(uri_term_bytes, terms)) > budget:
            raise SalesforceError(
                f"stream {self.name}: the query is too long for one REST request and does not "
                "select Id, so it cannot be split: select Id or fewer fields"
            )
        return split_terms(terms, required=required, cost=uri_term_bytes, budget=budget)

    def _read_window(self, window: Window, progress: ReadProgress) -> Iterator[dict[str, Any]]:
        """Read one window; a wide field list is split and joined by Id."""
        fields = self.fields.query_fields
        parts = self._parts(fields, window)
        if len(parts) == 1:
            yield from self._query(parts[0], window, progress)
            return
        if window.until is None:
            window = Window(window.since, self.now())
        self.logger.info(
            "Stream %s: %d fields need %d REST queries of %s; joining them by Id",
            self.name,
            len(fields),
            len(parts),
            window,
        )
        dropped = 0
        with PartSpool(len(parts) - 1) as spool:
            for number, part in enumerate(parts[:-1]):
                records = self._query(part, window, ReadProgress(self.source.replication_key))
                spool.add_all(number, ((r[PRIMARY_KEY], r) for r in records))
            for record in self._query(parts[-1], window, progress):
                earlier = spool.take(record[PRIMARY_KEY])
                if earlier is None:
                    dropped += 1
                    continue
                merged = earlier[0]
                for extra in (*earlier[1:], record):
                    merge_records(merged, extra)
                yield merged
        if dropped:
            self.logger.info(
                "Stream %s: %d rows changed while their parts were read; the next run reads them",
                self.name,
                dropped,
            )

    def _query(
        self, terms: list[str], window: Window, progress: ReadProgress
    ) -> Iterator[dict[str, Any]]:
        """One REST query (all its pages), re-run from the last row if its cursor expires."""
        key = self.source.replication_key
        since = window.since
        restarts = 0
        while True:
            self.soql = self.source.statement(
                terms, Window(since, window.until), ordered=key is not None
            )
            self.logger.debug("SOQL for %s: %s", self.name, self.soql)
            rows_before = progress.rows
            try:
                for record in self.send():
                    if progress.is_repeat(record):
                        continue
                    progress.add(record)
                    yield record
                return
            except InvalidQueryLocatorError as error:
                restarts = 0 if progress.rows > rows_before else restarts + 1
                if key is None or restarts >= MAX_CURSOR_RESTARTS:
                    raise
                since = progress.restart_point() or since
                self.logger.warning(
                    "Query cursor of stream %s expired (%s); re-running the query from %s",
                    self.name,
                    error.error_code or "INVALID_QUERY_LOCATOR",
                    progress.last_key or "the start",
                )
