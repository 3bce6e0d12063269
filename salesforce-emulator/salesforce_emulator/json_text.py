"""JSON text as Salesforce writes it: doubles in Java's ``Double.toString`` form.

Salesforce's JSON writer renders every double (``double``, ``currency`` and ``percent`` values,
compound coordinates, report amounts) the way Java prints it: ``48000.0``, ``2.5E7``,
``1.0E-4``. These are JSON numbers, not strings. Python's encoder cannot be told how to print a
float, so :func:`dumps` stands each double in for a string token carrying a random nonce unique
to the call (no stored text can forge it), encodes, and puts the number's text back in place of
each quoted token. Query pages hand their doubles over as :class:`JavaDouble` (the encoder's
``default`` hook marks them), so a 2,000-record page is not searched for floats.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from salesforce_emulator.values import java_double

_WALKED = frozenset({float, dict, list, tuple})
"""Value types the stand-in walk descends into or replaces (others are left as they are)."""


def _stand_in(value: Any, prefix: str) -> Any:
    kind = type(value)
    if kind is float:
        return prefix + java_double(value)
    if kind is dict:
        return {
            key: _stand_in(item, prefix) if type(item) in _WALKED else item
            for key, item in value.items()
        }
    if kind is list or kind is tuple:
        return [_stand_in(item, prefix) if type(item) in _WALKED else item for item in value]
    return value


class JavaDouble:
    """A double bound for a JSON answer, already marked as one (a query record's number).

    The record renderer hands these out so that :func:`dumps` need not search a whole page for
    floats. It compares equal to the float it holds.
    """

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        """Hold ``value``."""
        self.value = value

    def __float__(self) -> float:
        """The double."""
        return self.value

    def __eq__(self, other: object) -> bool:
        """Equal to the same number (a float, an int or another JavaDouble)."""
        if isinstance(other, JavaDouble):
            return self.value == other.value
        if isinstance(other, int | float) and not isinstance(other, bool):
            return self.value == other
        return NotImplemented

    def __hash__(self) -> int:
        """The float's hash (equal numbers, equal hashes)."""
        return hash(self.value)

    def __repr__(self) -> str:
        """``JavaDouble(2.5E7)``."""
        return f"JavaDouble({java_double(self.value)})"


def dumps(body: Any, *, find_floats: bool = True) -> str:
    """``body`` as JSON text with every double written as Java writes it.

    Args:
        body: The answer: JSON values, with :class:`JavaDouble` and float numbers.
        find_floats: False when the caller knows every double in ``body`` is a
            :class:`JavaDouble` (a query page): the search for plain floats is skipped, and
            any float left would be written in Python's form.
    """
    prefix = f"~java-double-{secrets.token_hex(8)}:"  # ASCII keeps the encoder on its fast path

    def marked(value: object) -> str:
        if isinstance(value, JavaDouble):
            return prefix + java_double(value.value)
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    text = json.dumps(
        _stand_in(body, prefix) if find_floats else body, ensure_ascii=False, default=marked
    )
    if prefix not in text:
        return text
    return re.sub(f'"{re.escape(prefix)}([^"]*)"', r"\1", text)


__all__ = ["JavaDouble", "dumps"]
