"""Id-range chunks of a large Bulk API read: when to split, where, and the saved plan.

A Bulk API 2.0 job over tens of millions of rows can fail with ``QUERY_TIMEOUT`` and, once
killed, must be read again from its start. Above ``bulk_chunk_rows`` rows (the org's
approximate count; from a bookmark, a ``COUNT()`` of the read's window) a read is split into
``ceil(rows / bulk_chunk_rows)`` Id ranges, one job each (the Bulk API 2.0 analogue of Bulk
API 1.0's PK chunking). The lowest and the highest Id of the window come from two REST
queries (``ORDER BY Id ASC|DESC LIMIT 1``) and :func:`~.id_ranges.split_ids` places the
boundaries evenly between them; the first range is open below and the last open above, so
the ranges cover every row of the window whatever happens meanwhile.

The plan (``since``, the boundaries, the chunks read and the jobs created ahead) is saved in
the ``chunks`` entry of the stream's ``bulk_job`` state, next to the current chunk's job and
page (see :mod:`tap_salesforce_plus.bulk`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from salesforce_common import QueryTimeoutError, SalesforceSession
from salesforce_common.api_limits import BULK_QUERY_JOBS_PER_DAY
from salesforce_common.soql import And, Comparison, Expr, Literal, OrderItem, Query, format_query

from tap_salesforce_plus.id_ranges import id_number, split_ids
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.soql import field_ref, read_query
from tap_salesforce_plus.values import format_datetime, parse_datetime
from tap_salesforce_plus.windows import Window

DEFAULT_CHUNK_ROWS = 5_000_000
DEFAULT_JOBS_IN_FLIGHT = 3
MAX_JOBS_IN_FLIGHT = 10
"""Far below Salesforce's 25 concurrent long-running requests per org."""
MAX_CHUNKS = BULK_QUERY_JOBS_PER_DAY // 10
"""Chunks of one read at most: a tenth of the daily Bulk API 2.0 query jobs."""


@dataclass(frozen=True)
class BulkChunking:
    """How large Bulk reads are split (the ``bulk_chunk_rows`` settings).

    Attributes:
        rows: Reads of more rows than this are split into chunks of about this many.
        jobs_in_flight: Jobs created ahead of the one being read, the read one included.
    """

    rows: int = DEFAULT_CHUNK_ROWS
    jobs_in_flight: int = DEFAULT_JOBS_IN_FLIGHT

    def chunks(self, rows: int | None) -> int:
        """How many chunks a read of about ``rows`` rows takes (1: do not split)."""
        if rows is None or rows <= self.rows:
            return 1
        return min(math.ceil(rows / self.rows), MAX_CHUNKS)


@dataclass
class ChunkPlan:
    """The Id ranges of a chunked read and how far it is.

    Attributes:
        bounds: Inner boundaries, ascending: chunk ``i`` is ``Id >= bounds[i - 1]`` (not for
            the first) ``AND Id < bounds[i]`` (not for the last).
        since: The lower bound of the replication key of every chunk's query.
        done: Chunks read (they are read in Id order: the current chunk is ``done``).
        ahead: Jobs of the chunks after the current one, created ahead, in order.
    """

    bounds: list[str]
    since: dt.datetime | None = None
    done: int = 0
    ahead: list[list[str]] = field(default_factory=list)

    @property
    def count(self) -> int:
        """The number of chunks."""
        return len(self.bounds) + 1

    def range(self, index: int) -> tuple[str | None, str | None]:
        """Chunk ``index``'s ``(lowest Id, Id above it)``; None where it is open."""
        low = self.bounds[index - 1] if index > 0 else None
        high = self.bounds[index] if index < len(self.bounds) else None
        return low, high

    def to_state(self) -> dict[str, Any]:
        """The ``chunks`` value of the ``bulk_job`` state."""
        value: dict[str, Any] = {"bounds": list(self.bounds), "done": self.done}
        if self.since is not None:
            value["since"] = format_datetime(self.since)
        if self.ahead:
            value["ahead"] = [list(ids) for ids in self.ahead]
        return value

    @classmethod
    def from_state(cls, value: Any) -> ChunkPlan:
        """Read a ``chunks`` state value.

        Args:
            value: The ``chunks`` entry of a ``bulk_job`` state.

        Returns:
            The plan.

        Raises:
            TypeError: The entry has not the plan's form.
            ValueError: A boundary is not an Id, they do not ascend, or ``done`` is past them.
        """
        if not isinstance(value, Mapping) or not isinstance(value.get("bounds"), list):
            raise TypeError("no chunk bounds")
        bounds = [str(bound) for bound in value["bounds"]]
        numbers = [id_number(bound) for bound in bounds]
        if any(later <= earlier for earlier, later in pairwise(numbers)):
            raise ValueError("chunk bounds do not ascend")
        done = value.get("done")
        if not isinstance(done, int) or not 0 <= done <= len(bounds):
            raise ValueError(f"chunk {done!r} is not one of the {len(bounds) + 1}")
        ahead = value.get("ahead") or []
        if not isinstance(ahead, list) or not all(isinstance(ids, list) and ids for ids in ahead):
            raise TypeError("ahead is not a list of job lists")
        if len(ahead) > len(bounds) - done:
            raise ValueError(f"{len(ahead)} chunks ahead of chunk {done + 1} of {len(bounds) + 1}")
        since = value.get("since")
        return cls(
            bounds=bounds,
            since=parse_datetime(str(since)) if since is not None else None,
            done=done,
            ahead=[[str(job_id) for job_id in ids] for ids in ahead],
        )


def within_ids(query: Query, low: str | None, high: str | None) -> Query:
    """``query`` with ``Id >= low AND Id < high`` ANDed to its WHERE (None: no such bound).

    Args:
        query: A read's query.
        low: The lowest Id of the range.
        high: The Id above the range.

    Returns:
        The query of the range.
    """
    ref = field_ref(PRIMARY_KEY)
    conditions: list[Expr] = []
    if query.where is not None:
        where = query.where
        conditions.extend(where.operands if isinstance(where, And) else (where,))
    if low is not None:
        conditions.append(Comparison(ref, ">=", Literal("string", low)))
    if high is not None:
        conditions.append(Comparison(ref, "<", Literal("string", high)))
    if not conditions:
        return query
    where_expr = conditions[0] if len(conditions) == 1 else And(tuple(conditions))
    return dataclasses.replace(query, where=where_expr, source="", from_pos=-1)


@dataclass
class IdSpan:
    """The two REST queries that find the lowest and the highest Id of a read.

    Attributes:
        session: The org session.
        resource: ``query``, or ``queryAll`` when deleted rows are read too.
        base: The stream's query (``FROM`` object and the user's conditions).
        replication_key: The key bounded by the window (None for full-table reads).
    """

    session: SalesforceSession
    resource: str
    base: Query
    replication_key: str | None

    def find(self, window: Window) -> tuple[str, str] | None:
        """The lowest and the highest Id within ``window`` (None: no rows).

        When the window's query times out, the whole table's extremes are taken (sorting on
        the primary key alone is always quick); the chunks are then less even, but still
        cover the window.

        Args:
            window: The read's bounds.

        Returns:
            ``(lowest, highest)``, or None when the window holds no row.
        """
        try:
            return self._extremes(window)
        except QueryTimeoutError:
            if window == Window():
                raise
            return self._extremes(Window())

    def _extremes(self, window: Window) -> tuple[str, str] | None:
        lowest = self._first(window, descending=False)
        if lowest is None:
            return None
        highest = self._first(window, descending=True)
        return lowest, highest or lowest

    def _first(self, window: Window, *, descending: bool) -> str | None:
        key = self.replication_key if window != Window() else None
        query = read_query(
            self.base,
            [PRIMARY_KEY],
            replication_key=key,
            since=window.since,
            until=window.until,
            ordered=False,
        )
        query = dataclasses.replace(
            query, order_by=(OrderItem(field_ref(PRIMARY_KEY), descending=descending),), limit=1
        )
        body = self.session.get_json(self.resource, {"q": format_query(query)})
        records = body.get("records") or []
        return str(records[0][PRIMARY_KEY]) if records else None


def plan_bounds(span: IdSpan, window: Window, chunks: int) -> list[str]:
    """The inner boundaries of ``chunks`` even Id ranges over a read (empty: one range).

    Args:
        span: Finds the read's lowest and highest Id.
        window: The read's bounds.
        chunks: How many ranges are wanted.

    Returns:
        The boundaries (fewer ranges when the window holds fewer Ids).
    """
    if chunks <= 1:
        return []
    extremes = span.find(window)
    if extremes is None:
        return []
    return split_ids(*extremes, chunks)
