"""Deletes, marked the Singer way: ``_sdc_deleted_at`` on every deleted row the tap emits.

Soft deletes: with ``include_deleted`` the read uses ``queryAll``, which also returns rows in
the recycle bin (``IsDeleted = true``). Each such row gets ``_sdc_deleted_at``, its
``SystemModstamp`` (deleting a row stamps it), so targets that key deletion on
``_sdc_deleted_at`` (target-postgres and other SDK targets) see it deleted, not live.

Hard deletes: rows purged from the recycle bin, which ``queryAll`` no longer returns. With
``include_deleted``, each read of an object that supports replication ends with one call to
``sobjects/{Object}/deleted/?start=&end=`` for the read's window of the replication key,
clamped to the 30 days Salesforce keeps. Every deletion it reports that the read did not
already emit as a deleted row becomes a record ``{Id, IsDeleted: true, _sdc_deleted_at}``
(``_sdc_deleted_at`` is Salesforce's ``deletedDate``: SDK-based targets soft-delete such rows,
or remove them with ``hard_delete``). The other columns of such a record are absent: the row
no longer exists in Salesforce.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Container, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.values import normalize_datetime

if TYPE_CHECKING:
    from salesforce_common import SalesforceSession

DELETED_AT = "_sdc_deleted_at"
"""The property carrying the deletion time of a deleted row (null on live rows)."""
IS_DELETED = "IsDeleted"
DELETION_TIME_FIELDS = ("SystemModstamp", "LastModifiedDate")
"""Fields holding a soft-deleted row's deletion time, best first (a delete stamps both)."""
RETENTION = dt.timedelta(days=30)
"""How far back ``sobjects/{X}/deleted`` reaches."""
RETENTION_MARGIN = dt.timedelta(minutes=1)

DELETED_AT_SCHEMA = {"type": ["string", "null"], "format": "date-time"}


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def deletion_time_field(names: Container[str]) -> str | None:
    """The field among ``names`` that holds a soft-deleted row's deletion time, if any."""
    return next((name for name in DELETION_TIME_FIELDS if name in names), None)


def mark_soft_delete(record: dict[str, Any], fallback: Callable[[], str]) -> bool:
    """Set ``_sdc_deleted_at`` on a row read with ``IsDeleted = true``.

    Args:
        record: A row as read (datetimes already normalised).
        fallback: Gives the deletion time when the row carries no :data:`DELETION_TIME_FIELDS`
            value (the read's time: the row was deleted by then).

    Returns:
        Whether the row is deleted.
    """
    if record.get(IS_DELETED) is not True:
        return False
    if record.get(DELETED_AT) is None:
        stamp = next((record[f] for f in DELETION_TIME_FIELDS if record.get(f)), None)
        record[DELETED_AT] = stamp or fallback()
    return True


def deleted_records(
    session: SalesforceSession,
    object_name: str,
    *,
    since: dt.datetime | None,
    until: dt.datetime,
    already_emitted: Container[str],
    logger: logging.Logger,
) -> Iterator[dict[str, Any]]:
    """Records for the deletions Salesforce reports in ``[since, until]``.

    Args:
        session: The org session.
        object_name: The sObject.
        since: Start of the read's window (None: as far back as Salesforce keeps).
        until: End of the read's window.
        already_emitted: Ids the read emitted with ``IsDeleted = true``.
        logger: Where clamping is reported.

    Yields:
        ``{Id, IsDeleted: True, _sdc_deleted_at}`` per deletion not yet emitted.
    """
    earliest = until - RETENTION + RETENTION_MARGIN
    start = earliest if since is None else max(since, earliest)
    if since is not None and since < earliest:
        logger.info(
            "Hard deletes of %s before %s are not available (Salesforce keeps 30 days)",
            object_name,
            _iso(earliest),
        )
    if start >= until:
        return
    body = session.get_json(
        f"sobjects/{object_name}/deleted/",
        {"start": _iso(start), "end": _iso(until)},
        parse_float=Decimal,
    )
    for entry in body.get("deletedRecords") or []:
        record_id = str(entry.get("id"))
        if record_id in already_emitted:
            continue
        deleted_at = entry.get("deletedDate")
        yield {
            PRIMARY_KEY: record_id,
            IS_DELETED: True,
            DELETED_AT: normalize_datetime(str(deleted_at)) if deleted_at else None,
        }
