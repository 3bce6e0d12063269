"""Org metadata for discovery: one global describe, then per-object describes in batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesforce_common.errors import one_line

if TYPE_CHECKING:
    from salesforce_common import SalesforceSession

COMPOSITE_BATCH_LIMIT = 25
"""Most sub-requests Salesforce accepts in one ``composite/batch`` call."""


@dataclass
class Describes:
    """Per-object describes fetched by :func:`describe_objects`.

    Attributes:
        found: Object API name -> describe body.
        failed: Object API name -> one-line reason, for objects whose describe failed.
    """

    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def global_describe(session: SalesforceSession) -> list[dict[str, Any]]:
    """The ``sobjects`` entries of ``GET sobjects`` (one API call).

    Args:
        session: The org session.

    Returns:
        One entry per object: ``name``, ``queryable``, ``custom``, ...
    """
    return list(session.get_json("sobjects").get("sobjects") or [])


def _chunks(names: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(names), size):
        yield names[start : start + size]


def _failure_reason(result: Any) -> str:
    """One line from a failed sub-request's ``result`` (an error array, usually)."""
    if isinstance(result, list) and result and isinstance(result[0], dict):
        error = result[0]
        code = error.get("errorCode") or error.get("statusCode") or "ERROR"
        return one_line(f"{code}: {error.get('message') or ''}".strip(), 200)
    return one_line(str(result), 200)


def describe_objects(session: SalesforceSession, names: Sequence[str]) -> Describes:
    """Describe objects through ``POST composite/batch``, 25 sub-requests per call.

    Args:
        session: The org session.
        names: Object API names.

    Returns:
        The describes, and the reason for each object that could not be described.
    """
    describes = Describes()
    base = f"/services/data/v{session.api_version}/sobjects"
    for chunk in _chunks(list(names), COMPOSITE_BATCH_LIMIT):
        body = {
            "haltOnError": False,
            "batchRequests": [
                {"method": "GET", "url": f"{base}/{name}/describe"} for name in chunk
            ],
        }
        answer = session.request("POST", "composite/batch", json=body).json()
        results = answer.get("results") or []
        for name, result in zip(chunk, results, strict=False):
            status = int(result.get("statusCode") or 0)
            if 200 <= status < 300 and isinstance(result.get("result"), dict):
                describes.found[name] = result["result"]
            else:
                reason = f"HTTP {status} {_failure_reason(result.get('result'))}"
                describes.failed[name] = reason
        for name in chunk[len(results) :]:
            describes.failed[name] = "no answer in the composite batch response"
    return describes
