"""Bulk API 2.0: query jobs (CSV results paged by locator) and ingest jobs (CSV uploads)."""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.catalog import Catalog, ObjectDef
from salesforce_emulator.exceptions import SalesforceApiError
from salesforce_emulator.models.queries import QueryEngine, matching_rowids, new_locator_id
from salesforce_emulator.models.records import RecordError, RecordWriter, WriteOptions
from salesforce_emulator.soql import CompiledQuery
from salesforce_emulator.values import format_datetime

DEFAULT_MAX_RECORDS = 50_000
RESULT_PAGES_PER_ANSWER = 5
"""Most result URLs one ``resultPages`` answer lists (Salesforce: up to five)."""
TERMINAL_STATES = ("JobComplete", "Failed", "Aborted")


def encode_locator(position: int) -> str:
    """An opaque locator for a result offset, shaped like Salesforce's (base64 text)."""
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int:
    """The offset behind a locator; INVALID_LOCATOR style error when it is not ours."""
    try:
        padded = locator + "=" * (-len(locator) % 4)
        return int(base64.b64decode(padded, validate=True).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise SalesforceApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from exc


def csv_text(rows: list[list[str]]) -> str:
    """CSV with every field quoted the way Salesforce writes results (LF line endings)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerows(rows)
    return buffer.getvalue()


def _now() -> str:
    return format_datetime(dt.datetime.now(dt.UTC).replace(microsecond=0))


@dataclass
class JobFaults:
    """Faults applied to the next Bulk jobs (set through the admin API)."""

    fail_next: str | None = None
    stuck_polls: int = 0
    short_read_rows: int = 0
    polls_to_complete: int = 1


@dataclass
class QueryJob:
    """A Bulk API 2.0 query job."""

    id: str
    operation: str
    query: str
    object: str
    created_by: str
    api_version: str
    compiled: CompiledQuery
    created_date: str = field(default_factory=_now)
    state: str = "UploadComplete"
    error_message: str | None = None
    polls_left: int = 1
    fail_message: str | None = None
    short_read_rows: int = 0
    rowids: list[int] | None = None


@dataclass
class IngestJob:
    """A Bulk API 2.0 ingest job."""

    id: str
    object: ObjectDef
    operation: str
    external_id_field: str | None
    created_by: str
    api_version: str
    created_date: str = field(default_factory=_now)
    state: str = "Open"
    final_state: str | None = None
    csv_chunks: list[str] = field(default_factory=list)
    successes: list[list[str]] = field(default_factory=list)
    failures: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    error_message: str | None = None
    forced_error: RecordError | None = None
    """Set by a ``record_error`` fault: every row of the job fails with it when processed."""


def bulk_error(err: RecordError) -> str:
    """A row's ``sf__Error``: ``CODE:message:fields --``, or ``CODE:message:--`` without fields."""
    fields = ",".join(err.fields)
    return f"{err.status_code}:{err.message}:{fields + ' ' if fields else ''}--"


def _job_not_found(job_id: str) -> SalesforceApiError:
    return SalesforceApiError(404, "NOT_FOUND", f"Job with id {job_id} not found")


@dataclass
class BulkEngine:
    """All Bulk API 2.0 jobs of the org."""

    conn: sqlite3.Connection
    catalog: Catalog
    queries: QueryEngine
    writer: RecordWriter
    faults: JobFaults = field(default_factory=JobFaults)
    result_page_rows: int = DEFAULT_MAX_RECORDS
    """Rows per result page that ``resultPages`` hands out (its ``maxRecords``)."""
    query_jobs: dict[str, QueryJob] = field(default_factory=dict)
    ingest_jobs: dict[str, IngestJob] = field(default_factory=dict)

    # --- query jobs -------------------------------------------------------------------------

    def create_query_job(self, body: dict[str, Any], *, user_id: str, api_version: str) -> QueryJob:
        """``POST jobs/query``: validate the query as Salesforce does and queue the job."""
        operation = body.get("operation", "query")
        if operation not in ("query", "queryAll"):
            raise SalesforceApiError(400, "INVALIDJOB", f"Invalid operation: {operation}")
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise SalesforceApiError(400, "INVALIDJOB", "Query is required")
        compiled = self.queries.compile(soql, include_deleted=operation == "queryAll")
        obj = compiled.object
        if not obj.bulk_supported:
            raise SalesforceApiError(
                400, "INVALIDENTITY", f"Entity '{obj.name}' is not supported by the Bulk API."
            )
        if compiled.selects_compound:
            raise SalesforceApiError(
                400, "API_ERROR", "Selecting compound data not supported in Bulk Query"
            )
        if compiled.is_count or compiled.is_aggregate:
            raise SalesforceApiError(
                400, "API_ERROR", "Aggregate queries are not supported in Bulk Query"
            )
        job = QueryJob(
            id=new_locator_id("750"),
            operation=operation,
            query=soql,
            object=obj.name,
            created_by=user_id,
            api_version=api_version,
            compiled=compiled,
            polls_left=self.faults.polls_to_complete + self.faults.stuck_polls,
            fail_message=self.faults.fail_next,
            short_read_rows=self.faults.short_read_rows,
        )
        self.faults.fail_next = None
        self.faults.stuck_polls = 0
        self.faults.short_read_rows = 0
        self.query_jobs[job.id] = job
        return job

    def query_job(self, job_id: str) -> QueryJob:
        """``GET jobs/query/{id}``: each poll moves a job closer to completion."""
        job = self.query_jobs.get(job_id)
        if job is None:
            raise _job_not_found(job_id)
        if job.state in TERMINAL_STATES:
            return job
        if job.polls_left > 0:
            job.polls_left -= 1
            job.state = "InProgress"
            return job
        if job.fail_message:
            job.state = "Failed"
            job.error_message = job.fail_message
            return job
        # Bulk jobs do not time out the way synchronous queries do (no query_timeout_rows).
        job.rowids = matching_rowids(self.conn, job.compiled)
        job.state = "JobComplete"
        return job

    def completed_query_job(self, job_id: str) -> QueryJob:
        """A query job whose results can be read (404, or 400 INVALIDJOBSTATE before then)."""
        job = self.query_jobs.get(job_id)
        if job is None:
            raise _job_not_found(job_id)
        if job.state != "JobComplete" or job.rowids is None:
            raise SalesforceApiError(
                400,
                "INVALIDJOBSTATE",
                f"Job is in state {job.state}; results are available only in JobComplete",
            )
        return job

    def result_pages(
        self, job_id: str, *, locator: str | None
    ) -> tuple[QueryJob, list[tuple[str, int]], str | None]:
        """``GET jobs/query/{id}/resultPages``: (job, up to five (locator, maxRecords), next).

        Each page starts at its own locator, so pages can be read in any order or at once;
        ``next`` is the locator of the next ``resultPages`` answer, None on the last.
        """
        job = self.completed_query_job(job_id)
        assert job.rowids is not None
        start = decode_locator(locator) if locator else 0
        available = len(job.rowids) - job.short_read_rows
        size = max(1, self.result_page_rows)
        pages: list[tuple[str, int]] = []
        position = start
        while position < available and len(pages) < RESULT_PAGES_PER_ANSWER:
            pages.append((encode_locator(position), size))
            position += size
        if not pages and start == 0:
            pages.append((encode_locator(0), size))  # no rows: one page holding the header
        return job, pages, encode_locator(position) if position < available else None

    def query_results(
        self, job_id: str, *, locator: str | None, max_records: int | None
    ) -> tuple[str, str, int]:
        """``GET jobs/query/{id}/results``: (CSV text, next locator or "null", rows in it)."""
        job = self.completed_query_job(job_id)
        assert job.rowids is not None
        start = decode_locator(locator) if locator else 0
        size = max_records if max_records and max_records > 0 else DEFAULT_MAX_RECORDS
        available = len(job.rowids) - job.short_read_rows
        page_ids = job.rowids[start : min(start + size, available)]
        rows = job.compiled.fetch_page(self.conn, page_ids)
        lines = [job.compiled.csv_header, *(job.compiled.render_csv(row) for row in rows)]
        end = start + len(page_ids)
        next_locator = encode_locator(end) if end < available else "null"
        return csv_text(lines), next_locator, len(rows)

    def abort_query_job(self, job_id: str) -> QueryJob:
        """``PATCH {"state": "Aborted"}``."""
        job = self.query_jobs.get(job_id)
        if job is None:
            raise _job_not_found(job_id)
        if job.state in TERMINAL_STATES:
            raise SalesforceApiError(400, "INVALIDJOBSTATE", f"Job is already in state {job.state}")
        job.state = "Aborted"
        return job

    def delete_query_job(self, job_id: str) -> None:
        """``DELETE jobs/query/{id}``."""
        if self.query_jobs.pop(job_id, None) is None:
            raise _job_not_found(job_id)

    # --- ingest jobs ------------------------------------------------------------------------

    def create_ingest_job(
        self, body: dict[str, Any], *, user_id: str, api_version: str
    ) -> IngestJob:
        """``POST jobs/ingest``."""
        obj = self.catalog.get(str(body.get("object", "")))
        if obj is None:
            raise SalesforceApiError(
                400, "INVALIDJOB", f"Unable to find object: {body.get('object')}"
            )
        operation = body.get("operation")
        if operation not in ("insert", "update", "upsert", "delete", "hardDelete"):
            raise SalesforceApiError(400, "INVALIDJOB", f"Invalid operation: {operation}")
        external = body.get("externalIdFieldName")
        if operation == "upsert":
            ext_field = obj.field(str(external or ""))
            if ext_field is None or not (ext_field.external_id or ext_field.name == "Id"):
                raise SalesforceApiError(
                    400,
                    "INVALIDJOB",
                    f"InvalidJob : Field name provided, {external} is not an External ID or "
                    f"indexed field for {obj.name}",
                )
            external = ext_field.name
        if body.get("contentType", "CSV") != "CSV":
            raise SalesforceApiError(400, "INVALIDJOB", "Only CSV content is supported")
        job = IngestJob(new_locator_id("750"), obj, operation, external, user_id, api_version)
        self.ingest_jobs[job.id] = job
        return job

    def ingest_job(self, job_id: str) -> IngestJob:
        """``GET jobs/ingest/{id}``."""
        job = self.ingest_jobs.get(job_id)
        if job is None:
            raise _job_not_found(job_id)
        return job

    def upload(self, job_id: str, text: str) -> None:
        """``PUT jobs/ingest/{id}/batches``."""
        job = self.ingest_job(job_id)
        if job.state != "Open":
            raise SalesforceApiError(
                400, "INVALIDJOBSTATE", f"Job is in state {job.state}; upload requires Open"
            )
        job.csv_chunks.append(text)

    def set_ingest_state(
        self, job_id: str, state: str, write: Callable[[IngestJob], None]
    ) -> IngestJob:
        """``PATCH {"state": "UploadComplete" | "Aborted"}``; UploadComplete processes the rows."""
        job = self.ingest_job(job_id)
        if state == "Aborted":
            if job.state in TERMINAL_STATES:
                raise SalesforceApiError(
                    400, "INVALIDJOBSTATE", f"Job is already in state {job.state}"
                )
            job.state = "Aborted"
            return job
        if state != "UploadComplete" or job.state != "Open":
            raise SalesforceApiError(
                400, "INVALIDJOBSTATE", f"Cannot change state from {job.state} to {state}"
            )
        job.state = "UploadComplete"
        write(job)
        # Salesforce answers the PATCH with UploadComplete and processes later: report the
        # outcome only to later polls (the rows are written now, which no client can tell).
        job.final_state, job.state = job.state, "UploadComplete"
        return job

    def poll_ingest_job(self, job_id: str) -> IngestJob:
        """``GET jobs/ingest/{id}``: UploadComplete, then InProgress, then the outcome."""
        job = self.ingest_job(job_id)
        if job.final_state is not None:
            if job.state == "UploadComplete":
                job.state = "InProgress"
            elif job.state == "InProgress":
                job.state, job.final_state = job.final_state, None
        return job

    def process(
        self, job: IngestJob, options: WriteOptions, savepoint: Callable[[Callable[[], None]], None]
    ) -> None:
        """Apply every uploaded row; each row succeeds or fails on its own."""
        rows: list[list[str]] = []
        for chunk in job.csv_chunks:
            parsed = list(csv.reader(io.StringIO(chunk, newline="")))
            if not parsed:
                continue
            if not job.header:
                job.header = parsed[0]
            elif parsed[0] != job.header:
                job.state = "Failed"
                job.error_message = "InvalidBatch : All uploads must have the same header"
                return
            rows.extend(parsed[1:])
        unknown = [h for h in job.header if job.object.field(h) is None and "." not in h]
        if unknown:
            job.state = "Failed"
            job.error_message = f"InvalidBatch : Field name not found : {unknown[0]}"
            return
        for row in rows:
            values = dict(zip(job.header, row, strict=False))
            try:
                if job.forced_error is not None:
                    raise dataclasses.replace(job.forced_error)
                record_id, created = self._apply(job, values, options, savepoint)
            except RecordError as err:
                record_id = values.get("Id", "") or ""
                job.failures.append([record_id, bulk_error(err), *row])
            else:
                job.successes.append([record_id, "true" if created else "false", *row])
        order = lambda r: hashlib.sha256("|".join(r).encode()).hexdigest()  # noqa: E731
        job.successes.sort(key=order)
        job.failures.sort(key=order)
        job.state = "JobComplete"

    def _apply(
        self,
        job: IngestJob,
        csv_values: dict[str, str],
        options: WriteOptions,
        savepoint: Callable[[Callable[[], None]], None],
    ) -> tuple[str, bool]:
        values: dict[str, Any] = {}
        for name, text in csv_values.items():
            if text == "#N/A":
                values[name] = None
            elif text != "":
                values[name] = text
        obj = job.object
        result: list[tuple[str, bool]] = []

        def run() -> None:
            if job.operation == "insert":
                result.append((self.writer.create(obj, values, options), True))
            elif job.operation in ("delete", "hardDelete"):
                record_id = self.writer.delete(obj, str(values.get("Id", "")))
                if job.operation == "hardDelete":
                    self.writer.purge(obj, [record_id])
                result.append((record_id, False))
            elif job.operation == "update":
                record_id = str(values.pop("Id", "") or values.pop("id", ""))
                self.writer.update(obj, record_id, values, options)
                result.append((self.writer.get_raw(obj, record_id)["Id"], False))  # type: ignore[index]
            else:
                result.append(self._upsert(job, values, options))

        savepoint(run)
        return result[0]

    def _upsert(
        self, job: IngestJob, values: dict[str, Any], options: WriteOptions
    ) -> tuple[str, bool]:
        obj = job.object
        key = job.external_id_field or "Id"
        value = values.get(key)
        if value in (None, ""):
            return self.writer.create(obj, values, options), True
        matches = self.writer.ids_with_value(obj, key, value, include_deleted=True)
        if len(matches) > 1:
            raise RecordError(
                "DUPLICATE_EXTERNAL_ID",
                f"{key}: more than one record found for external id field: {matches}",
                [key],
            )
        if matches:
            update = {k: v for k, v in values.items() if k != key or key != "Id"}
            update.pop("Id", None)
            self.writer.update(obj, matches[0], update, options)
            return matches[0], False
        return self.writer.create(obj, values, options), True

    def ingest_results(self, job_id: str, kind: str) -> str:
        """``successfulResults/``, ``failedResults/`` or ``unprocessedrecords/`` as CSV."""
        job = self.ingest_job(job_id)
        if kind == "unprocessedrecords":
            parsed = [list(csv.reader(io.StringIO(chunk, newline=""))) for chunk in job.csv_chunks]
            header = job.header or next((p[0] for p in parsed if p), [])
            rows = [] if job.state == "JobComplete" else [r for p in parsed for r in p[1:]]
            return csv_text([header, *rows]) if header else ""
        if job.state != "JobComplete":
            raise SalesforceApiError(
                400, "INVALIDJOBSTATE", f"Job is in state {job.state}; results require JobComplete"
            )
        if kind == "successfulResults":
            return csv_text([["sf__Id", "sf__Created", *job.header], *job.successes])
        return csv_text([["sf__Id", "sf__Error", *job.header], *job.failures])

    def delete_ingest_job(self, job_id: str) -> None:
        """``DELETE jobs/ingest/{id}``."""
        if self.ingest_jobs.pop(job_id, None) is None:
            raise _job_not_found(job_id)
