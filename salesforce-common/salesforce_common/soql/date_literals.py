"""SOQL relative date literals (``TODAY``, ``LAST_N_DAYS:7``...) as half-open date ranges.

Pure Python, no I/O: shared by the plugins and the emulator.
Weeks start on Sunday (the en_US locale); quarters are calendar quarters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

DateRange = tuple[dt.date, dt.date]


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1, 1)


def _shift(day: dt.date, count: int, months: int) -> dt.date:
    """Move ``count`` periods of ``months`` months (0 means weeks) from ``day``."""
    if months == 0:
        return day + dt.timedelta(weeks=count)
    return _add_months(day, count * months)


def _days(start: int, end: int) -> Callable[[dt.date, int], DateRange]:
    """A range of days relative to today: ``[today + start, today + end)``."""
    return lambda today, _n: (
        today + dt.timedelta(days=start),
        today + dt.timedelta(days=end),
    )


def _periods(
    start_of: Callable[[dt.date], dt.date], months: int, first: int, last: int
) -> Callable[[dt.date, int], DateRange]:
    """``[period + first, period + last)`` in units of ``months`` (0 means weeks)."""
    return lambda today, _n: (
        _shift(start_of(today), first, months),
        _shift(start_of(today), last, months),
    )


def _n_periods(
    start_of: Callable[[dt.date], dt.date], months: int, mode: str
) -> Callable[[dt.date, int], DateRange]:
    """LAST_N_x (``mode="last"``), NEXT_N_x (``"next"``) and N_x_AGO (``"ago"``) ranges."""

    def resolve(today: dt.date, n: int) -> DateRange:
        base = start_of(today)
        if mode == "last":
            return _shift(base, -n, months), base
        if mode == "next":
            return _shift(base, 1, months), _shift(base, 1 + n, months)
        return _shift(base, -n, months), _shift(base, 1 - n, months)

    return resolve


SIMPLE_LITERALS: dict[str, Callable[[dt.date, int], DateRange]] = {
    "TODAY": _days(0, 1),
    "YESTERDAY": _days(-1, 0),
    "TOMORROW": _days(1, 2),
    "LAST_90_DAYS": _days(-90, 1),
    "NEXT_90_DAYS": _days(1, 91),
    "LAST_WEEK": _periods(_week_start, 0, -1, 0),
    "THIS_WEEK": _periods(_week_start, 0, 0, 1),
    "NEXT_WEEK": _periods(_week_start, 0, 1, 2),
    "LAST_MONTH": _periods(_month_start, 1, -1, 0),
    "THIS_MONTH": _periods(_month_start, 1, 0, 1),
    "NEXT_MONTH": _periods(_month_start, 1, 1, 2),
    "LAST_QUARTER": _periods(_quarter_start, 3, -1, 0),
    "THIS_QUARTER": _periods(_quarter_start, 3, 0, 1),
    "NEXT_QUARTER": _periods(_quarter_start, 3, 1, 2),
    "LAST_YEAR": _periods(_year_start, 12, -1, 0),
    "THIS_YEAR": _periods(_year_start, 12, 0, 1),
    "NEXT_YEAR": _periods(_year_start, 12, 1, 2),
}


def _last_n_days(today: dt.date, n: int) -> DateRange:
    """LAST_N_DAYS:n covers the past n days and today."""
    return today - dt.timedelta(days=n), today + dt.timedelta(days=1)


def _next_n_days(today: dt.date, n: int) -> DateRange:
    """NEXT_N_DAYS:n covers the n days after today."""
    return today + dt.timedelta(days=1), today + dt.timedelta(days=1 + n)


def _n_days_ago(today: dt.date, n: int) -> DateRange:
    return today - dt.timedelta(days=n), today - dt.timedelta(days=n - 1)


N_LITERALS: dict[str, Callable[[dt.date, int], DateRange]] = {
    "LAST_N_DAYS": _last_n_days,
    "NEXT_N_DAYS": _next_n_days,
    "N_DAYS_AGO": _n_days_ago,
    "LAST_N_WEEKS": _n_periods(_week_start, 0, "last"),
    "NEXT_N_WEEKS": _n_periods(_week_start, 0, "next"),
    "N_WEEKS_AGO": _n_periods(_week_start, 0, "ago"),
    "LAST_N_MONTHS": _n_periods(_month_start, 1, "last"),
    "NEXT_N_MONTHS": _n_periods(_month_start, 1, "next"),
    "N_MONTHS_AGO": _n_periods(_month_start, 1, "ago"),
    "LAST_N_QUARTERS": _n_periods(_quarter_start, 3, "last"),
    "NEXT_N_QUARTERS": _n_periods(_quarter_start, 3, "next"),
    "N_QUARTERS_AGO": _n_periods(_quarter_start, 3, "ago"),
    "LAST_N_YEARS": _n_periods(_year_start, 12, "last"),
    "NEXT_N_YEARS": _n_periods(_year_start, 12, "next"),
    "N_YEARS_AGO": _n_periods(_year_start, 12, "ago"),
}


def date_literal_range(literal: str, today: dt.date) -> DateRange:
    """The half-open ``[start, end)`` date range a literal such as ``LAST_N_DAYS:7`` covers.

    Raises:
        ValueError: for an unknown literal.
    """
    name, _, count = literal.upper().partition(":")
    if count:
        if name not in N_LITERALS:
            raise ValueError(f"unknown date literal: {literal}")
        return N_LITERALS[name](today, int(count))
    if name not in SIMPLE_LITERALS:
        raise ValueError(f"unknown date literal: {literal}")
    return SIMPLE_LITERALS[name](today, 0)
