"""Salesforce record Ids as numbers, and a span of them split into even Id ranges.

A record Id is 15 base-62 characters (18 with a case-safe suffix, which adds no order): the
object's 3-character key prefix, then characters that grow with each record created. The
digits are ``0-9``, ``A-Z``, ``a-z`` in that order, which is also their ASCII order, and SOQL
compares Id values in that order, case-sensitively: Bulk API 1.0's PK chunking splits a
query into ``Id >= '00130000000132G' AND Id < '00130000000264W'`` ranges exactly so (see
"PK Chunking Header" in the Bulk API guide, whose boundaries step by 250,000 in base 62).

:func:`split_ids` places the inner boundaries of ``parts`` Id ranges evenly between the
lowest and the highest Id of a read; the first range is open below and the last open above,
so the ranges cover every Id, with no gap and no overlap, whatever rows appear meanwhile.
"""

from __future__ import annotations

ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
"""Base-62 digits in Salesforce's (and ASCII's) order."""

ID_CHARS = 15
"""Significant characters of an Id (the 18-character form adds a checksum)."""

_DIGITS = {char: value for value, char in enumerate(ID_ALPHABET)}


def id_number(record_id: str) -> int:
    """The number a record Id stands for (its first 15 characters, in base 62).

    Args:
        record_id: A 15- or 18-character Id.

    Returns:
        The number; Ids compare as their numbers do.

    Raises:
        ValueError: Not a Salesforce Id.
    """
    if len(record_id) not in (ID_CHARS, ID_CHARS + 3):
        raise ValueError(f"not a Salesforce Id (15 or 18 characters): {record_id!r}")
    number = 0
    for char in record_id[:ID_CHARS]:
        digit = _DIGITS.get(char)
        if digit is None:
            raise ValueError(f"not a Salesforce Id (base 62): {record_id!r}")
        number = number * 62 + digit
    return number


def id_text(number: int) -> str:
    """The 15-character Id of a number (the inverse of :func:`id_number`).

    Args:
        number: From 0 to ``62 ** 15 - 1``.

    Returns:
        The Id, zero-padded (``0``) to 15 characters.

    Raises:
        ValueError: The number has no 15-character Id.
    """
    if not 0 <= number < len(ID_ALPHABET) ** ID_CHARS:
        raise ValueError(f"no 15-character Id stands for {number}")
    chars = []
    for _ in range(ID_CHARS):
        number, digit = divmod(number, len(ID_ALPHABET))
        chars.append(ID_ALPHABET[digit])
    return "".join(reversed(chars))


def split_ids(lowest: str, highest: str, parts: int) -> list[str]:
    """The inner boundaries of at most ``parts`` even Id ranges from ``lowest`` to ``highest``.

    Range ``i`` of the ``len(result) + 1`` ranges is ``Id >= result[i - 1]`` (none for the
    first) ``AND Id < result[i]`` (none for the last). Every boundary lies in
    ``(lowest, highest]`` and they strictly increase, so no range is empty of Id values; a
    span with fewer Ids than ``parts`` gets fewer ranges.

    Args:
        lowest: The lowest Id of the read.
        highest: The highest Id of the read (at least ``lowest``).
        parts: How many ranges are wanted (at least 1).

    Returns:
        The 15-character inner boundaries, ascending (empty for one range).

    Raises:
        ValueError: An argument is not an Id, or ``highest`` is below ``lowest``.
    """
    low, high = id_number(lowest), id_number(highest)
    if high < low:
        raise ValueError(f"the highest Id {highest} is below the lowest {lowest}")
    span = high - low + 1
    parts = max(1, min(parts, span))
    return [id_text(low + span * index // parts) for index in range(1, parts)]
