"""Record normalisation shared by every read path (REST query now, Bulk API later).

Datetimes leave the tap in one fixed form, ISO 8601 in UTC with milliseconds and ``Z``:
``2024-07-15T20:18:56.000Z``. Salesforce REST writes ``2024-07-15T20:18:56.000+0000``,
Bulk API 2.0 CSV ``2024-07-15T20:18:56.000Z``; both become the same string, so bookmarks
compare correctly as strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

REST_UTC_SUFFIX = "+0000"
_REST_UTC_LENGTH = len("2024-07-15T20:18:56.000+0000")
_OUTPUT_LENGTH = len("2024-07-15T20:18:56.000Z")


def parse_datetime(value: str) -> dt.datetime:
    """Parse a Salesforce or ISO 8601 datetime; a value without offset is taken as UTC.

    Args:
        value: E.g. ``2024-07-15T20:18:56.000+0000``, ``2024-07-15T20:18:56Z``.

    Returns:
        An aware datetime in UTC.

    Raises:
        ValueError: Not a datetime.
    """
    parsed = dt.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    """Format a datetime in the tap's one output form, ``2024-07-15T20:18:56.000Z``.

    Args:
        value: An aware datetime (naive ones are taken as UTC).

    Returns:
        The UTC datetime with milliseconds and ``Z``.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    utc = value.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def normalize_datetime(value: str) -> str:
    """Normalise a datetime string to ``2024-07-15T20:18:56.000Z``.

    Args:
        value: Any ISO 8601 datetime; Salesforce's REST and Bulk API forms take a fast path.

    Returns:
        The normalised string.

    Raises:
        ValueError: Not a datetime.
    """
    if len(value) == _REST_UTC_LENGTH and value.endswith(REST_UTC_SUFFIX) and value[19] == ".":
        return value[:23] + "Z"
    if len(value) == _OUTPUT_LENGTH and value[23] == "Z" and value[19] == "." and value[10] == "T":
        return value
    return format_datetime(parse_datetime(value))


def normalize_record(record: dict[str, Any], datetime_fields: Iterable[str]) -> dict[str, Any]:
    """Prepare a record as Salesforce returns it for output, in place.

    Drops the ``attributes`` key and normalises the given datetime fields (nulls stay).

    Args:
        record: A record from a query.
        datetime_fields: Names of its datetime fields.

    Returns:
        The same record.
    """
    record.pop("attributes", None)
    for name in datetime_fields:
        value = record.get(name)
        if isinstance(value, str):
            record[name] = normalize_datetime(value)
    return record
