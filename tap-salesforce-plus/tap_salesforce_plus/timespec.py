"""Dates and durations as users write them in settings, parsed with pendulum.

``start_date`` accepts a date (``2024-01-01``, midnight UTC), a datetime with or without an
offset (``2024-01-01T09:30:00+02:00``; without one, UTC), or an ISO 8601 duration meaning
"that long ago" (``P90D``, ``P1Y``, ``PT12H``). Intervals (``lookback``,
``formula_refresh_interval``) are ISO 8601 durations of days and times (``PT5M``, ``P1D``).
A value that does not parse is a one-line error quoting it.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from salesforce_common import ConfigError

START_DATE_FORMS = "a date (2024-01-01), a datetime (2024-01-01T00:00:00Z) or a duration (P90D)"


def parse_start_date(value: str, now: dt.datetime | None = None) -> dt.datetime:
    """The moment ``value`` names, as an aware UTC datetime.

    Args:
        value: A date, a datetime, or an ISO 8601 duration (that long before ``now``).
        now: The present, for durations (default: the current time).

    Returns:
        The datetime in UTC.

    Raises:
        ConfigError: ``value`` is none of these forms (the message quotes it).
    """
    try:
        parsed = pendulum.parse(value.strip(), exact=True)
    except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
        raise ConfigError(
            f"start_date {value!r} is not an ISO 8601 datetime, date or duration: give "
            f"{START_DATE_FORMS}"
        ) from None
    if isinstance(parsed, pendulum.Duration):
        moment = pendulum.instance(now or dt.datetime.now(dt.UTC)) - parsed
        return dt.datetime.fromtimestamp(moment.timestamp(), dt.UTC)
    if isinstance(parsed, pendulum.DateTime):
        return dt.datetime.fromtimestamp(parsed.timestamp(), dt.UTC)
    if isinstance(parsed, pendulum.Date):
        return dt.datetime(parsed.year, parsed.month, parsed.day, tzinfo=dt.UTC)
    raise ConfigError(f"start_date {value!r} is a time of day, not {START_DATE_FORMS}")


def parse_interval(name: str, value: str) -> dt.timedelta:
    """An ISO 8601 duration of days and times (``PT5M``, ``P1DT12H``) as a timedelta.

    Args:
        name: The setting (for the message).
        value: The duration.

    Returns:
        The length, at least one second.

    Raises:
        ConfigError: Not a duration, one with years or months (whose length varies), or
            shorter than a second (the message quotes it).
    """
    try:
        parsed = pendulum.parse(value.strip())
    except (ValueError, TypeError, pendulum.parsing.exceptions.ParserError):
        parsed = None
    if not isinstance(parsed, pendulum.Duration):
        raise ConfigError(
            f"{name} {value!r} is not an ISO 8601 duration such as PT5M, PT12H or P1D"
        )
    if parsed.years or parsed.months:
        raise ConfigError(
            f"{name} {value!r} counts years or months, whose length varies: give days and "
            "times (P30D, PT12H)"
        )
    length = dt.timedelta(seconds=parsed.total_seconds())
    if length < dt.timedelta(seconds=1):
        raise ConfigError(f"{name} {value!r} is shorter than a second")
    return length
