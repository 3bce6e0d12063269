"""The Salesforce calls the target makes, on the shared session: describe, query, writes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from salesforce_common import SalesforceSession
from salesforce_common.api_limits import COLLECTION_RECORDS
from salesforce_common.bulk import BulkIngestClient

from target_salesforce_contacts.matching import find_contacts

CONTACT = "Contact"
COLLECTION_LIMIT = COLLECTION_RECORDS
"""Records per sObject collection call."""

DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"


class ContactsApi:
    """Contact describe, lookups and sObject collections; Bulk API 2.0 ingest via :attr:`ingest`."""

    def __init__(self, session: SalesforceSession, *, allow_duplicate_save: bool = False) -> None:
        """Wrap a session.

        Args:
            session: The logged-in (or lazily logging-in) session.
            allow_duplicate_save: Send ``Sforce-Duplicate-Rule-Header: allowSave=true`` on
                writes.
        """
        self.session = session
        self.write_headers = (
            {DUPLICATE_RULE_HEADER: "allowSave=true"} if allow_duplicate_save else {}
        )
        self.ingest = BulkIngestClient(session, headers=self.write_headers)
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
        return dict(self.session.get_json(f"sobjects/{CONTACT}/describe"))

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Run a query (all pages).

        Args:
            soql: The statement.

        Yields:
            Records.
        """
        yield from self.session.iter_query(soql)

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
        prefix = len(f"{self.session.base_url}/query?q=".encode())
        return find_contacts(self.query, emails, fields, url_prefix_bytes=prefix)

    def create(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """``POST composite/sobjects`` (never retried here: the caller re-checks first).

        Args:
            records: At most 200 Contacts (field -> value).

        Returns:
            One result per record, in order: ``{id, success, errors}``.
        """
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": CONTACT}, **r} for r in records],
        }
        response = self.session.request(
            "POST", "composite/sobjects", retry=False, json=body, headers=self.write_headers
        )
        return list(response.json())

    def update(self, records: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
        """``PATCH composite/sobjects`` (retries are the caller's).

        Args:
            records: At most 200 (Contact Id, changed fields).

        Returns:
            One result per record, in order.
        """
        body = {
            "allOrNone": False,
            "records": [
                {"attributes": {"type": CONTACT}, "id": contact_id, **values}
                for contact_id, values in records
            ],
        }
        response = self.session.request(
            "PATCH", "composite/sobjects", retry=False, json=body, headers=self.write_headers
        )
        return list(response.json())
