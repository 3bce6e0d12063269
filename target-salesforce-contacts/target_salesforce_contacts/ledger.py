"""The record-level ledger (``ledger_path``) and the run summary (``run_summary_path``).

One JSONL line per input record of a selected stream, written once its outcome is final
(after its batch was written) and flushed and fsynced before the batch's STATE is passed
on: ``stream``, ``source_key`` (the stream's key properties), ``email``, ``outcome``
(``created``, ``updated``, ``unchanged``, ``rejected``, ``deleted`` or ``skipped``),
``contact_id``, ``account_id``, ``lead_id``, ``fields_changed``, ``error_code``, ``run_id``
and ``recovered`` (a create an earlier, interrupted run had sent and this run found).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from target_salesforce_contacts.files import write_durably
from target_salesforce_contacts.rejects import JsonlFile

OUTCOMES = ("created", "updated", "unchanged", "rejected", "deleted", "skipped")


class Ledger(JsonlFile):
    """The ledger file, appended across runs, mode 0600."""

    def __init__(self, path: Path, run_id: str) -> None:
        """Remember the file and the run id.

        Args:
            path: The JSONL file.
            run_id: Written on every line.
        """
        super().__init__(path, append=True)
        self.run_id = run_id
        self.counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)

    def add(
        self,
        *,
        stream: str,
        source_key: dict[str, Any] | None,
        email: str | None,
        outcome: str,
        contact_id: str | None = None,
        account_id: str | None = None,
        lead_id: str | None = None,
        fields_changed: list[str] | None = None,
        error_code: str | None = None,
        recovered: bool = False,
    ) -> None:
        """Write one record's line.

        Args:
            stream: The stream.
            source_key: The record's key properties and values.
            email: The record's email.
            outcome: One of :data:`OUTCOMES`.
            contact_id: The Contact created, updated, matched or deleted.
            account_id: The Account linked.
            lead_id: The Lead updated or found (``lead_policy``).
            fields_changed: Fields written (creates: every field sent).
            error_code: The reject or skip code.
            recovered: A create found after an interrupted send.
        """
        self.counts[outcome] += 1
        entry: dict[str, Any] = {
            "stream": stream,
            "source_key": source_key,
            "email": email,
            "outcome": outcome,
            "contact_id": contact_id,
            "account_id": account_id,
            "lead_id": lead_id,
            "fields_changed": sorted(fields_changed or []),
            "error_code": error_code,
            "run_id": self.run_id,
        }
        if recovered:
            entry["recovered"] = True
        self.write(entry)

    def sync(self) -> None:
        """Flush and fsync the lines written so far (before a STATE is passed on)."""
        handle = self._handle
        if handle is not None:
            handle.flush()
            os.fsync(handle.fileno())


def write_summary(path: Path, summary: dict[str, Any]) -> None:
    """Replace the run summary file (0600, atomic).

    Args:
        path: The file.
        summary: Its content.
    """
    write_durably(path, json.dumps(summary, indent=1, sort_keys=True) + "\n")


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second.

    Returns:
        The timestamp.
    """
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
