"""The journal: Bulk ingest jobs that may create Contacts and whose outcome is not settled yet.

An entry is written and fsynced before the job's upload is sent, updated before its close
(``UploadComplete``) is sent, and removed once the job's outcome is settled (every row of
it reported). A run killed in between leaves the entry behind; the next run settles it
before any lookup: a job still ``Open`` (never closed) is aborted, a job closed but
running is waited for. Once no journaled job can commit any more, looking emails up tells
exactly which Contacts exist, so nothing is created twice.

Plain Python and the file system; no Salesforce calls (see ``writers.BulkWriter``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

from target_salesforce_contacts.errors import TargetError
from target_salesforce_contacts.files import remove_durably, write_durably

JOURNAL_VERSION = 1


class Phase(StrEnum):
    """How far a journaled job got."""

    UPLOADING = "uploading"
    """The upload may have been sent; the close never was: the job cannot have written."""
    CLOSING = "closing"
    """The close may have been sent: the job may write until it reaches a final state."""


@dataclass(frozen=True)
class JournalEntry:
    """One unsettled ingest job.

    Attributes:
        job_id: The Bulk API 2.0 job id.
        phase: Whether its close may have been sent.
        operation: ``insert``, ``update`` or ``upsert``.
        rows: Rows uploaded.
        creates: Rows that create Contacts.
        run_id: The run that opened it.
        since: When it was journaled (UTC, ISO 8601).
    """

    job_id: str
    phase: Phase
    operation: str
    rows: int
    creates: int
    run_id: str
    since: str


class JournalError(TargetError):
    """The journal file cannot be read."""


class Journal:
    """The journal file: a JSON object ``{"version": 1, "jobs": [entry, ...]}``, mode 0600."""

    def __init__(self, path: Path, run_id: str) -> None:
        """Remember the file; nothing is read or written yet.

        Args:
            path: The journal file.
            run_id: This run's id (written with each entry).
        """
        self.path = path
        self.run_id = run_id
        self._entries: dict[str, JournalEntry] | None = None

    def entries(self) -> list[JournalEntry]:
        """The unsettled jobs, oldest first.

        Returns:
            The entries (empty when the file does not exist).

        Raises:
            JournalError: The file exists but is not a journal (one line, names the file).
        """
        return list(self._load().values())

    def open_job(self, job_id: str, operation: str, *, rows: int, creates: int) -> None:
        """Journal a job before its upload is sent (written and fsynced before returning).

        Args:
            job_id: The job.
            operation: Its operation.
            rows: Rows about to be uploaded.
            creates: How many of them create Contacts.
        """
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        entry = JournalEntry(job_id, Phase.UPLOADING, operation, rows, creates, self.run_id, since)
        self._load()[job_id] = entry
        self._save()

    def closing(self, job_id: str) -> None:
        """Mark a job as possibly closed, before its close is sent (fsynced).

        Args:
            job_id: The job.
        """
        entries = self._load()
        entry = entries.get(job_id)
        if entry is not None and entry.phase is not Phase.CLOSING:
            entries[job_id] = JournalEntry(**{**asdict(entry), "phase": Phase.CLOSING})
            self._save()

    def settle(self, job_id: str) -> None:
        """Forget a job whose outcome is settled (the file goes when it is empty).

        Args:
            job_id: The job.
        """
        entries = self._load()
        if entries.pop(job_id, None) is not None:
            self._save()

    def _load(self) -> dict[str, JournalEntry]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, JournalEntry]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise self._unreadable(type(exc).__name__) from None
        try:
            content = json.loads(text)
            jobs = content["jobs"]
            entries = [JournalEntry(**{**job, "phase": Phase(job["phase"])}) for job in jobs]
        except (ValueError, KeyError, TypeError) as exc:
            raise self._unreadable(f"not a journal: {type(exc).__name__}") from None
        return {entry.job_id: entry for entry in entries}

    def _unreadable(self, why: str) -> JournalError:
        return JournalError(
            f"journal file {self.path} cannot be read ({why}): it lists Bulk ingest jobs "
            "whose outcome a run left unsettled; restore it, or check those jobs in Setup > "
            "Bulk Data Load Jobs and delete it"
        )

    def _save(self) -> None:
        entries = self._load()
        if not entries:
            remove_durably(self.path)
            return
        body = {"version": JOURNAL_VERSION, "jobs": [asdict(e) for e in entries.values()]}
        write_durably(self.path, json.dumps(body, indent=1) + "\n")
