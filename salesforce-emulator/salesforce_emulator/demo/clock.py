"""The demo org's time range and fast formatters for its stored datetimes, dates and times."""

from __future__ import annotations

import datetime as dt
import functools

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


END = dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC)


DAY = 86_400


SPAN = int((END - START).total_seconds())  # audit timestamps are seconds in [0, SPAN]


LAST_DAY = SPAN // DAY


@functools.cache
def _clock() -> tuple[str, ...]:
    """``HH:MM:SS`` for every second of a day."""
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))


@functools.cache
def date_text(day: int) -> str:
    """The ``YYYY-MM-DD`` text of a day counted from START (negative: before it)."""
    return (START.date() + dt.timedelta(days=day)).isoformat()


def datetime_text(second: int) -> str:
    """The stored form (``2024-07-15T20:18:56.000+0000``) of a second counted from START."""
    day, rest = divmod(second, DAY)
    return f"{date_text(day)}T{_clock()[rest]}.000+0000"


def time_text(second: int) -> str:
    """The stored form (``20:18:56.000Z``) of a second of the day."""
    return _clock()[second % DAY] + ".000Z"
