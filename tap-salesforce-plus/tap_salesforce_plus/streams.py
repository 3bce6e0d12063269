"""The one generic sObject stream, instantiated per table of the registry."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesforce_common import (
    ConfigError,
    InvalidFieldError,
    InvalidQueryLocatorError,
    SalesforceError,
)
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL
from typing_extensions import override

from tap_salesforce_plus.client import SalesforceStream
from tap_salesforce_plus.schema import (
    PRIMARY_KEY,
    build_schema,
    datetime_properties,
    replication_key_for,
)
from tap_salesforce_plus.soql import MAX_URI_BYTES, build_select, fits_in_uri, query_uri_bytes
from tap_salesforce_plus.values import normalize_datetime, normalize_record, parse_datetime

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

    import requests
    from salesforce_common import SalesforceSession
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_salesforce_plus.options import TapOptions
    from tap_salesforce_plus.registry import Table

_NO_SUCH_COLUMN = re.compile(r"No such column '([^']+)' on entity")
MAX_CURSOR_RESTARTS = 3
"""Consecutive query restarts after an expired cursor without new rows before giving up."""


@dataclass
class _ReadProgress:
    """What one stream read has emitted, to restart a query without duplicates.

    Attributes:
        key_name: The replication key (None for full-table streams).
        rows: Rows emitted.
        last_key: Replication-key value of the last row emitted.
        ids_at_last_key: Ids emitted with that value.
        resume_key: Set after a restart from ``last_key``: rows before it, and rows at it
            already emitted, are repeats.
    """

    key_name: str | None
    rows: int = 0
    last_key: str | None = None
    ids_at_last_key: set[str] = field(default_factory=set)
    resume_key: str | None = None

    def is_repeat(self, record: Mapping[str, Any]) -> bool:
        """Whether a restarted query sent a row that was already emitted."""
        if self.resume_key is None or self.key_name is None:
            return False
        key = record.get(self.key_name)
        if not isinstance(key, str):
            return False
        if key < self.resume_key:
            return True
        return (
            key == self.last_key == self.resume_key and record[PRIMARY_KEY] in self.ids_at_last_key
        )

    def add(self, record: Mapping[str, Any]) -> None:
        """Count an emitted row."""
        self.rows += 1
        if self.key_name is None:
            return
        key = record.get(self.key_name)
        if key != self.last_key:
            self.last_key = key if isinstance(key, str) else None
            self.ids_at_last_key = set()
        self.ids_at_last_key.add(record[PRIMARY_KEY])


class SObjectStream(SalesforceStream):
    """Any queryable sObject, read with SOQL ``query`` (or ``queryAll``) over REST.

    Schema and replication key come from the object's describe: ``SystemModstamp`` when
    present, else ``LastModifiedDate``, else full table. Incremental reads are sorted by the
    key, so the bookmark follows the emitted rows and an interrupted run resumes from the
    last emitted row.

    Args:
        tap: The tap.
        table: Stream name and object API name.
        describe: The object's ``sobjects/{X}/describe`` body.
        session: The org session.
        options: The tap settings.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    """Records need no conformance: they hold exactly the queried schema fields, as JSON
    values of the schema's types (datetimes already normalised). The SDK's default walk
    over every value roughly halved throughput."""

    def __init__(
        self,
        tap: Tap,
        *,
        table: Table,
        describe: Mapping[str, Any],
        session: SalesforceSession,
        options: TapOptions,
    ) -> None:
        """Create the stream."""
        self.object_name = str(describe.get("name") or table.object_name)
        self.options = options
        fields = describe.get("fields") or []
        schema = build_schema(fields, include_base64=options.include_base64)
        super().__init__(
            tap,
            session=session,
            name=table.stream_name,
            schema=schema,
            path="queryAll" if options.include_deleted else "query",
        )
        self.primary_keys = [PRIMARY_KEY]
        self.replication_key = replication_key_for(fields)
        self._datetime_fields = datetime_properties(schema)
        self._rejected_fields: list[str] = []
        self._since: dt.datetime | None = None
        self._bookmark_floor: str | None = None

    @property
    @override
    def is_sorted(self) -> bool:
        """Rows arrive in replication-key order (``ORDER BY key ASC``)."""
        return True

    @property
    def query_fields(self) -> list[str]:
        """Fields selected in the catalog, minus those the org refused; deselected ones are
        not queried at all."""
        mask = self.mask
        return [
            name
            for name in self.effective_schema.get("properties", {})
            if mask.get(("properties", name), True) and name not in self._rejected_fields
        ]

    @property
    def soql(self) -> str:
        """The query of the current read."""
        return build_select(
            self.object_name,
            self.query_fields,
            replication_key=self.replication_key,
            since=self._since,
        )

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        """``q`` for the first page; later pages are ``nextRecordsUrl`` as is.

        Args:
            context: Stream partition context.
            next_page_token: The paginator's value (None on the first page).

        Returns:
            The query parameters.
        """
        return {"q": self.soql} if next_page_token is None else {}

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """The page's records without ``attributes``, datetimes normalised.

        Args:
            response: A query page.

        Returns:
            The records.
        """
        datetimes = self._datetime_fields
        return [normalize_record(record, datetimes) for record in super().parse_response(response)]

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

    def _check_query_size(self) -> None:
        """Fail clearly, before sending, when the query would not fit in a request URI."""
        soql, path = self.soql, self.path or ""
        if fits_in_uri(self.url_base, path, soql):
            return
        size = query_uri_bytes(self.url_base, path, soql)
        raise SalesforceError(
            f"stream {self.name}: the query of its {len(self.query_fields)} selected fields "
            f"needs a {size:,}-byte URI, over Salesforce's {MAX_URI_BYTES:,}-byte limit for "
            f"REST queries; deselect fields of {self.object_name} in the catalog"
        )

    def _reject_field(self, error: InvalidFieldError) -> None:
        """Stop querying a field the org refuses (field-level security), or re-raise."""
        match = _NO_SUCH_COLUMN.search(error.message)
        wanted = {name.lower(): name for name in self.query_fields}
        name = wanted.get(match.group(1).lower()) if match else None
        if name is None or name in (PRIMARY_KEY, self.replication_key):
            raise error
        self.logger.warning(
            "Dropping field %s.%s from stream %s: the query rejects it (INVALID_FIELD; "
            "field-level security hides it from this user)",
            self.object_name,
            name,
            self.name,
        )
        self._rejected_fields.append(name)

    def _restart_after_expired_cursor(
        self, error: InvalidQueryLocatorError, progress: _ReadProgress, restarts: int
    ) -> None:
        """Prepare to re-run the query from the last emitted row, or re-raise."""
        if self.replication_key is None or restarts >= MAX_CURSOR_RESTARTS:
            raise error
        if progress.last_key is not None:
            self._since = parse_datetime(progress.last_key)
            progress.resume_key = progress.last_key
        self.logger.warning(
            "Query cursor of stream %s expired (%s); re-running the query from %s",
            self.name,
            error.error_code or "INVALID_QUERY_LOCATOR",
            progress.last_key or "the start",
        )

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Read the object, recovering from refused fields and expired cursors.

        Args:
            context: Stream partition context.

        Yields:
            Records in replication-key order.
        """
        started = time.perf_counter()
        calls_before = self.sf_session.calls
        self._since = self._start_since(context)
        progress = _ReadProgress(self.replication_key)
        restarts = 0
        while True:
            rows_before = progress.rows
            self._check_query_size()
            self.logger.debug("SOQL for %s: %s", self.name, self.soql)
            try:
                for record in self.request_records(context):
                    if progress.is_repeat(record):
                        continue
                    progress.add(record)
                    yield record
                break
            except InvalidFieldError as error:
                self._reject_field(error)
            except InvalidQueryLocatorError as error:
                restarts = 0 if progress.rows > rows_before else restarts + 1
                self._restart_after_expired_cursor(error, progress, restarts)
        elapsed = time.perf_counter() - started
        self.logger.info(
            "Stream %s: %d rows in %.2f s (%.0f rows/s), %d API calls",
            self.name,
            progress.rows,
            elapsed,
            progress.rows / elapsed if elapsed > 0 else 0.0,
            self.sf_session.calls - calls_before,
        )

    @override
    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        """Advance the bookmark, except for rows re-read inside the lookback window.

        Those rows are older than the stored bookmark: they are emitted (to catch late
        commits) but must not move it backwards, which the SDK's sort check would reject.
        """
        key = self.replication_key
        value = latest_record.get(key) if key else None
        floor = self._bookmark_floor
        if floor is not None and isinstance(value, str) and value < floor:
            return
        super()._increment_stream_state(latest_record, context=context)
