"""SOQL execution with server-side cursors: snapshots of matching rows paged by locators."""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from salesforce_common.api_limits import (
    CURSOR_IDLE_SECONDS,
    MAX_OPEN_CURSORS,
    MIN_QUERY_BATCH_SIZE,
    QUERY_PAGE_ROWS,
)

from salesforce_emulator.catalog import Catalog
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.soql import CompiledQuery, compile_soql
from salesforce_emulator.soql.render import Row


def matching_rowids(conn: sqlite3.Connection, compiled: CompiledQuery) -> list[int]:
    """The snapshot of matching rows, in query order."""
    return [row[0] for row in conn.execute(compiled.ids_sql, compiled.params)]


def new_locator_id(prefix: str = "01g") -> str:
    """An 18-character query-locator-like id (``01g...``)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(15))


@dataclass(frozen=True)
class QueryPage:
    """One page of a query's answer: the rows to render and where the next page starts.

    ``compiled`` renders the rows (None for ``COUNT()``, which has no records); an aggregate
    query's page is its single row. ``next_locator`` (``<cursor>-<position>``) is None on the
    last page.
    """

    total_size: int
    rows: Sequence[Row] = ()
    compiled: CompiledQuery | None = None
    next_locator: str | None = None

    @property
    def done(self) -> bool:
        """True on the last page."""
        return self.next_locator is None


@dataclass
class Cursor:
    """An open query cursor: the compiled query and the snapshot of row ids.

    ``include_deleted`` marks a ``queryAll`` cursor: its snapshot holds deleted rows, and its
    locator is followed at ``query/{locator}`` like any other (the locator knows what it is).
    """

    compiled: CompiledQuery
    rowids: list[int]
    user_id: str
    include_deleted: bool = False
    last_used: float = field(default_factory=time.monotonic)


@dataclass
class QueryEngine:
    """Runs ``query``/``queryAll`` and ``nextRecordsUrl`` follow-ups."""

    conn: sqlite3.Connection
    catalog: Catalog
    hidden_fields: set[tuple[str, str]]
    page_size: int = QUERY_PAGE_ROWS
    locator_ttl_seconds: float = float(CURSOR_IDLE_SECONDS)
    query_timeout_rows: int | None = None
    cursors: OrderedDict[str, Cursor] = field(default_factory=OrderedDict)

    def compile(self, soql: str, *, include_deleted: bool) -> CompiledQuery:
        """Parse and compile against the catalog and the field-level security settings."""
        return compile_soql(
            soql,
            self.catalog,
            include_deleted=include_deleted,
            hidden_fields=frozenset(self.hidden_fields),
        )

    def start(
        self,
        soql: str,
        *,
        include_deleted: bool,
        user_id: str,
        batch_size: int | None,
    ) -> QueryPage:
        """Run a query and answer its first page."""
        compiled = self.compile(soql, include_deleted=include_deleted)
        if compiled.is_count:
            (total,) = self.conn.execute(compiled.count_sql, compiled.params).fetchone()
            return QueryPage(total)
        rowids = matching_rowids(self.conn, compiled)
        if self.query_timeout_rows is not None and len(rowids) > self.query_timeout_rows:
            raise SalesforceApiError(
                400,
                "QUERY_TIMEOUT",
                "Your query request was running for too long.",
            )
        if compiled.is_aggregate:
            assert compiled.aggregate_sql is not None
            row = self.conn.execute(compiled.aggregate_sql, compiled.params).fetchone()
            return QueryPage(1, [row], compiled)
        cursor = Cursor(compiled, rowids, user_id, include_deleted=include_deleted)
        return self._page(cursor, 0, batch_size=batch_size)

    def more(self, locator: str, *, batch_size: int | None) -> QueryPage:
        """Answer ``query/{locator}-{position}``."""
        cursor_id, _, position_text = locator.partition("-")
        self._expire()
        cursor = self.cursors.get(cursor_id)
        if cursor is None or not position_text.isdigit() or int(position_text) > len(cursor.rowids):
            raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.last_used = time.monotonic()
        return self._page(cursor, int(position_text), batch_size=batch_size, cursor_id=cursor_id)

    def _page(
        self,
        cursor: Cursor,
        position: int,
        *,
        batch_size: int | None,
        cursor_id: str | None = None,
    ) -> QueryPage:
        # Sforce-Query-Options batchSize is clamped to 200..2000; the org's page size caps it.
        requested = (
            QUERY_PAGE_ROWS
            if batch_size is None
            else max(MIN_QUERY_BATCH_SIZE, min(batch_size, QUERY_PAGE_ROWS))
        )
        size = min(requested, self.page_size)
        page_ids = cursor.rowids[position : position + size]
        rows = cursor.compiled.fetch_page(self.conn, page_ids)
        end = position + len(page_ids)
        next_locator = None
        if end < len(cursor.rowids):
            if cursor_id is None:
                cursor_id = self._open(cursor)
            next_locator = f"{cursor_id}-{end}"
        elif cursor_id is not None:
            self.cursors.pop(cursor_id, None)
        return QueryPage(len(cursor.rowids), rows, cursor.compiled, next_locator)

    def _open(self, cursor: Cursor) -> str:
        self._expire()
        mine = [k for k, c in self.cursors.items() if c.user_id == cursor.user_id]
        while len(mine) >= MAX_OPEN_CURSORS:
            self.cursors.pop(mine.pop(0), None)
        cursor_id = new_locator_id()
        self.cursors[cursor_id] = cursor
        return cursor_id

    def _expire(self) -> None:
        deadline = time.monotonic() - self.locator_ttl_seconds
        for key in [k for k, c in self.cursors.items() if c.last_used < deadline]:
            del self.cursors[key]

    def expire_all(self) -> int:
        """Invalidate every open cursor (as if they had idled out)."""
        count = len(self.cursors)
        self.cursors.clear()
        return count
