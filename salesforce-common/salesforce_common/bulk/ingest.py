"""Bulk API 2.0 ingest jobs: create, upload CSV, close, poll, read results, abort, delete.

An ingest job is a durable handle: it is inert until ``UploadComplete``, so an upload whose
outcome is unknown can be aborted and redone, and a close whose answer was lost is resolved
by reading the job's state. The client never resends an upload or a close by itself; the
caller decides (see the target's writers).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from salesforce_common.bulk.jobs import TERMINAL_STATES, csv_job_body, delete_job, wait_for_job
from salesforce_common.polling import PollSchedule

if TYPE_CHECKING:
    from salesforce_common.session import SalesforceSession

logger = logging.getLogger("salesforce_common")

JOBS_PATH = "jobs/ingest"
ResultKind = Literal["successfulResults", "failedResults", "unprocessedrecords"]
"""The three result sets of an ingest job."""


@dataclass
class BulkIngestClient:
    """Runs Bulk API 2.0 ingest jobs through a :class:`SalesforceSession`.

    Attributes:
        session: The org session (auth, retries, quota guard, typed errors).
        headers: Extra headers for the calls that write (e.g. the duplicate-rule header).
        poll_initial: First wait before polling a closed job, in seconds.
        poll_factor: Growth of the wait after each poll.
        poll_max: Longest wait between polls, in seconds.
        max_wait: Give up waiting for a job after this many seconds.
        sleep: The sleep function (tests replace it).
        gate: Held around each call (e.g. a semaphore shared with other requests of the
            client, bounding how many are in flight); the waits between polls do not hold it.
    """

    session: SalesforceSession
    headers: Mapping[str, str] = field(default_factory=dict)
    poll_initial: float = 0.2
    poll_factor: float = 2.0
    poll_max: float = 10.0
    max_wait: float = 3600.0
    sleep: Callable[[float], None] = time.sleep
    gate: contextlib.AbstractContextManager[Any] = field(default_factory=contextlib.nullcontext)

    def create(
        self, object_name: str, operation: str, *, external_id_field: str | None = None
    ) -> dict[str, Any]:
        """``POST jobs/ingest``: an open job (a retry can only leave an unused empty job).

        Args:
            object_name: The sObject (``Contact``).
            operation: ``insert``, ``update``, ``upsert`` or ``delete``.
            external_id_field: The key of an upsert.

        Returns:
            The job info (``id``, ``state: Open``, ...).
        """
        body = csv_job_body(
            object=object_name, operation=operation, externalIdFieldName=external_id_field
        )
        with self.gate:
            info: dict[str, Any] = self.session.request("POST", JOBS_PATH, json=body).json()
        logger.debug("Bulk API ingest job %s created", info.get("id"))
        return info

    def upload(self, job_id: str, csv_data: bytes) -> None:
        """``PUT jobs/ingest/{id}/batches`` (never retried: a repeat could upload twice).

        Args:
            job_id: An open job.
            csv_data: The CSV (UTF-8, LF line endings, a header row).
        """
        with self.gate:
            self.session.request(
                "PUT",
                f"{JOBS_PATH}/{job_id}/batches",
                retry=False,
                data=csv_data,
                headers={"Content-Type": "text/csv"},
            )

    def set_state(self, job_id: str, state: Literal["UploadComplete", "Aborted"]) -> dict[str, Any]:
        """``PATCH jobs/ingest/{id}`` to close (``UploadComplete``) or abort a job; not retried.

        Args:
            job_id: The job.
            state: The new state.

        Returns:
            The job info.
        """
        with self.gate:
            response = self.session.request(
                "PATCH",
                f"{JOBS_PATH}/{job_id}",
                retry=False,
                json={"state": state},
                headers=dict(self.headers),
            )
            return dict(response.json())

    def info(self, job_id: str) -> dict[str, Any]:
        """``GET jobs/ingest/{id}``.

        Args:
            job_id: The job.

        Returns:
            The job info: ``state``, ``numberRecordsProcessed``, ``numberRecordsFailed``, ...
        """
        with self.gate:
            return dict(self.session.get_json(f"{JOBS_PATH}/{job_id}"))

    def wait(self, job_id: str, status: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Poll a closed job until it is ``JobComplete``, ``Failed`` or ``Aborted``.

        Args:
            job_id: The job.
            status: Its latest info, when already final no poll is made.

        Returns:
            The final job info (a failed job is returned, not raised: its results say which
            rows were written).

        Raises:
            BulkJobTimeoutError: Not final after ``max_wait`` seconds.
        """
        if status is not None and status.get("state") in TERMINAL_STATES:
            return dict(status)
        schedule = PollSchedule(
            self.poll_initial, self.poll_factor, self.poll_max, self.max_wait, self.sleep
        )
        return wait_for_job(
            lambda: self.info(job_id), kind="ingest", job_id=job_id, schedule=schedule
        )

    def results(self, job_id: str, kind: ResultKind) -> list[dict[str, str]]:
        """One result set of a job, as rows (``sf__Id``, ``sf__Created``, ``sf__Error``, ...).

        Args:
            job_id: A final job.
            kind: ``successfulResults``, ``failedResults`` or ``unprocessedrecords``.

        Returns:
            The rows, keyed by the CSV header (order is not the upload's).
        """
        with self.gate:
            response = self.session.request("GET", f"{JOBS_PATH}/{job_id}/{kind}/")
            response.encoding = "utf-8"
            text = response.text
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def delete(self, job_id: str) -> None:
        """``DELETE jobs/ingest/{id}``; a job already gone is fine.

        Args:
            job_id: The job.
        """
        with self.gate:
            delete_job(self.session, kind="ingest", job_id=job_id)
