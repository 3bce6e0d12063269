"""REST plumbing of the streams: HTTP through the shared ``SalesforceSession``, paging."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from singer_sdk import RESTStream
from singer_sdk.pagination import BaseHATEOASPaginator
from typing_extensions import override

if TYPE_CHECKING:
    from collections.abc import Iterable

    import requests
    from salesforce_common import SalesforceSession
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context, RequestFunc
    from singer_sdk.streams.rest import HTTPRequest, PageContext

_DROPPED_HEADERS = frozenset({"authorization", "content-length"})


PageBody = Callable[["requests.Response"], dict[str, Any]]
"""Decodes a query page (once: the stream and its paginator share the result)."""


class NextRecordsUrlPaginator(BaseHATEOASPaginator):
    """Follows ``nextRecordsUrl`` of SOQL query pages until ``done``.

    Args:
        page_body: Decodes a page; defaults to ``response.json()``.
    """

    def __init__(self, page_body: PageBody | None = None) -> None:
        """Create the paginator."""
        super().__init__()
        self._page_body: PageBody = page_body or (lambda response: response.json())

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


class SalesforceStream(RESTStream[Any]):
    """A REST stream whose HTTP goes through the tap's one :class:`SalesforceSession`.

    The SDK builds each request (URL, query parameters, headers) and pages with an SDK
    paginator; only the send is replaced. :meth:`_request` hands the prepared request to
    ``SalesforceSession.request``, which owns everything Salesforce-specific: login and the
    ``Authorization`` header (the auth flows are SDK authenticators), re-login and resend
    after a 401 for refreshable flows, retries with backoff on 5xx and dropped connections,
    ``Sforce-Limit-Info`` usage tracking, the API-quota guard, timeouts, and typed one-line
    errors. :meth:`request_decorator` is therefore the identity: the SDK's own retry loop
    would retry a second time around the session's, and would retry errors (such as a
    spent API quota) that must stop the run.

    Args:
        tap: The tap.
        session: The org session shared by discovery and every stream.
        **kwargs: Passed to :class:`~singer_sdk.RESTStream`.
    """

    def __init__(self, tap: Tap, *, session: SalesforceSession, **kwargs: Any) -> None:
        """Create the stream."""
        self.sf_session = session
        self._last_page: tuple[requests.Response, dict[str, Any]] | None = None
        super().__init__(tap, **kwargs)

    @property
    @override
    def url_base(self) -> str:
        """``{instance_url}/services/data/vNN.N/`` (logs in on first use)."""
        return f"{self.sf_session.base_url}/"

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
        last = self._last_page
        if last is None or last[0] is not response:
            last = (response, response.json(parse_float=decimal.Decimal))
            self._last_page = last
        return last[1]

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
    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """Send the SDK-prepared request through the shared session.

        Args:
            prepared_request: URL with query string, method, headers and body.
            context: Stream partition context.

        Returns:
            The 2xx response.

        Raises:
            SalesforceError: Whatever the session raises (typed, one line, no secrets).
        """
        headers = {
            name: value
            for name, value in prepared_request.headers.items()
            if name.lower() not in _DROPPED_HEADERS
        }
        response = self.sf_session.request(
            prepared_request.method or "GET",
            prepared_request.url or "",
            headers=headers,
            data=prepared_request.body,
        )
        self._write_request_duration_log(
            endpoint=self.path or "", response=response, context=context, extra_tags=None
        )
        return response

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        """The page's records, exactly as Salesforce sent them.

        Args:
            response: A query page.

        Returns:
            The records (decimals kept exact).
        """
        return list(self.page_body(response).get("records") or [])
