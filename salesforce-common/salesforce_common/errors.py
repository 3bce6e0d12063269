"""Typed Salesforce errors and the mapping from HTTP error responses to them.

Every error renders as one line: ``<errorCode>: <message> (HTTP <status>, <METHOD> <path>)``.
The path never carries the query string (SOQL can be long) and no header is ever included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

MAX_MESSAGE_LENGTH = 500
"""Longest message kept in an error; Salesforce messages can quote whole queries."""

TRANSIENT_STATUSES = frozenset({406, 420, 429})
"""Non-5xx statuses Salesforce uses for "try again later"."""


def one_line(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """Collapse whitespace (newlines included) and cut ``text`` to ``limit`` characters.

    Args:
        text: Any text.
        limit: Maximum length of the result.

    Returns:
        The text on one line.
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class SalesforceError(Exception):
    """Base class of every error raised by this library.

    Attributes:
        message: Salesforce's (or our) message, on one line.
        status: HTTP status code, when the error comes from a response.
        error_code: Salesforce's ``errorCode`` (or OAuth ``error``), when known.
        method: HTTP method of the failed request, when known.
        path: URL path of the failed request (no query string), when known.
        fields: Field names Salesforce attached to the error.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        method: str | None = None,
        path: str | None = None,
        fields: Sequence[str] = (),
    ) -> None:
        """Create the error.

        Args:
            message: Human-readable message (flattened to one line).
            status: HTTP status code.
            error_code: Salesforce error code.
            method: HTTP method.
            path: URL path without the query string.
            fields: Field names the error refers to.
        """
        self.message = one_line(message)
        self.status = status
        self.error_code = error_code
        self.method = method
        self.path = path
        self.fields = list(fields)
        super().__init__(self.message)

    def __str__(self) -> str:
        """Render ``<errorCode>: <message> (HTTP <status>, <METHOD> <path>)``."""
        head = f"{self.error_code}: {self.message}" if self.error_code else self.message
        context = []
        if self.status is not None:
            context.append(f"HTTP {self.status}")
        if self.method and self.path:
            context.append(f"{self.method} {self.path}")
        return f"{head} ({', '.join(context)})" if context else head


class ConfigError(SalesforceError):
    """Missing, contradictory or malformed settings; raised before any request."""


class AuthenticationError(SalesforceError):
    """The OAuth token endpoint refused to log in."""

    def __str__(self) -> str:
        """Render the message alone: it already names the flow and Salesforce's error."""
        return self.message


class SessionExpiredError(SalesforceError):
    """401 ``INVALID_SESSION_ID``: the access token expired or was revoked."""


class RequestLimitExceededError(SalesforceError):
    """403 ``REQUEST_LIMIT_EXCEEDED``: the org's daily API allowance is spent. Never retried."""


class QueryTimeoutError(SalesforceError):
    """400 ``QUERY_TIMEOUT``: the query was too slow; split it (smaller date windows)."""


class InvalidQueryLocatorError(SalesforceError):
    """400 ``INVALID_QUERY_LOCATOR``: the query cursor expired; restart from a bookmark."""


class InvalidFieldError(SalesforceError):
    """400 ``INVALID_FIELD``: unknown field, or hidden by field-level security."""


class MalformedQueryError(SalesforceError):
    """400 ``MALFORMED_QUERY`` / ``INVALID_TYPE``: the SOQL is wrong."""


class NotFoundError(SalesforceError):
    """404: unknown object or resource."""


class AccessDeniedError(SalesforceError):
    """403 ``INSUFFICIENT_ACCESS`` / ``API_DISABLED_FOR_ORG``: a permission problem."""


class TransientError(SalesforceError):
    """5xx, 406/420/429, ``UNABLE_TO_LOCK_ROW`` or a network failure: worth retrying."""


class ForeignHostError(SalesforceError, ValueError):
    """A URL from Salesforce (``nextRecordsUrl``...) points at a host other than the instance."""


class ApiQuotaGuardError(SalesforceError):
    """Our own guard stopped a call that would cross the configured API-usage limit."""


_BY_CODE: dict[str, type[SalesforceError]] = {
    "INVALID_SESSION_ID": SessionExpiredError,
    "REQUEST_LIMIT_EXCEEDED": RequestLimitExceededError,
    "QUERY_TIMEOUT": QueryTimeoutError,
    "INVALID_QUERY_LOCATOR": InvalidQueryLocatorError,
    "INVALID_FIELD": InvalidFieldError,
    "MALFORMED_QUERY": MalformedQueryError,
    "INVALID_TYPE": MalformedQueryError,
    "INSUFFICIENT_ACCESS": AccessDeniedError,
    "INSUFFICIENT_ACCESS_OR_READONLY": AccessDeniedError,
    "INSUFFICIENT_PRIVILEGES": AccessDeniedError,
    "API_DISABLED_FOR_ORG": AccessDeniedError,
    "API_CURRENTLY_DISABLED": AccessDeniedError,
    "NOT_FOUND": NotFoundError,
    "UNABLE_TO_LOCK_ROW": TransientError,
    "SERVER_UNAVAILABLE": TransientError,
}


def _class_for(status: int, error_code: str | None) -> type[SalesforceError]:
    if error_code and error_code.upper() in _BY_CODE:
        return _BY_CODE[error_code.upper()]
    if status >= 500 or status in TRANSIENT_STATUSES:
        return TransientError
    return {
        401: SessionExpiredError,
        403: AccessDeniedError,
        404: NotFoundError,
    }.get(status, SalesforceError)


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _summarize_text(response: requests.Response) -> str:
    """Summarize a non-JSON body without dumping HTML into a message."""
    text = response.text or ""
    content_type = response.headers.get("Content-Type", "")
    reason = response.reason or "no details"
    if "html" in content_type.lower() or text.lstrip().startswith("<"):
        title = _TITLE.search(text)
        summary = one_line(title.group(1), 120) if title else ""
        return f"{summary or reason} (HTML error page)"
    return one_line(text, 200) if text.strip() else reason


def _parse_body(response: requests.Response) -> tuple[str | None, str, list[str]]:
    """Extract (error code, message, fields) from a Salesforce error body."""
    try:
        data: Any = json.loads(response.text) if response.text else None
    except ValueError:
        data = None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        first = data[0]
        code = first.get("errorCode") or first.get("statusCode")
        message = str(first.get("message") or response.reason or "")
        if len(data) > 1:
            message += f" (and {len(data) - 1} more error(s))"
        fields = [str(f) for f in first.get("fields") or []]
        return (str(code) if code else None), message, fields
    if isinstance(data, dict):
        if "errorCode" in data or "message" in data:
            code = data.get("errorCode")
            fields = [str(f) for f in data.get("fields") or []]
            return (str(code) if code else None), str(data.get("message") or ""), fields
        if "error" in data:  # OAuth shape
            return str(data["error"]), str(data.get("error_description") or ""), []
    return None, _summarize_text(response), []


def error_from_response(
    response: requests.Response,
    *,
    method: str | None = None,
    path: str | None = None,
) -> SalesforceError:
    """Map an error response (REST, Bulk 2.0 or OAuth shape) to a typed exception.

    Args:
        response: The non-2xx response.
        method: HTTP method; defaults to the one of ``response.request``.
        path: URL path; defaults to the path of ``response.request.url`` (query dropped).

    Returns:
        The matching :class:`SalesforceError` subclass instance (not raised).
    """
    request = response.request
    if method is None and request is not None:
        method = request.method
    if path is None:
        url = (request.url if request is not None else None) or response.url
        path = urlsplit(url).path if url else None
    code, message, fields = _parse_body(response)
    cls = _class_for(response.status_code, code)
    return cls(
        message or response.reason or "request failed",
        status=response.status_code,
        error_code=code,
        method=method,
        path=path,
        fields=fields,
    )
