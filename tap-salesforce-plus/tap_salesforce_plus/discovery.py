"""Org metadata for discovery: one global describe, then per-object describes in batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from salesforce_common import SalesforceError
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
        missing: Object API name -> one-line reason, for objects the org answered 404 for.
    """

    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def global_describe(session: SalesforceSession) -> list[dict[str, Any]]:
    """The ``sobjects`` entries of ``GET sobjects`` (one API call).

    Args:
        session: The org session.

    Returns:
        One entry per object: ``name``, ``queryable``, ``custom``, ...
    """
    return list(session.get_json("sobjects", parse_float=Decimal).get("sobjects") or [])


def _chunks(names: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(names), size):
        yield names[start : start + size]


def _sub_request_error(name: str, status: int, result: Any) -> SalesforceError:
    """The error of a failed describe sub-request (its ``result`` is an error array)."""
    code, message = None, one_line(str(result), 200)
    if isinstance(result, list) and result and isinstance(result[0], dict):
        code = result[0].get("errorCode") or result[0].get("statusCode")
        message = one_line(str(result[0].get("message") or ""), 200)
    return SalesforceError(
        f"describe of {name} failed: {message}",
        status=status,
        error_code=str(code) if code else None,
        method="GET",
        path=f"sobjects/{name}/describe (in composite/batch)",
    )


def describe_objects(session: SalesforceSession, names: Sequence[str]) -> Describes:
    """Describe objects through ``POST composite/batch``, 25 sub-requests per call.

    Args:
        session: The org session.
        names: Object API names.

    Returns:
        The describes, and the objects the org does not have (404).

    Raises:
        SalesforceError: A describe failed for another reason (permissions, session, ...).
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
        answer = session.read_json("POST", "composite/batch", json=body, parse_float=Decimal)[1]
        results = answer.get("results") or []
        if len(results) != len(chunk):
            raise SalesforceError(
                f"composite/batch answered {len(results)} results for {len(chunk)} describes",
                method="POST",
                path="composite/batch",
            )
        for name, result in zip(chunk, results, strict=True):
            status = int(result.get("statusCode") or 0)
            if 200 <= status < 300 and isinstance(result.get("result"), dict):
                describes.found[name] = result["result"]
                continue
            error = _sub_request_error(name, status, result.get("result"))
            if status != 404:
                raise error
            describes.missing[name] = str(error)
    return describes
