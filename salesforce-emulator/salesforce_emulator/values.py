"""Salesforce value formats: record Ids, datetimes, dates, times and doubles as the API writes."""

from __future__ import annotations

import datetime as dt
import math

_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
ORG_POD = "5g0"  # three characters after the key prefix: pod and reserved digit


def id_checksum(id15: str) -> str:
    """Return the three-character case-safe suffix that turns a 15-char Id into 18 chars."""
    suffix = ""
    for block in range(3):
        bits = 0
        for position, char in enumerate(id15[block * 5 : block * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix += _SUFFIX_ALPHABET[bits]
    return suffix


def make_id(key_prefix: str, number: int) -> str:
    """Build the 18-character Id of the ``number``-th record of an object."""
    digits = ""
    remaining = number
    for _ in range(9):
        remaining, digit = divmod(remaining, 62)
        digits = _ID_ALPHABET[digit] + digits
    id15 = key_prefix + ORG_POD + digits
    return id15 + id_checksum(id15)


def format_datetime(value: dt.datetime) -> str:
    """Format a datetime as Salesforce REST does: ``2024-07-15T20:18:56.000+0000`` (UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> dt.datetime:
    """Parse the datetime forms Salesforce accepts (``Z``, ``+0000``, ``+00:00``, ms optional).

    A time is required (a bare date is not a datetime); without an offset the time is UTC.
    """
    value = text.strip()
    if "T" not in value:
        raise ValueError(f"not a datetime: {text!r}")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def normalize_datetime(text: str) -> str:
    """Return any accepted datetime text in the stored (and REST) form."""
    return format_datetime(parse_datetime(text))


def bulk_datetime(stored: str) -> str:
    """Turn a stored datetime into Bulk API 2.0's CSV form: ``2024-07-15T20:18:56.000Z``."""
    return stored[:23] + "Z"


def format_time(value: dt.time) -> str:
    """Format a time as Salesforce does: ``20:18:56.000Z``."""
    return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def normalize_time(text: str) -> str:
    """Return an accepted time text (``20:18:56``, ``20:18:56.5Z``) in Salesforce's form."""
    value = text.strip().removesuffix("Z")
    return format_time(dt.time.fromisoformat(value))


def normalize_date(text: str) -> str:
    """Validate and return a date in ``YYYY-MM-DD`` form."""
    return dt.date.fromisoformat(text.strip()[:10]).isoformat()


JAVA_PLAIN_MIN = 1e-3
"""Smallest magnitude Java's ``Double.toString`` writes without an exponent."""
JAVA_PLAIN_MAX = 1e7
"""Magnitudes from here up are written with an exponent (``1.0E7``)."""


def java_double(value: float) -> str:
    """A double as Java's ``Double.toString`` writes it, the form Salesforce answers in.

    Magnitudes from 10^-3 up to (not including) 10^7 are plain decimals with at least one digit
    after the point (``48000.0``, ``-3.5``, ``0.001``); others are ``d.ddddE<exponent>`` without
    a plus sign (``2.5E7``, ``1.0E-4``). The digits are the shortest that read back as the same
    double (Python's ``repr`` digits).
    """
    magnitude = abs(value)
    if JAVA_PLAIN_MIN <= magnitude < JAVA_PLAIN_MAX:
        return repr(value)  # Python's repr is plain with a ".0" in this range: Java's form
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0.0"
    mantissa, _, exponent = repr(magnitude).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    point = len(whole) - (len(all_digits) - len(digits)) + (int(exponent) if exponent else 0)
    digits = digits.rstrip("0") or "0"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"
