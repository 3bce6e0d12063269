"""The tap's own settings, read and checked once (they are declared in ``tap.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from salesforce_common import ConfigError

from tap_salesforce_plus.registry import TableRequest, parse_tables
from tap_salesforce_plus.values import parse_datetime

DEFAULT_LOOKBACK_MINUTES = 5
DEFAULT_BULK_THRESHOLD = 10_000
DEFAULT_BULK_PAGE_SIZE = 50_000
API_TYPES = ("auto", "rest", "bulk")


def _flag(config: Mapping[str, Any], name: str) -> bool:
    value = config.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


def _whole_number(config: Mapping[str, Any], name: str, default: int, minimum: int) -> int:
    value = config.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return value


@dataclass(frozen=True)
class QuerySpec:
    """One entry of the ``queries`` setting (checked against the org at discovery).

    Attributes:
        name: The stream name.
        soql: The user's SOQL statement.
        replication_key: A selected datetime field to read incrementally on, if any.
        primary_keys: Key properties (default: ``Id`` when selected).
    """

    name: str
    soql: str
    replication_key: str | None = None
    primary_keys: tuple[str, ...] | None = None


def _queries(value: Any) -> tuple[QuerySpec, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError("queries must be a list of {name, soql, replication_key?, ...}")
    specs: dict[str, QuerySpec] = {}
    for index, entry in enumerate(value):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"queries[{index}]: name must be a non-empty string")
        name = name.strip()
        soql = entry.get("soql")
        if not isinstance(soql, str) or not soql.strip():
            raise ConfigError(f"queries: query {name!r} has no soql")
        key = entry.get("replication_key")
        if key is not None and (not isinstance(key, str) or not key.strip()):
            raise ConfigError(f"queries: query {name!r}: replication_key must be a field name")
        keys = entry.get("primary_keys")
        if keys is not None and (
            not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys)
        ):
            raise ConfigError(f"queries: query {name!r}: primary_keys must be a list of names")
        if name.lower() in specs:
            raise ConfigError(f"queries: two queries are named {name!r}")
        specs[name.lower()] = QuerySpec(
            name, soql.strip(), key.strip() if key else None, tuple(keys) if keys else None
        )
    return tuple(specs.values())


def _relationships(value: Any) -> Mapping[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) and n for n in names)
        for names in value.values()
    ):
        raise ConfigError(
            'relationships must map stream names to relationship names, e.g. {"case": ["Contact"]}'
        )
    return {str(stream).lower(): tuple(dict.fromkeys(names)) for stream, names in value.items()}


@dataclass(frozen=True)
class TapOptions:
    """Validated tap settings (connection settings are the shared library's business).

    Attributes:
        tables: The ``tables`` setting, checked against the registry.
        start_date: Earliest replication-key value to read, when set.
        include_deleted: Read with ``queryAll`` (deleted rows, ``IsDeleted = true``) and
            report hard-deleted rows from ``sobjects/{X}/deleted``.
        include_base64: Keep base64 fields in schemas and queries.
        lookback: Subtracted from a bookmark when building the query.
        api_type: ``auto``, ``rest`` or ``bulk``.
        bulk_threshold: In ``auto``, rows above which a stream is read with the Bulk API.
        bulk_page_size: ``maxRecords`` of each Bulk API result page.
        queries: Named SOQL query streams.
        relationships: Stream name -> parent relationships embedded as sub-objects.
        formula_refresh: How often formula fields are re-read (None: never).
    """

    tables: TableRequest
    start_date: dt.datetime | None = None
    include_deleted: bool = False
    include_base64: bool = False
    lookback: dt.timedelta = dt.timedelta(minutes=DEFAULT_LOOKBACK_MINUTES)
    api_type: str = "auto"
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD
    bulk_page_size: int = DEFAULT_BULK_PAGE_SIZE
    queries: tuple[QuerySpec, ...] = ()
    relationships: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    formula_refresh: dt.timedelta | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TapOptions:
        """Read the tap settings from a config.

        Args:
            config: The tap config.

        Returns:
            The options.

        Raises:
            ConfigError: A malformed setting (one line naming it; no value of a secret).
        """
        tables = config.get("tables")
        if tables is not None and (
            not isinstance(tables, list) or not all(isinstance(t, str) for t in tables)
        ):
            raise ConfigError("tables must be a list of strings")
        start_date = None
        if config.get("start_date"):
            try:
                start_date = parse_datetime(str(config["start_date"]))
            except ValueError:
                raise ConfigError(
                    f"start_date {config['start_date']!r} is not an ISO 8601 datetime "
                    "such as 2024-01-01T00:00:00Z"
                ) from None
        lookback = _whole_number(config, "lookback_minutes", DEFAULT_LOOKBACK_MINUTES, 0)
        api_type = config.get("api_type") or "auto"
        if api_type not in API_TYPES:
            raise ConfigError(f"api_type must be one of auto, rest, bulk; got {api_type!r}")
        refresh = config.get("formula_refresh_hours")
        if refresh is not None and (
            isinstance(refresh, bool) or not isinstance(refresh, int | float) or refresh <= 0
        ):
            raise ConfigError(f"formula_refresh_hours must be a number > 0, got {refresh!r}")
        return cls(
            tables=parse_tables(tables),
            start_date=start_date,
            include_deleted=_flag(config, "include_deleted"),
            include_base64=_flag(config, "include_base64"),
            lookback=dt.timedelta(minutes=lookback),
            api_type=str(api_type),
            bulk_threshold=_whole_number(config, "bulk_threshold", DEFAULT_BULK_THRESHOLD, 0),
            bulk_page_size=_whole_number(config, "bulk_page_size", DEFAULT_BULK_PAGE_SIZE, 1),
            queries=_queries(config.get("queries")),
            relationships=_relationships(config.get("relationships")),
            formula_refresh=None if refresh is None else dt.timedelta(hours=refresh),
        )
