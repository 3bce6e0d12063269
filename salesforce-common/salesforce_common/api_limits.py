"""Salesforce's documented API limits, declared once for the plugins and the emulator.

Sources: the REST API developer guide (request size limits), the SOQL and SOSL reference
(statement and literal lengths), the sObject Collections and Composite resources, and the
"Salesforce Developer Limits and Allocations Quick Reference" (Bulk API 2.0, concurrency).
"""

from __future__ import annotations

MAX_URI_BYTES = 16_384
"""A request's URI plus its headers; past it Salesforce answers 414 or 431."""

HEADER_ALLOWANCE = 2_048
"""Bytes a client keeps below :data:`MAX_URI_BYTES` for the request line and headers."""

MAX_SOQL_CHARS = 100_000
"""Longest SOQL statement (REST query and Bulk API job alike)."""

MAX_LITERAL_CHARS = 4_000
"""Longest string literal in a SOQL ``WHERE`` clause."""

QUERY_PAGE_ROWS = 2_000
"""Most rows in one ``query``/``queryAll`` page (``batchSize`` 200..2,000)."""

MIN_QUERY_BATCH_SIZE = 200
"""Smallest ``Sforce-Query-Options: batchSize``."""

MAX_OPEN_CURSORS = 10
"""Open query cursors per user; an older one is closed when an eleventh is opened."""

CURSOR_IDLE_SECONDS = 15 * 60
"""A query cursor (``nextRecordsUrl``) expires after about this long unused."""

COLLECTION_RECORDS = 200
"""Records per sObject Collections request (``composite/sobjects``)."""

COMPOSITE_SUBREQUESTS = 25
"""Subrequests per ``composite`` or ``composite/batch`` request."""

SYNC_REQUEST_TIMEOUT_SECONDS = 600
"""Salesforce ends a synchronous request after 10 minutes: an unanswered write can no
longer commit once this has passed since it was sent."""

CONCURRENT_LONG_REQUESTS = 25
"""Concurrent long-running (20 s or more) requests per production org."""

BULK_QUERY_JOBS_PER_DAY = 10_000
"""Bulk API 2.0 query jobs per rolling 24 hours."""

BULK_INGEST_UPLOAD_BYTES = 150 * 1024 * 1024
"""Largest Bulk API 2.0 ingest upload (``PUT .../batches``), in bytes."""

BULK_INGEST_RECORDS_PER_DAY = 150_000_000
"""Records per rolling 24 hours through Bulk API 2.0 ingest."""
