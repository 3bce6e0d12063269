"""Wide objects: split a field list across several queries and join the parts by Id.

A REST query travels in the URL (URI plus headers at most 16,384 bytes) and any SOQL
statement is at most 100,000 characters: an object with hundreds of fields (or long
relationship paths) cannot be read in one query. :func:`split_terms` packs the terms into as
few parts as fit, each part also selecting ``Id`` and the replication key. The parts read
the same rows (same filter, same fixed upper bound); all but the last are spooled to a
temporary on-disk SQLite table keyed by Id (:class:`PartSpool`), the last is streamed and each
of its rows is completed from the spool, so memory stays flat and the last part's order (the
replication key's) is kept. A row missing from a part changed while the parts were read: it
is dropped here, and its new ``SystemModstamp`` (at or after the upper bound) brings it back
in the next run.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from salesforce_common import SalesforceError
from salesforce_common.packing import OversizeItemError, pack


def split_terms(
    terms: Sequence[str],
    *,
    required: Sequence[str],
    cost: Callable[[str], int],
    budget: int,
) -> list[list[str]]:
    """Pack SELECT terms into parts that each fit a size budget.

    Args:
        terms: The terms to select, in order.
        required: Terms every part selects (``Id``, the replication key), first.
        cost: Size one term adds to a query.
        budget: Size available per part beyond a query selecting only ``required``.

    Returns:
        The parts, each starting with ``required``; when everything fits, one part: the
        terms as given (``required`` added in front if missing).

    Raises:
        SalesforceError: A single term does not fit even on its own.
    """
    wanted = [term for term in dict.fromkeys(terms) if term not in required]
    try:
        parts = list(pack(wanted, cost=lambda term: (cost(term),), budget=(budget,))) or [[]]
    except OversizeItemError as exc:
        raise SalesforceError(
            f"field {exc.item} alone makes the query longer than Salesforce accepts"
        ) from None
    if len(parts) == 1:
        given = list(dict.fromkeys(terms))
        return [[*(t for t in required if t not in given), *given]]
    return [[*required, *part] for part in parts]


def merge_records(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Add the values of one part's record to another's, nested parent records merged.

    Args:
        base: A partial record (changed in place).
        extra: Another part's record of the same Id.

    Returns:
        ``base``.
    """
    for key, value in extra.items():
        current = base.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merge_records(current, value)
        else:
            base[key] = value
    return base


class PartSpool:
    """Partial rows of the first parts of a split read, on disk, looked up by Id.

    Args:
        parts: How many parts will be spooled.
    """

    def __init__(self, parts: int) -> None:
        """Open a private temporary database (deleted when closed)."""
        self.parts = parts
        self._db = sqlite3.connect("")
        self._db.execute(
            "CREATE TABLE part (id TEXT, part INTEGER, data BLOB, PRIMARY KEY (id, part))"
        )

    def add(self, part: int, record_id: str, value: Any) -> None:
        """Store one part's value for a row (a repeated row replaces the earlier one).

        Args:
            part: 0-based part number.
            record_id: The row's Id.
            value: The part's partial row (any picklable value).
        """
        self._db.execute(
            "INSERT OR REPLACE INTO part VALUES (?, ?, ?)",
            (record_id, part, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)),
        )

    def add_all(self, part: int, rows: Iterable[tuple[str, Any]]) -> None:
        """Store a part's rows.

        Args:
            part: 0-based part number.
            rows: ``(Id, value)`` pairs.
        """
        for record_id, value in rows:
            self.add(part, record_id, value)

    def take(self, record_id: str) -> list[Any] | None:
        """The spooled values of a row in part order, or None if a part lacks it.

        Args:
            record_id: The row's Id.

        Returns:
            One value per spooled part, or None.
        """
        found = self._db.execute(
            "SELECT data FROM part WHERE id = ? ORDER BY part", (record_id,)
        ).fetchall()
        if len(found) != self.parts:
            return None
        return [pickle.loads(data) for (data,) in found]  # noqa: S301 - our own temporary file

    def close(self) -> None:
        """Delete the spool."""
        self._db.close()

    def __enter__(self) -> PartSpool:
        """Use as a context manager."""
        return self

    def __exit__(self, *_: object) -> None:
        """Delete the spool."""
        self.close()
