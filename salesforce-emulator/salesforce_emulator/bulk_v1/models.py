"""Bulk API 1.0 query jobs and batches: state and rules only (no HTTP).

A job (``750…``) names an object and an operation (``query`` or ``queryAll``); each batch
(``751…``) added to it holds one SOQL statement. A batch is ``Queued`` when added and runs when
it is next looked at (batch info, batch list or results), after ``polls_to_complete`` looks
spent ``InProgress``. With PK chunking (``Sforce-Enable-PKChunking`` on the job) the added batch
ends ``NotProcessed`` and one batch per range of ``chunkSize`` record Ids (deleted rows
included, as Salesforce counts them) is added to the job, each reading the original query's rows
within its range.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import weakref
from dataclasses import dataclass, field

from salesforce_emulator.catalog import ObjectDef
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.models.bulk import JobFaults
from salesforce_emulator.models.org import Org
from salesforce_emulator.models.queries import QueryEngine, matching_rowids, new_locator_id
from salesforce_emulator.schema_sql import quote
from salesforce_emulator.soql import CompiledQuery

OPERATIONS = ("query", "queryAll")
CONTENT_TYPES = ("CSV", "JSON")
CONCURRENCY_MODES = ("Parallel", "Serial")
DEFAULT_CHUNK_SIZE = 100_000
MAX_CHUNK_SIZE = 250_000
ID_PREFIX_LENGTH = 15
PENDING = ("Queued", "InProgress")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class BulkV1Error(SalesforceApiError):
    """A Bulk API 1.0 error: answered as ``<error><exceptionCode>…`` (status 400 by default)."""

    def __init__(self, exception_code: str, message: str, status: int = 400) -> None:
        """An error with Bulk 1.0's ``exceptionCode`` (``InvalidJob``, ``InvalidBatch``...)."""
        super().__init__(status, exception_code, message)


@dataclass(frozen=True)
class PkChunking:
    """The settings of an ``Sforce-Enable-PKChunking`` header."""

    chunk_size: int = DEFAULT_CHUNK_SIZE
    start_row: str | None = None

    @classmethod
    def parse(cls, header: str | None) -> PkChunking | None:
        """``true``, ``chunkSize=N``, ``true; chunkSize=N; startRow=ID``...; None when off."""
        if header is None or not header.strip() or header.strip().lower() == "false":
            return None
        chunk_size, start_row = DEFAULT_CHUNK_SIZE, None
        for part in (p.strip() for p in header.split(";")):
            name, _, value = part.partition("=")
            key = name.strip().lower()
            if key == "true" and not value:
                continue
            if key == "chunksize" and value.strip().isdigit():
                chunk_size = int(value)
            elif key == "startrow" and value.strip():
                start_row = value.strip()
            elif key != "parent":
                raise BulkV1Error("InvalidJob", f"Invalid PK chunking header value: {part}")
        if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
            raise BulkV1Error(
                "InvalidJob", f"chunkSize must be between 1 and {MAX_CHUNK_SIZE}: {chunk_size}"
            )
        return cls(chunk_size, start_row)


@dataclass
class BatchV1:
    """One batch: a SOQL statement, then its state and (once completed) its result rows."""

    id: str
    job_id: str
    soql: str
    compiled: CompiledQuery | None
    failure: str | None
    """Why the batch fails when it runs (a query the org refuses), else None."""
    polls_left: int
    chunk_rows: list[int] | None = None
    """For a PK chunk batch: the query's matching rowids within its Id range (in query order),
    taken when the original batch was split; None for a batch the client added."""
    created_date: str = field(default_factory=_now)
    state: str = "Queued"
    state_message: str | None = None
    rowids: list[int] | None = None
    result_id: str | None = None


@dataclass
class JobV1:
    """One Bulk 1.0 job and its batches, in the order they were added."""

    id: str
    operation: str
    object: ObjectDef
    content_type: str
    concurrency_mode: str
    created_by: str
    api_version: str
    pk_chunking: PkChunking | None
    created_date: str = field(default_factory=_now)
    state: str = "Open"
    batches: list[BatchV1] = field(default_factory=list)

    def count(self, state: str) -> int:
        """Batches in ``state``."""
        return sum(1 for batch in self.batches if batch.state == state)

    @property
    def records_processed(self) -> int:
        """Rows read by the job's completed batches."""
        return sum(len(batch.rowids or []) for batch in self.batches)


def _job_spec(body: dict[str, object], field_name: str, default: str | None = None) -> str:
    value = body.get(field_name, default)
    if not isinstance(value, str) or not value:
        raise BulkV1Error("InvalidJob", f"Field {field_name} is required")
    return value


@dataclass
class BulkV1Engine:
    """Every Bulk API 1.0 job of one org."""

    org: Org
    polls_to_complete: int = 0
    """Looks a batch spends ``InProgress`` before it runs (0: it completes when first looked at;
    singer-io's tap-salesforce sleeps 20 s, or 60 s with PK chunking, per extra look)."""
    jobs: dict[str, JobV1] = field(default_factory=dict)

    @property
    def conn(self) -> sqlite3.Connection:
        """The org's database."""
        return self.org.conn

    @property
    def queries(self) -> QueryEngine:
        """The org's SOQL compiler (field-level security applies)."""
        return self.org.queries

    @property
    def faults(self) -> JobFaults:
        """The org's Bulk faults: ``fail_next`` fails the next batch that runs, with its text."""
        return self.org.bulk.faults

    # --- jobs -----------------------------------------------------------------------------------

    def create_job(
        self,
        body: dict[str, object],
        *,
        user_id: str,
        api_version: str,
        pk_header: str | None,
    ) -> JobV1:
        """``POST job``: a query job on an object that supports the Bulk API."""
        operation = _job_spec(body, "operation")
        if operation not in OPERATIONS:
            raise BulkV1Error(
                "InvalidJob", f"Operation {operation} is not emulated (query and queryAll are)"
            )
        name = _job_spec(body, "object")
        obj = self.org.catalog.get(name)
        if obj is None:
            raise BulkV1Error("InvalidJob", f"Unable to find object: {name}")
        if not obj.bulk_supported:
            raise BulkV1Error(
                "InvalidJob", f"Entity '{obj.name}' is not supported by the Bulk API."
            )
        content_type = _job_spec(body, "contentType", "XML")
        if content_type not in CONTENT_TYPES:
            raise BulkV1Error(
                "InvalidJob", f"contentType {content_type} is not emulated (CSV and JSON are)"
            )
        mode = body.get("concurrencyMode", "Parallel")
        # JSON may name the enum by its ordinal: simple-salesforce sends 0 (Parallel) or 1.
        if isinstance(mode, int) and not isinstance(mode, bool) and 0 <= mode < 2:
            mode = CONCURRENCY_MODES[mode]
        if mode not in CONCURRENCY_MODES:
            raise BulkV1Error("InvalidJob", f"Invalid concurrencyMode: {mode}")
        job = JobV1(
            id=new_locator_id("750"),
            operation=operation,
            object=obj,
            content_type=content_type,
            concurrency_mode=str(mode),
            created_by=user_id,
            api_version=api_version,
            pk_chunking=PkChunking.parse(pk_header),
        )
        self.jobs[job.id] = job
        return job

    def job(self, job_id: str) -> JobV1:
        """The job, or ``InvalidJob``."""
        job = self.jobs.get(job_id)
        if job is None:
            raise BulkV1Error("InvalidJob", f"Invalid job id: {job_id}")
        return job

    def set_state(self, job_id: str, state: str) -> JobV1:
        """``POST job/{id}`` with state ``Closed`` or ``Aborted``; aborting skips queued batches."""
        job = self.job(job_id)
        if state not in ("Closed", "Aborted"):
            raise BulkV1Error("InvalidJobState", f"Invalid state for a job update: {state}")
        if job.state != "Open" and not (job.state == "Closed" and state == "Aborted"):
            raise BulkV1Error("InvalidJobState", f"Job {job_id} is {job.state}")
        job.state = state
        if state == "Aborted":
            for batch in job.batches:
                if batch.state in PENDING:
                    batch.state = "NotProcessed"
        return job

    # --- batches --------------------------------------------------------------------------------

    def add_batch(self, job_id: str, soql: str) -> BatchV1:
        """``POST job/{id}/batch``: queue a SOQL query; one the org refuses fails when run."""
        job = self.job(job_id)
        if job.state != "Open":
            raise BulkV1Error("InvalidJobState", f"Job {job_id} is not open: {job.state}")
        if not soql.strip():
            raise BulkV1Error("InvalidBatch", "Batch is empty: a query batch holds one SOQL query")
        compiled, failure = self._compile(job, soql)
        batch = BatchV1(
            new_locator_id("751"), job.id, soql, compiled, failure, self.polls_to_complete
        )
        job.batches.append(batch)
        return batch

    def _compile(self, job: JobV1, soql: str) -> tuple[CompiledQuery | None, str | None]:
        try:
            compiled = self.queries.compile(soql, include_deleted=job.operation == "queryAll")
        except SalesforceApiError as exc:
            return None, f"InvalidBatch : Failed to process query: {exc.error_code}: {exc.message}"
        if compiled.object.name != job.object.name:
            return None, (
                f"InvalidBatch : The query's object ({compiled.object.name}) is not the job's "
                f"object ({job.object.name})"
            )
        if compiled.selects_compound:
            return None, (
                "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: "
                "Selecting compound data not supported in Bulk Query"
            )
        if compiled.is_count or compiled.is_aggregate:
            return None, (
                "InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED: "
                "Aggregate queries are not supported in Bulk Query"
            )
        return compiled, None

    def batch(self, job_id: str, batch_id: str) -> BatchV1:
        """The batch, advanced one look (it may run now), or ``InvalidBatch``."""
        job = self.job(job_id)
        for batch in job.batches:
            if batch.id == batch_id:
                self._advance(job, batch)
                return batch
        raise BulkV1Error("InvalidBatch", f"Invalid batch id: {batch_id}")

    def batches(self, job_id: str) -> list[BatchV1]:
        """Every batch of the job, each advanced one look (chunk batches added now included)."""
        job = self.job(job_id)
        index = 0
        while index < len(job.batches):
            self._advance(job, job.batches[index])
            index += 1
        return list(job.batches)

    def _advance(self, job: JobV1, batch: BatchV1) -> None:
        if batch.state not in PENDING:
            return
        if batch.polls_left > 0:
            batch.polls_left -= 1
            batch.state = "InProgress"
            return
        if batch.failure is None and self.faults.fail_next:
            batch.failure, self.faults.fail_next = self.faults.fail_next, None
        if batch.failure is not None or batch.compiled is None:
            batch.state, batch.state_message = "Failed", batch.failure
            return
        if job.pk_chunking is not None and batch.chunk_rows is None:
            self._split(job, batch, batch.compiled, job.pk_chunking)
            return
        if batch.chunk_rows is not None:
            batch.rowids = batch.chunk_rows
        else:
            batch.rowids = matching_rowids(self.conn, batch.compiled)
        batch.result_id = new_locator_id("752")
        batch.state = "Completed"

    def _split(
        self, job: JobV1, original: BatchV1, compiled: CompiledQuery, chunking: PkChunking
    ) -> None:
        """PK chunking: the original batch is not processed; one batch per Id range is added.

        Ranges hold ``chunk_size`` stored Ids each (deleted rows count, as on Salesforce), from
        ``start_row`` on; each chunk batch reads the query's matching rows within its range.
        """
        table = quote(job.object.name)
        rows = self.conn.execute(f'SELECT rowid, "Id" FROM {table} ORDER BY "Id" COLLATE BINARY')
        start = (chunking.start_row or "")[:ID_PREFIX_LENGTH]
        stored = [rowid for rowid, record_id in rows if record_id[:ID_PREFIX_LENGTH] >= start]
        chunk_of = {rowid: index // chunking.chunk_size for index, rowid in enumerate(stored)}
        chunks: list[list[int]] = [[] for _ in range(0, len(stored), chunking.chunk_size)]
        for rowid in matching_rowids(self.conn, compiled):
            if rowid in chunk_of:
                chunks[chunk_of[rowid]].append(rowid)
        original.state = "NotProcessed"
        for chunk in chunks:
            job.batches.append(
                BatchV1(
                    new_locator_id("751"),
                    job.id,
                    original.soql,
                    compiled,
                    None,
                    self.polls_to_complete,
                    chunk_rows=chunk,
                )
            )

    # --- results --------------------------------------------------------------------------------

    def result_ids(self, job_id: str, batch_id: str) -> list[str]:
        """``GET …/batch/{id}/result``: the ids of a completed batch's result files (one here)."""
        batch = self.batch(job_id, batch_id)
        if batch.state != "Completed" or batch.result_id is None:
            raise BulkV1Error("InvalidBatch", f"Batch not completed: {batch_id} is {batch.state}")
        return [batch.result_id]

    def result(self, job_id: str, batch_id: str, result_id: str) -> tuple[JobV1, BatchV1]:
        """The job and completed batch a result id belongs to (``InvalidBatch`` otherwise)."""
        if result_id not in self.result_ids(job_id, batch_id):
            raise BulkV1Error("InvalidBatch", f"Invalid result id: {result_id}")
        return self.job(job_id), self.batch(job_id, batch_id)


_ENGINES: weakref.WeakKeyDictionary[Org, BulkV1Engine] = weakref.WeakKeyDictionary()


def engine_for(org: Org) -> BulkV1Engine:
    """The org's Bulk 1.0 engine (created on first use; Bulk 2.0's ``fail_next`` fault applies)."""
    engine = _ENGINES.get(org)
    if engine is None:
        engine = _ENGINES[org] = BulkV1Engine(org)
    return engine
