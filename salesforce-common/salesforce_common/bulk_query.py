"""Temporary alias of :mod:`salesforce_common.bulk` while the tap moves its imports."""

from __future__ import annotations

from salesforce_common.bulk import (
    FAILED_STATES,
    BulkJobFailedError,
    BulkJobTimeoutError,
    BulkQueryClient,
    BulkShortReadError,
    ResultPage,
    is_unsupported_object,
)

__all__ = [
    "FAILED_STATES",
    "BulkJobFailedError",
    "BulkJobTimeoutError",
    "BulkQueryClient",
    "BulkShortReadError",
    "ResultPage",
    "is_unsupported_object",
]
