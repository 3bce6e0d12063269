"""The Salesforce calls the target makes, on the shared session: describe, query, writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from salesforce_common import SalesforceSession, TransientError
from salesforce_common.api_limits import COLLECTION_RECORDS
from salesforce_common.bodies import ACCEPT_GZIP
from salesforce_common.bulk import BulkIngestClient

from target_salesforce_contacts.matching import find_contacts

CONTACT = "Contact"
COLLECTION_LIMIT = COLLECTION_RECORDS
"""Records per sObject collection call."""

DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"
TOKEN_ALLOWANCE = 256
"""Bytes kept for an access token longer than the current one (a re-login may issue one)."""
REQUEST_LINE = len("GET  HTTP/1.1\r\n") + len("\r\n")
"""The request line around the URI, and the blank line ending the headers."""


def decoded(response: requests.Response) -> Any:
    """The JSON body of a 2xx response; a body cut short is a transient failure.

    Args:
        response: The response.

    Returns:
        The decoded JSON.

    Raises:
        TransientError: The body is not JSON (a truncated response): the outcome of a write
            is unknown, a read may be repeated.
    """
    try:
        return response.json()
    except ValueError:
        request = response.request
        raise TransientError(
            f"the response body is not complete JSON ({len(response.content)} bytes)",
            status=response.status_code,
            method=request.method if request is not None else None,
            path=response.url.split("?", 1)[0].split("/services/", 1)[-1],
        ) from None


class ContactsApi:
    """Contact describe, lookups and sObject collections; Bulk API 2.0 ingest via :attr:`ingest`."""

    def __init__(
        self,
        session: SalesforceSession,
        *,
        allow_duplicate_save: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        parallel: int = 1,
    ) -> None:
        """Wrap a session.

        Args:
            session: The logged-in (or lazily logging-in) session.
            allow_duplicate_save: Send ``Sforce-Duplicate-Rule-Header: allowSave=true`` on
                writes.
            sleep: Waits between repeated reads (replaceable in tests).
            parallel: Most requests in flight at once (lookups, collection calls and Bulk
                ingest calls together, also while one batch writes and the next is looked
                up).
        """
        self.session = session
        self.sleep = sleep
        self.parallel = max(1, parallel)
        self.slots = threading.BoundedSemaphore(self.parallel)
        """Held by each request for its duration: at most ``parallel`` in flight."""
        self.write_headers = (
            {DUPLICATE_RULE_HEADER: "allowSave=true"} if allow_duplicate_save else {}
        )
        self.ingest = BulkIngestClient(session, headers=self.write_headers, gate=self.slots)
        """Bulk API 2.0 ingest jobs (the shared library's client)."""

    @property
    def calls(self) -> int:
        """API calls made so far."""
        return self.session.calls

    def describe_contact(self) -> dict[str, Any]:
        """``GET sobjects/Contact/describe``.

        Returns:
            The describe body.
        """
        return self.describe(CONTACT)

    def describe(self, sobject: str) -> dict[str, Any]:
        """``GET sobjects/{sobject}/describe``.

        Args:
            sobject: The object (``Contact``, ``Account``, ``Lead``).

        Returns:
            The describe body.
        """
        with self.slots:
            return dict(self.session.get_json(f"sobjects/{quote(sobject, safe='')}/describe"))

    @property
    def query_url_prefix_bytes(self) -> int:
        """Bytes of a ``GET query?q=`` request besides the encoded statement.

        Salesforce limits the URI plus the headers (``MAX_URI_BYTES``): this counts the URL
        before the statement, the request line around it, and the headers as sent (the
        session's, ``Host``, ``Accept-Encoding`` and ``Authorization`` with room for a longer
        token), rather than a fixed allowance, so the lookups pack as many emails as fit.
        """
        session = self.session
        url = f"{session.base_url}/query?q="
        headers: dict[str, str] = {
            **{str(k): str(v) for k, v in session.http.headers.items()},
            **ACCEPT_GZIP,
            "Host": urlsplit(url).netloc,
        }
        auth_headers = getattr(session.flow, "auth_headers", None) or {}
        headers.update({str(k): str(v) for k, v in auth_headers.items()})
        token = session.flow.access_token or ""
        headers.setdefault("Authorization", f"Bearer {token}")
        header_bytes = sum(len(f"{k}: {v}\r\n".encode()) for k, v in headers.items())
        return len(url.encode()) + REQUEST_LINE + header_bytes + TOKEN_ALLOWANCE

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Run a query (all pages).

        Args:
            soql: The statement.

        Yields:
            Records.
        """
        page = self._read("query", {"q": soql})
        while True:
            yield from page.get("records") or []
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            page = self._read(str(next_url), None)

    def _read(self, path: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """GET a JSON page, checked complete (a page cut short is read again by the session)."""
        with self.slots:
            return dict(self.session.get_json(path, params))

    def find_by_email(
        self, emails: Sequence[str], fields: Sequence[str] | set[str] = ()
    ) -> dict[str, list[dict[str, Any]]]:
        """Existing Contacts by email key (see :func:`matching.find_contacts`).

        Args:
            emails: Emails to look up.
            fields: Contact fields to read besides Id, Email and CreatedDate.

        Returns:
            Email key -> Contacts, oldest first.
        """
        if not emails:
            return {}
        return find_contacts(
            self.query,
            emails,
            fields,
            url_prefix_bytes=self.query_url_prefix_bytes,
            parallel=self.parallel,
        )

    def upsert(
        self, external_id_field: str, records: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """``PATCH composite/sobjects/Contact/{external_id_field}``: resend-safe creates.

        A record whose key is already held by a Contact updates it; the others are
        created. Sending the same records again cannot create a second Contact (the field
        is unique), so the caller may resend after any failure.

        Args:
            external_id_field: The unique external-ID field each record carries.
            records: At most 200 Contacts (field -> value, the key included).

        Returns:
            One result per record, in order: ``{id, success, created, errors}``.
        """
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": CONTACT}, **r} for r in records],
        }
        path = f"composite/sobjects/{CONTACT}/{quote(external_id_field, safe='')}"
        with self.slots:
            response = self.session.request(
                "PATCH", path, retry=False, json=body, headers=self.write_headers
            )
        return list(decoded(response))

    def update(
        self, records: Sequence[tuple[str, Mapping[str, Any]]], sobject: str = CONTACT
    ) -> list[dict[str, Any]]:
        """``PATCH composite/sobjects`` (retries are the caller's).

        Args:
            records: At most 200 (record Id, changed fields).
            sobject: The object updated (Contact, or Lead for ``lead_policy: update_lead``).

        Returns:
            One result per record, in order.
        """
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": sobject}, "id": record_id, **values}
                for record_id, values in records
            ],
        }
        with self.slots:
            response = self.session.request(
                "PATCH", "composite/sobjects", retry=False, json=body, headers=self.write_headers
            )
        return list(decoded(response))

    def create(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``POST composite/sobjects``: create at most 200 records (retries are the caller's).

        Args:
            sobject: The object (Account).
            records: Field -> value per record.

        Returns:
            One result per record, in order: ``{id, success, errors}``.
        """
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": sobject}, **r} for r in records],
        }
        with self.slots:
            response = self.session.request(
                "POST", "composite/sobjects", retry=False, json=body, headers=self.write_headers
            )
        return list(decoded(response))

    def delete(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """``DELETE composite/sobjects?ids=...&allOrNone=false`` (at most 200; idempotent).

        Args:
            ids: Record Ids.

        Returns:
            One result per Id, in order.
        """
        with self.slots:
            response = self.session.request(
                "DELETE",
                "composite/sobjects",
                params={"ids": ",".join(ids), "allOrNone": "false"},
            )
        return list(decoded(response))
