"""Fault injection: rules that make chosen calls fail, hang, drop, come back cut short or echo.

A rule acts at one of three moments of a call:

* before handling (nothing is written): ``status``, ``drop``, ``latency``, ``expire_session``,
  ``echo``;
* while handling: ``record_error`` (the call is handled, the records it names fail);
* after handling (the write is committed, the answer goes wrong): ``latency_after``,
  ``drop_after``, ``truncate``.

This module holds the rules and the pure parts of their effects (where a body is cut, what an
echo says); ``server.py`` applies them to the connection.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from salesforce_emulator import json_text

FAULT_KINDS = (
    "status",
    "drop",
    "latency",
    "expire_session",
    "echo",
    "record_error",
    "latency_after",
    "drop_after",
    "truncate",
)
BEFORE_HANDLING = frozenset({"status", "drop", "latency", "expire_session", "echo"})
AFTER_HANDLING = frozenset({"latency_after", "drop_after", "truncate"})
CUTS = ("mid_value", "mid_row")
DEFAULT_STATUS = {"echo": 500}
RECORD_ERROR_MESSAGES = {
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record or 200 records",
    "DUPLICATES_DETECTED": "Use one of these records?",
    "STORAGE_LIMIT_EXCEEDED": "storage limit exceeded",
    "REQUEST_RUNNING_TOO_LONG": "Your request was running for too long, and has been stopped.",
    "UNKNOWN_EXCEPTION": "An unexpected error occurred. Please include this ErrorId if you "
    "contact support: 1234567890-12345 (-1234567890)",
}
"""Salesforce's text for the codes a ``record_error`` rule is most often given."""
_KEY_END = re.compile(r"\s*:")


@dataclass
class FaultRule:
    """One rule; it fires on matching calls after ``skip`` of them, ``times`` times (0 = forever).

    ``endpoint`` is the name of a handler in ``urls.py``'s route table (``query``,
    ``query_more``, ``bulk_query_results``, ``token``, ``composite_sobjects``...) or ``*``;
    ``method`` and ``path_contains`` narrow it further.

    Kinds and the fields each one reads:

    * ``status``: answer ``status`` (default 503) with a Salesforce error body (``error_code``,
      ``message``), or Salesforce's HTML page when ``html``; the call is not handled.
    * ``drop``: reset the connection before handling.
    * ``latency``: wait ``delay`` seconds, then handle.
    * ``expire_session``: expire every access token, then handle (the call gets 401).
    * ``echo``: answer ``status`` (default 500) with ``error_code`` (default
      ``UNKNOWN_EXCEPTION``) and a message that repeats the request verbatim: request line,
      every header (``Authorization`` included) and the body; on the token endpoint as
      ``{"error", "error_description"}``. The call is not handled.
    * ``record_error``: handle the call, but every record it writes fails with ``error_code``
      (default ``UNABLE_TO_LOCK_ROW``) and ``message`` (default Salesforce's text for the code);
      a Bulk ingest job named by the call fails every row when it is processed.
    * ``latency_after``: handle (commit), then wait ``delay`` seconds before answering.
    * ``drop_after``: handle (commit), then reset the connection without an answer.
    * ``truncate``: handle, then send part of the body and close. ``cut`` is ``mid_value``
      (inside the body's last value), ``mid_row`` (inside its last row or record) or a
      fraction in (0, 1) of the bytes sent; ``content_length`` true announces the whole
      length, false sends no length (the end of the connection ends the body). A gzip answer
      is cut in its compressed bytes, so its trailer is missing.
    """

    kind: str = "status"
    endpoint: str = "*"
    method: str | None = None
    path_contains: str | None = None
    status: int | None = None
    error_code: str | None = None
    message: str | None = None
    html: bool = False
    delay: float = 0.0
    cut: str | float = "mid_value"
    content_length: bool = True
    skip: int = 0
    times: int = 1
    fired: int = 0

    def __post_init__(self) -> None:
        """Refuse an unknown ``kind`` or ``cut``; settle the default status."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.status is None:
            self.status = DEFAULT_STATUS.get(self.kind, 503)
        if isinstance(self.cut, bool) or not (
            self.cut in CUTS or (isinstance(self.cut, int | float) and 0 < self.cut < 1)
        ):
            raise ValueError(
                f"cut must be one of {CUTS} or a fraction between 0 and 1, not {self.cut!r}"
            )
        if self.delay < 0:
            raise ValueError("delay must not be negative")

    def matches(self, endpoint: str, method: str, path: str) -> bool:
        """True when the call is one this rule is about."""
        return (
            self.endpoint in ("*", endpoint)
            and (self.method is None or self.method.upper() == method.upper())
            and (self.path_contains is None or self.path_contains in path)
        )

    @property
    def spent(self) -> bool:
        """True once the rule has fired ``times`` times."""
        return self.times > 0 and self.fired >= self.times

    @property
    def http_status(self) -> int:
        """The status an error-answering rule uses."""
        return self.status or 503

    def record_failure(self) -> tuple[str, str]:
        """(statusCode, message) every record of a ``record_error`` call fails with."""
        code = self.error_code or "UNABLE_TO_LOCK_ROW"
        return code, self.message or RECORD_ERROR_MESSAGES.get(code, f"Injected error {code}")


@dataclass
class FaultInjector:
    """The active rules, consulted once per call."""

    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Add a rule from its JSON form."""
        rule = FaultRule(**{k: v for k, v in spec.items() if k != "fired"})
        with self._lock:
            self.rules.append(rule)
        return rule

    def pick(self, endpoint: str, method: str, path: str) -> FaultRule | None:
        """The rule that fires on this call, if any (counting the call against ``skip``)."""
        with self._lock:
            for rule in self.rules:
                if rule.spent or not rule.matches(endpoint, method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.fired += 1
                return rule
        return None

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self.rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        """The rules as JSON."""
        with self._lock:
            return [asdict(rule) for rule in self.rules]


# --- echo ------------------------------------------------------------------------------------


def echo_text(method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes) -> str:
    """The request as a misbehaving server repeats it: request line, headers, blank line, body."""
    lines = [f"{method} {target}", *(f"{name}: {value}" for name, value in headers)]
    return "\n".join(lines) + "\n\n" + body.decode("utf-8", "replace")


# --- truncation ------------------------------------------------------------------------------


def cut_offset(body: bytes, cut: str, mimetype: str) -> int:
    """Where a ``mid_value`` or ``mid_row`` cut ends ``body`` (a byte offset, < len(body)).

    CSV: ``mid_value`` stops inside the last value of the last row (``"APAC"`` is sent as
    ``"APA``, the closing quote kept off); ``mid_row`` just after a comma in the middle of the
    last row. JSON: ``mid_value`` stops inside the last string value; ``mid_row`` after a member
    in the middle of the last record (the last element of ``records``, or of a top-level
    array). Other bodies, and bodies with no such place, are cut in half.
    """
    text = body.decode("utf-8", "replace")
    if mimetype == "text/csv":
        chars = _csv_cut(text, cut)
    elif mimetype.endswith("json"):
        chars = _json_cut(text, cut)
    else:
        chars = None
    if chars is None:
        return len(body) // 2
    return len(text[:chars].encode("utf-8"))


def _quote_parity(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` holds an odd number of double quotes (inside a CSV value)."""
    return text.count('"', start, end) % 2 == 1


def _csv_last_row(text: str) -> tuple[int, int]:
    """(start, end) of the last CSV row, its line ending excluded."""
    end = len(text.rstrip("\r\n"))
    position = end
    while True:
        newline = text.rfind("\n", 0, position)
        if newline < 0:
            return 0, end
        if not _quote_parity(text, 0, newline):
            return newline + 1, end
        position = newline


def _csv_commas(text: str, start: int, end: int) -> list[int]:
    """Positions of the commas between the values of ``text[start:end]`` (one row)."""
    commas: list[int] = []
    inside = False
    for index in range(start, end):
        char = text[index]
        if char == '"':
            inside = not inside
        elif char == "," and not inside:
            commas.append(index)
    return commas


def _csv_cut(text: str, cut: str) -> int | None:
    start, end = _csv_last_row(text)
    if end <= start:
        return None
    commas = _csv_commas(text, start, end)
    if cut == "mid_row":
        if commas:
            return commas[(len(commas) - 1) // 2] + 1
        return start + (end - start) // 2
    value_start = commas[-1] + 1 if commas else start
    if text.startswith('"', value_start) and end - value_start >= 2 and text[end - 1] == '"':
        # Quoted: drop the closing quote and the value's last character, never leaving half of
        # an escaped quote pair.
        position = end - 2
        while position > value_start + 1 and (
            text[position - 1] == '"' or _quote_parity(text, value_start + 1, position)
        ):
            position -= 1
        return max(position, value_start + 1)
    return max(end - 1, value_start)


def _json_cut(text: str, cut: str) -> int | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if cut == "mid_value":
        return _json_last_string_value(text, parsed)
    records = parsed.get("records") if isinstance(parsed, dict) else parsed
    last = records[-1] if isinstance(records, list) and records else parsed
    if not isinstance(last, dict | list):
        return None
    serialized = json_text.dumps(last)  # as the answer wrote it (Java-form doubles)
    start = text.rfind(serialized)
    if start < 0:
        return None
    members = _json_member_ends(serialized)
    if not members:
        return start + len(serialized) // 2
    return start + members[(len(members) - 1) // 2]


def _json_member_ends(serialized: str) -> list[int]:
    """Offsets just after each top-level ``,`` of an object or array's JSON text."""
    ends: list[int] = []
    depth = 0
    inside = escaped = False
    for index, char in enumerate(serialized):
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                inside = False
        elif char == '"':
            inside = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 1:
            ends.append(index + 1)
    return ends


def _escaped(text: str, index: int) -> bool:
    """True when the character at ``index`` is escaped by an odd run of backslashes."""
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _last_string(value: Any) -> str | None:
    """The last string value (not key) of a parsed JSON document, in document order."""
    if isinstance(value, str):
        return value
    items = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(items, list):
        return None
    for item in reversed(items):
        found = _last_string(item)
        if found is not None:
            return found
    return None


def _json_last_string_value(text: str, parsed: Any) -> int | None:
    """An offset inside the last string value of a JSON text, or None when it has none.

    The value's last character and closing quote are left off.
    """
    value = _last_string(parsed)
    if value is None:
        return None
    token = json.dumps(value, ensure_ascii=False)
    position = len(text)
    while True:
        start = text.rfind(token, 0, position)
        if start < 0:
            return None
        if not _KEY_END.match(text, start + len(token)):
            break
        position = start  # the same text as a key
    opening, close = start, start + len(token) - 1
    cut = max(close - 1, opening + 1)
    escape = text.rfind("\\u", max(opening + 1, cut - 5), cut)
    if escape >= 0 and not _escaped(text, escape):
        cut = escape  # never end inside a unicode escape
    while cut > opening + 1 and _escaped(text, cut):
        cut -= 1  # nor on half of a two-character escape
    return cut
