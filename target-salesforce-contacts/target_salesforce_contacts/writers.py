"""Writing Contacts exactly once: sObject collections, external-ID upserts, Bulk ingest jobs.

No create is ever sent blind a second time:

* with ``external_id_field``, creates are upserts keyed on a unique field holding the email
  key (``PATCH composite/sobjects/Contact/<field>``): a resend finds the Contact the first
  send created, so every failure may simply be retried;
* otherwise creates go through Bulk API 2.0 ingest jobs, journaled (``journal.py``) before
  their upload: a job writes nothing until it is closed, so a failed upload is aborted and
  redone; a close whose answer was lost is resolved by reading the job's state; once a job
  is final, its results (or, for rows without one, a lookup by email, which nothing can
  overtake any more) say exactly what was created.

Updates carry the Contact Id and are idempotent: they are retried as they are. A transient
failure that outlives the retries is never dead-lettered: the writes stay pending and the
run stops (:class:`PendingWritesError`) without passing a STATE on past them.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from salesforce_common import NotFoundError, SalesforceError, TransientError
from salesforce_common.bulk import JOB_COMPLETE, TERMINAL_STATES, BulkJobTimeoutError

from target_salesforce_contacts.api import COLLECTION_LIMIT, CONTACT, ContactsApi
from target_salesforce_contacts.errors import PendingWritesError
from target_salesforce_contacts.journal import Journal, Phase
from target_salesforce_contacts.mapping import EMAIL
from target_salesforce_contacts.planning import WriteOp
from target_salesforce_contacts.values import email_key

logger = logging.getLogger("target_salesforce_contacts")

TRANSIENT_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE"})
"""Per-record errors that are worth retrying (the record was not written)."""
UNIQUE_KEY_CODES = frozenset({"DUPLICATE_VALUE", "DUPLICATE_EXTERNAL_ID"})
"""Per-record errors of an upsert that lost a race on its unique key."""
RESULT_READS = 3
"""Reads of a final job's results while they hold fewer rows than the job's counts."""

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
    """Writes through sObject collections (200 records per call, ``allOrNone: false``).

    Updates go through ``PATCH composite/sobjects``; creates, only when an external-ID field
    is configured, through the upsert ``PATCH composite/sobjects/Contact/<field>``. Both are
    safe to resend, so every transient failure is retried as it is.
    """

    def __init__(
        self,
        api: ContactsApi,
        *,
        max_retries: int,
        backoff_base: float,
        external_id: str | None = None,
        sobject: str = CONTACT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Configure retries.

        Args:
            api: The Salesforce calls.
            max_retries: Retry rounds after the first attempt.
            backoff_base: First wait in seconds (doubles each round).
            external_id: The unique external-ID field creates are upserted on, if any.
            sobject: The object updated (Contact; Lead for ``lead_policy: update_lead``).
            sleep: Waits (replaceable in tests).
        """
        self.api = api
        self.sobject = sobject
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.external_id = external_id
        self.sleep = sleep

    def wait(self, attempt: int) -> None:
        """Back off before retry round ``attempt`` (1, 2, ...).

        Args:
            attempt: The retry round.
        """
        self.sleep(min(self.backoff_base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))

    def write(self, ops: Sequence[WriteOp], report: Report) -> None:
        """Write ``ops``; report every outcome; retry transient failures.

        Args:
            ops: Updates, and creates when an external-ID field is configured.
            report: Receives each outcome.

        Raises:
            PendingWritesError: Writes still failing transiently after every retry (they
                are neither written nor dead-lettered).
            ValueError: A create without an external-ID field (it could not be resent).
        """
        if self.external_id is None and any(op.is_create for op in ops):
            raise ValueError("creates go through collections only as external-ID upserts")
        pending = list(ops)
        resent: set[int] = set()
        attempt = 0
        while pending:
            retry: list[WriteOp] = []
            cause = Cause()
            creates = [op for op in pending if op.is_create]
            updates = [op for op in pending if not op.is_create]
            chunks = [
                *((chunk, True) for chunk in chunked(creates, COLLECTION_LIMIT)),
                *((chunk, False) for chunk in chunked(updates, COLLECTION_LIMIT)),
            ]
            for (chunk, _), answer in zip(chunks, self._send_all(chunks), strict=True):
                if isinstance(answer, TransientError):
                    cause.call(answer)
                    retry.extend(chunk)
                    continue
                retry += self._settle(chunk, answer, report, cause, resent)
            if not retry:
                return
            attempt += 1
            if attempt > self.max_retries:
                raise PendingWritesError(pending_message(len(retry), cause, self.max_retries))
            logger.warning(
                "%d Contact write(s) failed transiently (%s); retry %d of %d",
                len(retry),
                cause,
                attempt,
                self.max_retries,
            )
            self.wait(attempt)
            resent.update(id(op) for op in retry)
            pending = retry

    def _send(self, chunk: Sequence[WriteOp], creates: bool) -> list[dict[str, Any]]:
        """One collections call: the external-ID upsert of creates, or an update."""
        if creates:
            return self.api.upsert(str(self.external_id), [op.payload for op in chunk])
        return self.api.update([(str(op.contact_id), op.payload) for op in chunk], self.sobject)

    def _send_all(
        self, chunks: Sequence[tuple[Sequence[WriteOp], bool]]
    ) -> Iterator[list[dict[str, Any]] | TransientError]:
        """Each chunk's results (or its transient failure), in order, ``api.parallel`` at once.

        Only the calls run side by side; results are settled by the caller, in chunk order,
        on its own thread. Both kinds of call are safe to resend, so calls still in flight
        when another fails for good (the run stops) are simply sent again by the rerun.
        """

        def send(item: tuple[Sequence[WriteOp], bool]) -> list[dict[str, Any]] | TransientError:
            try:
                return self._send(*item)
            except TransientError as exc:
                return exc

        workers = min(self.api.parallel, len(chunks))
        if workers <= 1:
            yield from map(send, chunks)
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(send, item) for item in chunks]
            try:
                for future in futures:
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()

    def _transient(self, outcome: Outcome) -> bool:
        if outcome.code in TRANSIENT_RECORD_CODES:
            return True
        # Two upserts of one new key racing (a resend overtaking the first send): the loser
        # fails on the unique key and, sent again, updates the Contact the winner created.
        return (
            outcome.op.is_create
            and self.external_id is not None
            and outcome.code in UNIQUE_KEY_CODES
            and (not outcome.fields or self.external_id in outcome.fields)
        )

    def _settle(
        self,
        chunk: Sequence[WriteOp],
        results: Sequence[Mapping[str, Any]],
        report: Report,
        cause: Cause,
        resent: set[int],
    ) -> list[WriteOp]:
        """Report each result; return the writes to send again (transient or no result)."""
        retry: list[WriteOp] = []
        for op, result in zip(chunk, results, strict=False):
            outcome = _result_outcome(op, result)
            if not outcome.success and self._transient(outcome):
                cause.record(outcome.code or "transient")
                retry.append(op)
                continue
            if outcome.success and op.is_create and result.get("created") is False:
                # A resent upsert found the Contact its first send had created.
                outcome.recovered = id(op) in resent
            report(outcome)
        missing = list(chunk[len(results) :])
        if missing:
            cause.record("no result")
        return retry + missing


@dataclass
class Cause:
    """Why writes of a round failed: the last call error and per-record codes seen."""

    error: SalesforceError | None = None
    codes: Counter[str] = field(default_factory=Counter)

    def call(self, error: SalesforceError) -> None:
        """Note a failed call.

        Args:
            error: Its error.
        """
        self.error = error

    def record(self, code: str) -> None:
        """Note a record that failed transiently.

        Args:
            code: Its error code.
        """
        self.codes[code] += 1

    def __str__(self) -> str:
        """``UNABLE_TO_LOCK_ROW x300; <call error>``."""
        parts = [f"{code} x{n}" for code, n in self.codes.most_common()]
        if self.error is not None:
            parts.append(str(self.error))
        return "; ".join(parts) or "transient failure"


def pending_message(count: int, cause: Cause | str, retries: int) -> str:
    """The one line of a run stopped by writes that kept failing transiently.

    Args:
        count: Records left unwritten.
        cause: Why.
        retries: Retries made.

    Returns:
        The message.
    """
    return (
        f"{count} record(s) pending, still failing after {retries} retries ({cause}): not "
        "written and not dead-lettered, and no STATE was passed on past them; a rerun "
        "resumes"
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
    """Writes a batch through Bulk API 2.0 ingest jobs, journaled so no create repeats.

    ``insert`` when the batch only creates, ``update`` when it only updates, otherwise one
    ``upsert`` keyed on ``Id`` (rows without an Id are created). Each job is journaled
    before its upload. A job is inert until closed: an upload that failed is aborted and
    the rows go into a new job. A close whose answer was lost is resolved by the job's
    state. Once a job is final, results (any order) are joined back by ``Id`` (updates) or
    email (creates, unique within a batch); rows left without a result are looked up by
    email (creates: nothing can commit them any more) or sent again (updates).
    """

    def __init__(
        self,
        api: ContactsApi,
        journal: Journal,
        *,
        max_retries: int,
        backoff_base: float,
        poll_initial: float = 0.2,
        poll_max: float = 10.0,
        timeout: float = 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Configure retries and polling.

        Args:
            api: The Salesforce calls.
            journal: Where unsettled jobs are recorded.
            max_retries: Retry rounds (new jobs, repeated closes) after the first attempt.
            backoff_base: First wait before a retry round, in seconds (doubles each round).
            poll_initial: First wait before polling the job, in seconds.
            poll_max: Longest wait between polls.
            timeout: Stop waiting for a job after this many seconds.
            sleep: Waits (replaceable in tests).
        """
        self.api = api
        self.journal = journal
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.timeout = timeout
        self.sleep = sleep
        self.ingest = dataclasses.replace(
            api.ingest,
            poll_initial=poll_initial,
            poll_max=poll_max,
            max_wait=timeout,
            sleep=sleep,
        )

    def _backoff(self, attempt: int) -> None:
        self.sleep(min(self.backoff_base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))

    # -- jobs left by an earlier run -------------------------------------------------------

    def settle_journal(self) -> int:
        """Settle every job an earlier run left unsettled, before any lookup of this run.

        A job never closed is aborted (it wrote nothing and now never will); a closed job
        is waited for. Afterwards no journaled job can create a Contact any more, so this
        run's lookups see every Contact those jobs created.

        Returns:
            How many jobs were settled.

        Raises:
            PendingWritesError: A job is still running after ``timeout`` (the journal keeps
                it; the next run waits again).
        """
        entries = self.journal.entries()
        for entry in entries:
            state = self._finalise(entry.job_id, may_be_closed=entry.phase is Phase.CLOSING)
            logger.info(
                "Bulk job %s left by run %s (%s, %d row(s), %d create(s)) is %s; its Contacts "
                "are found by the lookups",
                entry.job_id,
                entry.run_id,
                entry.phase.value,
                entry.rows,
                entry.creates,
                state,
            )
            self.journal.settle(entry.job_id)
        return len(entries)

    def _finalise(self, job_id: str, *, may_be_closed: bool) -> str:
        """Bring a job to a final state (abort it while Open, else wait); return the state."""
        try:
            info = self.ingest.info(job_id)
        except NotFoundError:
            return "gone (deleted)"
        if info.get("state") == "Open":
            info = self._abort(job_id)
            if info.get("state") == "Open":
                if not may_be_closed:
                    return "Open (never closed, so it cannot write)"
                raise PendingWritesError(
                    f"Bulk job {job_id} left by an earlier run is Open and could not be "
                    f"aborted; it stays journaled in {self.journal.path}: rerun to settle it"
                )
        if info.get("state") not in TERMINAL_STATES:
            info = self._wait(job_id, info)
        return str(info.get("state"))

    # -- writing ---------------------------------------------------------------------------

    def write(self, ops: Sequence[WriteOp], report: Report) -> None:
        """Write ``ops`` through ingest jobs; report every outcome.

        Args:
            ops: Creates and updates.
            report: Receives each outcome.

        Raises:
            PendingWritesError: Rows still failing transiently after every retry.
        """
        pending = list(ops)
        attempt = 0
        while pending:
            cause = Cause()
            pending = self._run_job(pending, report, cause)
            if not pending:
                return
            attempt += 1
            if attempt > self.max_retries:
                raise PendingWritesError(pending_message(len(pending), cause, self.max_retries))
            logger.warning(
                "%d row(s) of a Bulk job not written (%s); new job, retry %d of %d",
                len(pending),
                cause,
                attempt,
                self.max_retries,
            )
            self._backoff(attempt)

    def _run_job(self, ops: Sequence[WriteOp], report: Report, cause: Cause) -> list[WriteOp]:
        """One job: open, journal, upload, close, wait, join; return the rows to redo."""
        creates = sum(op.is_create for op in ops)
        operation = "upsert" if 0 < creates < len(ops) else "insert" if creates else "update"
        try:
            job = self.ingest.create(
                CONTACT, operation, external_id_field="Id" if operation == "upsert" else None
            )
        except TransientError as exc:
            cause.call(exc)
            return list(ops)
        job_id = str(job["id"])
        self.journal.open_job(job_id, operation, rows=len(ops), creates=creates)
        try:
            self.ingest.upload(job_id, self.csv_text(ops).encode("utf-8"))
        except TransientError as exc:
            # Never closed, so nothing of it can be written: abort it and redo the rows.
            logger.warning("Bulk upload to job %s failed (%s); aborting the job", job_id, exc)
            cause.call(exc)
            if self._abort(job_id).get("state") in TERMINAL_STATES:
                self.journal.settle(job_id)
            return list(ops)
        self.journal.closing(job_id)
        info = self._close(job_id, cause)
        info = self._wait(job_id, info)
        redo = self._join(job_id, info, ops, report, cause)
        self.journal.settle(job_id)
        return redo

    @staticmethod
    def csv_text(ops: Sequence[WriteOp]) -> str:
        """The CSV upload: an ``Id`` column for updates, then every field written.

        Args:
            ops: The writes.

        Returns:
            CSV text (LF line endings, quoted where needed).
        """
        fields = sorted({name for op in ops for name in op.payload})
        with_id = any(not op.is_create for op in ops)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow((["Id"] if with_id else []) + fields)
        writer.writerows(
            ([op.contact_id or ""] if with_id else [])
            + [_csv_value(op.payload.get(name)) for name in fields]
            for op in ops
        )
        return buffer.getvalue()

    def _abort(self, job_id: str) -> dict[str, Any]:
        """Abort a job that was Open; return its state as the server last reported it."""
        try:
            return self.ingest.set_state(job_id, "Aborted")
        except SalesforceError as exc:
            if not _retriable_state_change(exc):
                raise
            info = self.ingest.info(job_id)
            if info.get("state") != "Open":
                return info
            logger.warning("Could not abort Bulk job %s (%s); it stays Open, unused", job_id, exc)
            return info

    def _close(self, job_id: str, cause: Cause) -> dict[str, Any]:
        """Mark the upload complete; after a failed or lost answer, ask the job its state.

        A close whose answer was lost may have been applied: the job's own state tells.
        ``Open`` means it was not (yet), and the close is sent again with backoff: the job
        holds the same rows, and it processes them once however many closes reach it.
        """
        for attempt in range(self.max_retries + 1):
            if attempt:
                self._backoff(attempt)
            try:
                return self.ingest.set_state(job_id, "UploadComplete")
            except SalesforceError as exc:
                if not _retriable_state_change(exc):
                    raise
                cause.call(exc)
                info = self.ingest.info(job_id)
                if info.get("state") != "Open":
                    return info
                logger.warning("Closing Bulk job %s failed (%s); trying again", job_id, exc)
        raise PendingWritesError(
            f"Bulk job {job_id} could not be closed after {self.max_retries} retries "
            f"({cause}); its rows are pending (not dead-lettered, no STATE passed on past "
            f"them) and the job is journaled in {self.journal.path}: a rerun settles it "
            "first, then resumes"
        )

    def _wait(self, job_id: str, info: dict[str, Any]) -> dict[str, Any]:
        """Poll with growing waits until the job is final; return its detailed info."""
        try:
            info = self.ingest.wait(job_id, info)
        except BulkJobTimeoutError:
            raise PendingWritesError(
                f"Bulk job {job_id} is still {self.ingest.info(job_id).get('state')} after "
                f"{self.timeout:.0f}s; its rows are pending (journaled in {self.journal.path}): "
                "a rerun waits for the job first, then resumes"
            ) from None
        if "numberRecordsFailed" not in info:
            info = self.ingest.info(job_id)
        return info

    def _read_results(
        self, job_id: str, info: Mapping[str, Any]
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """Successful and failed rows; read again while fewer than the job's counts."""
        complete = info.get("state") == JOB_COMPLETE
        processed = int(info.get("numberRecordsProcessed") or 0)
        failed = int(info.get("numberRecordsFailed") or 0)
        successes: list[dict[str, str]] = []
        failures: list[dict[str, str]] = []
        for attempt in range(1, RESULT_READS + 1):
            try:
                successes = self.ingest.results(job_id, "successfulResults")
                failures = (
                    self.ingest.results(job_id, "failedResults") if failed or not complete else []
                )
            except SalesforceError as exc:
                if complete and not isinstance(exc, TransientError):
                    raise
                logger.warning(
                    "Bulk job %s (%s): results not readable (%s)", job_id, info.get("state"), exc
                )
                successes, failures = [], []
            if not complete or (len(successes) >= processed - failed and len(failures) >= failed):
                break
            logger.warning(
                "Bulk job %s: results cut short (%d of %d successes, %d of %d failures); "
                "reading them again (%d of %d)",
                job_id,
                len(successes),
                processed - failed,
                len(failures),
                failed,
                attempt,
                RESULT_READS,
            )
        return successes, failures

    def _join(
        self,
        job_id: str,
        info: Mapping[str, Any],
        ops: Sequence[WriteOp],
        report: Report,
        cause: Cause,
    ) -> list[WriteOp]:
        """Report the final job's rows; return those to write again."""
        by_key = {_op_key(op): op for op in ops}
        done: set[tuple[str, str]] = set()
        redo: list[WriteOp] = []
        successes, failures = self._read_results(job_id, info)
        for row in successes:
            key = _row_key(row.get("Id"), row.get(EMAIL))
            op = by_key.get(key)
            if op is None or key in done or not row.get("sf__Id"):
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
                cause.record(code)
                redo.append(op)
                continue
            report(Outcome(op, False, op.contact_id, code, message, fields))
        unknown = [op for key, op in by_key.items() if key not in done]
        if info.get("state") != JOB_COMPLETE or unknown:
            logger.warning(
                "Bulk job %s ended %s (%s); %d row(s) without a result are checked by email "
                "(creates) or sent again (updates)",
                job_id,
                info.get("state"),
                info.get("errorMessage") or "no error message",
                len(unknown),
            )
        if unknown:
            cause.record(f"job {info.get('state')}, no result")
        redo += [op for op in unknown if not op.is_create]
        redo += self._look_up([op for op in unknown if op.is_create], report)
        return redo

    def _look_up(self, creates: Sequence[WriteOp], report: Report) -> list[WriteOp]:
        """Creates of a final job without a result: report those that exist, return others.

        Only called once the job is final, so no create of it can commit after the lookup.
        """
        if not creates:
            return []
        found = self.api.find_by_email([str(op.item.email) for op in creates])
        missing: list[WriteOp] = []
        for op in creates:
            contacts = found.get(email_key(str(op.item.email)))
            if contacts:
                report(Outcome(op, True, contact_id=str(contacts[0]["Id"]), recovered=True))
            else:
                missing.append(op)
        logger.info(
            "Checked %d create(s) of a final Bulk job without a result: %d exist, %d to send again",
            len(creates),
            len(creates) - len(missing),
            len(missing),
        )
        return missing


def _retriable_state_change(error: SalesforceError) -> bool:
    """A failed close or abort whose effect the job's state must tell (lost or refused)."""
    return isinstance(error, TransientError) or (error.error_code or "") == "INVALIDJOBSTATE"
