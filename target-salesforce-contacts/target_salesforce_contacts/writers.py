"""Writing Contacts: sObject collections and Bulk API 2.0 ingest jobs, retried without duplicates.

A create whose call failed in a way that leaves its outcome unknown (5xx, dropped
connection, timeout, a Bulk job that failed or left rows unprocessed) is never simply sent
again: after a backoff the target looks the emails up, counts those it finds as created, and
only re-sends the others. Updates carry the Contact Id and are idempotent, so they are
retried as they are.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import backoff
from salesforce_common import SalesforceError, TransientError
from salesforce_common.bulk import BulkJobTimeoutError, ResultKind

from target_salesforce_contacts.api import COLLECTION_LIMIT, CONTACT, ContactsApi
from target_salesforce_contacts.errors import RunStoppedError
from target_salesforce_contacts.mapping import EMAIL
from target_salesforce_contacts.planning import WriteOp
from target_salesforce_contacts.values import email_key

logger = logging.getLogger("target_salesforce_contacts")

TRANSIENT_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})
"""Per-record errors that are worth retrying (the record was not written)."""

MAX_BACKOFF_SECONDS = 60.0
_T = TypeVar("_T")


@dataclass
class Outcome:
    """What happened to one write.

    Attributes:
        op: The write.
        success: Written.
        contact_id: The Contact Id (new or updated).
        code: Salesforce's error code when not written.
        message: Salesforce's message when not written.
        fields: Fields the error is about.
        recovered: A create found by email after a call with an unknown outcome.
    """

    op: WriteOp
    success: bool
    contact_id: str | None = None
    code: str | None = None
    message: str = ""
    fields: list[str] = field(default_factory=list)
    recovered: bool = False


Report = Callable[[Outcome], None]
"""Receives each outcome as soon as it is known."""


def chunked(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """Consecutive slices of at most ``size`` items.

    Args:
        items: The items.
        size: The slice length.

    Yields:
        Slices.
    """
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _result_outcome(op: WriteOp, result: Mapping[str, Any]) -> Outcome:
    if result.get("success"):
        return Outcome(op, True, contact_id=str(result.get("id") or op.contact_id or ""))
    errors = result.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], Mapping) else {}
    code = str(first.get("statusCode") or first.get("errorCode") or "UNKNOWN_EXCEPTION")
    message = str(first.get("message") or "")
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error(s))"
    return Outcome(
        op,
        False,
        contact_id=op.contact_id,
        code=code,
        message=message,
        fields=[str(f) for f in first.get("fields") or []],
    )


class CollectionsWriter:
    """Writes through ``composite/sobjects`` (200 records per call, ``allOrNone: false``)."""

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

    def _wait(self, attempt: int) -> None:
        self.sleep(min(self.backoff_base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))

    def write(
        self,
        ops: Sequence[WriteOp],
        report: Report,
        *,
        unknown_creates: Sequence[WriteOp] = (),
    ) -> None:
        """Write ``ops``; report every outcome; retry transient failures without duplicates.

        Args:
            ops: Creates and updates to send.
            report: Receives each outcome.
            unknown_creates: Creates that may already have happened (looked up first).

        Raises:
            RunStoppedError: Calls kept failing after every retry (some writes not done).
            SalesforceError: A non-transient failure of a whole call (quota, limits...).
        """
        pending = list(ops)
        unknown = list(unknown_creates)
        if unknown:
            pending += self._recover(unknown, report)
            unknown = []
        attempt = 0
        while pending:
            retry: list[WriteOp] = []
            last_failure: dict[int, Outcome] = {}
            call_error: SalesforceError | None = None
            creates = [op for op in pending if op.is_create]
            updates = [op for op in pending if not op.is_create]
            for chunk in chunked(creates, COLLECTION_LIMIT):
                try:
                    results = self.api.create([op.payload for op in chunk])
                except TransientError as exc:
                    call_error = exc
                    unknown.extend(chunk)
                    continue
                unknown += self._settle(chunk, results, report, retry, last_failure)
            for chunk in chunked(updates, COLLECTION_LIMIT):
                try:
                    results = self.api.update([(str(op.contact_id), op.payload) for op in chunk])
                except TransientError as exc:
                    call_error = exc
                    retry.extend(chunk)
                    continue
                retry += self._settle(chunk, results, report, retry, last_failure)
            if not retry and not unknown:
                return
            attempt += 1
            exhausted = attempt > self.max_retries
            if call_error is not None:
                logger.warning(
                    "Write call failed (%s); %s",
                    call_error,
                    "giving up" if exhausted else f"retry {attempt} of {self.max_retries}",
                )
            elif retry and not exhausted:
                logger.info(
                    "%d record(s) failed with a transient error (%s); retry %d of %d",
                    len(retry),
                    next(iter(last_failure.values())).code if last_failure else "transient",
                    attempt,
                    self.max_retries,
                )
            if unknown or not exhausted:
                self._wait(attempt)
            if unknown:
                retry += self._recover(unknown, report)
                unknown = []
            if exhausted:
                self._give_up(retry, last_failure, report, call_error)
                return
            pending = retry

    def _settle(
        self,
        chunk: Sequence[WriteOp],
        results: Sequence[Mapping[str, Any]],
        report: Report,
        retry: list[WriteOp],
        last_failure: dict[int, Outcome],
    ) -> list[WriteOp]:
        """Report each result; queue transient failures; return writes left without one."""
        for op, result in zip(chunk, results, strict=False):
            outcome = _result_outcome(op, result)
            if not outcome.success and outcome.code in TRANSIENT_RECORD_CODES:
                retry.append(op)
                last_failure[id(op)] = outcome
            else:
                report(outcome)
        return list(chunk[len(results) :])

    def _recover(self, unknown: Sequence[WriteOp], report: Report) -> list[WriteOp]:
        """Look up creates whose call failed; report those that exist, return the others."""
        emails = [str(op.item.email) for op in unknown]
        found = self.api.find_by_email(emails)
        resend: list[WriteOp] = []
        recovered = 0
        for op in unknown:
            contacts = found.get(email_key(str(op.item.email)))
            if contacts:
                recovered += 1
                report(Outcome(op, True, contact_id=str(contacts[0]["Id"]), recovered=True))
            else:
                resend.append(op)
        logger.info(
            "Checked %d create(s) whose call failed: %d had been created, %d to send again",
            len(unknown),
            recovered,
            len(resend),
        )
        return resend

    def _give_up(
        self,
        remaining: Sequence[WriteOp],
        last_failure: Mapping[int, Outcome],
        report: Report,
        call_error: SalesforceError | None,
    ) -> None:
        unwritten = 0
        for op in remaining:
            outcome = last_failure.get(id(op))
            if outcome is not None:
                report(outcome)
            else:
                unwritten += 1
        if unwritten:
            raise RunStoppedError(
                f"{unwritten} Contact write(s) still failing after {self.max_retries} "
                f"retries: {call_error}"
            )


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _row_key(contact_id: str | None, email: str | None) -> tuple[str, str]:
    if contact_id:
        return ("Id", contact_id)
    return ("Email", email_key(email or ""))


def _op_key(op: WriteOp) -> tuple[str, str]:
    return _row_key(op.contact_id, op.item.email if op.is_create else None)


def parse_bulk_error(text: str) -> tuple[str, str, list[str]]:
    """Split a Bulk ``sf__Error`` (``CODE:message:fields --``) into its parts.

    Args:
        text: The error cell.

    Returns:
        (code, message, fields).
    """
    body = text.strip().removesuffix("--").strip()
    code, _, rest = body.partition(":")
    message, separator, field_text = rest.rpartition(":")
    if not separator:
        message, field_text = rest, ""
    fields = [f.strip() for f in field_text.split(",") if f.strip()]
    return code.strip() or "UNKNOWN_EXCEPTION", message.strip(), fields


class BulkWriter:
    """Writes one batch as one Bulk API 2.0 ingest job and joins the results back.

    ``insert`` when the batch only creates, ``update`` when it only updates, otherwise one
    ``upsert`` keyed on ``Id`` (rows without an Id are created). Results come back in any
    order: rows are joined to their records by ``Id`` (updates) or by email (creates, which
    are unique within a batch).
    """

    def __init__(
        self,
        api: ContactsApi,
        fallback: CollectionsWriter,
        *,
        poll_initial: float = 0.2,
        poll_max: float = 10.0,
        timeout: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Configure polling.

        Args:
            api: The Salesforce calls.
            fallback: Writes rows that failed transiently or whose outcome is unknown.
            poll_initial: First wait before polling the job, in seconds.
            poll_max: Longest wait between polls.
            timeout: Stop waiting for a job after this many seconds.
            sleep: Waits (replaceable in tests).
        """
        self.api = api
        self.fallback = fallback
        self.timeout = timeout
        self.ingest = dataclasses.replace(
            api.ingest,
            poll_initial=poll_initial,
            poll_max=poll_max,
            max_wait=timeout,
            sleep=sleep,
        )

    def write(self, ops: Sequence[WriteOp], report: Report) -> None:
        """Write ``ops`` in one ingest job; report every outcome.

        Args:
            ops: Creates and updates.
            report: Receives each outcome.
        """
        creates = any(op.is_create for op in ops)
        updates = any(not op.is_create for op in ops)
        operation = "upsert" if creates and updates else "insert" if creates else "update"
        try:
            job = self.ingest.create(
                CONTACT, operation, external_id_field="Id" if operation == "upsert" else None
            )
        except TransientError as exc:
            logger.warning("Could not open a Bulk job (%s); writing through collections", exc)
            self.fallback.write(ops, report)
            return
        job_id = str(job["id"])
        try:
            self.ingest.upload(job_id, self.csv_text(ops).encode("utf-8"))
        except TransientError as exc:
            logger.warning("Bulk upload to job %s failed (%s); aborting the job", job_id, exc)
            self._abort(job_id)
            self.fallback.write(ops, report)
            return
        info = self._close(job_id)
        info = self._wait(job_id, info)
        self._join(job_id, info, ops, report)

    @staticmethod
    def csv_text(ops: Sequence[WriteOp]) -> str:
        """The CSV upload: an ``Id`` column for updates, then every field written.

        Args:
            ops: The writes.

        Returns:
            CSV text (LF line endings, quoted where needed).
        """
        fields = sorted({name for op in ops for name in op.payload})
        header = (["Id"] if any(not op.is_create for op in ops) else []) + fields
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for op in ops:
            row = {"Id": op.contact_id or "", **op.payload}
            writer.writerow([_csv_value(row.get(name)) for name in header])
        return buffer.getvalue()

    def _abort(self, job_id: str) -> None:
        try:
            self.ingest.set_state(job_id, "Aborted")
        except SalesforceError as exc:
            logger.warning("Could not abort Bulk job %s (%s); it was never closed", job_id, exc)

    def _close(self, job_id: str) -> dict[str, Any]:
        """Mark the upload complete; after an unknown outcome, ask the job its state.

        A close whose answer was lost may have been applied: the job's own state tells.
        ``Open`` means it was not, and the close is sent again (with backoff).
        """

        def close_or_read_state() -> dict[str, Any] | None:
            try:
                return self.ingest.set_state(job_id, "UploadComplete")
            except TransientError as exc:
                info = self.ingest.info(job_id)
                if info.get("state") != "Open":
                    return info
                logger.warning("Closing Bulk job %s failed (%s); trying again", job_id, exc)
                return None

        closer = backoff.on_predicate(
            backoff.expo,
            predicate=lambda info: info is None,
            max_tries=self.fallback.max_retries + 1,
            factor=self.fallback.backoff_base,
            max_value=MAX_BACKOFF_SECONDS,
            jitter=None,
            logger=None,
        )(close_or_read_state)
        info = closer()
        if info is None:
            raise RunStoppedError(f"could not close Bulk job {job_id}: it is still Open")
        return info

    def _wait(self, job_id: str, info: dict[str, Any]) -> dict[str, Any]:
        """Poll with growing waits until the job is done; return its detailed info."""
        try:
            info = self.ingest.wait(job_id, info)
        except BulkJobTimeoutError:
            raise RunStoppedError(
                f"Bulk job {job_id} is still {self.ingest.info(job_id).get('state')} after "
                f"{self.timeout:.0f}s; rerun later (the job's results will be found by email)"
            ) from None
        if "numberRecordsFailed" not in info:
            info = self.ingest.info(job_id)
        return info

    def _results(self, job_id: str, kind: ResultKind) -> list[dict[str, str]]:
        return self.ingest.results(job_id, kind)

    def _join(
        self, job_id: str, info: Mapping[str, Any], ops: Sequence[WriteOp], report: Report
    ) -> None:
        by_key = {_op_key(op): op for op in ops}
        done: set[tuple[str, str]] = set()
        retry: list[WriteOp] = []
        complete = info.get("state") == "JobComplete"
        try:
            successes = self._results(job_id, "successfulResults")
            failed_count = int(info.get("numberRecordsFailed") or 0)
            failures = (
                self._results(job_id, "failedResults") if failed_count or not complete else []
            )
        except SalesforceError as exc:
            if complete:
                raise
            logger.warning(
                "Bulk job %s ended %s without results (%s)", job_id, info.get("state"), exc
            )
            successes, failures = [], []
        for row in successes:
            key = _row_key(row.get("Id"), row.get(EMAIL))
            op = by_key.get(key)
            if op is None or key in done:
                continue
            done.add(key)
            report(Outcome(op, True, contact_id=row.get("sf__Id") or op.contact_id))
        for row in failures:
            key = _row_key(row.get("Id"), row.get(EMAIL))
            op = by_key.get(key)
            if op is None or key in done:
                continue
            done.add(key)
            code, message, fields = parse_bulk_error(row.get("sf__Error") or "")
            if code in TRANSIENT_RECORD_CODES:
                retry.append(op)
                continue
            report(Outcome(op, False, op.contact_id, code, message, fields))
        unknown = [op for key, op in by_key.items() if key not in done]
        if not complete or unknown:
            logger.warning(
                "Bulk job %s ended %s (%s); %d row(s) without a result will be checked and "
                "written through collections",
                job_id,
                info.get("state"),
                info.get("errorMessage") or "no error message",
                len(unknown),
            )
        unknown_creates = [op for op in unknown if op.is_create]
        retry += [op for op in unknown if not op.is_create]
        if retry or unknown_creates:
            self.fallback.write(retry, report, unknown_creates=unknown_creates)
