"""JSONL output files: the dead-letter file of rejected records and the dry-run plan."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import IO, Any

from target_salesforce_contacts.files import open_private
from target_salesforce_contacts.planning import Reject
from target_salesforce_contacts.values import json_default


class JsonlFile:
    """A JSONL file opened on the first line written (append or overwrite), mode 0600."""

    def __init__(self, path: Path, *, append: bool) -> None:
        """Remember where to write; nothing is created yet.

        Args:
            path: The file (parent directories are created when needed).
            append: Append to an existing file instead of replacing it.
        """
        self.path = path
        self.append = append
        self._handle: IO[str] | None = None

    def write(self, entry: dict[str, Any]) -> None:
        """Write one JSON line.

        Args:
            entry: The object to write.
        """
        if self._handle is None:
            self._handle = open_private(self.path, append=self.append)
        self._handle.write(json.dumps(entry, default=json_default, ensure_ascii=False) + "\n")

    def flush(self) -> None:
        """Flush written lines to disk."""
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class RejectsFile(JsonlFile):
    """The dead-letter file: one line per rejected record, appended across runs."""

    def __init__(self, path: Path, run_id: str) -> None:
        """Remember the file and this run's id.

        Args:
            path: The JSONL file.
            run_id: Written on every line, to tell runs apart.
        """
        super().__init__(path, append=True)
        self.run_id = run_id

    def add(self, reject: Reject) -> None:
        """Dead-letter a record with its stream, reason and code.

        Args:
            reject: The rejected record.
        """
        entry: dict[str, Any] = {
            "stream": reject.item.stream,
            "record": reject.item.record,
            "email": reject.item.email,
            "code": reject.code,
            "reason": reject.reason,
            "fields": reject.fields,
            "contact_id": reject.contact_id,
            "rejected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "run_id": self.run_id,
        }
        if reject.lead_id:
            entry["lead_id"] = reject.lead_id
        self.write(entry)
