"""Bulk API 2.0 query jobs: create, poll, stream CSV result pages, delete.

Results are read page by page (``maxRecords`` and ``Sforce-Locator``) and parsed as a stream:
the ``csv`` module reads the HTTP response body as it arrives, so memory stays flat however
large the result. Every page is checked against its ``Sforce-NumberOfRecords`` header and the
whole result against the job's ``numberRecordsProcessed``: a short read is an error.

A value is never yielded unless it was received whole. Pages are requested with
``Accept-Encoding: gzip``; :class:`BodyReader` decompresses the body itself and, at its end,
requires the gzip trailer (CRC and length: urllib3's own decoder accepts a body without it)
and, when the server sent one, the ``Content-Length``. The CSV is parsed strictly (an
unbalanced quote is an error) and a row is yielded only once the line ending that closes it
has arrived, so a body cut inside the last value (``APAC`` cut to ``APA``) yields nothing
wrong. A page whose body breaks off, is cut short, or holds fewer rows than announced is
requested again from the same locator, skipping the rows already yielded, up to
:data:`PAGE_READ_ATTEMPTS` times; then a one-line error names the job and the locator.

With ``prefetch``, pages are downloaded ahead of the caller: once the first page's headers
name the next locator, a background thread follows the chain, saving each page's body as
received (still gzip) to a temporary file (memory stays flat), at most :data:`PREFETCH_PAGES`
ahead; the caller then parses them from the files through :class:`BodyReader`, with the same
checks (a saved body found cut short is requested again from its locator). The thread only
copies bytes, in large reads and writes, so it seldom waits for the interpreter lock behind a
busy reader and keeps the org's connection drained. Pages are still read,
and the resume point still moves, in order. A page the thread fails to save for any reason is
requested again by the caller as usual, and the thread starts again after it. A job of several
large pages is read with a short first and last page (:func:`planned_page_size`).

With ``parallel`` above 1 (API 58.0+), the pages are listed by ``resultPages`` instead and
that many download at once, each to its own temporary file, read in order.
"""

from __future__ import annotations

import csv
import io
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import requests

from salesforce_common.bodies import (
    ACCEPT_GZIP,
    BODY_ERRORS,
    CHUNK_BYTES,
    BodyReader,
    SavedBody,
    TruncatedBodyError,
    save_raw,
)
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
PREFETCH_PAGES = 2
"""Result pages saved ahead of the reader at most (temporary files: memory stays flat)."""
PAGE_READ_ATTEMPTS = 5
"""Reads of one result page whose body breaks off or is cut short (rows already read are
skipped on each new read) before giving up with an error."""


RESULT_PAGES_SINCE = 58.0
"""First API version serving ``jobs/query/{id}/resultPages``."""
PLANNED_PAGES = 10
"""A job's results are read in about this many pages, each at most ``maxRecords`` rows."""
PLANNED_FROM_ROWS = 10_000
"""Smallest ``maxRecords`` that is planned (smaller configured pages already flow soon)."""
MIN_PLANNED_ROWS = 2_000
"""Fewest rows of a planned page: a job of up to this many rows is read in one page."""
EDGE_PAGE_SHARE = 10
"""The first and last pages of a multi-page read hold a tenth of the pages between."""


def planned_page_size(
    max_records: int | None, expected_total: int | None, position: int
) -> int | None:
    """``maxRecords`` of the page starting at row ``position`` of a job's results.

    Records flow while the org prepares the next page, so a reader only waits for the first
    page and works alone only on the last. A job of known size is therefore read in about
    :data:`PLANNED_PAGES` pages (at least :data:`MIN_PLANNED_ROWS` rows each, at most
    ``max_records``), with a first and a last page a tenth of that size: records flow soon,
    and little is left to process once the last page has arrived. A job of unknown size, or
    that fits in one page, or with ``max_records`` under :data:`PLANNED_FROM_ROWS`, is read
    in pages of ``max_records``.

    Args:
        max_records: The configured page size (None: Salesforce's default).
        expected_total: The job's ``numberRecordsProcessed``, if known.
        position: Rows before the page.

    Returns:
        The page's ``maxRecords``.
    """
    if not max_records or max_records < PLANNED_FROM_ROWS or expected_total is None:
        return max_records
    body = min(max_records, max(MIN_PLANNED_ROWS, -(-expected_total // PLANNED_PAGES)))
    if expected_total <= body:
        return max_records
    edge = max(1, body // EDGE_PAGE_SHARE)
    remaining = expected_total - position
    if position == 0:
        return edge
    if edge < remaining <= body + edge:
        return remaining - edge
    return body


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
    poll_initial: float = 0.1
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
        """Poll until the job completes: first after 0.1 s, then 1.5 times later each time (capped).

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
        prefetch: bool = False,
        parallel: int = 1,
    ) -> Iterator[ResultPage]:
        """Yield the job's result pages from ``locator`` on; read each page's rows in turn.

        Args:
            job_id: A completed job.
            locator: Start at this page (None: the first page).
            max_records: Rows per page (None: Salesforce's default).
            rows_before: Rows read from earlier pages (when resuming at ``locator``).
            expected_total: The job's ``numberRecordsProcessed``, checked after the last page.
            prefetch: Download the next page while the current one is read (see the module
                docstring); otherwise the next page is requested once the caller asks for it.
            parallel: Pages downloading at once through ``resultPages`` (API 58.0+); 1, or an
                older API version, follows the locator chain instead.

        Yields:
            Pages in order.

        Raises:
            BulkShortReadError: The pages held fewer rows than the job processed.
        """
        if parallel > 1 and float(self.session.api_version) >= RESULT_PAGES_SINCE:
            pages = self._parallel_pages(job_id, locator, parallel)
        else:
            pages = self._chained_pages(
                job_id,
                locator=locator,
                max_records=max_records,
                rows_before=rows_before,
                expected_total=expected_total,
                prefetch=prefetch,
            )
        total = rows_before
        for page in pages:
            yield page
            total += page.rows_read
        if expected_total is not None and total != expected_total:
            raise BulkShortReadError(
                f"Bulk API job {job_id} processed {expected_total} records but its results "
                f"held {total}; the results are incomplete, re-run to extract again"
            )

    def _chained_pages(
        self,
        job_id: str,
        *,
        locator: str | None,
        max_records: int | None,
        rows_before: int,
        expected_total: int | None,
        prefetch: bool,
    ) -> Iterator[ResultPage]:
        """Pages by the ``Sforce-Locator`` chain, sized by :func:`planned_page_size`.

        With ``prefetch``, a background thread follows the chain from the second page on,
        saving up to :data:`PREFETCH_PAGES` pages ahead of the reader (see the module
        docstring); a page it could not save is requested by the reader, then the thread
        starts again after it.
        """

        def size_at(position: int) -> int | None:
            return planned_page_size(max_records, expected_total, position)

        position = rows_before
        page = self._page(job_id, locator, size_at(position))
        ahead: _ChainAhead | None = None
        try:
            while True:
                size = size_at(position)
                position += page.expected_rows if page.expected_rows is not None else size or 0
                if prefetch and ahead is None and page.next_locator is not None:
                    ahead = _ChainAhead(self, job_id, page.next_locator, position, size_at)
                yield page
                if page.next_locator is None:
                    return
                download = None
                if ahead is not None:
                    download = ahead.take(page.next_locator)
                    if download is None:  # not saved: read here, the thread starts again after
                        ahead.close()
                        ahead = None
                page = self._page(job_id, page.next_locator, size_at(position), download)
        finally:
            if ahead is not None:
                ahead.close()

    def _parallel_pages(
        self, job_id: str, locator: str | None, parallel: int
    ) -> Iterator[ResultPage]:
        """Pages listed by ``resultPages``, up to ``parallel`` downloading at once, in order."""
        listed = self._listed_pages(job_id, locator)
        pool = ThreadPoolExecutor(parallel, thread_name_prefix="bulk-download")
        pending: deque[tuple[str | None, int | None, _Prefetch]] = deque()

        def fill() -> None:
            while len(pending) < parallel and (entry := next(listed, None)) is not None:
                page_locator, size = entry
                pending.append(
                    (page_locator, size, _Prefetch(pool, self, job_id, page_locator, size))
                )

        try:
            fill()
            while pending:
                page_locator, size, ahead = pending.popleft()
                page = self._page(job_id, page_locator, size, ahead.result())
                fill()
                yield page
        finally:
            for _, _, ahead in pending:
                ahead.discard()
            pool.shutdown(wait=False, cancel_futures=True)

    def _listed_pages(
        self, job_id: str, locator: str | None
    ) -> Iterator[tuple[str | None, int | None]]:
        """``(locator, maxRecords)`` of every result page from ``locator`` on (``resultPages``)."""
        params = {"locator": locator} if locator else None
        while True:
            listing = self.session.get_json(f"{JOBS_PATH}/{job_id}/resultPages", params=params)
            for entry in listing.get("resultPages") or []:
                query = parse_qs(urlsplit(str(entry.get("resultUrl", ""))).query)
                size = query.get("maxRecords", [""])[0]
                yield query.get("locator", [None])[0], int(size) if size.isdigit() else None
            following = listing.get("nextRecordsUrl")
            if listing.get("done", True) or not following:
                return
            found = parse_qs(urlsplit(str(following)).query).get("locator")
            if not found:
                return
            params = {"locator": found[0]}

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
            "GET",
            f"{JOBS_PATH}/{job_id}/results",
            params=params,
            headers=dict(ACCEPT_GZIP),
            stream=True,
        )

    def _page(
        self,
        job_id: str,
        locator: str | None,
        max_records: int | None,
        download: SavedBody | None = None,
    ) -> ResultPage:
        page = ResultPage(
            job_id=job_id, locator=locator, next_locator=None, header=[], expected_rows=None
        )
        read = _PageRead(self, page, max_records, download=download)
        read.open()
        page._rows = read.rows()
        return page


class _Prefetch:
    """The download of one result page by a background thread (see the module docstring)."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        client: BulkQueryClient,
        job_id: str,
        locator: str | None,
        max_records: int | None,
    ) -> None:
        """Start downloading the page at ``locator``."""
        self.job_id, self.locator = job_id, locator
        self._future: Future[SavedBody | None] = pool.submit(
            self.download, client, job_id, locator, max_records
        )

    def result(self) -> SavedBody | None:
        """The saved page, or None when the download failed (the page is requested again)."""
        return self._future.result()

    def discard(self) -> None:
        """Drop the page (the caller stopped): its file is deleted once downloaded."""
        if not self._future.cancel():
            self._future.add_done_callback(_close_download)

    @staticmethod
    def download(
        client: BulkQueryClient, job_id: str, locator: str | None, max_records: int | None
    ) -> SavedBody | None:
        try:
            return save_raw(client._get_page(job_id, locator, max_records))
        except Exception as exc:  # any failure: the page is requested again
            logger.debug(
                "Bulk API job %s: prefetch of the page at locator %s failed (%s); it will be "
                "requested again",
                job_id,
                locator,
                type(exc).__name__,
            )
            return None


class _ChainAhead:
    """A background thread following the locator chain ahead of the reader.

    It saves page after page (as a prefetch does) and hands them over in order, at most
    :data:`PREFETCH_PAGES` waiting, so that the org prepares the next page while the reader
    is still on an earlier one. It stops after the last page, after a page it could not save
    (handed over as None: the reader requests it), when closed, or on any error of its own
    (also handed over as None, so the reader never waits for a page that will not come).
    """

    def __init__(
        self,
        client: BulkQueryClient,
        job_id: str,
        locator: str,
        position: int,
        size_at: Callable[[int], int | None],
    ) -> None:
        """Start saving pages from ``locator`` (the page at row ``position``) on."""
        self._client, self._job_id, self._size_at = client, job_id, size_at
        self._saved: queue.Queue[tuple[str | None, SavedBody | None]] = queue.Queue()
        self._slots = threading.Semaphore(PREFETCH_PAGES)
        self._closed = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(locator, position), name="bulk-prefetch", daemon=True
        )
        self._thread.start()

    def take(self, locator: str) -> SavedBody | None:
        """The saved page at ``locator`` (the next one in the chain), or None if not saved."""
        saved_locator, download = self._saved.get()
        self._slots.release()
        if saved_locator != locator:  # the thread stopped early: the reader requests the page
            if download is not None:
                download.close()
            return None
        return download

    def close(self) -> None:
        """Stop the thread and delete the pages it saved that were not taken."""
        self._closed.set()
        while True:
            try:
                _, download = self._saved.get_nowait()
            except queue.Empty:
                return
            if download is not None:
                download.close()

    def _run(self, locator: str, position: int) -> None:
        try:
            while self._slot():
                size = self._size_at(position)
                download = _Prefetch.download(self._client, self._job_id, locator, size)
                self._saved.put((locator, download))
                if self._closed.is_set():
                    self.close()
                    return
                if download is None:
                    return
                following = download.headers.get(LOCATOR_HEADER) or END_LOCATOR
                if following == END_LOCATOR:
                    return
                count = download.headers.get(RECORDS_HEADER)
                position += int(count) if count and count.isdigit() else size or 0
                locator = following
        except Exception:  # never expected: hand over "not saved", the reader requests it
            logger.debug("Bulk API job %s: prefetch thread failed", self._job_id, exc_info=True)
            self._saved.put((None, None))

    def _slot(self) -> bool:
        """Wait until fewer than :data:`PREFETCH_PAGES` pages are saved ahead; False if closed."""
        while not self._closed.is_set():
            if self._slots.acquire(timeout=0.1):
                return not self._closed.is_set()
        return False


def _close_download(future: Future[SavedBody | None]) -> None:
    if not future.cancelled() and (download := future.result()) is not None:
        download.close()


READ_ERRORS: tuple[type[Exception], ...] = (
    *BODY_ERRORS,
    TruncatedBodyError,
    csv.Error,
    UnicodeDecodeError,
)
"""What a result page read that broke off or was cut short raises (it is read again)."""


@dataclass
class _PageRead:
    """The reads of one result page: a page cut short is read again from its locator.

    Attributes:
        client: The client (requests the page).
        page: The page being read (``header``, ``next_locator`` and ``expected_rows`` are
            set by the first read that gets past the CSV header; later reads keep them).
        max_records: ``maxRecords`` of the request.
        download: The page's body saved by a prefetch, used by the first read.
        attempt: Reads of the page so far.
        yielded: Rows of the page yielded to the caller (skipped by a new read).
    """

    client: BulkQueryClient
    page: ResultPage
    max_records: int | None
    download: SavedBody | None = None
    attempt: int = 0
    yielded: int = 0
    _rows: Iterator[list[str]] = field(default_factory=lambda: iter(()), repr=False)
    _response: requests.Response | None = field(default=None, repr=False)
    _saved: SavedBody | None = field(default=None, repr=False)
    _opened: bool = field(default=False, repr=False)

    def open(self) -> None:
        """Request the page and read up to its first row not yet yielded, again if cut."""
        while True:
            self.attempt += 1
            try:
                self._open_once()
                return
            except READ_ERRORS as exc:
                self._failed(exc)

    def rows(self) -> Iterator[list[str]]:
        """The page's rows not yet yielded, each only once received whole.

        Yields:
            Rows, in order; a read that breaks off continues with a new read of the page.

        Raises:
            BulkShortReadError: The page held more rows than announced, or kept holding fewer.
            SalesforceError: Every read of the page broke off (names the job and locator).
        """
        try:
            while True:
                try:
                    for row in self._rows:
                        self._check_not_over()
                        self.yielded += 1
                        yield row
                    self._check_count()
                    return
                except READ_ERRORS as exc:
                    self._failed(exc)
                    self.open()
        finally:
            self._close()

    def _check_not_over(self) -> None:
        expected = self.page.expected_rows
        if expected is not None and self.yielded >= expected:
            raise BulkShortReadError(
                f"Bulk API job {self.page.job_id}: a result page announced {expected} rows "
                f"({RECORDS_HEADER}) but held more; the results are inconsistent, re-run to "
                "extract again"
            )

    def _open_once(self) -> None:
        page = self.page
        headers: Mapping[str, str]
        if self.download is not None:  # the first read of a prefetched page
            download, self.download = self.download, None
            self._saved = download
            headers = download.headers
            body = BodyReader(download)
        else:
            response = self.client._get_page(page.job_id, page.locator, self.max_records)
            self._response = response
            headers = response.headers
            body = BodyReader(response)
        rows = _csv_rows(body)
        next_locator = headers.get(LOCATOR_HEADER) or END_LOCATOR
        count = headers.get(RECORDS_HEADER)
        expected = int(count) if count and count.isdigit() else None
        header = next(rows, [])
        if self._opened:
            if header != page.header:
                raise TruncatedBodyError("a new read of the page has another CSV header")
        else:
            page.header = header
            page.next_locator = None if next_locator == END_LOCATOR else next_locator
            page.expected_rows = expected
            self._opened = True
        for _ in range(self.yielded):
            if next(rows, None) is None:
                self._check_count()
                raise TruncatedBodyError("a new read of the page held fewer rows than the last")
        self._rows = rows

    def _check_count(self) -> None:
        """After a complete body: fewer rows than announced means it was cut at a row end."""
        expected = self.page.expected_rows
        if expected is not None and self.yielded < expected:
            raise _ShortPageError(
                f"the page announced {expected} rows ({RECORDS_HEADER}) but held {self.yielded}"
            )

    def _close(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._saved is not None:
            self._saved.close()
            self._saved = None
        if self.download is not None:  # never opened
            self.download.close()
            self.download = None

    def _failed(self, exc: Exception) -> None:
        """Log a read that broke off and let another be made, or raise a one-line error."""
        self._close()
        page = self.page
        reason = str(exc) if isinstance(exc, TruncatedBodyError) else type(exc).__name__
        where = f"locator {page.locator}" if page.locator else "first page"
        if self.attempt >= PAGE_READ_ATTEMPTS:
            cls = BulkShortReadError if isinstance(exc, _ShortPageError) else SalesforceError
            raise cls(
                f"Bulk API job {page.job_id}: result page ({where}) was incomplete "
                f"{self.attempt} times in a row, last: {reason}; re-run to extract again "
                "(the state covers every record emitted)"
            ) from exc
        logger.warning(
            "Bulk API job %s: result page (%s) incomplete after %d rows (%s); reading it again "
            "(attempt %d of %d)",
            page.job_id,
            where,
            self.yielded,
            reason,
            self.attempt + 1,
            PAGE_READ_ATTEMPTS,
        )


class _ShortPageError(TruncatedBodyError):
    """A complete body holding fewer rows than its ``Sforce-NumberOfRecords``."""


MAX_FIELD_CHARS = 16 * 1024 * 1024
"""Largest CSV value accepted; the csv module's default (131,072) is a long text area's size."""


def _csv_rows(body: BodyReader) -> Iterator[list[str]]:
    """The CSV rows of a body (the header first), each yielded only once known complete.

    A row is held back until the next one has been parsed (so its line ending arrived) or
    the body has ended, complete (checked by :class:`BodyReader`, whether read from the
    response or from a prefetched page's saved bytes) and with a line ending.

    Args:
        body: The body, decoded.

    Raises:
        TruncatedBodyError: The body ended early, or without a final line ending.
        csv.Error: Malformed CSV, such as a quoted value the body's end cut open.
    """
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    buffered = io.BufferedReader(body, CHUNK_BYTES)
    text = io.TextIOWrapper(buffered, encoding="utf-8", newline="")
    try:
        held: list[str] | None = None
        for row in csv.reader(text, strict=True):
            if held is not None:
                yield held
            held = row
        if held is None:
            return
        if body.last_byte != b"\n":
            raise TruncatedBodyError("the body ended inside a row (no final line ending)")
        yield held
    finally:
        text.close()
