"""What Bulk API 2.0 query and ingest jobs share: states, errors, the job body, polling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from salesforce_common.errors import NotFoundError, SalesforceError
from salesforce_common.polling import PollSchedule, poll_until

if TYPE_CHECKING:
    from salesforce_common.session import SalesforceSession

logger = logging.getLogger("salesforce_common")

JOB_COMPLETE = "JobComplete"
FAILED_STATES = frozenset({"Failed", "Aborted"})
"""States of a job that ended without completing."""
TERMINAL_STATES = frozenset({JOB_COMPLETE, *FAILED_STATES})
"""States after which a job changes no more."""
UNSUPPORTED_OBJECT_CODE = "INVALIDENTITY"
"""Error code of a job refused because the object is not supported by the Bulk API."""


class BulkJobFailedError(SalesforceError):
    """A Bulk API 2.0 job ended ``Failed`` or ``Aborted``; the message carries ``errorMessage``."""


class BulkJobTimeoutError(SalesforceError):
    """A Bulk API 2.0 job did not reach a final state within the allowed time."""


def is_unsupported_object(error: SalesforceError) -> bool:
    """Whether Salesforce refused a job because the object is not supported by the Bulk API.

    Args:
        error: The error of ``POST jobs/query`` or ``POST jobs/ingest``.

    Returns:
        True for ``INVALIDENTITY`` ("... is not supported by the Bulk API").
    """
    return (error.error_code or "").upper() == UNSUPPORTED_OBJECT_CODE


def csv_job_body(**fields: Any) -> dict[str, Any]:
    """A job-creation body for CSV data with commas and LF line endings.

    Args:
        **fields: The job's own fields (``operation``, ``query`` or ``object``, ...); None
            values are left out.

    Returns:
        The JSON body.
    """
    body = {k: v for k, v in fields.items() if v is not None}
    return {**body, "contentType": "CSV", "columnDelimiter": "COMMA", "lineEnding": "LF"}


def wait_for_job(
    info: Callable[[], dict[str, Any]],
    *,
    kind: str,
    job_id: str,
    schedule: PollSchedule,
) -> dict[str, Any]:
    """Poll a job until it reaches a terminal state.

    Args:
        info: Reads the job's info (``GET jobs/{kind}/{id}``).
        kind: ``query`` or ``ingest`` (for messages).
        job_id: The job.
        schedule: Poll waits and time limit.

    Returns:
        The job info in a terminal state (``JobComplete``, ``Failed`` or ``Aborted``).

    Raises:
        BulkJobTimeoutError: Still not final after ``schedule.max_wait`` seconds.
    """
    status = poll_until(info, lambda i: str(i.get("state")) in TERMINAL_STATES, schedule)
    if str(status.get("state")) not in TERMINAL_STATES:
        raise BulkJobTimeoutError(
            f"Bulk API {kind} job {job_id} is still {status.get('state')} after "
            f"{schedule.max_wait:.0f} s"
        )
    return status


def raise_if_failed(status: dict[str, Any], *, kind: str, job_id: str) -> None:
    """Raise when a job ended ``Failed`` or ``Aborted``.

    Args:
        status: The job info in a terminal state.
        kind: ``query`` or ``ingest``.
        job_id: The job.

    Raises:
        BulkJobFailedError: With Salesforce's ``errorMessage`` and code ``BULK_JOB_<STATE>``.
    """
    state = str(status.get("state"))
    if state in FAILED_STATES:
        reason = status.get("errorMessage") or "no errorMessage given"
        raise BulkJobFailedError(
            f"Bulk API {kind} job {job_id} ended {state}: {reason}",
            error_code=f"BULK_JOB_{state.upper()}",
        )


def delete_job(session: SalesforceSession, *, kind: str, job_id: str) -> None:
    """``DELETE jobs/{kind}/{id}``; a job already gone is fine.

    Args:
        session: The org session.
        kind: ``query`` or ``ingest``.
        job_id: The job.
    """
    try:
        session.request("DELETE", f"jobs/{kind}/{job_id}")
    except NotFoundError:
        logger.debug("Bulk API %s job %s was already deleted", kind, job_id)
