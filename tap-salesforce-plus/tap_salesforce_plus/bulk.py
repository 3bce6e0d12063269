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

from tap_salesforce_plus.fields import FieldFilter
from tap_salesforce_plus.schema import PRIMARY_KEY
from tap_salesforce_plus.soql import SOQL_ALLOWANCE, soql_term_chars
from tap_salesforce_plus.splitting import PartSpool, split_terms
from tap_salesforce_plus.values import format_datetime, parse_datetime
from tap_salesforce_plus.windows import Window

if TYPE_CHECKING:
    from tap_salesforce_plus.sources import StreamSource

STATE_KEY = "bulk_job"


@dataclass
class BulkJobState:
    """Where a Bulk read is: the jobs, the next page of the last one, and its bounds.

    Attributes:
        id: The (last) job, read page by page.
        part_ids: Jobs of the earlier parts of a split read (re-read in full on resume).
        locator: The next page of ``id`` (None: its first page).
        rows: Rows read from ``id`` so far.
        until: The upper bound of the jobs' query (the bookmark once they are read).
    """

    id: str
    part_ids: list[str] = field(default_factory=list)
    locator: str | None = None
    rows: int = 0
    until: dt.datetime | None = None

    @property
    def job_ids(self) -> list[str]:
        """Every job of the read, the streamed one last."""
        return [*self.part_ids, self.id]

    def to_state(self) -> dict[str, Any]:
        """The ``bulk_job`` value of the stream state."""
        value: dict[str, Any] = {"id": self.id, "locator": self.locator, "rows": self.rows}
        if self.part_ids:
            value["part_ids"] = list(self.part_ids)
        if self.until is not None:
            value["until"] = format_datetime(self.until)
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
            return cls(
                id=value["id"],
                part_ids=[str(i) for i in value.get("part_ids") or []],
                locator=str(value["locator"]) if value.get("locator") else None,
                rows=int(value.get("rows") or 0),
                until=parse_datetime(str(until)) if until is not None else None,
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
        source: What the stream reads.
        fields: The fields selected (refused ones are dropped and the jobs created again).
        client: The Bulk API client.
        page_size: ``maxRecords`` per result page.
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
            BulkJobFailedError: A job failed (its jobs are deleted, the state forgets them).
            BulkShortReadError: A job's results held fewer rows than it processed.
        """
        now = self.now()
        job = self._job(now)
        if job is None:
            self.until = now
            return
        try:
            yield from self._job_records(job)
        except (BulkJobFailedError, BulkShortReadError) as error:
            self._discard(job)
            error.message = f"stream {self.source.name}: {error.message}"
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
        created again.
        """
        resume = self.resume
        if resume is not None and self._resumable(resume):
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
        while True:
            try:
                return self._start(self._statements(Window(self.since, until)), until)
            except InvalidFieldError as error:
                self.fields.reject(error)

    def _statements(self, window: Window) -> list[str]:
        """One Bulk API statement per part of the columns (one when they fit)."""
        columns = self.fields.bulk_columns
        key = self.source.replication_key
        required = [PRIMARY_KEY, *([key] if key else [])]
        base = len(self.source.statement(required, window, ordered=False))
        budget = MAX_SOQL_CHARS - SOQL_ALLOWANCE - base
        parts = split_terms(columns, required=required, cost=soql_term_chars, budget=budget)
        if len(parts) > 1:
            self.logger.info(
                "Stream %s: %d columns need %d Bulk API jobs; joining them by Id",
                self.source.name,
                len(columns),
                len(parts),
            )
        return [self.source.statement(part, window, ordered=False) for part in parts]

    def _save(self, job: BulkJobState | None) -> None:
        """Record the resume point in the state (None: forget it) and emit a STATE message."""
        if job is None:
            self.state.pop(STATE_KEY, None)
        else:
            self.state[STATE_KEY] = job.to_state()
        self.flush()

    def _resumable(self, job: BulkJobState) -> bool:
        """Whether the jobs of a saved resume point still exist and did not fail.

        Args:
            job: From the stream state.

        Returns:
            False (with a warning) when the stream must query again from its bookmark.
        """
        for job_id in job.job_ids:
            try:
                state = str(self.client.info(job_id).get("state"))
            except NotFoundError:
                self.logger.warning(
                    "Bulk API job %s of the saved state no longer exists; querying again from "
                    "the bookmark",
                    job_id,
                )
                return False
            if state in FAILED_STATES:
                self.logger.warning(
                    "Bulk API job %s of the saved state is %s; querying again from the bookmark",
                    job_id,
                    state,
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
        ids = [
            str(self.client.create(soql, include_deleted=self.include_deleted)["id"])
            for soql in soqls
        ]
        job = BulkJobState(id=ids[-1], part_ids=ids[:-1], until=until)
        self.logger.info("Bulk API query job(s) %s created", ", ".join(ids))
        self._save(job)
        return job

    def _job_records(self, job: BulkJobState) -> Iterator[dict[str, Any]]:
        """Wait for the jobs, then yield their records page by page (saving progress).

        The jobs are deleted once read.

        Args:
            job: The resume point (new, or from the state).

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
        for job_id in job.job_ids:
            self.client.delete(job_id)

    def _discard(self, job: BulkJobState) -> None:
        """Delete the jobs of a read that failed, and forget the resume point."""
        for job_id in job.job_ids:
            self.client.delete(job_id)
        self._save(None)

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
