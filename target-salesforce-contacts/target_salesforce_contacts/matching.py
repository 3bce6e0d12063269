"""Finding existing Contacts by email: escaped, chunked ``Email IN (...)`` queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote_plus

from target_salesforce_contacts.values import email_key

MAX_URI_BYTES = 16_384
"""Salesforce's limit on the request line's URI plus the headers."""

HEADER_ALLOWANCE = 2_048
"""Bytes kept for the request line's method and protocol and for the headers."""

MAX_SOQL_CHARS = 100_000
"""Longest SOQL statement Salesforce accepts."""

MAX_LITERAL_CHARS = 4_000
"""Longest string literal Salesforce accepts in a WHERE clause."""

ALWAYS_SELECTED = ("Id", "Email")


def soql_literal(value: str) -> str:
    """A SOQL string literal: quoted, with ``\\`` and ``'`` escaped by a backslash.

    Args:
        value: The text (``o'brien@x.com``).

    Returns:
        ``'o\\'brien@x.com'``.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _encoded_length(text: str) -> int:
    """Bytes ``text`` takes as a URL-encoded query parameter value."""
    return len(quote_plus(text, safe=""))


def in_queries(
    head: str,
    values: Iterable[str],
    *,
    url_prefix_bytes: int,
    max_uri_bytes: int = MAX_URI_BYTES - HEADER_ALLOWANCE,
    max_soql_chars: int = MAX_SOQL_CHARS,
) -> Iterator[str]:
    """Split ``head IN (v1, v2, ...)`` into statements that fit Salesforce's limits.

    Each statement stays under the SOQL length limit and, sent as ``GET query?q=...``, under
    the URI limit; literals longer than Salesforce allows are left out (they cannot match).

    Args:
        head: The statement up to the opening parenthesis: ``SELECT ... WHERE Email IN (``.
        values: The values to match.
        url_prefix_bytes: Length of the URL before the encoded statement
            (``https://host/services/data/vNN.N/query?q=``).
        max_uri_bytes: URI budget (limit minus the allowance for headers).
        max_soql_chars: SOQL length limit.

    Yields:
        Statements, each with at least one value.
    """
    tail = ")"
    base_bytes = url_prefix_bytes + _encoded_length(head) + _encoded_length(tail)
    base_chars = len(head) + len(tail)
    chunk: list[str] = []
    used_bytes, used_chars = base_bytes, base_chars
    for value in values:
        literal = soql_literal(value)
        if len(literal) - 2 > MAX_LITERAL_CHARS:
            continue
        separator = ", " if chunk else ""
        add_bytes = _encoded_length(separator + literal)
        add_chars = len(separator) + len(literal)
        if chunk and (
            used_bytes + add_bytes > max_uri_bytes or used_chars + add_chars > max_soql_chars
        ):
            yield head + ", ".join(chunk) + tail
            chunk, used_bytes, used_chars = [], base_bytes, base_chars
            add_bytes, add_chars = _encoded_length(literal), len(literal)
        chunk.append(literal)
        used_bytes += add_bytes
        used_chars += add_chars
    if chunk:
        yield head + ", ".join(chunk) + tail


def lookup_statements(
    emails: Sequence[str], fields: Iterable[str], *, url_prefix_bytes: int
) -> list[str]:
    """The ``SELECT Id, Email, <fields>, CreatedDate FROM Contact WHERE Email IN`` queries.

    Args:
        emails: Emails to look up (already trimmed).
        fields: Contact fields to read besides Id, Email and CreatedDate.
        url_prefix_bytes: Length of the query URL before the statement.

    Returns:
        The statements.
    """
    extra = sorted(set(fields) - {*ALWAYS_SELECTED, "CreatedDate"})
    select = ", ".join([*ALWAYS_SELECTED, *extra, "CreatedDate"])
    head = f"SELECT {select} FROM Contact WHERE Email IN ("
    return list(in_queries(head, emails, url_prefix_bytes=url_prefix_bytes))


def find_contacts(
    query: Callable[[str], Iterable[dict[str, Any]]],
    emails: Sequence[str],
    fields: Iterable[str],
    *,
    url_prefix_bytes: int,
) -> dict[str, list[dict[str, Any]]]:
    """Existing Contacts by email key, oldest first (CreatedDate, then Id).

    Args:
        query: Runs one SOQL statement and yields its records (all pages).
        emails: Emails to look up.
        fields: Contact fields to read.
        url_prefix_bytes: Length of the query URL before the statement.

    Returns:
        Email key -> matching Contacts (keys without a match are absent).
    """
    wanted = {email_key(e) for e in emails}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    for statement in lookup_statements(sorted(wanted), fields, url_prefix_bytes=url_prefix_bytes):
        for contact in query(statement):
            key = email_key(str(contact.get("Email") or ""))
            if key in wanted and contact["Id"] not in seen:
                seen.add(contact["Id"])
                found[key].append(contact)
    for contacts in found.values():
        contacts.sort(key=lambda c: (str(c.get("CreatedDate") or ""), str(c["Id"])))
    return dict(found)
