"""Finding existing records by key: escaped, chunked ``Field IN (...)`` (or ``LIKE``) queries.

Contacts by email or another match key, Leads by email, Accounts by a field or a Website
domain: every lookup is one SOQL statement per chunk of keys, literals escaped by the shared
``quote_string`` and chunks packed by the shared ``pack`` under Salesforce's size limits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote_plus

from salesforce_common.api_limits import (
    MAX_LITERAL_CHARS,
    MAX_SOQL_CHARS,
    MAX_URI_BYTES,
)
from salesforce_common.packing import pack

from target_salesforce_contacts.values import email_key

ALWAYS_SELECTED = ("Id", "Email")

_SEPARATOR = ", "

_ESCAPED = re.compile(r"[\\'\n\r\t\x08\x0c]")
"""Characters ``quote_string`` escapes (a value without any is quoted as is)."""
_URL_ESCAPED = re.compile(r"[^A-Za-z0-9_.~ -]")
"""ASCII characters ``quote_plus`` percent-encodes (three bytes each; a space becomes ``+``)."""

Query = Callable[[str], Iterable[dict[str, Any]]]
"""Runs one SOQL statement and yields its records (all pages)."""


def _encoded_length(text: str) -> int:
    """Bytes ``text`` takes as a URL-encoded query parameter value (``quote_plus``)."""
    if text.isascii():
        return len(text) + 2 * len(_URL_ESCAPED.findall(text))
    return len(quote_plus(text, safe=""))


def quote_literal(value: str) -> str:
    """``quote_string(value)``, without its per-character work for values needing no escape.

    The shared SOQL package is imported only when a value needs escaping: importing it
    builds its parser's tables, a sizeable part of the target's start-up otherwise.
    """
    if _ESCAPED.search(value) is None:
        return f"'{value}'"
    from salesforce_common.soql import quote_string  # lazy: see the docstring

    return quote_string(value)


def run_statements(
    query: Query, statements: Iterable[str], parallel: int = 1
) -> Iterator[list[dict[str, Any]]]:
    """Each statement's records, in the statements' order, up to ``parallel`` sent at once.

    Lookups are reads, so running them side by side changes nothing but the wall time; the
    results are still consumed in statement order, and the first failure is raised (the
    statements not yet started are not sent).

    Args:
        query: Runs one statement (all pages).
        statements: The statements.
        parallel: Most statements in flight at once (1: one after another).

    Yields:
        The records of each statement, in order.
    """
    todo = list(statements)
    if parallel <= 1 or len(todo) <= 1:
        for statement in todo:
            yield list(query(statement))
        return
    with ThreadPoolExecutor(max_workers=min(parallel, len(todo))) as pool:
        futures = [pool.submit(lambda s: list(query(s)), s) for s in todo]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def in_queries(
    head: str,
    values: Iterable[str],
    *,
    url_prefix_bytes: int,
    max_uri_bytes: int = MAX_URI_BYTES,
    max_soql_chars: int = MAX_SOQL_CHARS,
    term: Callable[[str], str] = quote_literal,
    separator: str = _SEPARATOR,
) -> Iterator[str]:
    """Split ``head IN (v1, v2, ...)`` into statements that fit Salesforce's limits.

    Each statement stays under the SOQL length limit and, sent as ``GET query?q=...``, under
    the URI limit; literals longer than Salesforce allows are left out (they cannot match).

    Args:
        head: The statement up to the opening parenthesis: ``SELECT ... WHERE Email IN (``.
        values: The values to match.
        url_prefix_bytes: Bytes of the request besides the encoded statement: the URL before
            it (``https://host/services/data/vNN.N/query?q=``), the request line and the
            headers (:attr:`ContactsApi.query_url_prefix_bytes`).
        max_uri_bytes: Salesforce's limit on the URI plus the headers.
        max_soql_chars: SOQL length limit.
        term: Prints one value as a term of the list (default: the quoted literal).
        separator: Between terms (default ``", "``; ``" OR "`` for ``LIKE`` terms).

    Yields:
        Statements, each with at least one value.
    """
    tail = ")"
    budget = (
        max_uri_bytes - url_prefix_bytes - _encoded_length(head) - _encoded_length(tail),
        max_soql_chars - len(head) - len(tail),
    )
    sized: list[tuple[str, int, int]] = []
    for value in values:
        if term is quote_literal:
            literal = quote_literal(value)
            if len(literal) - 2 > MAX_LITERAL_CHARS:
                continue
        elif len(quote_literal(value)) - 2 > MAX_LITERAL_CHARS:
            continue
        else:
            literal = term(value)
        size = (literal, _encoded_length(literal), len(literal))
        if size[1] <= budget[0] and size[2] <= budget[1]:
            sized.append(size)
    groups = pack(
        sized,
        cost=lambda item: item[1:],
        budget=budget,
        separator=(_encoded_length(separator), len(separator)),
    )
    for group in groups:
        yield head + separator.join(item[0] for item in group) + tail


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
    query: Query,
    emails: Sequence[str],
    fields: Iterable[str],
    *,
    url_prefix_bytes: int,
    parallel: int = 1,
) -> dict[str, list[dict[str, Any]]]:
    """Existing Contacts by email key, oldest first (CreatedDate, then Id).

    Args:
        query: Runs one SOQL statement and yields its records (all pages).
        emails: Emails to look up.
        fields: Contact fields to read.
        url_prefix_bytes: Bytes of the query request besides the statement.
        parallel: Most lookups in flight at once.

    Returns:
        Email key -> matching Contacts (keys without a match are absent).
    """
    wanted = {email_key(e) for e in emails}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    statements = lookup_statements(sorted(wanted), fields, url_prefix_bytes=url_prefix_bytes)
    for records in run_statements(query, statements, parallel):
        for contact in records:
            key = email_key(str(contact.get("Email") or ""))
            if key in wanted and contact["Id"] not in seen:
                seen.add(contact["Id"])
                found[key].append(contact)
    for contacts in found.values():
        contacts.sort(key=lambda c: (str(c.get("CreatedDate") or ""), str(c["Id"])))
    return dict(found)


def value_key(value: Any) -> str:
    """The matching key of a text value: trimmed and lower-cased (SOQL compares text so).

    Args:
        value: A value.

    Returns:
        The key.
    """
    return str(value).strip().lower()


def find_records(
    query: Query,
    *,
    sobject: str,
    field: str,
    values: Iterable[str],
    fields: Iterable[str] = (),
    where: str = "",
    key: Callable[[Any], str] = value_key,
    url_prefix_bytes: int,
    parallel: int = 1,
) -> dict[str, list[dict[str, Any]]]:
    """Records of ``sobject`` whose ``field`` is one of ``values``, by key, oldest first.

    One ``SELECT Id, <field>, <fields>, CreatedDate FROM <sobject> WHERE [<where> AND]
    <field> IN (...)`` per packed chunk of values.

    Args:
        query: Runs one SOQL statement and yields its records (all pages).
        sobject: The object (``Contact``, ``Lead``, ``Account``).
        field: The field compared.
        values: The values to look up.
        fields: Other fields to read.
        where: A condition ANDed before the ``IN`` (``IsConverted = false``).
        key: Folds a value (sent and found) into its matching key.
        url_prefix_bytes: Bytes of the query request besides the statement.
        parallel: Most lookups in flight at once.

    Returns:
        Key -> matching records (keys without a match are absent).
    """
    wanted = {key(v): v for v in values}
    extra = sorted(set(fields) - {"Id", field, "CreatedDate"})
    select = ", ".join(["Id", *([] if field == "Id" else [field]), *extra, "CreatedDate"])
    head = f"SELECT {select} FROM {sobject} WHERE {where + ' AND ' if where else ''}{field} IN ("
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    statements = in_queries(
        head, sorted(wanted.values(), key=key), url_prefix_bytes=url_prefix_bytes
    )
    for rows in run_statements(query, statements, parallel):
        for row in rows:
            if row.get(field) is None:
                continue
            found_key = key(row[field])
            if found_key in wanted and row["Id"] not in seen:
                seen.add(row["Id"])
                found[found_key].append(row)
    for rows in found.values():
        rows.sort(key=oldest_first)
    return dict(found)


def oldest_first(row: dict[str, Any]) -> tuple[str, str]:
    """Sort key: CreatedDate, then Id.

    Args:
        row: A record with ``CreatedDate`` and ``Id``.

    Returns:
        The key.
    """
    return (str(row.get("CreatedDate") or ""), str(row["Id"]))
