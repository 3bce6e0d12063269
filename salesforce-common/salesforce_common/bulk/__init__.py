"""Bulk API 2.0: query jobs (the tap) and ingest jobs (the target), one implementation."""

from __future__ import annotations

from salesforce_common.bulk.ingest import BulkIngestClient, ResultKind
from salesforce_common.bulk.jobs import (
    FAILED_STATES,
    JOB_COMPLETE,
    TERMINAL_STATES,
    BulkJobFailedError,
    BulkJobTimeoutError,
    is_unsupported_object,
)
from salesforce_common.bulk.query import BulkQueryClient, BulkShortReadError, ResultPage

__all__ = [
    "FAILED_STATES",
    "JOB_COMPLETE",
    "TERMINAL_STATES",
    "BulkIngestClient",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkQueryClient",
    "BulkShortReadError",
    "ResultKind",
    "ResultPage",
    "is_unsupported_object",
]
