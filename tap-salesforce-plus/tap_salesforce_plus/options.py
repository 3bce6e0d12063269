"""The tap's own settings, read and checked once (they are declared in ``tap.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salesforce_common import ConfigError

from tap_salesforce_plus.registry import TableRequest, parse_tables
from tap_salesforce_plus.values import parse_datetime

DEFAULT_LOOKBACK_MINUTES = 5


def _flag(config: Mapping[str, Any], name: str) -> bool:
    value = config.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class TapOptions:
    """Validated tap settings (connection settings are the shared library's business).

    Attributes:
        tables: The ``tables`` setting, checked against the registry.
        start_date: Earliest replication-key value to read, when set.
        include_deleted: Read with ``queryAll`` (deleted rows, ``IsDeleted = true``).
        include_base64: Keep base64 fields in schemas and queries.
        lookback: Subtracted from a bookmark when building the query.
    """

    tables: TableRequest
    start_date: dt.datetime | None = None
    include_deleted: bool = False
    include_base64: bool = False
    lookback: dt.timedelta = dt.timedelta(minutes=DEFAULT_LOOKBACK_MINUTES)

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
        lookback = config.get("lookback_minutes")
        if lookback is None:
            lookback = DEFAULT_LOOKBACK_MINUTES
        if isinstance(lookback, bool) or not isinstance(lookback, int) or lookback < 0:
            raise ConfigError(f"lookback_minutes must be a whole number >= 0, got {lookback!r}")
        return cls(
            tables=parse_tables(tables),
            start_date=start_date,
            include_deleted=_flag(config, "include_deleted"),
            include_base64=_flag(config, "include_base64"),
            lookback=dt.timedelta(minutes=lookback),
        )
