"""JSON text as Salesforce writes it: doubles in Java's ``Double.toString`` form.

Salesforce's JSON writer renders every double (``double``, ``currency`` and ``percent`` values,
compound coordinates, report amounts) the way Java prints it: ``48000.0``, ``2.5E7``,
``1.0E-4``. These are JSON numbers, not strings. Python's encoder cannot be told how to print a
float, so :func:`dumps` stands each float in for a string token unique to the call, encodes, and
puts the number's text back in place of each quoted token.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from salesforce_emulator.values import java_double

_MARK = "\ue000"
"""A private-use character that starts each stand-in token (with a per-call nonce after it)."""


def _stand_in(value: Any, prefix: str) -> Any:
    kind = type(value)
    if kind is float:
        return prefix + java_double(value)
    if kind is dict:
        return {key: _stand_in(item, prefix) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_stand_in(item, prefix) for item in value]
    return value


def dumps(body: Any) -> str:
    """``body`` as JSON text with every float written as Java writes a double.

    Non-finite floats are written ``NaN`` / ``Infinity`` as Java would; Salesforce has none.
    """
    prefix = f"{_MARK}{secrets.token_hex(6)}"
    text = json.dumps(_stand_in(body, prefix), ensure_ascii=False)
    if prefix not in text:
        return text
    return re.sub(f'"{re.escape(prefix)}([^"]*)"', r"\1", text)


__all__ = ["dumps"]
