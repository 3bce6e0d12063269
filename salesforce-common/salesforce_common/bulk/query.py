"""Bulk API 2.0 query jobs: create, poll, stream CSV result pages, delete.

Results are read page by page (``maxRecords`` and ``Sforce-Locator``) and parsed as a stream:
the ``csv`` module reads the HTTP response body as it arrives, so memory stays flat however
large the result. Every page is checked against its ``Sforce-NumberOfRecords`` header and the
whole result against the job's ``numberRecordsProcessed``: a short read is an error.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import requests
import urllib3

from salesforce_common.bulk.jobs import csv_job_body, delete_job, raise_if_failed, wait_for_job
from salesforce_common.errors import SalesforceError
from salesforce_common.polling import PollSchedule

if TYPE_CHECKING:
    from salesforce_common.session import SalesforceSession

logger = logging.getLogger("salesforce_common")

JOBS_PATH = "jobs/query"
LOCATOR_HEADER = "Sforce-Locator"
RECORDS_HEADER = "Sforce-NumberOfRecords"
END_LOCATOR = "null"
"""``Sforce-Locator`` value on the last page."""
PAGE_READ_ATTEMPTS = 3
"""Tries to read one result page whose body breaks off (rows already read are skipped)."""
BODY_ERRORS: tuple[type[Exception], ...] = (
    urllib3.exceptions.HTTPError,
    requests.RequestException,
    OSError,
)


class BulkShortReadError(SalesforceError):
    """The results held fewer (or more) rows than Salesforce reported for them."""


@dataclass
class ResultPage:
    """One page of a job's results, read as a stream.

    Attributes:
        job_id: The job.
        locator: The locator this page was requested with (None for the first page).
        next_locator: The locator of the next page, None after the last page.
        header: The CSV header: the selected fields as written (``Account.Name``).
        expected_rows: ``Sforce-NumberOfRecords`` of the page.
        rows_read: Rows yielded so far by :meth:`rows`.
    """

    job_id: str
    locator: str | None
    next_locator: str | None
    header: list[str]
    expected_rows: int | None
    rows_read: int = 0
    _rows: Iterator[list[str]] = field(default_factory=lambda: iter(()), repr=False)

    def rows(self) -> Iterator[list[str]]:
        """Yield the page's rows (lists of strings, ``""`` for null), then check the count.

        Yields:
            One list of column values per row, in ``header`` order.

        Raises:
            BulkShortReadError: The page held a different number of rows than announced.
        """
        for row in self._rows:
            self.rows_read += 1
            yield row
        if self.expected_rows is not None and self.rows_read != self.expected_rows:
            raise BulkShortReadError(
                f"Bulk API job {self.job_id}: a result page announced {self.expected_rows} rows "
                f"({RECORDS_HEADER}) but held {self.rows_read}; the results are incomplete, "
                "re-run to extract again"
            )


@dataclass
class BulkQueryClient:
    """Runs Bulk API 2.0 query jobs through a :class:`SalesforceSession`.

    Attributes:
        session: The org session (auth, retries, quota guard, typed errors).
        poll_initial: First wait between status polls, in seconds.
        poll_factor: Growth of the wait after each poll.
        poll_max: Longest wait between polls, in seconds.
        max_wait: Give up on a job that is not complete after this many seconds.
        sleep: The sleep function (tests replace it).
    """

    session: SalesforceSession
    poll_initial: float = 0.25
    poll_factor: float = 1.5
    poll_max: float = 15.0
    max_wait: float = 6 * 3600.0
    sleep: Callable[[float], None] = time.sleep

    def create(self, soql: str, *, include_deleted: bool = False) -> dict[str, Any]:
        """Create a query job (``POST jobs/query``).

        Args:
            soql: The query (no ``ORDER BY`` or ``LIMIT``, or Salesforce cannot chunk it).
            include_deleted: ``queryAll``: deleted and archived rows too.

        Returns:
            The job info (``id``, ``state``, ...).

        Raises:
            SalesforceError: Refused, e.g. ``INVALIDENTITY`` (see
                :func:`is_unsupported_object`) or ``API_ERROR`` for compound fields.
        """
        body = csv_job_body(operation="queryAll" if include_deleted else "query", query=soql)
        info: dict[str, Any] = self.session.request("POST", JOBS_PATH, json=body).json()
        logger.debug("Bulk API query job %s created", info.get("id"))
        return info

    def info(self, job_id: str) -> dict[str, Any]:
        """The job's status (``GET jobs/query/{id}``).

        Args:
            job_id: The job.

        Returns:
            The job info: ``state``, ``numberRecordsProcessed``, ``errorMessage``, ...

        Raises:
            NotFoundError: The job does not exist (any more).
        """
        result: dict[str, Any] = self.session.get_json(f"{JOBS_PATH}/{job_id}")
        return result

    def wait(self, job_id: str) -> dict[str, Any]:
        """Poll until the job completes, waiting 0.25 s at first, then longer (capped).

        Args:
            job_id: The job.

        Returns:
            The job info in state ``JobComplete``.

        Raises:
            BulkJobFailedError: The job ended ``Failed`` or ``Aborted`` (with Salesforce's
                ``errorMessage``).
            BulkJobTimeoutError: Still not complete after ``max_wait`` seconds.
        """
        schedule = PollSchedule(
            self.poll_initial, self.poll_factor, self.poll_max, self.max_wait, self.sleep
        )
        status = wait_for_job(
            lambda: self.info(job_id), kind="query", job_id=job_id, schedule=schedule
        )
        raise_if_failed(status, kind="query", job_id=job_id)
        return status

    def result_pages(
        self,
        job_id: str,
        *,
        locator: str | None = None,
        max_records: int | None = None,
        rows_before: int = 0,
        expected_total: int | None = None,
    ) -> Iterator[ResultPage]:
        """Yield the job's result pages from ``locator`` on; read each page's rows in turn.

        Args:
            job_id: A completed job.
            locator: Start at this page (None: the first page).
            max_records: Rows per page (None: Salesforce's default).
            rows_before: Rows read from earlier pages (when resuming at ``locator``).
            expected_total: The job's ``numberRecordsProcessed``, checked after the last page.

        Yields:
            Pages in order; the next page is requested once the caller asks for it.

        Raises:
            BulkShortReadError: The pages held fewer rows than the job processed.
        """
        total = rows_before
        while True:
            page = self._page(job_id, locator, max_records)
            yield page
            total += page.rows_read
            if page.next_locator is None:
                break
            locator = page.next_locator
        if expected_total is not None and total != expected_total:
            raise BulkShortReadError(
                f"Bulk API job {job_id} processed {expected_total} records but its results "
                f"held {total}; the results are incomplete, re-run to extract again"
            )

    def delete(self, job_id: str) -> None:
        """Delete a job (``DELETE jobs/query/{id}``); a job already gone is fine.

        Args:
            job_id: The job.
        """
        delete_job(self.session, kind="query", job_id=job_id)

    # -- internals ---------------------------------------------------------------------

    def _get_page(
        self, job_id: str, locator: str | None, max_records: int | None
    ) -> requests.Response:
        params: dict[str, Any] = {}
        if max_records:
            params["maxRecords"] = max_records
        if locator:
            params["locator"] = locator
        return self.session.request(
            "GET", f"{JOBS_PATH}/{job_id}/results", params=params, stream=True
        )

    def _page(self, job_id: str, locator: str | None, max_records: int | None) -> ResultPage:
        response = self._get_page(job_id, locator, max_records)
        next_locator = response.headers.get(LOCATOR_HEADER) or END_LOCATOR
        count = response.headers.get(RECORDS_HEADER)
        reader = _csv_reader(response)
        header = next(reader, [])
        page = ResultPage(
            job_id=job_id,
            locator=locator,
            next_locator=None if next_locator == END_LOCATOR else next_locator,
            header=header,
            expected_rows=int(count) if count and count.isdigit() else None,
        )
        page._rows = self._resilient_rows(page, reader, response, max_records)
        return page

    def _resilient_rows(
        self,
        page: ResultPage,
        reader: Iterator[list[str]],
        response: requests.Response,
        max_records: int | None,
    ) -> Iterator[list[str]]:
        """The page's rows; a body that breaks off is requested again, skipping rows read."""
        attempt = 1
        yielded = 0
        while True:
            try:
                for row in reader:
                    yielded += 1
                    yield row
            except BODY_ERRORS as exc:
                response.close()
                if attempt >= PAGE_READ_ATTEMPTS:
                    raise SalesforceError(
                        f"Bulk API job {page.job_id}: reading a result page failed "
                        f"{attempt} times ({type(exc).__name__})"
                    ) from exc
                attempt += 1
                logger.warning(
                    "Bulk API job %s: a result page broke off after %d rows (%s); reading it again",
                    page.job_id,
                    yielded,
                    type(exc).__name__,
                )
                response = self._get_page(page.job_id, page.locator, max_records)
                reader = _csv_reader(response)
                next(reader, None)
                for _ in range(yielded):
                    next(reader, None)
                continue
            response.close()
            return


MAX_FIELD_CHARS = 16 * 1024 * 1024
"""Largest CSV value accepted; the csv module's default (131,072) is a long text area's size."""


def _csv_reader(response: requests.Response) -> Iterator[list[str]]:
    """Parse a CSV response body as it streams in (quoted values may hold newlines)."""
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    response.raw.decode_content = True
    response.raw.auto_close = False
    body = cast("BinaryIO", response.raw)
    text = io.TextIOWrapper(body, encoding="utf-8", newline="")
    return csv.reader(text)
