"""Finding existing Contacts by email: escaped, chunked ``Email IN (...)`` queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote_plus

from salesforce_common.api_limits import (
    HEADER_ALLOWANCE,
    MAX_LITERAL_CHARS,
    MAX_SOQL_CHARS,
    MAX_URI_BYTES,
)
from salesforce_common.packing import pack
from salesforce_common.soql import quote_string

from target_salesforce_contacts.values import email_key

ALWAYS_SELECTED = ("Id", "Email")

_SEPARATOR = ", "


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
    budget = (
        max_uri_bytes - url_prefix_bytes - _encoded_length(head) - _encoded_length(tail),
        max_soql_chars - len(head) - len(tail),
    )
    literals = [quote_string(v) for v in values]
    literals = [
        lit
        for lit in literals
        if len(lit) - 2 <= MAX_LITERAL_CHARS
        and _encoded_length(lit) <= budget[0]
        and len(lit) <= budget[1]
    ]
    groups = pack(
        literals,
        cost=lambda literal: (_encoded_length(literal), len(literal)),
        budget=budget,
        separator=(_encoded_length(_SEPARATOR), len(_SEPARATOR)),
    )
    for group in groups:
        yield head + _SEPARATOR.join(group) + tail


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
