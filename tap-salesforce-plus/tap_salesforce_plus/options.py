"""The tap's own settings, read once.

They are declared, with their types, bounds and allowed values, in ``config_jsonschema``
(``tap.py``), which the SDK checks before the tap starts. What the schema cannot say is
checked here: a ``start_date`` that does not parse and two queries with one name; table
names, SOQL and relationships are checked against the org at discovery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from salesforce_common import ConfigError

from tap_salesforce_plus.bulk_chunks import DEFAULT_CHUNK_ROWS, DEFAULT_JOBS_IN_FLIGHT, BulkChunking
from tap_salesforce_plus.registry import TableRequest, parse_tables
from tap_salesforce_plus.report_schema import ReportSpec, parse_reports
from tap_salesforce_plus.timespec import parse_interval, parse_start_date

DEFAULT_LOOKBACK_MINUTES = 5
DEFAULT_BULK_THRESHOLD = 10_000
DEFAULT_BULK_PAGE_SIZE = 50_000
MAX_PARALLEL_PAGES = 10
"""Result pages downloading at once at most (far below 25 concurrent long requests per org)."""
API_TYPES = ("auto", "rest", "bulk")
DEFAULT_STATE_EVERY_RECORDS = 10_000
MAX_STATE_EVERY_RECORDS = 1_000_000
DEFAULT_STATE_EVERY_SECONDS = 60
MAX_STATE_EVERY_SECONDS = 3600


def _setting(config: Mapping[str, Any], name: str, default: Any) -> Any:
    """A setting's value, or ``default`` when it is absent or null."""
    value = config.get(name)
    return default if value is None else value


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


def _queries(entries: list[dict[str, Any]] | None) -> tuple[QuerySpec, ...]:
    """The ``queries`` entries (their form is checked by the JSON schema), names unique."""
    specs: dict[str, QuerySpec] = {}
    for entry in entries or []:
        name = entry["name"].strip()
        if name.lower() in specs:
            raise ConfigError(f"queries: two queries are named {name!r}")
        key = entry.get("replication_key")
        keys = entry.get("primary_keys")
        specs[name.lower()] = QuerySpec(
            name, entry["soql"].strip(), key.strip() if key else None, tuple(keys) if keys else None
        )
    return tuple(specs.values())


def _relationships(value: Mapping[str, list[str]] | None) -> Mapping[str, tuple[str, ...]]:
    """Stream name (lower-cased) -> relationship names, repeats dropped."""
    return {
        str(stream).lower(): tuple(dict.fromkeys(names)) for stream, names in (value or {}).items()
    }


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
        bulk_chunk_rows: Bulk reads of more rows are split into Id-range chunks of about this
            many rows, one job each.
        bulk_max_jobs_in_flight: Jobs of a chunked read that exist at a time.
        bulk_parallel_pages: Result pages downloading at once through ``resultPages`` (1: the
            locator chain, the next page downloading while one is read).
        queries: Named SOQL query streams.
        relationships: Stream name -> parent relationships embedded as sub-objects.
        formula_refresh: How often formula fields are re-read (None: never).
        state_every_records: A stream emits STATE at least every this many records.
        state_every_seconds: ... and at least every this many seconds.
        emit_activate_version: Full-table reads end with ACTIVATE_VERSION.
        reports: Named report streams.
        all_reports: ``*`` in ``reports``: every tabular report the user can see.
    """

    tables: TableRequest
    start_date: dt.datetime | None = None
    include_deleted: bool = False
    include_base64: bool = False
    lookback: dt.timedelta = dt.timedelta(minutes=DEFAULT_LOOKBACK_MINUTES)
    api_type: str = "auto"
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD
    bulk_page_size: int = DEFAULT_BULK_PAGE_SIZE
    bulk_chunk_rows: int = DEFAULT_CHUNK_ROWS
    bulk_max_jobs_in_flight: int = DEFAULT_JOBS_IN_FLIGHT
    bulk_parallel_pages: int = 1
    queries: tuple[QuerySpec, ...] = ()
    relationships: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    formula_refresh: dt.timedelta | None = None
    state_every_records: int = DEFAULT_STATE_EVERY_RECORDS
    state_every_seconds: float = DEFAULT_STATE_EVERY_SECONDS
    emit_activate_version: bool = True
    reports: tuple[ReportSpec, ...] = ()
    all_reports: bool = False

    @property
    def bulk_chunks(self) -> BulkChunking:
        """How large Bulk reads are split (``bulk_chunk_rows``, ``bulk_max_jobs_in_flight``)."""
        return BulkChunking(self.bulk_chunk_rows, self.bulk_max_jobs_in_flight)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TapOptions:
        """Read the tap settings from a config.

        Args:
            config: The tap config.

        Returns:
            The options.

        Raises:
            ConfigError: A ``start_date`` that is not a datetime, a repeated query name or a
                malformed ``tables`` entry (one line naming the setting).
        """
        start_date = None
        if config.get("start_date"):
            start_date = parse_start_date(str(config["start_date"]))
        refresh = config.get("formula_refresh_hours")
        refresh_interval = config.get("formula_refresh_interval")
        lookback = config.get("lookback")
        reports, all_reports = parse_reports(config.get("reports"))
        return cls(
            tables=parse_tables(config.get("tables")),
            start_date=start_date,
            include_deleted=bool(config.get("include_deleted")),
            include_base64=bool(config.get("include_base64")),
            lookback=(
                parse_interval("lookback", str(lookback))
                if lookback
                else dt.timedelta(
                    minutes=_setting(config, "lookback_minutes", DEFAULT_LOOKBACK_MINUTES)
                )
            ),
            api_type=_setting(config, "api_type", "auto"),
            bulk_threshold=_setting(config, "bulk_threshold", DEFAULT_BULK_THRESHOLD),
            bulk_page_size=_setting(config, "bulk_page_size", DEFAULT_BULK_PAGE_SIZE),
            bulk_chunk_rows=_setting(config, "bulk_chunk_rows", DEFAULT_CHUNK_ROWS),
            bulk_max_jobs_in_flight=_setting(
                config, "bulk_max_jobs_in_flight", DEFAULT_JOBS_IN_FLIGHT
            ),
            bulk_parallel_pages=_setting(config, "bulk_parallel_pages", 1),
            queries=_queries(config.get("queries")),
            relationships=_relationships(config.get("relationships")),
            formula_refresh=(
                parse_interval("formula_refresh_interval", str(refresh_interval))
                if refresh_interval
                else None
                if refresh is None
                else dt.timedelta(hours=refresh)
            ),
            state_every_records=_setting(
                config, "state_every_records", DEFAULT_STATE_EVERY_RECORDS
            ),
            state_every_seconds=_setting(
                config, "state_every_seconds", DEFAULT_STATE_EVERY_SECONDS
            ),
            reports=reports,
            all_reports=all_reports,
            emit_activate_version=_setting(config, "emit_activate_version_messages", True),
        )
