"""JSON bodies read whole: requested gzip, checked complete, requested again when cut short.

Every JSON body the tap reads goes through :func:`get_complete_json` (query pages through the
streams' ``SessionTransport``; counts, describes and deletions through :func:`read_json`):
requested with ``Accept-Encoding: gzip``, its gzip trailer and ``Content-Length`` checked
(``salesforce_common.bulk.query.complete_body``), and decoded whole. A body cut short
(mid-JSON, with or without ``Content-Length``, gzip or not) is requested again (re-reading a
``nextRecordsUrl`` page is allowed), :data:`BODY_ATTEMPTS` times at most, then the read fails
with one line naming the resource: never a partial record.
"""

from __future__ import annotations

import decimal
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from salesforce_common import SalesforceError
from salesforce_common.bulk.query import (
    ACCEPT_GZIP,
    BODY_ERRORS,
    TruncatedBodyError,
    complete_body,
)

if TYPE_CHECKING:
    import requests
    from salesforce_common import SalesforceSession

BODY_ATTEMPTS = 5
"""Requests of one JSON resource whose body arrives cut short, before the read fails."""
INCOMPLETE_BODY_ERRORS: tuple[type[Exception], ...] = (*BODY_ERRORS, TruncatedBodyError, ValueError)
"""A body that broke off, was cut short, or does not decode as one JSON document."""


TAP_LOGGER = logging.getLogger("tap-salesforce-plus")
"""The tap's logger (the SDK names it after the tap)."""


def read_json(
    session: SalesforceSession, path: str, params: Mapping[str, Any] | None = None
) -> Any:
    """``GET`` a resource and decode its body, checked complete (see :func:`get_complete_json`).

    Args:
        session: The org session.
        path: As for ``SalesforceSession.request``.
        params: Query parameters.

    Returns:
        The decoded JSON (decimals kept exact).
    """
    return get_complete_json(session, "GET", path, params=params)[1]


def get_complete_json(
    session: SalesforceSession,
    method: str,
    path: str,
    *,
    logger: logging.Logger = TAP_LOGGER,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[requests.Response, Any]:
    """Send a read request and decode its body, requesting it again while it arrives cut.

    Args:
        session: The org session (auth, retries of failed requests, typed errors).
        method: ``GET``, or ``POST`` for a read such as ``composite/batch``.
        path: As for ``SalesforceSession.request``.
        logger: Where repeated requests are reported.
        headers: Extra request headers.
        **kwargs: Passed to ``SalesforceSession.request`` (``params``, ``json``, ``data``).

    Returns:
        The response (its body consumed) and the decoded JSON (decimals kept exact).

    Raises:
        SalesforceError: The body arrived incomplete :data:`BODY_ATTEMPTS` times in a row.
    """
    for attempt in range(1, BODY_ATTEMPTS + 1):
        response = session.request(
            method, path, headers={**(headers or {}), **ACCEPT_GZIP}, stream=True, **kwargs
        )
        try:
            return response, json.loads(complete_body(response), parse_float=decimal.Decimal)
        except INCOMPLETE_BODY_ERRORS as exc:
            where = urlsplit(response.url or path).path
            reason = _incomplete_reason(exc)
            if attempt >= BODY_ATTEMPTS:
                raise SalesforceError(
                    f"{method} {where}: the response body arrived incomplete {attempt} times in "
                    f"a row (last: {reason}); re-run to extract again (the state covers every "
                    "record emitted)"
                ) from None
            logger.warning(
                "%s %s: the response body arrived incomplete (%s); requesting it again "
                "(attempt %d of %d)",
                method,
                where,
                reason,
                attempt + 1,
                BODY_ATTEMPTS,
            )
    raise AssertionError  # pragma: no cover (the loop returns or raises)


def _incomplete_reason(exc: Exception) -> str:
    """What was wrong with a body, in a few words."""
    if isinstance(exc, TruncatedBodyError):
        return exc.message
    if isinstance(exc, json.JSONDecodeError):
        return f"not complete JSON: {exc.msg} at byte {exc.pos}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"the connection broke off ({type(exc).__name__})"
