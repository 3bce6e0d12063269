"""The Contacts each stream synced, with the table version they were last seen in.

Used for ACTIVATE_VERSION with ``sync_deletes``: once a stream activates version ``v``,
the Contacts it synced (created, updated or found unchanged) in an older version and not
seen since are deleted (or flagged). Only Contacts this target wrote or matched for that
stream are ever listed, so Contacts of other sources are never touched. Records without a
version (no ``version`` on the RECORD message) are not tracked.

The file (``tracking_path``, mode 0600) is replaced atomically after each batch, before the
batch's STATE is passed on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from target_salesforce_contacts.errors import TargetError
from target_salesforce_contacts.files import write_durably

TRACKING_VERSION = 1


class TrackingError(TargetError):
    """The tracking file cannot be read."""


class SyncedContacts:
    """``{"version": 1, "streams": {stream: {contact_id: table_version}}}``."""

    def __init__(self, path: Path) -> None:
        """Remember the file; it is read on first use.

        Args:
            path: The tracking file.
        """
        self.path = path
        self._streams: dict[str, dict[str, int]] | None = None
        self._dirty = False

    def _load(self) -> dict[str, dict[str, int]]:
        if self._streams is None:
            try:
                content = json.loads(self.path.read_text(encoding="utf-8"))
                self._streams = {
                    str(s): {str(k): int(v) for k, v in ids.items()}
                    for s, ids in content["streams"].items()
                }
            except FileNotFoundError:
                self._streams = {}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise TrackingError(
                    f"tracking file {self.path} cannot be read ({type(exc).__name__}): restore "
                    "it, or delete it (ACTIVATE_VERSION then deletes nothing until streams "
                    "were synced again)"
                ) from None
        return self._streams

    def seen(self, stream: str, contact_id: str, version: int) -> None:
        """Note a Contact synced by ``stream`` in table ``version``.

        Args:
            stream: The stream.
            contact_id: The Contact.
            version: The record's table version.
        """
        ids = self._load().setdefault(stream, {})
        if ids.get(contact_id, -1) < version:
            ids[contact_id] = version
            self._dirty = True

    def tracked(self, stream: str) -> int:
        """How many Contacts ``stream`` synced.

        Args:
            stream: The stream.

        Returns:
            The count.
        """
        return len(self._load().get(stream, {}))

    def stale(self, stream: str, version: int) -> list[str]:
        """Contacts ``stream`` last synced in a version older than ``version``.

        Args:
            stream: The stream.
            version: The activated version.

        Returns:
            Contact Ids.
        """
        return sorted(cid for cid, v in self._load().get(stream, {}).items() if v < version)

    def forget(self, stream: str, contact_ids: Iterable[str]) -> None:
        """Stop tracking Contacts (deleted, or flagged).

        Args:
            stream: The stream.
            contact_ids: The Contacts.
        """
        ids = self._load().get(stream, {})
        for cid in contact_ids:
            if ids.pop(cid, None) is not None:
                self._dirty = True

    def save(self) -> None:
        """Write the file (atomically, fsynced) when something changed."""
        if not self._dirty or self._streams is None:
            return
        body = {"version": TRACKING_VERSION, "streams": self._streams}
        write_durably(self.path, json.dumps(body, sort_keys=True) + "\n")
        self._dirty = False
