"""Which Contact a record is: ``match_keys`` tried in order, or all required to agree.

Each key is a Contact field. ``Email`` takes the record's email; the ``external_id_field``
takes the email key the target writes into it; any other field takes the record's value
mapped to that field. Each key is one batched lookup (one SOQL per packed chunk of values):
with ``match_mode: first`` only the records no earlier key matched are looked up by the next
key; with ``all`` every key is looked up and the Contacts they find must be the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from target_salesforce_contacts.api import CONTACT, ContactsApi
from target_salesforce_contacts.describe import ContactSchema
from target_salesforce_contacts.errors import MappingError
from target_salesforce_contacts.mapping import EMAIL
from target_salesforce_contacts.matching import find_records, value_key
from target_salesforce_contacts.planning import Incoming, Reject
from target_salesforce_contacts.settings import MatchMode, TargetSettings

MATCH_KEYS_DISAGREE = "MATCH_KEYS_DISAGREE"

Matches = dict[str, list[dict[str, Any]]]
"""Email key of a record -> its Contacts, oldest first."""


class ContactFinder:
    """Looks the Contacts of a batch up by the configured match keys."""

    def __init__(
        self,
        api: ContactsApi,
        keys: Sequence[str],
        mode: MatchMode,
        external_id: str | None = None,
    ) -> None:
        """Prepare; use :meth:`build` to check the keys.

        Args:
            api: The Salesforce calls.
            keys: The checked Contact fields, in order.
            mode: ``first`` or ``all``.
            external_id: The external-ID field holding the email key, if any.
        """
        self.api = api
        self.keys = list(keys)
        self.mode = mode
        self.external_id = external_id

    @classmethod
    def build(
        cls,
        api: ContactsApi,
        settings: TargetSettings,
        schema: ContactSchema,
        external_id: str | None,
    ) -> ContactFinder:
        """Check ``match_keys`` against the Contact describe.

        Args:
            api: The Salesforce calls.
            settings: The target settings.
            schema: The Contact fields.
            external_id: The checked ``external_id_field``.

        Returns:
            The finder.

        Raises:
            MappingError: An unknown, unfilterable or repeated key (one line).
        """
        keys: list[str] = []
        for name in settings.match_keys:
            f = schema.get(name)
            if f is None:
                raise MappingError(
                    f"match_keys: Contact has no field {name!r} in this org (use API names, "
                    "e.g. Email or Secondary_Email__c)"
                )
            if not f.filterable:
                raise MappingError(
                    f"match_keys: Contact.{f.name} is not filterable (type {f.type}); "
                    "Contacts cannot be looked up by it"
                )
            if f.name in keys:
                raise MappingError(f"match_keys lists Contact.{f.name} twice")
            keys.append(f.name)
        if not keys:
            keys = [EMAIL]
        return cls(api, keys, settings.match_mode, external_id)

    def value(self, item: Incoming, key: str) -> str | None:
        """The record's value for a match key (None: the record has none).

        Args:
            item: The record.
            key: The Contact field.

        Returns:
            The value as looked up.
        """
        if key == EMAIL:
            return item.email
        if key == self.external_id:
            return item.key
        raw = item.values.get(key)
        if raw is None or isinstance(raw, dict | list):
            return None
        text = str(raw).strip()
        return text or None

    def find(
        self, items: Sequence[Incoming], fields: Iterable[str]
    ) -> tuple[Matches, list[Reject]]:
        """The Contacts of each record, and the records whose keys disagree.

        Args:
            items: The batch (unique email keys).
            fields: Contact fields to read.

        Returns:
            (email key -> Contacts, rejects).
        """
        fields = sorted(set(fields))
        if self.keys == [EMAIL]:
            return self.api.find_by_email([str(i.email) for i in items], fields), []
        if self.mode is MatchMode.FIRST:
            return self._first(items, fields), []
        return self._all(items, fields)

    def _by_key(self, key: str, items: Sequence[Incoming], fields: list[str]) -> Matches:
        """One key's lookup for ``items``: email key -> Contacts."""
        values = {item.key: v for item in items if (v := self.value(item, key)) is not None}
        if not values:
            return {}
        if key == EMAIL:
            return self.api.find_by_email(list(values.values()), fields)
        found = find_records(
            self.api.query,
            sobject=CONTACT,
            field=key,
            values=values.values(),
            fields=[EMAIL, *fields],
            parallel=self.api.parallel,
            url_prefix_bytes=self.api.query_url_prefix_bytes,
        )
        return {
            item_key: found[value_key(v)] for item_key, v in values.items() if value_key(v) in found
        }

    def _first(self, items: Sequence[Incoming], fields: list[str]) -> Matches:
        matches: Matches = {}
        remaining = list(items)
        for key in self.keys:
            if not remaining:
                break
            matches.update(self._by_key(key, remaining, fields))
            remaining = [item for item in remaining if item.key not in matches]
        return matches

    def _all(self, items: Sequence[Incoming], fields: list[str]) -> tuple[Matches, list[Reject]]:
        per_key = {key: self._by_key(key, items, fields) for key in self.keys}
        matches: Matches = {}
        rejects: list[Reject] = []
        for item in items:
            found = {
                key: sorted(str(c["Id"]) for c in per_key[key].get(item.key, []))
                for key in self.keys
                if self.value(item, key) is not None
            }
            if len({tuple(ids) for ids in found.values()}) > 1:
                detail = "; ".join(f"{k}: {', '.join(v) or 'none'}" for k, v in found.items())
                rejects.append(
                    Reject(
                        item,
                        MATCH_KEYS_DISAGREE,
                        f"match_keys find different Contacts ({detail})",
                        list(found),
                    )
                )
                continue
            for key in found:
                if per_key[key].get(item.key):
                    matches[item.key] = per_key[key][item.key]
                    break
        return matches, rejects
