"""Org metadata for discovery: one global describe, then per-object describes in batches.

The last batch also asks ``limits/recordCount`` for the tables' approximate row counts, with
which the streams choose REST or the Bulk API without a ``COUNT()`` query each: no extra call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from salesforce_common import SalesforceError
from salesforce_common.errors import one_line

if TYPE_CHECKING:
    from salesforce_common import SalesforceSession

T = TypeVar("T")

COMPOSITE_BATCH_LIMIT = 25
"""Most sub-requests Salesforce accepts in one ``composite/batch`` call."""


@dataclass
class Describes:
    """Per-object describes fetched by :func:`describe_objects`.

    Attributes:
        found: Object API name -> describe body.
        missing: Object API name -> one-line reason, for objects the org answered 404 for.
        record_counts: Lower-cased object name -> approximate row count (``limits/recordCount``:
            a cached snapshot without recycle-bin rows), for the objects counted and answered.
    """

    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    record_counts: dict[str, int] = field(default_factory=dict)


def global_describe(session: SalesforceSession) -> list[dict[str, Any]]:
    """The ``sobjects`` entries of ``GET sobjects`` (one API call).

    Args:
        session: The org session.

    Returns:
        One entry per object: ``name``, ``queryable``, ``custom``, ...
    """
    return list(session.get_json("sobjects", parse_float=Decimal).get("sobjects") or [])


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _record_counts(result: Mapping[str, Any]) -> dict[str, int]:
    """Lower-cased object name -> count, from a ``limits/recordCount`` sub-request's result.

    A refused sub-request (the user lacks "View Setup and Configuration") gives no counts:
    the streams then count their rows themselves.
    """
    status = int(result.get("statusCode") or 0)
    body = result.get("result")
    if not 200 <= status < 300 or not isinstance(body, dict):
        return {}
    return {
        str(entry["name"]).lower(): int(entry["count"])
        for entry in body.get("sObjects") or []
        if isinstance(entry, dict) and entry.get("name") and isinstance(entry.get("count"), int)
    }


def describe_objects(
    session: SalesforceSession, names: Sequence[str], *, count: Sequence[str] = ()
) -> Describes:
    """Describe objects through ``POST composite/batch``, 25 sub-requests per call.

    Args:
        session: The org session.
        names: Object API names.
        count: Objects whose approximate row counts to ask too, in the last batch (or in a
            batch of its own when the last one is full).

    Returns:
        The describes, the objects the org does not have (404), and the counts it gave.

    Raises:
        SalesforceError: A describe failed for another reason (permissions, session, ...).
    """
    describes = Describes()
    base = f"/services/data/v{session.api_version}"
    requests: list[tuple[str | None, str]] = [
        (name, f"{base}/sobjects/{name}/describe") for name in names
    ]
    if count:
        requests.append((None, f"{base}/limits/recordCount?sObjects={','.join(count)}"))
    for chunk in _chunks(requests, COMPOSITE_BATCH_LIMIT):
        body = {
            "haltOnError": False,
            "batchRequests": [{"method": "GET", "url": url} for _, url in chunk],
        }
        answer = session.read_json("POST", "composite/batch", json=body, parse_float=Decimal)[1]
        results = answer.get("results") or []
        if len(results) != len(chunk):
            raise SalesforceError(
                f"composite/batch answered {len(results)} results for {len(chunk)} describes",
                method="POST",
                path="composite/batch",
            )
        for (name, _), result in zip(chunk, results, strict=True):
            if name is None:
                describes.record_counts.update(_record_counts(result))
                continue
            status = int(result.get("statusCode") or 0)
            if 200 <= status < 300 and isinstance(result.get("result"), dict):
                describes.found[name] = result["result"]
                continue
            error = _sub_request_error(name, status, result.get("result"))
            if status != 404:
                raise error
            describes.missing[name] = str(error)
    return describes
