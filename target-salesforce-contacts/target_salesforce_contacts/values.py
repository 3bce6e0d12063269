"""Values: emails, conversion of record values to Salesforce's forms, normalised comparison."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from target_salesforce_contacts.describe import ContactField

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
"""Addresses Salesforce accepts in an email field."""

MAX_EMAIL_LENGTH = 254
INTEGER_TYPES = frozenset({"int", "long"})
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
CONVERTED_TYPES = frozenset({"boolean", *INTEGER_TYPES, *NUMBER_TYPES, "date", "datetime", "time"})
"""Types whose text values :func:`to_salesforce` converts (other text is only trimmed)."""
COMPARED_TYPES = CONVERTED_TYPES | {"email", "multipicklist"}
"""Types whose text values :func:`comparable` normalises beyond trimming."""
TRUE_TEXT = frozenset({"true", "t", "yes", "y", "1"})
FALSE_TEXT = frozenset({"false", "f", "no", "n", "0"})


def clean_email(value: Any) -> str | None:
    """The email as it will be written: trimmed; None when absent or not text.

    Args:
        value: The record's identity value.

    Returns:
        The trimmed email, or None.
    """
    if not isinstance(value, str):
        return None
    return value.strip() or None


def email_key(email: str) -> str:
    """The matching key of an email: trimmed and lower-cased.

    Args:
        email: An email.

    Returns:
        The key.
    """
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    """True when Salesforce would accept ``email`` in an email field.

    Args:
        email: A trimmed email.

    Returns:
        Whether it is a valid address.
    """
    return len(email) <= MAX_EMAIL_LENGTH and EMAIL_RE.match(email) is not None


def json_default(value: Any) -> Any:
    """``json.dumps`` fallback for values the SDK may have parsed (dates, decimals).

    Args:
        value: A value ``json`` cannot encode.

    Returns:
        An encodable form.
    """
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_TEXT:
        return True
    if text in FALSE_TEXT:
        return False
    raise ValueError(value)


def _to_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    else:
        # fromisoformat takes "Z" and a space separator itself; "Z" is still replaced so a
        # date with a zone ("2024-05-01Z") keeps parsing as before.
        parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if len(text) > 10:
        return _to_datetime(text).date()
    return dt.date.fromisoformat(text)


def _to_time(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    return dt.time.fromisoformat(str(value).strip().rstrip("Z"))


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError(value)
    return Decimal(str(value).strip())


def to_salesforce(field: ContactField, value: Any) -> Any:
    """Convert a record value to what Salesforce expects for ``field``.

    Strings are trimmed; empty strings and None mean "no value" (None is returned and the
    field is not written). A value that cannot be converted is passed on as text, for
    Salesforce to accept or reject with its own error code.

    Args:
        field: The Contact field.
        value: The record value.

    Returns:
        The JSON-ready value, or None.
    """
    if isinstance(value, str):
        if field.type not in CONVERTED_TYPES:
            return value.strip() or None
        value = value.strip()
    if value is None or value == "":
        return None
    kind = field.type
    try:
        if kind == "boolean":
            return _to_bool(value)
        if kind in INTEGER_TYPES or kind in NUMBER_TYPES:
            number = _to_decimal(value)
            return int(number) if number == number.to_integral_value() else float(number)
        if kind == "date":
            return _to_date(value).isoformat()
        if kind == "datetime":
            return _to_datetime(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if kind == "time":
            return _to_time(value).isoformat(timespec="milliseconds") + "Z"
    except (ValueError, TypeError, ArithmeticError):
        return value if isinstance(value, str) else json.dumps(value, default=json_default)
    if kind == "multipicklist" and isinstance(value, list | tuple | set):
        return ";".join(str(v).strip() for v in value if str(v).strip()) or None
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=json_default, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time | Decimal):
        return str(json_default(value))
    return value if isinstance(value, str) else str(value)


def comparable(field: ContactField, value: Any) -> Any:
    """A normalised form of a value for "is it already so?" comparisons.

    Strings are trimmed, emails compared case-insensitively, numbers as decimals (rounded
    to the field's scale), dates, datetimes (UTC, milliseconds) and booleans as values,
    multi-select picklists as sets.

    Args:
        field: The Contact field.
        value: A record value (after :func:`to_salesforce`) or a value Salesforce returned.

    Returns:
        A value that compares equal when Salesforce would store the same thing.
    """
    if isinstance(value, str):
        if field.type not in COMPARED_TYPES:
            return value.strip() or None
        value = value.strip()
    if value is None or value == "":
        return None
    kind = field.type
    try:
        if kind == "email":
            return str(value).lower()
        if kind == "boolean":
            return _to_bool(value)
        if kind in INTEGER_TYPES:
            return int(_to_decimal(value))
        if kind in NUMBER_TYPES:
            number = _to_decimal(value)
            if field.scale is not None:
                return number.quantize(Decimal(1).scaleb(-field.scale))
            return number.normalize()
        if kind == "date":
            return _to_date(value)
        if kind == "datetime":
            moment = _to_datetime(value)
            return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if kind == "time":
            moment_of_day = _to_time(value)
            return moment_of_day.replace(microsecond=moment_of_day.microsecond // 1000 * 1000)
        if kind == "multipicklist":
            return frozenset(part.strip() for part in str(value).split(";") if part.strip())
    except (ValueError, TypeError, ArithmeticError, InvalidOperation):
        return ("unparsed", str(value))
    return value if isinstance(value, str) else str(value)
