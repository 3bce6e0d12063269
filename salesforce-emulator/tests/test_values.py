"""Tests of Salesforce value formats: the datetime forms the API accepts and writes."""

from __future__ import annotations

import datetime as dt

import pytest
from salesforce_emulator.values import normalize_datetime, parse_datetime

MOMENT = dt.datetime(2024, 7, 15, 20, 18, 56, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2024-07-15T20:18:56.000+0000",
        "2024-07-15T20:18:56Z",
        "2024-07-15T20:18:56.000Z",
        "2024-07-15T20:18:56+00:00",
        "2024-07-15T20:18:56",
        "2024-07-15T22:18:56+0200",
        "2024-07-15T15:48:56.000-04:30",
        " 2024-07-15T20:18:56Z ",
    ],
)
def test_accepted_datetime_forms_mean_the_same_moment(text):
    parsed = parse_datetime(text)
    assert parsed == MOMENT
    assert parsed.tzinfo == dt.UTC
    assert normalize_datetime(text) == "2024-07-15T20:18:56.000+0000"


def test_milliseconds_are_kept():
    assert normalize_datetime("2024-07-15T20:18:56.123Z") == "2024-07-15T20:18:56.123+0000"


@pytest.mark.parametrize("text", ["2024-07-15", "", "not a date", "2024-07-15T25:00:00Z"])
def test_other_text_is_not_a_datetime(text):
    with pytest.raises(ValueError, match=r".+"):
        parse_datetime(text)
