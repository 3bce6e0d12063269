"""Progress of a sorted REST read, so that a re-run query skips rows already emitted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.values import parse_datetime


@dataclass
class ReadProgress:
    """What one sorted read has yielded, to restart a query without duplicates.

    Attributes:
        key_name: The replication key (None for full-table streams).
        rows: Rows yielded.
        last_key: Replication-key value of the last row yielded.
        ids_at_last_key: Ids yielded with that value.
        resume_key: Set after a restart from ``last_key``: rows before it, and rows at it
            already yielded, are repeats.
    """

    key_name: str | None
    rows: int = 0
    last_key: str | None = None
    ids_at_last_key: set[str] = field(default_factory=set)
    resume_key: str | None = None

    def is_repeat(self, record: Mapping[str, Any]) -> bool:
        """Whether a restarted query sent a row that was already yielded."""
        if self.resume_key is None or self.key_name is None:
            return False
        key = record.get(self.key_name)
        if not isinstance(key, str):
            return False
        if key < self.resume_key:
            return True
        return (
            key == self.last_key == self.resume_key and record[PRIMARY_KEY] in self.ids_at_last_key
        )

    def add(self, record: Mapping[str, Any]) -> None:
        """Count a yielded row."""
        self.rows += 1
        if self.key_name is None:
            return
        key = record.get(self.key_name)
        if key != self.last_key:
            self.last_key = key if isinstance(key, str) else None
            self.ids_at_last_key = set()
        self.ids_at_last_key.add(record[PRIMARY_KEY])

    def restart_point(self) -> dt.datetime | None:
        """Where a re-run query starts: the last yielded key (repeats then skipped)."""
        if self.last_key is None:
            return None
        self.resume_key = self.last_key
        return parse_datetime(self.last_key)
