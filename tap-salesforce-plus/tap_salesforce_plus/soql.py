"""SOQL for stream reads, built as a syntax tree (the shared parser's) and printed once.

Every incremental read is bounded on both sides, ``key >= since AND key < until``: ``until``
is fixed when the stream starts, so the parts of a split query, the windows of a query
that timed out, and a Bulk API job all see the same rows, and the bookmark can be moved to
``until`` once everything below it has been emitted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from urllib.parse import quote_plus, urlencode

from salesforce_common.soql import (
    And,
    Comparison,
    CountAll,
    Expr,
    FieldRef,
    Literal,
    OrderItem,
    Query,
)

SOQL_ALLOWANCE = 1_000
"""Room kept below :data:`MAX_SOQL_CHARS` (for the window conditions of later reads)."""


def soql_datetime(value: dt.datetime) -> str:
    """Format a SOQL datetime literal, ``2024-07-15T20:18:56Z``, rounded down to the second.

    Rounding down only widens a ``>=`` filter, so nothing at or after ``value`` is missed.

    Args:
        value: An aware datetime (naive ones are taken as UTC).

    Returns:
        The literal (SOQL datetime literals are not quoted).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return f"{value.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"


def field_ref(term: str) -> FieldRef:
    """A field path from its dotted text (``Account.Name``)."""
    return FieldRef(tuple(term.split(".")))


def window_condition(key: str, since: dt.datetime | None, until: dt.datetime | None) -> list[Expr]:
    """``key >= since`` and ``key < until`` (either may be absent).

    Args:
        key: The replication key.
        since: Inclusive lower bound.
        until: Exclusive upper bound.

    Returns:
        The comparisons to AND to a query.
    """
    ref = field_ref(key)
    conditions: list[Expr] = []
    if since is not None:
        conditions.append(Comparison(ref, ">=", Literal("datetime", soql_datetime(since))))
    if until is not None:
        conditions.append(Comparison(ref, "<", Literal("datetime", soql_datetime(until))))
    return conditions


def read_query(
    base: Query,
    terms: Sequence[str],
    *,
    replication_key: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    ordered: bool = True,
) -> Query:
    """The query of one read: ``base`` with these SELECT terms and the window.

    The window is ANDed to the WHERE of ``base``, which keeps its own meaning (nested
    conditions are parenthesised).

    Args:
        base: The stream's query (``FROM`` object and the user's ``WHERE``, if any).
        terms: Field terms to select (at least one).
        replication_key: The replication key, for incremental reads.
        since: Inclusive lower bound on the key.
        until: Exclusive upper bound on the key.
        ordered: ``ORDER BY key ASC`` (REST reads; Bulk API jobs are not ordered).

    Returns:
        The query.

    Raises:
        ValueError: No terms, or bounds without a replication key.
    """
    if not terms:
        raise ValueError(f"no fields to select from {base.from_object}")
    conditions: list[Expr] = [] if base.where is None else [base.where]
    order_by = base.order_by
    if replication_key is None:
        if since is not None or until is not None:
            raise ValueError("since/until need a replication_key")
    else:
        conditions.extend(window_condition(replication_key, since, until))
        order_by = (OrderItem(field_ref(replication_key)),) if ordered else ()
    where: Expr | None = None
    if len(conditions) == 1:
        where = conditions[0]
    elif conditions:
        where = And(tuple(conditions))
    return dataclasses.replace(
        base,
        select=tuple(field_ref(term) for term in terms),
        where=where,
        order_by=order_by,
        source="",
        from_pos=-1,
    )


def count_query(query: Query) -> Query:
    """``SELECT COUNT() FROM X WHERE <same filter>`` of a read query."""
    return dataclasses.replace(query, select=(CountAll(),), order_by=(), limit=None, offset=None)


def query_uri_bytes(base_url: str, resource: str, soql: str) -> int:
    """Size of the URI of a REST query: ``{base_url}{resource}?q=<encoded SOQL>``.

    Args:
        base_url: ``{instance}/services/data/vNN.N/``.
        resource: ``query`` or ``queryAll``.
        soql: The statement.

    Returns:
        The URI length in bytes.
    """
    return len(base_url.encode()) + len(resource) + 1 + len(urlencode({"q": soql}))


def uri_term_bytes(term: str) -> int:
    """Bytes one more SELECT term adds to a REST query URI (``, term`` URL-encoded)."""
    return len(quote_plus(", " + term))


def soql_term_chars(term: str) -> int:
    """Characters one more SELECT term adds to a statement (``, term``)."""
    return len(term) + 2
