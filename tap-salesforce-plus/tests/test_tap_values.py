"""Datetime normalisation and record clean-up (shared by every read path)."""

from __future__ import annotations

import datetime as dt

import pytest
from tap_salesforce_plus.values import format_datetime, normalize_datetime, normalize_record


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2024-07-15T20:18:56.000+0000", "2024-07-15T20:18:56.000Z"),  # REST
        ("2024-07-15T20:18:56.000Z", "2024-07-15T20:18:56.000Z"),  # Bulk API 2.0 CSV
        ("2024-07-15T20:18:56Z", "2024-07-15T20:18:56.000Z"),
        ("2024-07-15T20:18:56.123456+00:00", "2024-07-15T20:18:56.123Z"),
        ("2024-07-15T22:18:56.500+0200", "2024-07-15T20:18:56.500Z"),
        ("2024-07-15T15:18:56.000-0500", "2024-07-15T20:18:56.000Z"),
        ("2024-07-15T20:18:56", "2024-07-15T20:18:56.000Z"),
        ("2024-12-31T23:30:00.000-0100", "2025-01-01T00:30:00.000Z"),
    ],
)
def test_normalize_datetime(given: str, expected: str) -> None:
    assert normalize_datetime(given) == expected


def test_normalize_datetime_rejects_non_datetimes() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        normalize_datetime("yesterday")


def test_format_datetime_converts_to_utc() -> None:
    berlin = dt.timezone(dt.timedelta(hours=2))
    assert format_datetime(dt.datetime(2024, 7, 15, 22, 0, 1, 999999, berlin)) == (
        "2024-07-15T20:00:01.999Z"
    )


def test_normalize_record_drops_attributes_and_normalises_datetimes_only() -> None:
    record = {
        "attributes": {"type": "Account", "url": "/services/data/v64.0/sobjects/Account/001"},
        "Id": "001",
        "SystemModstamp": "2024-07-15T20:18:56.000+0000",
        "LastActivityDate": "2024-07-15",
        "Kickoff_Time__c": "20:18:56.000Z",
        "ClosedDate": None,
    }
    normalize_record(record, ("SystemModstamp", "ClosedDate"))
    assert record == {
        "Id": "001",
        "SystemModstamp": "2024-07-15T20:18:56.000Z",
        "LastActivityDate": "2024-07-15",
        "Kickoff_Time__c": "20:18:56.000Z",
        "ClosedDate": None,
    }
