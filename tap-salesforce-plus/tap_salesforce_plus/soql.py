"""SOQL for stream reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlencode

MAX_URI_BYTES = 16_384
"""Salesforce refuses (414/431) a request whose URI plus headers pass this size."""
HEADER_ALLOWANCE = 2_048
"""Room kept for the request line's method and the headers (token, user agent, ...)."""


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


def build_select(
    object_name: str,
    fields: Sequence[str],
    *,
    replication_key: str | None = None,
    since: dt.datetime | None = None,
) -> str:
    """Build the query of one stream read.

    Incremental streams are read in replication-key order, so the bookmark can follow the
    records: ``SELECT ... FROM X WHERE key >= since ORDER BY key ASC`` (no ``WHERE`` when
    there is no ``since``). Full-table streams have neither clause.

    Args:
        object_name: The sObject API name.
        fields: Field names to select (at least one).
        replication_key: The replication key, for incremental streams.
        since: Lower bound (inclusive) on the replication key.

    Returns:
        The SOQL statement.

    Raises:
        ValueError: No fields, or ``since`` without a replication key.
    """
    if not fields:
        raise ValueError(f"no fields to select from {object_name}")
    soql = f"SELECT {', '.join(fields)} FROM {object_name}"
    if replication_key is None:
        if since is not None:
            raise ValueError("since needs a replication_key")
        return soql
    if since is not None:
        soql += f" WHERE {replication_key} >= {soql_datetime(since)}"
    return f"{soql} ORDER BY {replication_key} ASC"


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


def fits_in_uri(base_url: str, resource: str, soql: str) -> bool:
    """Whether a REST query's URI leaves room for headers within Salesforce's limit.

    Args:
        base_url: ``{instance}/services/data/vNN.N/``.
        resource: ``query`` or ``queryAll``.
        soql: The statement.

    Returns:
        True when the request can be sent.
    """
    return query_uri_bytes(base_url, resource, soql) + HEADER_ALLOWANCE <= MAX_URI_BYTES
