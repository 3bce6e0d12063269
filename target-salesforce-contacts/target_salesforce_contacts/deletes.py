"""Source deletes: checked settings, the safety cap, and Contact deletes in collections.

A record whose ``_sdc_deleted_at`` is set (with ``sync_deletes``) deletes its matched
Contact (``delete_mode: delete``, through ``DELETE composite/sobjects?ids=``, 200 per call)
or sets the checkbox ``delete_flag_field`` (``delete_mode: flag``, an update). Deletes are
idempotent: a Contact already deleted counts as deleted, and a failed call is resent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from salesforce_common import TransientError
from salesforce_common.api_limits import COLLECTION_RECORDS

from target_salesforce_contacts.api import ContactsApi
from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.errors import MappingError, PendingWritesError, TargetError
from target_salesforce_contacts.planning import WriteOp
from target_salesforce_contacts.settings import DeleteMode, TargetSettings
from target_salesforce_contacts.writers import (
    MAX_BACKOFF_SECONDS,
    TRANSIENT_RECORD_CODES,
    Outcome,
    Report,
    _result_outcome,
)

logger = logging.getLogger("target_salesforce_contacts")

ALREADY_DELETED = frozenset({"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"})
"""Per-record codes of a delete whose Contact is already gone: the delete is done."""


class DeleteCapError(TargetError):
    """More Contacts would be deleted than ``max_delete_percent`` allows."""


def check_delete_settings(settings: TargetSettings, schema: ContactSchema) -> str | None:
    """Check the delete settings against the Contact describe; the flag field, if any.

    Args:
        settings: The target settings.
        schema: The Contact fields.

    Returns:
        The checked ``delete_flag_field`` (``delete_mode: flag``), else None.

    Raises:
        MappingError: One line naming the setting (before any write).
    """
    if not settings.sync_deletes or settings.delete_mode is DeleteMode.DELETE:
        return None
    name = settings.delete_flag_field
    if not name:
        raise MappingError("delete_mode flag needs delete_flag_field (a Contact checkbox field)")
    f = schema.get(name)
    if f is None:
        raise MappingError(f"delete_flag_field: Contact has no field {name!r} in this org")
    if f.type != "boolean" or not f.updateable:
        raise MappingError(
            f"delete_flag_field: Contact.{f.name} is not an updatable checkbox (type {f.type})"
        )
    return f.name


def check_delete_cap(
    *, deleting: int, deleted: int, matched: int, percent: float, where: str
) -> None:
    """Stop before deleting more than ``percent`` of the matched Contacts.

    Args:
        deleting: Contacts about to be deleted (or flagged).
        deleted: Contacts this run deleted before.
        matched: Contacts matched in the run so far (this batch included).
        percent: ``max_delete_percent``.
        where: What is being deleted, for the message.

    Raises:
        DeleteCapError: The cap is exceeded (one line; nothing of it was deleted).
    """
    if not deleting:
        return
    total = deleting + deleted
    if total * 100 > percent * max(matched, 1):
        raise DeleteCapError(
            f"max_delete_percent={percent:g} exceeded: {where} would delete {total} of "
            f"{matched} matched Contact(s) ({total * 100 / max(matched, 1):.1f}%); nothing was "
            "deleted. Check the source, or raise max_delete_percent"
        )


class DeleteWriter:
    """Deletes Contacts in sObject collections, retrying transient failures."""

    def __init__(
        self,
        api: ContactsApi,
        *,
        max_retries: int,
        backoff_base: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Configure retries.

        Args:
            api: The Salesforce calls.
            max_retries: Retry rounds after the first attempt.
            backoff_base: First wait in seconds (doubles each round).
            sleep: Waits (replaceable in tests).
        """
        self.api = api
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.sleep = sleep

    def write(self, ops: Sequence[WriteOp], report: Report) -> None:
        """Delete the Contacts of ``ops``; report every outcome.

        Args:
            ops: Deletes (``contact_id`` set).
            report: Receives each outcome.

        Raises:
            PendingWritesError: Deletes still failing transiently after every retry.
        """
        pending = list(ops)
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(min(self.backoff_base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
            retry: list[WriteOp] = []
            for start in range(0, len(pending), COLLECTION_RECORDS):
                chunk = pending[start : start + COLLECTION_RECORDS]
                try:
                    results = self.api.delete([str(op.contact_id) for op in chunk])
                except TransientError as exc:
                    logger.warning("Deleting %d Contact(s) failed (%s)", len(chunk), exc)
                    retry.extend(chunk)
                    continue
                for op, result in zip(chunk, results, strict=False):
                    outcome = _result_outcome(op, result)
                    if not outcome.success and outcome.code in ALREADY_DELETED:
                        outcome = Outcome(op, True, contact_id=op.contact_id)
                    if not outcome.success and outcome.code in TRANSIENT_RECORD_CODES:
                        retry.append(op)
                        continue
                    report(outcome)
                retry.extend(chunk[len(results) :])
            if not retry:
                return
            pending = retry
        raise PendingWritesError(
            f"{len(pending)} Contact delete(s) still failing after {self.max_retries} retries: "
            "not dead-lettered, and no STATE was passed on past them; a rerun resumes"
        )
