"""Reading a stream with Bulk API 2.0 query jobs, resumable from the stream state.

Bookmarks and resume
--------------------
Bulk API results are not sorted by the replication key (``ORDER BY`` would defeat server-side
chunking), so the bookmark cannot follow the rows. Instead the job's query is bounded at its
creation, ``key >= since AND key < until`` with ``until`` the time the stream started, and:

* while the job is read, the stream state keeps the bookmark where it was and carries
  ``bulk_job: {id, locator, rows, until}`` (plus ``part_ids`` when the fields were split
  across several jobs); after each result page a STATE message records the next page's
  locator;
* once every page has been read (and the row count checked against the job's
  ``numberRecordsProcessed``) the jobs are deleted, ``bulk_job`` is dropped and the bookmark
  becomes ``until``.

A run that dies mid-download is resumed by the next run from the next page of the same job
(rows of the page in progress when it died are emitted again: targets upsert on ``Id``). If
the job is gone (404, e.g. deleted or expired after seven days), the stream re-queries from
its bookmark, which never passed an un-emitted row.

Id-range chunks
---------------
A read of more than ``bulk_chunk_rows`` rows is split by Id into ``ceil(rows /
bulk_chunk_rows)`` ranges, one job (or one job per part of the columns) each. The rows are
the org's approximate count of the table (``limits/recordCount``, asked with discovery) or,
for a table above ``bulk_chunk_rows`` read from a bookmark, a ``COUNT()`` of the read's
window; without a count from the org a read is not split. See
:mod:`~tap_salesforce_plus.bulk_chunks` for the boundaries. Salesforce runs the jobs in
parallel: up to ``bulk_max_jobs_in_flight`` jobs exist at a time (the one read and the next
chunks'), created ahead while the tap reads. The chunks are read in Id order, page by page,
and each chunk's jobs are deleted once read.

``bulk_job`` then also carries ``chunks: {bounds, done, since, ahead}``: the plan, the number
of chunks read, and the jobs created ahead; ``id``/``part_ids``/``locator``/``rows`` are those
of the current chunk. A STATE message follows each page and each chunk read, so a killed run
resumes at the next page of the current chunk and never reads a finished chunk again; a job
of the plan that is gone or failed is created again from its chunk's bounds. A job that
fails while it is read ends the run with an error, and the next run queries that chunk
again. The bookmark becomes ``until`` only once the last chunk is read.

When the columns are split into parts (too long for one statement), each chunk has one job
per part, joined by Id within the chunk: the spool holds one chunk's rows, not the table's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesforce_common import ConfigError, InvalidFieldError, NotFoundError
from salesforce_common.api_limits import MAX_SOQL_CHARS
from salesforce_common.bulk import (
    FAILED_STATES,
    BulkJobFailedError,
    BulkQueryClient,
    BulkShortReadError,
    ResultPage,
)
from salesforce_common.soql import format_query

from tap_salesforce_plus.bulk_chunks import (
    BulkChunking,
    ChunkPlan,
    IdSpan,
    plan_bounds,
    within_ids,
)
from tap_salesforce_plus.fields import FieldFilter
from tap_salesforce_plus.rest import count_rows
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.soql import SOQL_ALLOWANCE, read_query, soql_term_chars
from tap_salesforce_plus.splitting import PartSpool, split_terms
from tap_salesforce_plus.values import format_datetime, parse_datetime
from tap_salesforce_plus.windows import Window

if TYPE_CHECKING:
    from tap_salesforce_plus.sources import StreamSource

STATE_KEY = "bulk_job"

IdRange = tuple[str | None, str | None]
"""``(lowest Id, Id above the range)`` of a chunk; None where it is open."""

WHOLE: IdRange = (None, None)


@dataclass
class BulkJobState:
    """Where a Bulk read is: the jobs, the next page of the last one, and its bounds.

    Attributes:
        id: The (last) job, read page by page.
        part_ids: Jobs of the earlier parts of a split read (re-read in full on resume).
        locator: The next page of ``id`` (None: its first page).
        rows: Rows read from ``id`` so far.
        until: The upper bound of the jobs' query (the bookmark once they are read).
        chunks: The Id-range plan of a chunked read (the jobs above are the current chunk's).
    """

    id: str
    part_ids: list[str] = field(default_factory=list)
    locator: str | None = None
    rows: int = 0
    until: dt.datetime | None = None
    chunks: ChunkPlan | None = None

    @property
    def job_ids(self) -> list[str]:
        """Every job of the read, the streamed one last."""
        return [*self.part_ids, self.id]

    def restart(self, job_ids: Sequence[str]) -> None:
        """Read these jobs (the streamed one last) from their first page."""
        self.id, self.part_ids = job_ids[-1], list(job_ids[:-1])
        self.locator, self.rows = None, 0

    def to_state(self) -> dict[str, Any]:
        """The ``bulk_job`` value of the stream state."""
        value: dict[str, Any] = {"id": self.id, "locator": self.locator, "rows": self.rows}
        if self.part_ids:
            value["part_ids"] = list(self.part_ids)
        if self.until is not None:
            value["until"] = format_datetime(self.until)
        if self.chunks is not None:
            value["chunks"] = self.chunks.to_state()
        return value

    @classmethod
    def from_state(cls, value: Any, stream: str = "") -> BulkJobState | None:
        """Read a ``bulk_job`` state value (None when absent).

        Args:
            value: The ``bulk_job`` entry of a stream state.
            stream: The stream, for messages.

        Returns:
            The resume point, or None.

        Raises:
            ConfigError: The entry is malformed (one line naming the stream).
        """
        if value is None:
            return None
        until = value.get("until") if isinstance(value, Mapping) else None
        try:
            if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
                raise TypeError("no job id")  # noqa: TRY301
            chunks = value.get("chunks")
            return cls(
                id=value["id"],
                part_ids=[str(i) for i in value.get("part_ids") or []],
                locator=str(value["locator"]) if value.get("locator") else None,
                rows=int(value.get("rows") or 0),
                until=parse_datetime(str(until)) if until is not None else None,
                chunks=ChunkPlan.from_state(chunks) if chunks is not None else None,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"state: the {STATE_KEY} entry of stream {stream} is malformed ({exc}): remove "
                f"it to query again from the bookmark"
            ) from None


@dataclass
class BulkRead:
    """One read of a stream through Bulk API 2.0 jobs (see the module docstring).

    Rows arrive unsorted, so they never move the bookmark one by one: the read keeps the
    resume point in the stream state and moves the bookmark itself once every job is read.

    Attributes:
        source: What the stream reads (``bulk_chunks``: how a large read is split).
        fields: The fields selected (refused ones are dropped and the jobs created again).
        client: The Bulk API client.
        page_size: ``maxRecords`` per result page.
        parallel_pages: Result pages downloading at once (``resultPages``, API 58.0+).
        window_rows: The ``COUNT()`` of the read's window, when the stream already sent it
            (to choose the Bulk API); else the read counts itself if it needs to.
        include_deleted: ``queryAll`` jobs.
        state: The stream's state (``bulk_job`` and the bookmark are kept in it).
        flush: Emits a STATE message with the state as it is now.
        now: Salesforce's time, to the second.
        logger: The stream's logger.
        since: Lower bound of new jobs' queries.
        resume: The ``bulk_job`` of the state, if any.
        until: Upper bound of the jobs' query, once known.
        dropped: Rows of a split read missing from an earlier part (changed meanwhile).
    """

    source: StreamSource
    fields: FieldFilter
    client: BulkQueryClient
    page_size: int
    include_deleted: bool
    state: dict[str, Any]
    flush: Callable[[], None]
    now: Callable[[], dt.datetime]
    logger: logging.Logger
    since: dt.datetime | None = None
    parallel_pages: int = 1
    window_rows: int | None = None
    resume: BulkJobState | None = None
    until: dt.datetime | None = None
    dropped: int = 0

    @property
    def is_sorted(self) -> bool:
        """False: Bulk API results are not ordered (``ORDER BY`` would defeat chunking)."""
        return False

    def moves_bookmark(self, _record: Mapping[str, Any]) -> bool:
        """Never row by row: :meth:`records` moves the bookmark once all jobs are read."""
        return False

    def records(self) -> Iterator[dict[str, Any]]:
        """Resume the saved jobs or create new ones, read them, then move the bookmark.

        Yields:
            Records, typed by the shape.

        Raises:
            BulkJobFailedError: A job failed (its jobs are deleted; unchunked, the state forgets
                them; chunked, the next run queries the chunk again).
            BulkShortReadError: A job's results held fewer rows than it processed.
        """
        now = self.now()
        job = self._job(now)
        if job is None:
            self.until = now
            return
        try:
            if job.chunks is None:
                yield from self._job_records(job)
            else:
                yield from self._chunk_records(job, job.chunks)
        except (BulkJobFailedError, BulkShortReadError) as error:
            self._discard(job)
            error.message = f"stream {self.source.name}: {error.message}"
            if job.chunks is not None:
                error.message += (
                    f" (chunk {job.chunks.done + 1} of {job.chunks.count}; the next run queries "
                    f"it again)"
                )
            error.args = (error.message,)
            raise
        if self.dropped:
            self.logger.info(
                "Stream %s: %d rows changed while their parts were read; the next run reads them",
                self.source.name,
                self.dropped,
            )
        self.state.pop(STATE_KEY, None)
        key = self.source.replication_key
        if key and job.until is not None:
            bookmark = format_datetime(job.until)
            current = self.state.get("replication_key_value")
            if not isinstance(current, str) or bookmark > current:
                self.state["replication_key"] = key
                self.state["replication_key_value"] = bookmark
        self.until = job.until or now

    def _job(self, now: dt.datetime) -> BulkJobState | None:
        """The saved job if it can be resumed, else new jobs for ``[since, now)``.

        None when that window is empty. Fields the org refuses are dropped and the jobs
        created again. A read of many rows is split into Id-range chunks.
        """
        resume = self.resume
        if resume is not None and resume.chunks is not None:
            self._resume_chunks(resume, resume.chunks)
            return resume
        if resume is not None and self._alive(resume.job_ids, "querying again from the bookmark"):
            self.logger.info(
                "Stream %s: resuming Bulk API job %s at row %d",
                self.source.name,
                resume.id,
                resume.rows,
            )
            return resume
        self.state.pop(STATE_KEY, None)
        until = now if self.source.replication_key else None
        if self.since is not None and self.since >= now:
            return None
        window = Window(self.since, until)
        bounds = self._plan(window)
        if bounds:
            job = BulkJobState(id="", until=until, chunks=ChunkPlan(bounds, since=self.since))
            job.restart(self._create_chunk(job, 0))
            self._fill(job)
            self._save(job)
            return job
        while True:
            try:
                return self._start(self._statements(window), until)
            except InvalidFieldError as error:
                self.fields.reject(error)

    @property
    def _resource(self) -> str:
        """The REST resource of the read's helper queries."""
        return "queryAll" if self.include_deleted else "query"

    def _plan(self, window: Window) -> list[str]:
        """The Id boundaries of the read's chunks (empty: one job, not chunked)."""
        chunking, rows = self.source.bulk_chunks, self.source.approximate_rows
        if chunking is None or rows is None:  # no count from the org: one job
            return []
        if rows > chunking.rows and window.since is not None:  # how much of it is read?
            counted = self.window_rows
            if counted is None:
                counted = count_rows(self.client.session, self._resource, self.source, window)
            rows = rows if counted is None else counted
        chunks = chunking.chunks(rows)
        if chunks <= 1:
            return []
        span = IdSpan(
            self.client.session,
            self._resource,
            self.source.base_query,
            self.source.replication_key,
        )
        bounds = plan_bounds(span, window, chunks)
        if bounds:
            self.logger.info(
                "Stream %s: about %d rows to read: %d Bulk API chunks by Id range "
                "(bulk_chunk_rows %d)",
                self.source.name,
                rows,
                len(bounds) + 1,
                chunking.rows,
            )
        return bounds

    def _statements(self, window: Window, ids: IdRange = WHOLE) -> list[str]:
        """One Bulk API statement per part of the columns (one when they fit)."""
        columns = self.fields.bulk_columns
        key = self.source.replication_key
        required = [PRIMARY_KEY, *([key] if key else [])]
        base = len(self._statement(required, window, ids))
        budget = MAX_SOQL_CHARS - SOQL_ALLOWANCE - base
        parts = split_terms(columns, required=required, cost=soql_term_chars, budget=budget)
        if len(parts) > 1:
            self.logger.info(
                "Stream %s: %d columns need %d Bulk API jobs; joining them by Id",
                self.source.name,
                len(columns),
                len(parts),
            )
        return [self._statement(part, window, ids) for part in parts]

    def _statement(self, terms: Sequence[str], window: Window, ids: IdRange) -> str:
        """The statement reading some terms within the window and an Id range."""
        if ids == WHOLE:
            return self.source.statement(terms, window, ordered=False)
        query = read_query(
            self.source.base_query,
            terms,
            replication_key=self.source.replication_key,
            since=window.since,
            until=window.until,
            ordered=False,
        )
        return format_query(within_ids(query, *ids))

    def _save(self, job: BulkJobState | None) -> None:
        """Record the resume point in the state (None: forget it) and emit a STATE message."""
        if job is None:
            self.state.pop(STATE_KEY, None)
        else:
            self.state[STATE_KEY] = job.to_state()
        self.flush()

    def _alive(self, job_ids: Sequence[str], otherwise: str) -> bool:
        """Whether saved jobs still exist and did not fail.

        Args:
            job_ids: Jobs from the stream state.
            otherwise: What the read does when they cannot be read (for the warning).

        Returns:
            False (with a warning) when one is gone or failed.
        """
        for job_id in job_ids:
            try:
                state = str(self.client.info(job_id).get("state"))
            except NotFoundError:
                self.logger.warning(
                    "Bulk API job %s of the saved state no longer exists; %s", job_id, otherwise
                )
                return False
            if state in FAILED_STATES:
                self.logger.warning(
                    "Bulk API job %s of the saved state is %s; %s", job_id, state, otherwise
                )
                return False
        return True

    def _start(self, soqls: Sequence[str], until: dt.datetime | None) -> BulkJobState:
        """Create one job per part and save the resume point.

        Args:
            soqls: One statement per part (the streamed part last).
            until: The upper bound of the queries.

        Returns:
            The resume point.
        """
        ids = self._create(soqls)
        job = BulkJobState(id=ids[-1], part_ids=ids[:-1], until=until)
        self._save(job)
        return job

    def _create(self, soqls: Sequence[str]) -> list[str]:
        """Create one job per statement; their ids."""
        ids = [
            str(self.client.create(soql, include_deleted=self.include_deleted)["id"])
            for soql in soqls
        ]
        self.logger.info("Bulk API query job(s) %s created", ", ".join(ids))
        return ids

    # --- Id-range chunks ------------------------------------------------------------------

    def _create_chunk(self, job: BulkJobState, index: int) -> list[str]:
        """Create the jobs of chunk ``index`` of the plan (refused fields are dropped)."""
        assert job.chunks is not None
        window = Window(job.chunks.since, job.until)
        while True:
            try:
                return self._create(self._statements(window, job.chunks.range(index)))
            except InvalidFieldError as error:
                self.fields.reject(error)

    def _fill(self, job: BulkJobState) -> None:
        """Create the next chunks' jobs, up to ``bulk_max_jobs_in_flight`` jobs in all."""
        plan = job.chunks
        assert plan is not None
        chunking = self.source.bulk_chunks or BulkChunking()
        chunks_in_flight = max(1, chunking.jobs_in_flight // len(job.job_ids))
        while len(plan.ahead) + 1 < chunks_in_flight:
            index = plan.done + 1 + len(plan.ahead)
            if index >= plan.count:
                return
            plan.ahead.append(self._create_chunk(job, index))

    def _resume_chunks(self, job: BulkJobState, plan: ChunkPlan) -> None:
        """Take up a chunked read where the state left it; gone jobs are created again."""
        current = self._checked(job, plan.done, job.job_ids)
        if current != job.job_ids:
            job.restart(current)
        else:
            self.logger.info(
                "Stream %s: resuming chunk %d of %d (Bulk API job %s) at row %d",
                self.source.name,
                plan.done + 1,
                plan.count,
                job.id,
                job.rows,
            )
        plan.ahead = [
            self._checked(job, plan.done + 1 + offset, ids) for offset, ids in enumerate(plan.ahead)
        ]
        self._fill(job)
        self._save(job)

    def _checked(self, job: BulkJobState, index: int, job_ids: list[str]) -> list[str]:
        """Saved jobs of chunk ``index`` if they can be read, else new ones (the old deleted)."""
        assert job.chunks is not None
        if self._alive(job_ids, f"querying chunk {index + 1} of {job.chunks.count} again"):
            return job_ids
        for job_id in job_ids:
            self.client.delete(job_id)
        return self._create_chunk(job, index)

    def _chunk_records(self, job: BulkJobState, plan: ChunkPlan) -> Iterator[dict[str, Any]]:
        """Read the chunks in Id order from the current one, saving each one read."""
        while True:
            yield from self._job_records(job, delete=False)
            read = job.job_ids
            plan.done += 1
            self.logger.info(
                "Stream %s: chunk %d of %d read", self.source.name, plan.done, plan.count
            )
            if plan.done < plan.count:  # saved before the jobs read are deleted
                job.restart(plan.ahead.pop(0) if plan.ahead else self._create_chunk(job, plan.done))
                self._save(job)
            for job_id in read:
                self.client.delete(job_id)
            if plan.done >= plan.count:
                return
            ahead = len(plan.ahead)
            self._fill(job)
            if len(plan.ahead) > ahead:
                self._save(job)

    # --- reading jobs ---------------------------------------------------------------------

    def _job_records(self, job: BulkJobState, *, delete: bool = True) -> Iterator[dict[str, Any]]:
        """Wait for the jobs, then yield their records page by page (saving progress).

        Args:
            job: The resume point (new, or from the state).
            delete: Delete the jobs once read.

        Yields:
            Records, typed by the shape.
        """
        infos = {job_id: self.client.wait(job_id) for job_id in job.job_ids}
        if not job.part_ids:
            yield from self._stream(job, infos[job.id], None, [])
        else:
            with PartSpool(len(job.part_ids)) as spool:
                headers = [
                    self._spool(part, job_id, infos[job_id], spool)
                    for part, job_id in enumerate(job.part_ids)
                ]
                yield from self._stream(job, infos[job.id], spool, headers)
        for job_id in job.job_ids if delete else ():
            self.client.delete(job_id)

    def _discard(self, job: BulkJobState) -> None:
        """Delete the jobs of a read that failed, and forget the resume point.

        A chunked read keeps its plan: the next run queries the current chunk again (its job
        is gone) and takes up the jobs created ahead.
        """
        for job_id in job.job_ids:
            self.client.delete(job_id)
        self._save(job if job.chunks is not None else None)

    def _pages(
        self, job_id: str, info: Mapping[str, Any], locator: str | None, rows: int
    ) -> Iterator[ResultPage]:
        return self.client.result_pages(
            job_id,
            locator=locator,
            max_records=self.page_size,
            rows_before=rows,
            expected_total=int(info.get("numberRecordsProcessed") or 0),
            prefetch=True,
            parallel=self.parallel_pages,
        )

    def _spool(
        self, part: int, job_id: str, info: Mapping[str, Any], spool: PartSpool
    ) -> list[str]:
        header: list[str] = []
        for page in self._pages(job_id, info, None, 0):
            header = page.header
            position = _id_position(header)
            spool.add_all(part, ((row[position], row) for row in page.rows()))
        return header

    def _stream(
        self,
        job: BulkJobState,
        info: Mapping[str, Any],
        spool: PartSpool | None,
        spooled_headers: list[list[str]],
    ) -> Iterator[dict[str, Any]]:
        shape = self.fields.shape
        for page in self._pages(job.id, info, job.locator, job.rows):
            header = [name for part in spooled_headers for name in part] + page.header
            build = shape.csv_builder(header)
            position = _id_position(page.header)
            for row in page.rows():
                if spool is None:
                    yield build(row)
                    continue
                earlier = spool.take(row[position])
                if earlier is None:
                    self.dropped += 1
                    continue
                yield build([value for part in earlier for value in part] + row)
            if page.next_locator is not None:
                job.locator = page.next_locator
                job.rows += page.rows_read
                self._save(job)
                self.logger.debug("Bulk API job %s: %d rows read", job.id, job.rows)


def _id_position(header: Sequence[str]) -> int:
    lowered = [name.lower() for name in header]
    return lowered.index(PRIMARY_KEY.lower())
