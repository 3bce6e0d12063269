"""REST plumbing of the streams: HTTP through the shared ``SalesforceSession``, paging.

Query pages are read whole and checked complete by ``SalesforceSession.read_json``
before the SDK sees them (a page cut short is requested again).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import requests
from salesforce_common import SalesforceError
from singer_sdk.pagination import BaseHATEOASPaginator
from typing_extensions import override

from tap_salesforce_plus.sdk_compat import BookmarkHook

if TYPE_CHECKING:
    import logging

    from salesforce_common import SalesforceSession
    from singer_sdk import Tap
    from singer_sdk.helpers.types import RequestFunc
    from singer_sdk.streams.rest import HTTPRequest, PageContext

_DROPPED_HEADERS = frozenset({"authorization", "content-length", "accept-encoding"})
PageBody = Callable[["requests.Response"], dict[str, Any]]
"""Decodes a query page (once: the stream and its paginator share the result)."""


class NextRecordsUrlPaginator(BaseHATEOASPaginator):
    """Follows ``nextRecordsUrl`` of SOQL query pages until ``done``.

    Args:
        page_body: Decodes a page (the stream's :meth:`SalesforceStream.page_body`).
    """

    def __init__(self, page_body: PageBody) -> None:
        """Create the paginator."""
        super().__init__()
        self._page_body = page_body

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        """The next page's path, or None on the last page.

        Args:
            response: A ``query``/``queryAll`` page.

        Returns:
            ``/services/data/vNN.N/query/01g...-2000`` or None.
        """
        body = self._page_body(response)
        if body.get("done", True):
            return None
        next_url = body.get("nextRecordsUrl")
        return str(next_url) if next_url else None


class SessionTransport(requests.Session):
    """The SDK's ``requests`` session for a stream: sends through :class:`SalesforceSession`.

    The SDK prepares each request (URL, query string, headers) with this session and sends
    it with :meth:`send`, which hands it to ``SalesforceSession.request``: that owns
    everything Salesforce-specific (login and the ``Authorization`` header, re-login after a
    401 for refreshable flows, retries with backoff, ``Sforce-Limit-Info`` tracking, the
    API-quota guard, timeouts, typed one-line errors).

    The body of each response is read and decoded here (``SalesforceSession.read_json``), so a
    page cut short is requested again before the SDK sees it; :attr:`decoded` keeps the
    decoded body of the last response for :meth:`SalesforceStream.page_body`.

    Args:
        session: The org session.
        logger: The stream's logger.
    """

    def __init__(self, session: SalesforceSession, logger: logging.Logger) -> None:
        """Create the transport."""
        super().__init__()
        self.sf_session = session
        self.logger = logger
        self.decoded: tuple[requests.Response, Any] | None = None

    @override
    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send a prepared request through the org session.

        Args:
            request: URL with query string, method, headers and body.
            **kwargs: ``requests`` send options (timeouts and redirects are the session's).

        Returns:
            The 2xx response.

        Raises:
            SalesforceError: Whatever the session raises (typed, one line, no secrets).
        """
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in _DROPPED_HEADERS
        }
        response, body = self.sf_session.read_json(
            request.method or "GET",
            request.url or "",
            headers=headers,
            data=request.body,
            parse_float=decimal.Decimal,
        )
        self.decoded = (response, body)
        return response


class SalesforceStream(BookmarkHook):
    """A REST stream whose HTTP goes through the tap's one :class:`SalesforceSession`.

    The SDK builds each request (URL, query parameters, headers), pages with an SDK
    paginator and sends through :attr:`requests_session`, a :class:`SessionTransport`.
    :meth:`request_decorator` is therefore the identity: the SDK's own retry loop would
    retry a second time around the session's, and would retry errors (such as a spent API
    quota) that must stop the run.

    Args:
        tap: The tap.
        session: The org session shared by discovery and every stream.
        **kwargs: Passed to :class:`~singer_sdk.RESTStream`.
    """

    def __init__(self, tap: Tap, *, session: SalesforceSession, **kwargs: Any) -> None:
        """Create the stream."""
        self.sf_session = session
        self.tap = tap
        self._last_page: tuple[requests.Response, dict[str, Any]] | None = None
        super().__init__(tap, **kwargs)
        self._transport = SessionTransport(session, self.logger)

    @property
    @override
    def url_base(self) -> str:
        """``{instance_url}/services/data/vNN.N/`` (logs in on first use)."""
        return f"{self.sf_session.base_url}/"

    @property
    @override
    def requests_session(self) -> requests.Session:
        """The transport through the org session."""
        return self._transport

    @override
    def get_new_paginator(self) -> NextRecordsUrlPaginator:
        """A fresh ``nextRecordsUrl`` paginator."""
        return NextRecordsUrlPaginator(self.page_body)

    def page_body(self, response: requests.Response) -> dict[str, Any]:
        """The decoded page, decimals kept exact; decoded once per response.

        Args:
            response: A query page.

        Returns:
            ``{totalSize, done, nextRecordsUrl?, records}``.
        """
        last = self._transport.decoded
        if last is None or last[0] is not response:
            last = self._last_page
        if last is None or last[0] is not response:
            last = (response, response.json(parse_float=decimal.Decimal))
            self._last_page = last
        body = last[1]
        if not isinstance(body, dict):
            raise SalesforceError(
                f"stream {self.name}: a query page is not a JSON object ({type(body).__name__})"
            )
        return body

    def flush_state(self) -> None:
        """Emit a STATE message now (the state covers every record emitted so far)."""
        _ = self.stream_state  # the stream's entry exists before it is written
        self.tap.state_writer.write_state(self.tap_state)

    @override
    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """The first page's request, or the ``nextRecordsUrl`` of a later page.

        Args:
            page: Stream context and the paginator's current value.

        Returns:
            The request to send.
        """
        request = super().get_http_request(page=page)
        if page.next_page_token is not None:
            request.url = urljoin(self.url_base, page.next_page_token.geturl())
            request.params = {}
        return request

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        """No SDK retry loop: retries belong to the shared session (see the class doc).

        Args:
            func: The request function.

        Returns:
            ``func`` unchanged.
        """
        return func

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict[str, Any]]:
        """The page's records, exactly as Salesforce sent them, each let go once yielded.

        The records are taken out of the decoded page (which keeps ``nextRecordsUrl`` for the
        paginator), so a page's records are freed as they are written: memory holds about one
        page, not two, while the next one is decoded.

        Args:
            response: A query page.

        Yields:
            The records (decimals kept exact).
        """
        records = self.page_body(response).pop("records", None) or []
        records.reverse()
        while records:
            yield records.pop()
