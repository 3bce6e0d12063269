"""Dates and durations in settings: pendulum's forms, one-line errors quoting the value."""

from __future__ import annotations

import datetime as dt

import pytest
from salesforce_common import ConfigError
from tap_salesforce_plus.options import TapOptions
from tap_salesforce_plus.timespec import parse_interval, parse_start_date

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-01", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        ("2024-01-01T09:30:00Z", dt.datetime(2024, 1, 1, 9, 30, tzinfo=dt.UTC)),
        ("2024-01-01T09:30:00+02:00", dt.datetime(2024, 1, 1, 7, 30, tzinfo=dt.UTC)),
        ("2024-01-01T09:30:00", dt.datetime(2024, 1, 1, 9, 30, tzinfo=dt.UTC)),
        ("P90D", NOW - dt.timedelta(days=90)),
        ("PT12H", NOW - dt.timedelta(hours=12)),
        ("P1Y", dt.datetime(2025, 11, 30, 12, 0, tzinfo=dt.UTC)),
    ],
)
def test_start_date_forms(value: str, expected: dt.datetime) -> None:
    assert parse_start_date(value, NOW) == expected


@pytest.mark.parametrize("value", ["last tuesday", "2024-13-01", "", "09:30"])
def test_bad_start_date_is_one_line_quoting_it(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_start_date(value, NOW)
    message = str(caught.value)
    assert f"start_date {value!r}" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("PT5M", dt.timedelta(minutes=5)), ("P1DT12H", dt.timedelta(days=1, hours=12))],
)
def test_intervals(value: str, expected: dt.timedelta) -> None:
    assert parse_interval("lookback", value) == expected


@pytest.mark.parametrize(
    ("value", "phrase"),
    [("5 minutes", "is not an ISO 8601 duration"), ("P1M", "years or months"), ("PT0S", "shorter")],
)
def test_bad_intervals(value: str, phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase):
        parse_interval("lookback", value)


def test_options_take_the_duration_settings() -> None:
    options = TapOptions.from_config(
        {"start_date": "P30D", "lookback": "PT1H", "formula_refresh_interval": "P1D"}
    )
    assert options.lookback == dt.timedelta(hours=1)
    assert options.formula_refresh == dt.timedelta(days=1)
    assert options.start_date is not None
    age = dt.datetime.now(dt.UTC) - options.start_date
    assert dt.timedelta(days=30) <= age < dt.timedelta(days=30, minutes=5)
    defaults = TapOptions.from_config({"lookback_minutes": 7, "formula_refresh_hours": 6})
    assert defaults.lookback == dt.timedelta(minutes=7)
    assert defaults.formula_refresh == dt.timedelta(hours=6)
